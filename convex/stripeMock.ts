// Mocked payments (Stripe or Lemon Squeezy listed in AUTOCREA_MOCK_SERVICES; never in
// production): billing.checkout returns GET /billing/mock/checkout?id=…, a local page; its
// Confirm button POSTs /billing/mock/confirm, which signs the events the provider would send
// and hands them to the real webhook handlers (signature checks included), so the plan changes
// exactly as it would after a real payment. /billing/mock/portal does the same for a cancel,
// a resume, a failed or a successful renewal.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { env, httpAction, internalMutation, internalQuery, type ActionCtx } from "./_generated/server";
import { receiveLemon, receiveStripe } from "./billingWebhooks";
import { lemonConfig, stripeConfig } from "./lib/billingConfig";
import {
  monthAfter,
  signedLemonEvent,
  signedStripeEvent,
  stripeInvoiceObject,
  stripeSubscriptionObject,
  type MockSubscription,
  type SignedDelivery,
} from "./lib/billingMock";
import { subscriptionsOf } from "./lib/billingPlan";
import { errorResponse, responseForError } from "./lib/httpResponses";
import { fail } from "./lib/errors";
import { PLAN_LIMITS } from "./lib/plans";
import { vBillingProvider, vPlan, vSubscriptionStatus, type BillingProvider } from "./validators";

const site = () => (env.CONVEX_SITE_URL ?? "").replace(/\/+$/, "");
const mockCustomerId = (provider: BillingProvider, userId: string) =>
  provider === "stripe" ? `cus_mock_${userId}` : `mock-customer-${userId}`;

export const createCheckout = internalMutation({
  args: { userId: v.id("users"), provider: vBillingProvider, plan: vPlan },
  returns: v.string(),
  handler: async (ctx, { userId, provider, plan }) => {
    const customerId = mockCustomerId(provider, userId);
    const known = await ctx.db
      .query("billingCustomers")
      .withIndex("by_userId_and_provider", (q) => q.eq("userId", userId).eq("provider", provider))
      .first();
    if (!known)
      await ctx.db.insert("billingCustomers", { userId, provider, customerId, mock: true, createdAt: Date.now() });
    const id = await ctx.db.insert("mockCheckouts", {
      userId,
      provider,
      plan,
      customerId: known?.customerId ?? customerId,
      createdAt: Date.now(),
    });
    return `${site()}/billing/mock/checkout?id=${id}`;
  },
});

export const portalUrl = internalMutation({
  args: { userId: v.id("users"), provider: vBillingProvider },
  returns: v.string(),
  handler: async (_ctx, { userId, provider }) => `${site()}/billing/mock/portal?user=${userId}&provider=${provider}`,
});

/** Marks a mock checkout confirmed (once) and returns what its events need. */
export const confirm = internalMutation({
  args: { id: v.string() },
  returns: v.object({ userId: v.id("users"), provider: vBillingProvider, plan: vPlan, customerId: v.string() }),
  handler: async (ctx, { id }) => {
    const checkoutId = ctx.db.normalizeId("mockCheckouts", id);
    const row = checkoutId ? await ctx.db.get("mockCheckouts", checkoutId) : null;
    if (!row) fail("NOT_FOUND", "No such mock checkout");
    if (row.confirmedAt !== undefined) fail("CONFLICT", "This mock checkout was confirmed already");
    await ctx.db.patch("mockCheckouts", row._id, { confirmedAt: Date.now() });
    return { userId: row.userId, provider: row.provider, plan: row.plan, customerId: row.customerId };
  },
});

const vMockSubscription = v.object({
  subscriptionId: v.string(),
  customerId: v.string(),
  userId: v.string(),
  plan: vPlan,
  status: vSubscriptionStatus,
  periodStart: v.number(),
  periodEnd: v.number(),
  cancelAtPeriodEnd: v.boolean(),
});

/** The user's newest mock subscription at `provider`, as the mock provider's own state. */
export const latestSubscription = internalQuery({
  args: { userId: v.string(), provider: vBillingProvider },
  returns: v.union(vMockSubscription, v.null()),
  handler: async (ctx, { userId, provider }) => {
    const id = ctx.db.normalizeId("users", userId);
    if (!id) return null;
    const row = (await subscriptionsOf(ctx, id)).find((s) => s.provider === provider && s.mock === true);
    if (!row) return null;
    return {
      subscriptionId: row.subscriptionId,
      customerId: row.customerId,
      userId,
      plan: row.plan,
      status: row.status,
      periodStart: row.currentPeriodStart,
      periodEnd: row.currentPeriodEnd,
      cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    };
  },
});

async function deliver(ctx: ActionCtx, provider: BillingProvider, events: SignedDelivery[]): Promise<unknown[]> {
  const results = [];
  for (const e of events) {
    const request = new Request(`https://mock.invalid${e.path}`, { method: "POST", headers: e.headers, body: e.body });
    const res = provider === "stripe" ? await receiveStripe(ctx, request) : await receiveLemon(ctx, request);
    results.push(await res.json());
  }
  return results;
}

/** The events a provider sends for `action` on subscription `s` (state after the action). */
async function eventsFor(provider: BillingProvider, action: string, s: MockSubscription, tag: string, now: number) {
  const stripe = stripeConfig(env);
  const lemon = lemonConfig(env);
  const invoiceId = provider === "stripe" ? `in_mock_${tag}` : `mock-invoice-${tag}`;
  if (provider === "stripe") {
    const sign = (n: number, type: string, obj: unknown) =>
      signedStripeEvent(`evt_mock_${tag}_${n}`, type, obj, stripe.webhookSecret, now);
    const sub = stripeSubscriptionObject(s, stripe.prices);
    if (action === "checkout") {
      const session = {
        id: `cs_mock_${tag}`,
        object: "checkout.session",
        mode: "subscription",
        customer: s.customerId,
        subscription: s.subscriptionId,
        client_reference_id: s.userId,
        metadata: { userId: s.userId, plan: s.plan, mock: "true" },
      };
      return [
        await sign(1, "checkout.session.completed", session),
        await sign(2, "customer.subscription.created", sub),
        await sign(3, "invoice.paid", stripeInvoiceObject(s, invoiceId, true)),
      ];
    }
    if (action === "fail_payment")
      return [
        await sign(1, "invoice.payment_failed", stripeInvoiceObject(s, invoiceId, false)),
        await sign(2, "customer.subscription.updated", sub),
      ];
    if (action === "renew")
      return [
        await sign(1, "invoice.paid", stripeInvoiceObject(s, invoiceId, true)),
        await sign(2, "customer.subscription.updated", sub),
      ];
    return [await sign(1, "customer.subscription.updated", sub)];
  }
  const sign = (name: string, invoice?: { id: string; paid: boolean }) =>
    signedLemonEvent(name, s, lemon.variants, lemon.webhookSecret, now, invoice);
  if (action === "checkout")
    return [
      await sign("subscription_created"),
      await sign("subscription_payment_success", { id: invoiceId, paid: true }),
    ];
  if (action === "fail_payment")
    return [
      await sign("subscription_payment_failed", { id: invoiceId, paid: false }),
      await sign("subscription_updated"),
    ];
  if (action === "renew")
    return [
      await sign("subscription_payment_success", { id: invoiceId, paid: true }),
      await sign("subscription_updated"),
    ];
  return [await sign(action === "cancel" ? "subscription_cancelled" : "subscription_updated")];
}

function isMocked(provider: BillingProvider): boolean {
  return (provider === "stripe" ? stripeConfig(env).mode : lemonConfig(env).mode) === "mock";
}

const page = (title: string, body: string) =>
  new Response(
    `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">` +
      `<p style="background:#fde68a;padding:.5rem">MOCK PAYMENTS: no money moves. The buttons send the provider's signed webhooks to this backend.</p>${body}</body>`,
    { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } },
  );

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const checkoutPage = httpAction(async (ctx, request) => {
  const id = new URL(request.url).searchParams.get("id") ?? "";
  return page(
    "Mock checkout",
    `<h1>Mock checkout</h1><form method="post" action="${site()}/billing/mock/confirm"><input type="hidden" name="id" value="${escape(id)}"><button>Confirm and pay</button></form>`,
  );
});

async function formOrJson(request: Request): Promise<Record<string, string>> {
  const text = await request.text();
  if ((request.headers.get("content-type") ?? "").includes("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text || "{}");
    } catch {
      fail("INVALID", "Body is not valid JSON");
    }
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, string>) : {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** Confirms a mock checkout: the provider's checkout events, signed, through the real webhook path. */
export const confirmCheckout = httpAction(async (ctx, request) => {
  try {
    const form = await formOrJson(request);
    const c = await ctx.runMutation(internal.stripeMock.confirm, { id: String(form.id ?? "") });
    if (!isMocked(c.provider)) return errorResponse("UNAVAILABLE", "Payments are not mocked");
    const now = Date.now();
    const s: MockSubscription = {
      subscriptionId: c.provider === "stripe" ? `sub_mock_${String(form.id)}` : `mock-sub-${String(form.id)}`,
      customerId: c.customerId,
      userId: c.userId,
      plan: c.plan,
      status: "active",
      periodStart: now,
      periodEnd: monthAfter(now),
      cancelAtPeriodEnd: false,
    };
    const results = await deliver(ctx, c.provider, await eventsFor(c.provider, "checkout", s, String(form.id), now));
    return Response.json({ ok: true, mock: true, plan: c.plan, results });
  } catch (err) {
    return responseForError(err);
  }
});

const PORTAL_ACTIONS = ["cancel", "resume", "fail_payment", "renew"] as const;

export const portalPage = httpAction(async (ctx, request) => {
  const q = new URL(request.url).searchParams;
  const buttons = PORTAL_ACTIONS.map((a) => `<button name="action" value="${a}">${a.replace("_", " ")}</button>`).join(
    " ",
  );
  return page(
    "Mock billing portal",
    `<h1>Mock billing portal</h1><form method="post" action="${site()}/billing/mock/portal"><input type="hidden" name="user" value="${escape(q.get("user") ?? "")}"><input type="hidden" name="provider" value="${escape(q.get("provider") ?? "")}">${buttons}</form>`,
  );
});

/** A portal action on the user's mock subscription, sent as the provider's signed events. */
export const portalAction = httpAction(async (ctx, request) => {
  try {
    const form = await formOrJson(request);
    const provider = form.provider === "lemonsqueezy" ? "lemonsqueezy" : "stripe";
    const action = (PORTAL_ACTIONS as readonly string[]).includes(form.action) ? form.action : undefined;
    if (!action) return errorResponse("INVALID", `action must be one of ${PORTAL_ACTIONS.join(", ")}`);
    if (!isMocked(provider)) return errorResponse("UNAVAILABLE", "Payments are not mocked");
    const current = await ctx.runQuery(internal.stripeMock.latestSubscription, {
      userId: String(form.user ?? ""),
      provider,
    });
    if (!current) return errorResponse("NOT_FOUND", "No mock subscription for this user");
    const now = Date.now();
    const s: MockSubscription = { ...current };
    if (action === "cancel") s.cancelAtPeriodEnd = true;
    if (action === "resume") s.cancelAtPeriodEnd = false;
    if (action === "fail_payment") s.status = "past_due";
    if (action === "renew")
      Object.assign(s, { status: "active", periodStart: s.periodEnd, periodEnd: monthAfter(s.periodEnd) });
    const tag = `${s.subscriptionId}_${action}_${now}`;
    const results = await deliver(ctx, provider, await eventsFor(provider, action, s, tag, now));
    return Response.json({ ok: true, mock: true, action, plan: PLAN_LIMITS[s.plan].name, results });
  } catch (err) {
    return responseForError(err);
  }
});
