// Billing for the signed-in user: the plan catalogue, checkout and the billing portal (Stripe,
// or Lemon Squeezy, or mocked payments), the current period's usage against the plan, past
// periods and invoices. The plan itself changes only through the providers' verified
// webhooks (billingWebhooks.ts), an administrator (admin.ts), or time (refreshPlan).
import { emit } from "./notificationDelivery";
import { omit } from "convex-helpers";
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { env, internalMutation, query, type MutationCtx } from "./_generated/server";
import { userAction, userQuery } from "./lib/auth";
import { lemonConfig, requirePaidPlan, returnUrl, stripeConfig } from "./lib/billingConfig";
import { lemonCheckoutUrl } from "./lib/billingLemon";
import { calendarMonth, syncPlan } from "./lib/billingPlan";
import { stripeClient, stripeFailure } from "./lib/billingStripe";
import { periodDays, userPeriod } from "./lib/billingUsage";
import { errorData, fail } from "./lib/errors";
import { defaultPaymentProvider, paymentMode } from "./lib/mockServices";
import { boundedPage, EMPTY_PAGE } from "./lib/pagination";
import { PLAN_LIMITS, PLANS } from "./lib/plans";
import { DAY_MS, sumRows, userDays } from "./lib/usageRollup";
import {
  vBillingProvider,
  vBillingSummary,
  vDeployPool,
  vInvoice,
  vPlan,
  vUsageTotals,
  type BillingProvider,
} from "./validators";

const nullableNumber = v.union(v.number(), v.null());
const vPlanInfo = v.object({
  plan: vPlan,
  name: v.string(),
  monthlyPriceCents: v.number(),
  dailyRequests: nullableNumber,
  dailyTokens: nullableNumber,
  models: v.array(v.string()),
  deployPool: vDeployPool,
  maxProjects: v.number(),
  maxStoredBytes: v.number(),
});

function planInfo(plan: (typeof PLANS)[number]) {
  const p = PLAN_LIMITS[plan];
  return {
    plan,
    name: p.name,
    monthlyPriceCents: p.monthlyPriceCents,
    dailyRequests: p.dailyRequests,
    dailyTokens: p.dailyTokens,
    models: p.models,
    deployPool: p.deployPool,
    maxProjects: p.maxProjects,
    maxStoredBytes: p.maxStoredBytes,
  };
}

/** The plan catalogue. Public on purpose (a pricing page shows it before sign-in): it reads no user data. */
export const plans = query({
  args: {},
  returns: v.array(vPlanInfo),
  handler: async () => PLANS.map(planInfo),
});

const vPeriodView = v.object({
  start: v.number(),
  end: v.number(),
  from: v.string(),
  to: v.string(),
  days: v.number(),
});
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The caller's plan now, its period, usage in the period (from the daily rollups: one read
 * per day) and today's usage against the daily limits, and what happens at the period's end.
 * `today` ("YYYY-MM-DD", the browser's UTC day) places a free user's calendar month and
 * counts days left; queries do not read the clock.
 */
export const current = userQuery({
  args: { today: v.optional(v.string()) },
  returns: v.object({
    plan: vPlanInfo,
    billing: vBillingSummary,
    period: vPeriodView,
    usage: vUsageTotals,
    /** Today's usage against the daily limits (null without `today`, or when it is outside the period). */
    today: v.union(v.object({ day: v.string(), requests: v.number(), totalTokens: v.number() }), v.null()),
    daysLeft: v.union(v.number(), v.null()),
  }),
  handler: async (ctx, { today }) => {
    if (today !== undefined && (!DAY_RE.test(today) || Number.isNaN(Date.parse(`${today}T00:00:00Z`)))) {
      fail("INVALID", "today must be a UTC day as YYYY-MM-DD", { field: "today" });
    }
    const user = ctx.user;
    const todayMs = today === undefined ? undefined : Date.parse(`${today}T00:00:00Z`);
    const summary = user?.billing ?? { source: "free" as const, atPeriodEnd: "renews" as const };
    const bounds =
      summary.periodStart !== undefined && summary.periodEnd !== undefined
        ? { start: summary.periodStart, end: summary.periodEnd }
        : calendarMonth(todayMs ?? user?.updatedAt ?? 0);
    const period = periodDays(bounds.start, bounds.end);
    const rows = user ? await userDays(ctx, user._id, period.from, period.to) : [];
    const inPeriod = today !== undefined && today >= period.from && today <= period.to;
    const todayRow = inPeriod ? rows.find((r) => r.day === today) : undefined;
    return {
      plan: planInfo(user?.plan ?? "free"),
      billing: summary,
      period,
      usage: sumRows(rows),
      today: inPeriod
        ? { day: today, requests: todayRow?.requests ?? 0, totalTokens: todayRow?.totalTokens ?? 0 }
        : null,
      daysLeft:
        todayMs === undefined
          ? null
          : Math.max(0, Math.round((Date.parse(`${period.to}T00:00:00Z`) - todayMs) / DAY_MS) + 1),
    };
  },
});

/** The caller's usage in their billing period that starts in `period` ("YYYY-MM"). */
export const usage = userQuery({
  args: { period: v.string() },
  returns: v.object({ period: vPeriodView, usage: vUsageTotals }),
  handler: async (ctx, { period }) => {
    const user = ctx.user;
    const bounds = userPeriod(user?.billing?.periodStart, period);
    const days = periodDays(bounds.start, bounds.end);
    return { period: days, usage: sumRows(user ? await userDays(ctx, user._id, days.from, days.to) : []) };
  },
});

/** An invoice as its owner sees it: the row without the internal ids, `mock` always said. */
const vInvoiceView = vInvoice.omit("userId", "subscriptionId").extend({ mock: v.boolean() });

/** The caller's invoices, newest first, as the providers' paid/failed events reported them. */
export const invoices = userQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: v.object({ page: v.array(vInvoiceView), isDone: v.boolean(), continueCursor: v.string() }),
  handler: async (ctx, { paginationOpts }) => {
    if (!ctx.user) return EMPTY_PAGE;
    const userId = ctx.user._id;
    const res = await ctx.db
      .query("billingInvoices")
      .withIndex("by_userId_and_createdAt", (q) => q.eq("userId", userId))
      .order("desc")
      .paginate(boundedPage(paginationOpts, 50));
    return {
      page: res.page.map((i) => ({
        ...omit(i, ["_id", "_creationTime", "userId", "subscriptionId"]),
        mock: i.mock ?? false,
      })),
      isDone: res.isDone,
      continueCursor: res.continueCursor,
    };
  },
});

/** Longest single wait: a later deadline is reached in hops (timers over ~24.8 days overflow in Node-based test runtimes). */
const MAX_WAIT_MS = 20 * DAY_MS;

/** Schedules refreshPlan for `userId` at `at` (or an intermediate hop); a passed deadline schedules nothing. */
export async function scheduleRefresh(ctx: MutationCtx, userId: Id<"users">, at: number | undefined): Promise<void> {
  const now = Date.now();
  if (at === undefined || at <= now) return;
  await ctx.scheduler.runAt(Math.min(at, now + MAX_WAIT_MS), internal.billing.refreshPlan, { userId });
}

/** Scheduled at a period end, grace end or override expiry: recomputes the user's plan. */
export const refreshPlan = internalMutation({
  args: { userId: v.id("users") },
  returns: v.null(),
  handler: async (ctx, { userId }) => {
    const { nextCheckAt } = await syncPlan(
      ctx,
      emit,
      userId,
      { kind: "schedule" },
      "a period, grace period or override ended",
    );
    await scheduleRefresh(ctx, userId, nextCheckAt);
    return null;
  },
});

// ---------- checkout and portal ----------

/** `provider` when asked and configured, else the default one (what GET /health reports as the payments mode). */
function chooseProvider(asked: BillingProvider | undefined): BillingProvider {
  const provider = asked ?? defaultPaymentProvider(env);
  if (!provider || paymentMode(provider, env) === "off") fail("UNAVAILABLE", "Payments are not configured");
  return provider;
}

function upstream(err: unknown): never {
  if (errorData(err)) throw err;
  stripeFailure(err);
}

/** The URL of a checkout for `plan`: Stripe Checkout, a Lemon Squeezy checkout, or the local mock page. */
export const checkout = userAction({
  args: { plan: vPlan, provider: v.optional(vBillingProvider) },
  returns: v.object({ url: v.string(), provider: vBillingProvider, mock: v.boolean() }),
  handler: async (ctx, args): Promise<{ url: string; provider: "stripe" | "lemonsqueezy"; mock: boolean }> => {
    const plan = requirePaidPlan(args.plan);
    const provider = chooseProvider(args.provider);
    const prep = await ctx.runMutation(internal.billingCustomers.prepareCheckout, {
      caller: ctx.caller,
      provider,
      plan,
    });
    if ((provider === "stripe" ? stripeConfig(env).mode : lemonConfig(env).mode) === "mock") {
      const url: string = await ctx.runMutation(internal.stripeMock.createCheckout, {
        userId: prep.userId,
        provider,
        plan,
      });
      return { url, provider, mock: true };
    }
    if (provider === "lemonsqueezy") {
      const url = lemonCheckoutUrl(lemonConfig(env), plan, prep.userId, prep.email);
      if (!url) fail("UNAVAILABLE", `No Lemon Squeezy variant is configured for ${plan}`);
      return { url, provider, mock: false };
    }
    const cfg = stripeConfig(env);
    const price = cfg.prices[plan];
    if (!price) fail("UNAVAILABLE", `No Stripe price is configured for ${plan}`);
    const stripe = stripeClient(cfg);
    try {
      let customerId = prep.customerId;
      if (!customerId) {
        // The idempotency key makes two concurrent first checkouts create one customer.
        const created = await stripe.customers.create(
          { email: prep.email || undefined, metadata: { userId: prep.userId } },
          { idempotencyKey: `autocrea-customer-${prep.userId}` },
        );
        customerId = await ctx.runMutation(internal.billingCustomers.saveCustomer, {
          userId: prep.userId,
          provider,
          customerId: created.id,
          mock: false,
        });
      }
      const back = returnUrl(env);
      const session = await stripe.checkout.sessions.create({
        mode: "subscription",
        customer: customerId,
        client_reference_id: prep.userId,
        line_items: [{ price, quantity: 1 }],
        success_url: `${back}?checkout=success`,
        cancel_url: `${back}?checkout=canceled`,
        metadata: { userId: prep.userId, plan },
        subscription_data: { metadata: { userId: prep.userId, plan } },
      });
      if (!session.url) fail("UPSTREAM", "Stripe returned a checkout session without a URL");
      return { url: session.url, provider, mock: false };
    } catch (err) {
      return upstream(err);
    }
  },
});

/** The URL of the caller's billing portal (change plan, payment method, cancel). NOT_FOUND before a first checkout. */
export const portal = userAction({
  args: { provider: v.optional(vBillingProvider) },
  returns: v.object({ url: v.string(), provider: vBillingProvider, mock: v.boolean() }),
  handler: async (ctx, args): Promise<{ url: string; provider: "stripe" | "lemonsqueezy"; mock: boolean }> => {
    const provider = chooseProvider(args.provider);
    const prep = await ctx.runMutation(internal.billingCustomers.prepareCheckout, {
      caller: ctx.caller,
      provider,
    });
    if (!prep.customerId) fail("NOT_FOUND", "No billing account yet: choose a plan first");
    const cfg = stripeConfig(env);
    if ((provider === "stripe" ? cfg.mode : lemonConfig(env).mode) === "mock") {
      return {
        url: await ctx.runMutation(internal.stripeMock.portalUrl, { userId: prep.userId, provider }),
        provider,
        mock: true,
      };
    }
    if (provider === "lemonsqueezy") return { url: `${lemonConfig(env).checkoutUrl}/billing`, provider, mock: false };
    try {
      const session = await stripeClient(cfg).billingPortal.sessions.create({
        customer: prep.customerId,
        return_url: returnUrl(env),
      });
      return { url: session.url, provider, mock: false };
    } catch (err) {
      return upstream(err);
    }
  },
});
