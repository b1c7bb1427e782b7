// Shared by the billing tests: provider settings in process.env (what Convex functions read),
// Stripe-shaped objects, and deliveries signed with Stripe's own test-header helper or Lemon
// Squeezy's documented HMAC, sent to the real HTTP routes.
import { createHmac } from "node:crypto";
import Stripe from "stripe";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { asUser, newConvexTest, type ConvexTest } from "../convexTest";
import { callerFor } from "../keys";

export const STRIPE_SECRET = "whsec_billing_tests_secret";
export const LEMON_SECRET = "lemon-billing-tests-secret";
export const PRICES = { starter: "price_starter", pro: "price_pro", business: "price_business" } as const;
export const VARIANTS = { starter: "101", pro: "102", business: "103" } as const;
export const DAY = 86_400_000;

/** Real (not mocked) Stripe and Lemon Squeezy settings, with `extra` on top. */
export function billingEnv(extra: Record<string, string | undefined> = {}) {
  const vars: Record<string, string | undefined> = {
    STRIPE_SECRET_KEY: "sk_test_billing",
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    STRIPE_PRICES: Object.entries(PRICES)
      .map(([p, id]) => `${p}=${id}`)
      .join(","),
    STRIPE_API_URL: undefined,
    STRIPE_TIMEOUT_MS: undefined,
    STRIPE_METER_EVENT: undefined,
    LEMONSQUEEZY_CHECKOUT_URL: "https://autocrea.lemonsqueezy.test",
    LEMONSQUEEZY_WEBHOOK_SECRET: LEMON_SECRET,
    LEMONSQUEEZY_VARIANTS: Object.entries(VARIANTS)
      .map(([p, id]) => `${p}=${id}`)
      .join(","),
    BILLING_GRACE_DAYS: "7",
    AUTOCREA_MOCK_SERVICES: undefined,
    AUTOCREA_ENV: undefined,
    ...extra,
  };
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** A fresh Convex with one user; `as` calls public functions as them. */
export async function withUser(t: ConvexTest = newConvexTest(), clerkId = "alice", email = `${clerkId}@example.com`) {
  const profile = await t.mutation(internal.users.meForEdge, { caller: callerFor(clerkId, { email }) });
  return { t, userId: profile.id as Id<"users">, as: asUser(t, clerkId, { email }) };
}

export async function makeAdmin(t: ConvexTest, clerkId = "root") {
  const { userId, as } = await withUser(t, clerkId);
  await t.mutation(internal.users.setRole, { clerkId, role: "admin" });
  return { userId, as };
}

const sec = (ms: number) => Math.floor(ms / 1000);

export type SubSpec = {
  id?: string;
  customer?: string;
  userId: string;
  plan?: keyof typeof PRICES;
  status?: string;
  start: number;
  end: number;
  cancelAtPeriodEnd?: boolean;
};

/** A Stripe subscription object (API 2025+: periods on the item). */
export function subscription(s: SubSpec) {
  const plan = s.plan ?? "pro";
  return {
    id: s.id ?? "sub_1",
    object: "subscription",
    customer: s.customer ?? "cus_1",
    status: s.status ?? "active",
    cancel_at_period_end: s.cancelAtPeriodEnd ?? false,
    metadata: { userId: s.userId, plan },
    items: {
      object: "list",
      data: [
        {
          id: "si_1",
          quantity: 1,
          price: { id: PRICES[plan], unit_amount: 4900 },
          current_period_start: sec(s.start),
          current_period_end: sec(s.end),
        },
      ],
    },
  };
}

export function invoice(opts: {
  id: string;
  subscription?: string;
  customer?: string;
  paid: boolean;
  amount?: number;
}) {
  return {
    id: opts.id,
    object: "invoice",
    customer: opts.customer ?? "cus_1",
    amount_paid: opts.paid ? (opts.amount ?? 4900) : 0,
    amount_due: opts.amount ?? 4900,
    currency: "usd",
    hosted_invoice_url: `https://invoice.stripe.test/${opts.id}`,
    parent: { subscription_details: { subscription: opts.subscription ?? "sub_1" } },
  };
}

export function stripeEvent(id: string, type: string, object: unknown, createdMs = Date.now()): string {
  return JSON.stringify({ id, object: "event", type, created: sec(createdMs), livemode: false, data: { object } });
}

const stripe = new Stripe("sk_test_helpers");

/** POST /webhooks/stripe with a header from Stripe's own generateTestHeaderString. */
export async function sendStripe(
  t: ConvexTest,
  payload: string,
  opts: { secret?: string; timestampMs?: number; header?: string | null } = {},
) {
  const header =
    opts.header !== undefined
      ? opts.header
      : stripe.webhooks.generateTestHeaderString({
          payload,
          secret: opts.secret ?? STRIPE_SECRET,
          timestamp: opts.timestampMs === undefined ? undefined : sec(opts.timestampMs),
        });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (header !== null) headers["stripe-signature"] = header;
  const res = await t.fetch("/webhooks/stripe", { method: "POST", headers, body: payload });
  return { status: res.status, body: (await res.json()) as any };
}

/** A Lemon Squeezy subscription webhook body. */
export function lemonSubscription(
  event: string,
  s: {
    id?: string;
    userId: string;
    plan?: keyof typeof VARIANTS;
    status?: string;
    renewsAt: number;
    updatedAt: number;
    customerId?: number;
  },
) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return JSON.stringify({
    meta: { event_name: event, custom_data: { user_id: s.userId } },
    data: {
      type: "subscriptions",
      id: s.id ?? "9001",
      attributes: {
        customer_id: s.customerId ?? 77,
        variant_id: Number(VARIANTS[s.plan ?? "pro"]),
        status: s.status ?? "active",
        renews_at: iso(s.renewsAt),
        ends_at: null,
        created_at: iso(s.updatedAt),
        updated_at: iso(s.updatedAt),
      },
    },
  });
}

export function lemonInvoice(
  event: string,
  s: { id: string; subscriptionId?: string; userId: string; updatedAt: number },
) {
  const iso = new Date(s.updatedAt).toISOString();
  return JSON.stringify({
    meta: { event_name: event, custom_data: { user_id: s.userId } },
    data: {
      type: "subscription-invoices",
      id: s.id,
      attributes: {
        subscription_id: Number(s.subscriptionId ?? "9001"),
        customer_id: 77,
        total: 4900,
        currency: "USD",
        status: "paid",
        created_at: iso,
        updated_at: iso,
      },
    },
  });
}

/** POST /webhooks/lemonsqueezy with X-Signature = hex HMAC-SHA256 of the raw body. */
export async function sendLemon(t: ConvexTest, body: string, secret = LEMON_SECRET) {
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  const res = await t.fetch("/webhooks/lemonsqueezy", {
    method: "POST",
    headers: { "content-type": "application/json", "x-signature": signature },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

export async function rows(t: ConvexTest, userId: Id<"users">) {
  return await t.run(async (ctx) => ({
    user: (await ctx.db.get("users", userId))!,
    subscriptions: await ctx.db.query("subscriptions").collect(),
    audit: await ctx.db
      .query("billingAudit")
      .withIndex("by_userId_and_at", (q) => q.eq("userId", userId))
      .collect(),
    notifications: await ctx.db
      .query("notifications")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .collect(),
    events: await ctx.db.query("webhookEvents").collect(),
    invoices: await ctx.db.query("billingInvoices").collect(),
  }));
}
