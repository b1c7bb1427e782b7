// Payment webhooks: POST /webhooks/stripe (Stripe-Signature, verified by the stripe SDK,
// 5-minute tolerance) and POST /webhooks/lemonsqueezy (X-Signature HMAC). The signature is
// checked over the raw body before anything is read or written; each event id is applied
// once (webhookEvents); both providers' events end in the one `apply` mutation, which keeps
// the provider's newest subscription state whatever order events arrive in, then recomputes
// the user's plan (lib/billingPlan.ts). Mocked payments send their events through here too.
import { emit } from "./notificationDelivery";
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { scheduleRefresh } from "./billing";
import { env, httpAction, internalMutation, type ActionCtx, type MutationCtx } from "./_generated/server";
import { graceMs, lemonConfig, STRIPE_TOLERANCE_SEC, stripeConfig } from "./lib/billingConfig";
import { parseLemonEvent, verifyLemonSignature } from "./lib/billingLemon";
import { syncPlan } from "./lib/billingPlan";
import { subscriptionWritten } from "./lib/revenueTotals";
import { stripeChange, verifyStripeEvent } from "./lib/billingStripe";
import { errorResponse } from "./lib/httpResponses";
import { notifyBilling } from "./lib/billingNotify";
import { PLAN_LIMITS } from "./lib/plans";
import { vBillingChange, vBillingProvider, type BillingChange, type BillingProvider } from "./validators";

const MAX_BODY = 1_000_000;

async function rawBody(request: Request): Promise<string | Response> {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY)
    return errorResponse("PAYLOAD_TOO_LARGE", "Webhook body too large");
  const raw = await request.text();
  return raw.length > MAX_BODY ? errorResponse("PAYLOAD_TOO_LARGE", "Webhook body too large") : raw;
}

/** The Stripe endpoint's whole path; the mock checkout calls it with the events it signs. */
export async function receiveStripe(ctx: ActionCtx, request: Request): Promise<Response> {
  const cfg = stripeConfig(env);
  if (cfg.mode === "off" || !cfg.webhookSecret)
    return errorResponse("UNAVAILABLE", "Stripe webhooks are not configured");
  const raw = await rawBody(request);
  if (raw instanceof Response) return raw;
  const signature = request.headers.get("stripe-signature");
  if (!signature) return errorResponse("INVALID", "Missing Stripe-Signature");
  let event;
  try {
    event = await verifyStripeEvent(cfg, raw, signature, STRIPE_TOLERANCE_SEC);
  } catch {
    return errorResponse("INVALID", "Stripe signature does not match, or the event is older than 5 minutes");
  }
  const change = stripeChange(event, cfg);
  if (!change) return Response.json({ result: "ignored" });
  const result = await ctx.runMutation(internal.billingWebhooks.apply, {
    provider: "stripe",
    eventId: event.id,
    type: event.type,
    at: event.created * 1000,
    mock: cfg.mode === "mock",
    change,
  });
  return Response.json({ result });
}

export async function receiveLemon(ctx: ActionCtx, request: Request): Promise<Response> {
  const cfg = lemonConfig(env);
  if (cfg.mode === "off" || !cfg.webhookSecret)
    return errorResponse("UNAVAILABLE", "Lemon Squeezy webhooks are not configured");
  const raw = await rawBody(request);
  if (raw instanceof Response) return raw;
  if (!(await verifyLemonSignature(raw, request.headers.get("x-signature"), cfg.webhookSecret))) {
    return errorResponse("INVALID", "X-Signature does not match");
  }
  const event = parseLemonEvent(raw, cfg);
  if (!event) return errorResponse("INVALID", "Not a Lemon Squeezy event");
  if (!event.change) return Response.json({ result: "ignored" });
  const result = await ctx.runMutation(internal.billingWebhooks.apply, {
    provider: "lemonsqueezy",
    eventId: event.eventId,
    type: event.type,
    at: event.at,
    mock: cfg.mode === "mock",
    change: event.change,
  });
  return Response.json({ result });
}

export const stripeWebhook = httpAction(receiveStripe);
export const lemonWebhook = httpAction(receiveLemon);

async function userFor(
  ctx: MutationCtx,
  provider: BillingProvider,
  change: BillingChange,
): Promise<Id<"users"> | null> {
  if (change.subscriptionId !== undefined) {
    const row = await subscriptionRow(ctx, provider, change.subscriptionId);
    if (row) return row.userId;
  }
  const customer = await ctx.db
    .query("billingCustomers")
    .withIndex("by_provider_and_customerId", (q) => q.eq("provider", provider).eq("customerId", change.customerId))
    .first();
  if (customer) return customer.userId;
  const hinted = change.userHint === undefined ? null : ctx.db.normalizeId("users", change.userHint);
  return hinted && (await ctx.db.get("users", hinted)) ? hinted : null;
}

async function subscriptionRow(ctx: MutationCtx, provider: BillingProvider, subscriptionId: string) {
  return await ctx.db
    .query("subscriptions")
    .withIndex("by_provider_and_subscriptionId", (q) => q.eq("provider", provider).eq("subscriptionId", subscriptionId))
    .unique();
}

/** Remembers which provider customer is this user (the first link wins). */
async function linkCustomer(
  ctx: MutationCtx,
  userId: Id<"users">,
  provider: BillingProvider,
  customerId: string,
  mock: boolean,
) {
  const existing = await ctx.db
    .query("billingCustomers")
    .withIndex("by_provider_and_customerId", (q) => q.eq("provider", provider).eq("customerId", customerId))
    .first();
  if (!existing)
    await ctx.db.insert("billingCustomers", {
      userId,
      provider,
      customerId,
      mock: mock || undefined,
      createdAt: Date.now(),
    });
}

/** Lexicographic [period start, event time]: a state applies only if it is not older than the stored one. */
const newer = (a: number[], b: number[]) => a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]);

async function startGrace(ctx: MutationCtx, sub: Doc<"subscriptions">, at: number): Promise<void> {
  if (sub.graceEndsAt !== undefined && sub.graceSince !== undefined && sub.graceSince <= at) return;
  const graceEndsAt = at + graceMs(env);
  await ctx.db.patch("subscriptions", sub._id, { graceSince: at, graceEndsAt, updatedAt: Date.now() });
  await notifyBilling(ctx, emit, "payment.failed", {
    userId: sub.userId,
    title: "Payment failed",
    message: `We could not charge your ${PLAN_LIMITS[sub.plan].name} subscription. You keep the plan until ${new Date(graceEndsAt).toISOString()}; update your payment method before then, or the account returns to Free.`,
  });
}

async function endGrace(ctx: MutationCtx, sub: Doc<"subscriptions">, at: number): Promise<void> {
  if (sub.graceSince !== undefined && at > sub.graceSince) {
    await ctx.db.patch("subscriptions", sub._id, {
      graceSince: undefined,
      graceEndsAt: undefined,
      updatedAt: Date.now(),
    });
  }
}

async function applySubscription(
  ctx: MutationCtx,
  userId: Id<"users">,
  provider: BillingProvider,
  c: Extract<BillingChange, { kind: "subscription" }>,
  at: number,
  mock: boolean,
): Promise<"applied" | "stale" | "unknown_plan"> {
  const now = Date.now();
  const version = [c.currentPeriodStart, at];
  const row = await subscriptionRow(ctx, provider, c.subscriptionId);
  const plan = c.plan ?? row?.plan;
  if (!plan) return "unknown_plan";
  // A canceled subscription is final at the provider: nothing older or newer revives it.
  if (row && (row.status === "canceled" || !newer(version, row.stateVersion))) return "stale";
  const fields = {
    plan,
    status: c.status,
    currentPeriodStart: c.currentPeriodStart,
    currentPeriodEnd: c.currentPeriodEnd,
    cancelAtPeriodEnd: c.cancelAtPeriodEnd,
    amountCents: c.amountCents,
    stateVersion: version,
    updatedAt: now,
  };
  const id = row
    ? (await ctx.db.patch("subscriptions", row._id, fields), row._id)
    : await ctx.db.insert("subscriptions", {
        userId,
        provider,
        customerId: c.customerId,
        subscriptionId: c.subscriptionId,
        ...fields,
        mock: mock || undefined,
        createdAt: now,
      });
  const sub = (await ctx.db.get("subscriptions", id))!;
  await subscriptionWritten(ctx, row ?? null, sub);
  if (c.status === "past_due" || c.status === "unpaid") await startGrace(ctx, sub, at);
  else if (c.status === "active" || c.status === "trialing") await endGrace(ctx, sub, at);
  return "applied";
}

export const apply = internalMutation({
  args: {
    provider: vBillingProvider,
    eventId: v.string(),
    type: v.string(),
    at: v.number(),
    mock: v.boolean(),
    change: vBillingChange,
  },
  returns: v.union(
    v.literal("applied"),
    v.literal("duplicate"),
    v.literal("unknown"),
    v.literal("stale"),
    v.literal("unknown_plan"),
  ),
  handler: async (ctx, { provider, eventId, type, at, mock, change }) => {
    const seen = await ctx.db
      .query("webhookEvents")
      .withIndex("by_source_and_eventId", (q) => q.eq("source", provider).eq("eventId", eventId))
      .first();
    if (seen) return "duplicate";
    const userId = await userFor(ctx, provider, change);
    // Not recorded: the provider retries, and a later delivery may find the user.
    if (!userId) return "unknown";
    await ctx.db.insert("webhookEvents", { source: provider, eventId, type, receivedAt: Date.now() });
    await linkCustomer(ctx, userId, provider, change.customerId, mock);

    let result: "applied" | "stale" | "unknown_plan" = "applied";
    if (change.kind === "subscription") {
      result = await applySubscription(ctx, userId, provider, change, at, mock);
    } else if (change.kind === "checkout") {
      // The session only names the subscription: until its own event arrives, a provisional
      // active row (version period 0, so any real state of it wins) gives the plan at once.
      if (
        change.subscriptionId !== undefined &&
        change.plan &&
        !(await subscriptionRow(ctx, provider, change.subscriptionId))
      ) {
        const month = 30 * 86_400_000;
        const id = await ctx.db.insert("subscriptions", {
          userId,
          provider,
          customerId: change.customerId,
          subscriptionId: change.subscriptionId,
          plan: change.plan,
          status: "active",
          currentPeriodStart: at,
          currentPeriodEnd: at + month,
          cancelAtPeriodEnd: false,
          amountCents: PLAN_LIMITS[change.plan].monthlyPriceCents,
          stateVersion: [0, at],
          mock: mock || undefined,
          createdAt: Date.now(),
          updatedAt: Date.now(),
        });
        await subscriptionWritten(ctx, null, await ctx.db.get("subscriptions", id));
      }
    } else {
      await recordInvoice(ctx, userId, provider, change, at, mock);
    }
    const { nextCheckAt } = await syncPlan(
      ctx,
      emit,
      userId,
      { kind: provider, eventId },
      `${provider === "stripe" ? "Stripe" : "Lemon Squeezy"} ${type}`,
    );
    await scheduleRefresh(ctx, userId, nextCheckAt);
    return result;
  },
});

async function recordInvoice(
  ctx: MutationCtx,
  userId: Id<"users">,
  provider: BillingProvider,
  c: Extract<BillingChange, { kind: "invoice" }>,
  at: number,
  mock: boolean,
): Promise<void> {
  const existing = await ctx.db
    .query("billingInvoices")
    .withIndex("by_provider_and_invoiceId", (q) => q.eq("provider", provider).eq("invoiceId", c.invoiceId))
    .unique();
  const status = c.paid ? "paid" : "failed";
  if (!existing) {
    await ctx.db.insert("billingInvoices", {
      userId,
      provider,
      invoiceId: c.invoiceId,
      subscriptionId: c.subscriptionId,
      status,
      amountCents: c.amountCents,
      currency: c.currency,
      periodStart: c.periodStart,
      periodEnd: c.periodEnd,
      url: c.url,
      mock: mock || undefined,
      createdAt: at,
    });
  } else if (c.paid && existing.status !== "paid") {
    // A paid invoice stays paid: a late payment_failed of the same invoice changes nothing.
    await ctx.db.patch("billingInvoices", existing._id, { status: "paid", amountCents: c.amountCents });
  }
  if (c.subscriptionId === undefined) return;
  const sub = await subscriptionRow(ctx, provider, c.subscriptionId);
  if (!sub) return;
  if (c.paid) await endGrace(ctx, sub, at);
  else if (existing?.status !== "paid") await startGrace(ctx, sub, at);
}
