// Administrators: paginated reads to run the business, and audited actions on accounts
// (a plan override with an expiry, the admin role, suspension). Every function here is an
// adminQuery/adminMutation: anyone else gets FORBIDDEN before anything is read.
import { emit } from "./notificationDelivery";
import { pick } from "convex-helpers";
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { scheduleRefresh } from "./billing";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { adminMutation, adminQuery } from "./lib/auth";
import { audit, syncPlan } from "./lib/billingPlan";
import { periodDays, userPeriod } from "./lib/billingUsage";
import { fail } from "./lib/errors";
import { boundedPage } from "./lib/pagination";
import { revenueByPlan } from "./lib/revenueTotals";
import { sumRows, userDays } from "./lib/usageRollup";
import { vBillingActor, vPlan, vRole, vSubscription, vSubscriptionStatus } from "./validators";

const MAX_PAGE = 100;
const MAX_REASON = 500;
/** Overrides last at most a year: a forgotten one must not be forever. */
const MAX_OVERRIDE_MS = 366 * 86_400_000;

const vUserRow = v.object({
  id: v.id("users"),
  email: v.string(),
  name: v.optional(v.string()),
  role: vRole,
  plan: vPlan,
  createdAt: v.number(),
  suspended: v.boolean(),
  deleted: v.boolean(),
});
const userRow = (u: Doc<"users">) => ({
  id: u._id,
  email: u.email,
  name: u.name,
  role: u.role,
  plan: u.plan,
  createdAt: u.createdAt,
  suspended: u.suspendedAt !== undefined,
  deleted: u.deletedAt !== undefined,
});
const vPage = <T extends Parameters<typeof v.array>[0]>(item: T) =>
  v.object({ page: v.array(item), isDone: v.boolean(), continueCursor: v.string() });

/** Users, newest first; `emailPrefix` (lower-cased) or `plan` narrow the list through an index. */
export const users = adminQuery({
  args: { paginationOpts: paginationOptsValidator, emailPrefix: v.optional(v.string()), plan: v.optional(vPlan) },
  returns: vPage(vUserRow),
  handler: async (ctx, { paginationOpts, emailPrefix, plan }) => {
    if (emailPrefix !== undefined && plan !== undefined) fail("INVALID", "Search by email or by plan, not both");
    const opts = boundedPage(paginationOpts, MAX_PAGE);
    const prefix = emailPrefix?.trim().toLowerCase();
    const res = prefix
      ? await ctx.db
          .query("users")
          .withIndex("by_email", (q) => q.gte("email", prefix).lt("email", `${prefix}\uffff`))
          .paginate(opts)
      : plan !== undefined
        ? await ctx.db
            .query("users")
            .withIndex("by_plan", (q) => q.eq("plan", plan))
            .order("desc")
            .paginate(opts)
        : await ctx.db.query("users").order("desc").paginate(opts);
    return { page: res.page.map(userRow), isDone: res.isDone, continueCursor: res.continueCursor };
  },
});

/** One user's usage and cost in their billing period that starts in `period` ("YYYY-MM"), from the daily rollups. */
export const userUsage = adminQuery({
  args: { userId: v.id("users"), period: v.string() },
  returns: v.object({
    from: v.string(),
    to: v.string(),
    requests: v.number(),
    totalTokens: v.number(),
    costMicros: v.number(),
  }),
  handler: async (ctx, { userId, period }) => {
    const user = await ctx.db.get("users", userId);
    if (!user) fail("NOT_FOUND", "User not found");
    const bounds = userPeriod(user.billing?.periodStart, period);
    const days = periodDays(bounds.start, bounds.end);
    const t = sumRows(await userDays(ctx, userId, days.from, days.to));
    return { from: days.from, to: days.to, requests: t.requests, totalTokens: t.totalTokens, costMicros: t.costMicros };
  },
});

/** What admin.subscriptions shows of a subscription row (and `mock`, always said). */
const SUBSCRIPTION_VIEW = [
  "userId",
  "provider",
  "subscriptionId",
  "plan",
  "status",
  "currentPeriodEnd",
  "cancelAtPeriodEnd",
  "graceEndsAt",
] as const;

/** Subscriptions in one state, most recently changed first. */
export const subscriptions = adminQuery({
  args: { status: vSubscriptionStatus, paginationOpts: paginationOptsValidator },
  returns: vPage(vSubscription.pick(...SUBSCRIPTION_VIEW).extend({ mock: v.boolean() })),
  handler: async (ctx, { status, paginationOpts }) => {
    const res = await ctx.db
      .query("subscriptions")
      .withIndex("by_status_and_updatedAt", (q) => q.eq("status", status))
      .order("desc")
      .paginate(boundedPage(paginationOpts, MAX_PAGE));
    return {
      page: res.page.map((s) => ({ ...pick(s, [...SUBSCRIPTION_VIEW]), mock: s.mock ?? false })),
      isDone: res.isDone,
      continueCursor: res.continueCursor,
    };
  },
});

/** Monthly recurring revenue per plan: active and trialing subscriptions, mock ones left out (lib/revenueTotals.ts). */
export const revenue = adminQuery({
  args: {},
  returns: v.array(v.object({ plan: vPlan, subscriptions: v.number(), monthlyCents: v.number() })),
  handler: async (ctx) => await revenueByPlan(ctx),
});

async function target(ctx: MutationCtx, userId: Id<"users">): Promise<Doc<"users">> {
  const user = await ctx.db.get("users", userId);
  if (!user || user.deletedAt !== undefined) fail("NOT_FOUND", "User not found");
  return user;
}

function checkReason(reason: string): string {
  const r = reason.trim();
  if (!r || r.length > MAX_REASON) fail("INVALID", `reason must be 1 to ${MAX_REASON} characters`, { field: "reason" });
  return r;
}

/** Gives a user `plan` until `expiresAt` (ms), whatever their subscription says; then the subscription (or free) again. */
export const setPlanOverride = adminMutation({
  args: { userId: v.id("users"), plan: vPlan, expiresAt: v.number(), reason: v.string() },
  returns: vPlan,
  handler: async (ctx, { userId, plan, expiresAt, reason }) => {
    const why = checkReason(reason);
    const now = Date.now();
    if (!Number.isFinite(expiresAt) || expiresAt <= now || expiresAt > now + MAX_OVERRIDE_MS) {
      fail("INVALID", "expiresAt must be in the future, at most a year away", { field: "expiresAt" });
    }
    await target(ctx, userId);
    const existing = await ctx.db
      .query("planOverrides")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .first();
    if (existing) await ctx.db.delete("planOverrides", existing._id);
    await ctx.db.insert("planOverrides", { userId, plan, expiresAt, reason: why, setBy: ctx.user._id, createdAt: now });
    const actor = { kind: "admin" as const, userId: ctx.user._id };
    await audit(ctx, userId, "plan.override_set", actor, {
      to: plan,
      reason: `${why} (until ${new Date(expiresAt).toISOString()})`,
    });
    const result = await syncPlan(ctx, emit, userId, actor, `plan override: ${why}`);
    await scheduleRefresh(ctx, userId, result.nextCheckAt);
    return result.plan;
  },
});

export const clearPlanOverride = adminMutation({
  args: { userId: v.id("users"), reason: v.string() },
  returns: vPlan,
  handler: async (ctx, { userId, reason }) => {
    const why = checkReason(reason);
    await target(ctx, userId);
    const existing = await ctx.db
      .query("planOverrides")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .first();
    if (!existing) fail("NOT_FOUND", "This user has no plan override");
    await ctx.db.delete("planOverrides", existing._id);
    const actor = { kind: "admin" as const, userId: ctx.user._id };
    await audit(ctx, userId, "plan.override_cleared", actor, { from: existing.plan, reason: why });
    return (await syncPlan(ctx, emit, userId, actor, `plan override removed: ${why}`)).plan;
  },
});

/** Grants or revokes the admin role. An administrator cannot revoke their own. */
export const setRole = adminMutation({
  args: { userId: v.id("users"), role: vRole, reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { userId, role, reason }) => {
    const why = checkReason(reason);
    const user = await target(ctx, userId);
    if (userId === ctx.user._id && role !== "admin") fail("INVALID", "You cannot remove your own admin role");
    if (user.role === role) return null;
    await ctx.db.patch("users", userId, { role, updatedAt: Date.now() });
    await audit(
      ctx,
      userId,
      "role.changed",
      { kind: "admin", userId: ctx.user._id },
      { from: user.role, to: role, reason: why },
    );
    return null;
  },
});

/** Suspends (or lifts the suspension of) an account: while suspended, every request is refused with ACCOUNT_SUSPENDED. */
export const setSuspended = adminMutation({
  args: { userId: v.id("users"), suspended: v.boolean(), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { userId, suspended, reason }) => {
    const why = checkReason(reason);
    const user = await target(ctx, userId);
    if (userId === ctx.user._id) fail("INVALID", "You cannot suspend yourself");
    if ((user.suspendedAt !== undefined) === suspended) return null;
    await ctx.db.patch("users", userId, { suspendedAt: suspended ? Date.now() : undefined, updatedAt: Date.now() });
    await audit(
      ctx,
      userId,
      suspended ? "user.suspended" : "user.unsuspended",
      { kind: "admin", userId: ctx.user._id },
      { reason: why },
    );
    return null;
  },
});

/** A user's audit trail (plan, role and suspension changes), newest first. */
export const auditLog = adminQuery({
  args: { userId: v.id("users"), paginationOpts: paginationOptsValidator },
  returns: vPage(
    v.object({
      action: v.string(),
      actor: vBillingActor,
      from: v.optional(v.string()),
      to: v.optional(v.string()),
      reason: v.optional(v.string()),
      at: v.number(),
    }),
  ),
  handler: async (ctx, { userId, paginationOpts }) => {
    const res = await ctx.db
      .query("billingAudit")
      .withIndex("by_userId_and_at", (q) => q.eq("userId", userId))
      .order("desc")
      .paginate(boundedPage(paginationOpts, MAX_PAGE));
    return {
      page: res.page.map((a) => ({
        action: a.action,
        actor: a.actor,
        from: a.from,
        to: a.to,
        reason: a.reason,
        at: a.at,
      })),
      isDone: res.isDone,
      continueCursor: res.continueCursor,
    };
  },
});
