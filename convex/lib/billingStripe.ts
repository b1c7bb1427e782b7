// Stripe, both ways: the SDK client (pointed at STRIPE_API_URL in tests: a fake on 127.0.0.1)
// and the mapping of verified events onto a BillingChange. Stripe's objects are the truth:
// a subscription event carries the whole subscription (status, current_period_*), and
// billingWebhooks.apply keeps the newest one whatever order events arrive in.
import Stripe from "stripe";
import type { BillingChange } from "../validators";
import { planOfPrice, type StripeConfig } from "./billingConfig";
import { fail } from "./errors";

/** Events that change billing state; every other type is acknowledged and ignored. */
export const STRIPE_EVENTS = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
  "invoice.payment_failed",
] as const;

export function stripeClient(cfg: StripeConfig): Stripe {
  return new Stripe(cfg.secretKey || "sk_unset", {
    // Convex's runtime has fetch, not Node's http module.
    httpClient: Stripe.createFetchHttpClient(),
    // The SDK retries once on connection errors, 409 and 5xx (with Stripe's idempotency keys); never on 429.
    maxNetworkRetries: 1,
    timeout: cfg.timeoutMs,
    ...(cfg.api ?? {}),
  });
}

/** A Stripe API call that failed, as the caller's stable error code: 429 → UPSTREAM_OVERLOADED, timeout → TIMEOUT, else UPSTREAM. */
export function stripeFailure(err: unknown): never {
  if (err instanceof Stripe.errors.StripeRateLimitError) {
    fail("UPSTREAM_OVERLOADED", "The payment provider is busy; try again in a minute", { retryAfterMs: 60_000 });
  }
  if (err instanceof Stripe.errors.StripeConnectionError && /timeout/i.test(err.message)) {
    fail("TIMEOUT", "The payment provider did not answer in time; try again in a minute");
  }
  fail("UPSTREAM", "The payment provider did not answer; try again in a minute");
}

/** Verifies `Stripe-Signature` (tolerance 5 minutes) and parses the event; throws when forged or stale. */
export async function verifyStripeEvent(cfg: StripeConfig, raw: string, signature: string, toleranceSec: number) {
  return await stripeClient(cfg).webhooks.constructEventAsync(
    raw,
    signature,
    cfg.webhookSecret,
    toleranceSec,
    Stripe.createSubtleCryptoProvider(),
  );
}

const idOf = (x: string | { id: string } | null | undefined): string | undefined =>
  typeof x === "string" ? x : x && typeof x.id === "string" ? x.id : undefined;

const ms = (sec: number | null | undefined): number | undefined => (typeof sec === "number" ? sec * 1000 : undefined);

type Loose = Record<string, any>;

/** A subscription object → its state. Periods sit on the subscription (older API versions) or its first item (2025+). */
export function subscriptionChange(sub: Loose, cfg: StripeConfig): BillingChange | undefined {
  const item = sub.items?.data?.[0] ?? {};
  const start = ms(sub.current_period_start ?? item.current_period_start);
  const end = ms(sub.current_period_end ?? item.current_period_end);
  const customerId = idOf(sub.customer);
  if (start === undefined || end === undefined || !customerId) return undefined;
  const metaPlan = sub.metadata?.plan;
  const plan =
    planOfPrice(cfg.prices, idOf(item.price)) ??
    (["starter", "pro", "business"].includes(metaPlan) ? metaPlan : undefined);
  return {
    kind: "subscription",
    subscriptionId: sub.id,
    customerId,
    userHint: typeof sub.metadata?.userId === "string" ? sub.metadata.userId : undefined,
    plan,
    status: sub.status,
    currentPeriodStart: start,
    currentPeriodEnd: end,
    cancelAtPeriodEnd:
      sub.cancel_at_period_end === true || (typeof sub.cancel_at === "number" && sub.status !== "canceled"),
    amountCents: (item.price?.unit_amount ?? 0) * (item.quantity ?? 1),
  };
}

function invoiceSubscription(inv: Loose): string | undefined {
  return idOf(inv.subscription) ?? idOf(inv.parent?.subscription_details?.subscription);
}

/** The change an event makes, or undefined when it makes none we track. */
export function stripeChange(event: Stripe.Event, cfg: StripeConfig): BillingChange | undefined {
  const obj = event.data.object as Loose;
  switch (event.type) {
    case "checkout.session.completed": {
      const customerId = idOf(obj.customer);
      if (!customerId || obj.mode !== "subscription") return undefined;
      const plan = obj.metadata?.plan;
      return {
        kind: "checkout",
        customerId,
        userHint: obj.client_reference_id ?? undefined,
        subscriptionId: idOf(obj.subscription),
        plan: ["starter", "pro", "business"].includes(plan) ? plan : undefined,
      };
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      return subscriptionChange(obj, cfg);
    case "invoice.paid":
    case "invoice.payment_failed": {
      const customerId = idOf(obj.customer);
      if (!customerId || typeof obj.id !== "string") return undefined;
      const period = obj.lines?.data?.[0]?.period;
      return {
        kind: "invoice",
        invoiceId: obj.id,
        customerId,
        userHint: obj.metadata?.userId,
        subscriptionId: invoiceSubscription(obj),
        paid: event.type === "invoice.paid",
        amountCents: event.type === "invoice.paid" ? (obj.amount_paid ?? 0) : (obj.amount_due ?? 0),
        currency: obj.currency ?? "usd",
        periodStart: ms(period?.start),
        periodEnd: ms(period?.end),
        url: obj.hosted_invoice_url ?? undefined,
      };
    }
    default:
      return undefined;
  }
}
