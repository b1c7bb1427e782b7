// quota.warning (80 % of a daily AI limit) and quota.exceeded (100 %), raised from the request
// path right after the usage rollup changes: read from today's usageDaily row, each at most
// once per user, limit and UTC day (quotaAlerts remembers which were raised).
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { PLAN_LIMITS } from "./lib/plans";
import { nextDayStart, userDay } from "./lib/usageRollup";
import { emit } from "./notificationDelivery";

export const WARNING_RATIO = 0.8;

/** Raises the quota events `userId`'s usage on `day` calls for and has not raised yet. */
export async function raiseQuotaAlerts(ctx: MutationCtx, userId: Id<"users">, day: string): Promise<void> {
  const user = await ctx.db.get("users", userId);
  const used = await userDay(ctx, userId, day);
  if (!user || !used) return;
  const limits = PLAN_LIMITS[user.plan];
  const checks = [
    { limit: "requests" as const, max: limits.dailyRequests, n: used.requests, unit: "AI requests" },
    { limit: "tokens" as const, max: limits.dailyTokens, n: used.totalTokens, unit: "AI tokens" },
  ];
  let raised: Doc<"quotaAlerts">[] | undefined;
  for (const { limit, max, n, unit } of checks) {
    if (max === null || n < WARNING_RATIO * max) continue;
    const level = n >= max ? "exceeded" : "warning";
    raised ??= await ctx.db
      .query("quotaAlerts")
      .withIndex("by_userId_and_day", (q) => q.eq("userId", userId).eq("day", day))
      .take(4);
    if (raised.some((a) => a.limit === limit && (a.level === level || a.level === "exceeded"))) continue;
    const row = { userId, day, limit, level } as const;
    await ctx.db.insert("quotaAlerts", row);
    raised.push({ ...row, _id: "" as Id<"quotaAlerts">, _creationTime: 0 });
    const resetsAt = new Date(nextDayStart(Date.parse(`${day}T00:00:00Z`))).toISOString();
    await emit(ctx, {
      userId,
      type: level === "exceeded" ? "quota.exceeded" : "quota.warning",
      title:
        level === "exceeded"
          ? `Daily limit of ${unit} reached`
          : `${Math.floor((n / max) * 100)} % of today's ${unit} used`,
      message:
        level === "exceeded"
          ? `You have used ${n} of ${max} ${unit} allowed per day on the ${user.plan} plan. New requests are refused until ${resetsAt}.`
          : `You have used ${n} of ${max} ${unit} allowed per day on the ${user.plan} plan; the limit resets at ${resetsAt}.`,
      data: { limit, used: n, max, plan: user.plan, day, resetsAt },
    });
  }
}
