// AI usage for the usage panel and the admin dashboard. Everything here reads the daily
// rollups (one row per user per day, or a few shards per day for everyone), never the
// request log: 30 days of stats cost at most 30 document reads, however many requests.
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { adminQuery, edgeQuery, userQuery } from "./lib/auth";
import { allDays, checkRange, sumRows, userDays } from "./lib/usageRollup";
import { vDayRange, type UsageTotals } from "./validators";

const vTotals = {
  totalRequests: v.number(),
  totalTokens: v.number(),
  inputTokens: v.number(),
  outputTokens: v.number(),
  cacheReadTokens: v.number(),
  cacheWriteTokens: v.number(),
  costMicros: v.number(),
  byType: v.record(v.string(), v.number()),
};
const vStats = v.object({ from: v.string(), to: v.string(), ...vTotals, averageTokensPerRequest: v.number() });
const vRange = vDayRange.fields;

function toStats(from: string, to: string, t: UsageTotals) {
  return {
    from,
    to,
    totalRequests: t.requests,
    totalTokens: t.totalTokens,
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    cacheReadTokens: t.cacheReadTokens,
    cacheWriteTokens: t.cacheWriteTokens,
    costMicros: t.costMicros,
    byType: t.byType,
    averageTokensPerRequest: t.requests ? Math.round(t.totalTokens / t.requests) : 0,
  };
}

async function statsFor(ctx: QueryCtx, userId: Id<"users"> | undefined, from: string, to: string) {
  checkRange(from, to);
  const rows = userId ? await userDays(ctx, userId, from, to) : [];
  return toStats(from, to, sumRows(rows));
}

/** The caller's totals over an inclusive range of UTC days ("YYYY-MM-DD"). */
export const stats = userQuery({
  args: vRange,
  returns: vStats,
  handler: async (ctx, { from, to }) => await statsFor(ctx, ctx.user?._id, from, to),
});

/** The caller's usage per day with activity, oldest first. */
export const daily = userQuery({
  args: vRange,
  returns: v.array(v.object({ day: v.string(), ...vTotals })),
  handler: async (ctx, { from, to }) => {
    checkRange(from, to);
    if (!ctx.user) return [];
    const rows = await userDays(ctx, ctx.user._id, from, to);
    return rows.map((r) => ({
      day: r.day,
      totalRequests: r.requests,
      totalTokens: r.totalTokens,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      cacheReadTokens: r.cacheReadTokens,
      cacheWriteTokens: r.cacheWriteTokens,
      costMicros: r.costMicros,
      byType: r.byType,
    }));
  },
});

/** Administrators: requests, tokens and cost across all users. */
export const global = adminQuery({
  args: vRange,
  returns: vStats,
  handler: async (ctx, { from, to }) => toStats(from, to, sumRows(await allDays(ctx, from, to))),
});

/** The edge's GET /api/ai/usage: the same as `stats` for the caller the edge verified. */
export const statsForCaller = edgeQuery({
  args: vRange,
  returns: vStats,
  handler: async (ctx, { from, to }) => await statsFor(ctx, ctx.user?._id, from, to),
});
