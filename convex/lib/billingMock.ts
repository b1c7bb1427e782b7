// Mocked payments: the events Stripe or Lemon Squeezy would send, built and signed the way
// they sign them, so the real webhook path (verification included) is what runs. Every
// object says mock (ids start with `*_mock_`, metadata.mock = "true", livemode false).
import Stripe from "stripe";
import type { Plan, SubscriptionStatus } from "../validators";
import { lemonSignature } from "./billingLemon";
import type { PaidPlan } from "./billingConfig";
import { PLAN_LIMITS } from "./plans";

export type MockSubscription = {
  subscriptionId: string;
  customerId: string;
  userId: string;
  plan: Plan;
  status: SubscriptionStatus;
  periodStart: number;
  periodEnd: number;
  cancelAtPeriodEnd: boolean;
};

/** The same time one month later (a monthly period's end). */
export function monthAfter(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  );
}

const sec = (ms: number) => Math.floor(ms / 1000);

export function stripeSubscriptionObject(s: MockSubscription, prices: Partial<Record<PaidPlan, string>>) {
  return {
    id: s.subscriptionId,
    object: "subscription",
    customer: s.customerId,
    status: s.status,
    cancel_at_period_end: s.cancelAtPeriodEnd,
    livemode: false,
    metadata: { userId: s.userId, plan: s.plan, mock: "true" },
    items: {
      object: "list",
      data: [
        {
          id: `si_mock_${s.subscriptionId}`,
          quantity: 1,
          price: {
            id: s.plan === "free" ? "" : (prices[s.plan] ?? ""),
            unit_amount: PLAN_LIMITS[s.plan].monthlyPriceCents,
          },
          current_period_start: sec(s.periodStart),
          current_period_end: sec(s.periodEnd),
        },
      ],
    },
  };
}

export function stripeInvoiceObject(s: MockSubscription, invoiceId: string, paid: boolean) {
  const amount = PLAN_LIMITS[s.plan].monthlyPriceCents;
  return {
    id: invoiceId,
    object: "invoice",
    customer: s.customerId,
    livemode: false,
    status: paid ? "paid" : "open",
    amount_paid: paid ? amount : 0,
    amount_due: amount,
    currency: "usd",
    metadata: { userId: s.userId, mock: "true" },
    parent: { subscription_details: { subscription: s.subscriptionId } },
    lines: { data: [{ period: { start: sec(s.periodStart), end: sec(s.periodEnd) } }] },
  };
}

export type SignedDelivery = { path: string; headers: Record<string, string>; body: string };

/** A Stripe event around `object`, signed with the webhook secret as Stripe signs it. */
export async function signedStripeEvent(
  id: string,
  type: string,
  object: unknown,
  secret: string,
  now: number,
): Promise<SignedDelivery> {
  const body = JSON.stringify({ id, object: "event", type, created: sec(now), livemode: false, data: { object } });
  const stripe = new Stripe("sk_mock", { httpClient: Stripe.createFetchHttpClient() });
  const header = await stripe.webhooks.generateTestHeaderStringAsync({
    payload: body,
    secret,
    timestamp: sec(now),
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  return {
    path: "/webhooks/stripe",
    headers: { "content-type": "application/json", "stripe-signature": header },
    body,
  };
}

const LEMON_STATUS: Partial<Record<SubscriptionStatus, string>> = {
  active: "active",
  trialing: "on_trial",
  past_due: "past_due",
  unpaid: "unpaid",
  canceled: "expired",
};

/** A Lemon Squeezy webhook body for `s` (event `name`), signed with X-Signature. */
export async function signedLemonEvent(
  name: string,
  s: MockSubscription,
  variants: Partial<Record<PaidPlan, string>>,
  secret: string,
  now: number,
  invoice?: { id: string; paid: boolean },
): Promise<SignedDelivery> {
  const iso = new Date(now).toISOString();
  const data = invoice
    ? {
        type: "subscription-invoices",
        id: invoice.id,
        attributes: {
          subscription_id: s.subscriptionId,
          customer_id: s.customerId,
          status: invoice.paid ? "paid" : "failed",
          total: PLAN_LIMITS[s.plan].monthlyPriceCents,
          currency: "USD",
          test_mode: true,
          created_at: iso,
          updated_at: iso,
        },
      }
    : {
        type: "subscriptions",
        id: s.subscriptionId,
        attributes: {
          customer_id: s.customerId,
          variant_id: s.plan === "free" ? "" : (variants[s.plan] ?? ""),
          status: s.cancelAtPeriodEnd && s.status === "active" ? "cancelled" : (LEMON_STATUS[s.status] ?? "active"),
          cancelled: s.cancelAtPeriodEnd,
          renews_at: new Date(s.periodEnd).toISOString(),
          ends_at: s.cancelAtPeriodEnd ? new Date(s.periodEnd).toISOString() : null,
          test_mode: true,
          created_at: iso,
          updated_at: iso,
        },
      };
  const body = JSON.stringify({
    meta: { event_name: name, test_mode: true, custom_data: { user_id: s.userId, mock: "true" } },
    data,
  });
  return {
    path: "/webhooks/lemonsqueezy",
    headers: {
      "content-type": "application/json",
      "x-signature": await lemonSignature(body, secret),
      "x-event-name": name,
    },
    body,
  };
}
