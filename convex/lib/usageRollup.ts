// The AI usage rollups: usageDaily (per user per UTC day) and usageDailyTotals (all users,
// per day, sharded). They change only together with the request ledger (aiRequests), in
// the same mutation, so the sum of the rollups always equals the sum of the ledger.
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { AiRequestType, Usage, UsageTotals } from "../validators";
import { fail } from "./errors";
import { totalTokens } from "./pricing";

export const DAY_MS = 86_400_000;
/** Longest range stats accept (a leap year). */
export const MAX_RANGE_DAYS = 366;
const TOTAL_SHARDS = 8;

export type UsageDelta = Usage & { requests: number; costMicros: number; type: AiRequestType };

/** "YYYY-MM-DD" of a timestamp, in UTC. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start of the UTC day after `ms` (when a daily quota resets). */
export function nextDayStart(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 1) * DAY_MS;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Validates an inclusive range of UTC days; returns its length in days. */
export function checkRange(from: string, to: string): number {
  const a = DAY_RE.test(from) ? Date.parse(`${from}T00:00:00Z`) : NaN;
  const b = DAY_RE.test(to) ? Date.parse(`${to}T00:00:00Z`) : NaN;
  if (Number.isNaN(a) || Number.isNaN(b) || dayOf(a) !== from || dayOf(b) !== to) {
    fail("INVALID", "from and to must be UTC days as YYYY-MM-DD");
  }
  if (a > b) fail("INVALID", "from must not be after to");
  const days = (b - a) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) fail("INVALID", `A range covers at most ${MAX_RANGE_DAYS} days`, { days });
  return days;
}

export function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    totalTokens: 0,
    costMicros: 0,
    byType: {},
  };
}

function added(row: UsageTotals, d: UsageDelta): UsageTotals {
  const byType = { ...row.byType };
  byType[d.type] = (byType[d.type] ?? 0) + d.requests;
  if (byType[d.type] === 0) delete byType[d.type];
  return {
    requests: row.requests + d.requests,
    inputTokens: row.inputTokens + d.inputTokens,
    outputTokens: row.outputTokens + d.outputTokens,
    cacheReadTokens: row.cacheReadTokens + d.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens + d.cacheWriteTokens,
    totalTokens: row.totalTokens + totalTokens(d),
    costMicros: row.costMicros + d.costMicros,
    byType,
  };
}

function shardOf(userId: Id<"users">): number {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return h % TOTAL_SHARDS;
}

/** A request's effect on the rollups with no tokens: +1 reserves it while it runs, -1 releases it. */
export function requestsDelta(type: AiRequestType, requests: number): UsageDelta {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 0, requests, type };
}

/** The token counts of a ledger row. */
export function usageOf(row: Usage): Usage {
  const { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens } = row;
  return { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens };
}

/** Adds `delta` (which may be negative: a released reservation) to both rollups of `day`. */
export async function applyUsage(ctx: MutationCtx, userId: Id<"users">, day: string, delta: UsageDelta): Promise<void> {
  const mine = await userDay(ctx, userId, day);
  if (mine) await ctx.db.patch("usageDaily", mine._id, added(mine, delta));
  else await ctx.db.insert("usageDaily", { userId, day, ...added(emptyTotals(), delta) });

  const shard = shardOf(userId);
  const all = await ctx.db
    .query("usageDailyTotals")
    .withIndex("by_day_and_shard", (q) => q.eq("day", day).eq("shard", shard))
    .unique();
  if (all) await ctx.db.patch("usageDailyTotals", all._id, added(all, delta));
  else await ctx.db.insert("usageDailyTotals", { day, shard, ...added(emptyTotals(), delta) });
}

/** A user's rollup row of one day (what the daily quota reads). */
export async function userDay(ctx: QueryCtx, userId: Id<"users">, day: string): Promise<Doc<"usageDaily"> | null> {
  return await ctx.db
    .query("usageDaily")
    .withIndex("by_userId_and_day", (q) => q.eq("userId", userId).eq("day", day))
    .unique();
}

/** A user's rollup rows for an inclusive day range (one row per day with activity). */
export async function userDays(ctx: QueryCtx, userId: Id<"users">, from: string, to: string) {
  const days = checkRange(from, to);
  return await ctx.db
    .query("usageDaily")
    .withIndex("by_userId_and_day", (q) => q.eq("userId", userId).gte("day", from).lte("day", to))
    .take(days);
}

/** Everyone's rollup rows for an inclusive day range (at most TOTAL_SHARDS per day). */
export async function allDays(ctx: QueryCtx, from: string, to: string) {
  const days = checkRange(from, to);
  return await ctx.db
    .query("usageDailyTotals")
    .withIndex("by_day_and_shard", (q) => q.gte("day", from).lte("day", to))
    .take(days * TOTAL_SHARDS);
}

export function sumRows(rows: UsageTotals[]): UsageTotals {
  const out = emptyTotals();
  for (const r of rows) {
    out.requests += r.requests;
    out.inputTokens += r.inputTokens;
    out.outputTokens += r.outputTokens;
    out.cacheReadTokens += r.cacheReadTokens;
    out.cacheWriteTokens += r.cacheWriteTokens;
    out.totalTokens += r.totalTokens;
    out.costMicros += r.costMicros;
    for (const [k, n] of Object.entries(r.byType)) out.byType[k] = (out.byType[k] ?? 0) + n;
  }
  return out;
}
