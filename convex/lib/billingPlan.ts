// The user's plan, decided in one place. `users.plan` is what every limit reads (the AI quota
// on the next request, the deployment pool, project and storage caps); it is recomputed here,
// and only here, from an administrator's override (until it expires), else the best
// subscription that still entitles the user, else free. Each change writes an audit row and
// an in-app notification. The caller schedules the next recomputation at `nextCheckAt`
// (a period end, a grace end, an override expiry), so time alone can downgrade a user.
import { bumpCounter, counterName } from "./counters";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { BillingActor, BillingSummary, Plan } from "../validators";
import { notifyBilling } from "./billingNotify";
import type { Emit } from "./notify";
import { PLAN_LIMITS, planRank } from "./plans";

/** Subscriptions looked at per user (old canceled rows included); a user has one or two in practice. */
const SUBSCRIPTIONS_PER_USER = 20;

/** Whether a subscription gives its plan at `now`. */
export function entitles(s: Doc<"subscriptions">, now: number): boolean {
  if (s.graceEndsAt !== undefined && now >= s.graceEndsAt) return false;
  switch (s.status) {
    case "active":
    case "trialing":
      // Canceled at period end: kept until the period ends, even if the provider's event is late.
      return !(s.cancelAtPeriodEnd && now >= s.currentPeriodEnd);
    case "past_due":
    case "unpaid":
      return s.graceEndsAt !== undefined && now < s.graceEndsAt;
    default:
      return false;
  }
}

export async function subscriptionsOf(ctx: QueryCtx, userId: Id<"users">): Promise<Doc<"subscriptions">[]> {
  return await ctx.db
    .query("subscriptions")
    .withIndex("by_userId_and_updatedAt", (q) => q.eq("userId", userId))
    .order("desc")
    .take(SUBSCRIPTIONS_PER_USER);
}

export async function overrideOf(ctx: QueryCtx, userId: Id<"users">): Promise<Doc<"planOverrides"> | null> {
  return await ctx.db
    .query("planOverrides")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .first();
}

/** Start of the UTC calendar month of `ms`, and of the next one (a free user's period). */
export function calendarMonth(ms: number): { start: number; end: number } {
  const d = new Date(ms);
  return {
    start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

type Decision = { plan: Plan; summary: BillingSummary; nextCheckAt?: number };

/** The plan and billing summary at `now` (pure: the rows are given). */
export function decide(subs: Doc<"subscriptions">[], override: Doc<"planOverrides"> | null, now: number): Decision {
  const best = subs
    .filter((s) => entitles(s, now))
    .sort((a, b) => planRank(b.plan) - planRank(a.plan) || b.updatedAt - a.updatedAt)[0];
  const times: number[] = [];
  if (best?.cancelAtPeriodEnd) times.push(best.currentPeriodEnd);
  if (best?.graceEndsAt !== undefined) times.push(best.graceEndsAt);
  const activeOverride = override && override.expiresAt > now ? override : null;
  if (activeOverride) times.push(activeOverride.expiresAt);
  const nextCheckAt = times.length ? Math.min(...times) : undefined;

  const subscriptionPart = best
    ? {
        provider: best.provider,
        periodStart: best.currentPeriodStart,
        periodEnd: best.currentPeriodEnd,
        graceEndsAt: best.graceEndsAt,
        mock: best.mock,
      }
    : {};
  const endsSoon = best ? best.cancelAtPeriodEnd || best.graceEndsAt !== undefined : false;
  if (activeOverride) {
    return {
      plan: activeOverride.plan,
      summary: {
        source: "override",
        ...subscriptionPart,
        overrideExpiresAt: activeOverride.expiresAt,
        atPeriodEnd: "downgrades",
      },
      nextCheckAt,
    };
  }
  if (best) {
    return {
      plan: best.plan,
      summary: { source: "subscription", ...subscriptionPart, atPeriodEnd: endsSoon ? "downgrades" : "renews" },
      nextCheckAt,
    };
  }
  return { plan: "free", summary: { source: "free", atPeriodEnd: "renews" }, nextCheckAt };
}

function describe(actor: BillingActor): string {
  if (actor.kind === "admin") return "an administrator";
  if (actor.kind === "schedule") return "the end of a period";
  return actor.kind === "stripe" ? "Stripe" : "Lemon Squeezy";
}

const sameSummary = (a: BillingSummary | undefined, b: BillingSummary) =>
  JSON.stringify(a ?? null) === JSON.stringify(b);

/**
 * Recomputes `users.plan` and its billing summary; on a change, audits and notifies.
 * Returns the plan and when to look again (schedule `billing.refreshPlan` then).
 */
export async function syncPlan(
  ctx: MutationCtx,
  emit: Emit,
  userId: Id<"users">,
  actor: BillingActor,
  reason: string,
): Promise<{ plan: Plan; changed: boolean; nextCheckAt?: number }> {
  const user = await ctx.db.get("users", userId);
  if (!user) return { plan: "free", changed: false };
  const now = Date.now();
  const decision = decide(await subscriptionsOf(ctx, userId), await overrideOf(ctx, userId), now);
  const changed = decision.plan !== user.plan;
  if (changed || !sameSummary(user.billing, decision.summary)) {
    await ctx.db.patch("users", userId, { plan: decision.plan, billing: decision.summary, updatedAt: now });
  }
  if (changed) {
    await bumpCounter(ctx, counterName.usersByPlan(user.plan), -1);
    await bumpCounter(ctx, counterName.usersByPlan(decision.plan));
    await audit(ctx, userId, "plan.changed", actor, { from: user.plan, to: decision.plan, reason });
    const upgrade = planRank(decision.plan) > planRank(user.plan);
    await notifyBilling(ctx, emit, "subscription.changed", {
      userId,
      data: { plan: decision.plan, previousPlan: user.plan },
      title: `Your plan is now ${PLAN_LIMITS[decision.plan].name}`,
      message: `${upgrade ? "Upgraded" : "Changed"} from ${PLAN_LIMITS[user.plan].name} to ${PLAN_LIMITS[decision.plan].name} by ${describe(actor)}: ${reason}. The new limits apply from your next request.`,
    });
  }
  return { plan: decision.plan, changed, nextCheckAt: decision.nextCheckAt };
}

export async function audit(
  ctx: MutationCtx,
  userId: Id<"users">,
  action: Doc<"billingAudit">["action"],
  actor: BillingActor,
  extra: { from?: string; to?: string; reason?: string } = {},
): Promise<void> {
  await ctx.db.insert("billingAudit", { userId, action, actor, ...extra, at: Date.now() });
}
