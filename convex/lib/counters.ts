// Monotonic counters (and a few up/down gauges) for the metrics endpoint. Each name is split
// into SHARDS rows written at random, so concurrent writers rarely touch the same document;
// a read sums at most SHARDS rows per name (never a scan).
import type { MutationCtx, QueryCtx } from "../_generated/server";

export const COUNTER_SHARDS = 8;

/** Adds `by` (may be negative for a gauge) to the counter `name`. */
export async function bumpCounter(ctx: MutationCtx, name: string, by = 1): Promise<void> {
  const shard = Math.floor(Math.random() * COUNTER_SHARDS);
  const row = await ctx.db
    .query("counters")
    .withIndex("by_name_and_shard", (q) => q.eq("name", name).eq("shard", shard))
    .unique();
  if (row) await ctx.db.patch("counters", row._id, { value: row.value + by });
  else await ctx.db.insert("counters", { name, shard, value: by });
}

export async function readCounter(ctx: QueryCtx, name: string): Promise<number> {
  const rows = await ctx.db
    .query("counters")
    .withIndex("by_name_and_shard", (q) => q.eq("name", name))
    .take(COUNTER_SHARDS);
  return rows.reduce((n, r) => n + r.value, 0);
}

/** Sums every counter whose name starts with `prefix` (rows that exist only: at most `max` rows read). */
export async function readCountersWithPrefix(ctx: QueryCtx, prefix: string, max: number): Promise<Map<string, number>> {
  const rows = await ctx.db
    .query("counters")
    .withIndex("by_name_and_shard", (q) => q.gte("name", prefix).lt("name", `${prefix}\uffff`))
    .take(max);
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(r.name, (sums.get(r.name) ?? 0) + r.value);
  return sums;
}

/** Counter names, declared once: `<metric>|<label value>|…`. */
export const counterName = {
  aiRequests: (model: string, status: string) => `ai_requests_total|${model}|${status}`,
  aiTokens: (model: string, kind: string) => `ai_tokens_total|${model}|${kind}`,
  aiCostMicros: (model: string) => `ai_cost_micros_total|${model}`,
  usersByPlan: (plan: string) => `users|${plan}`,
  deliveries: (kind: string, outcome: string) => `deliveries_total|${kind}|${outcome}`,
  deliveriesInFlight: (kind: string) => `deliveries_in_flight|${kind}`,
  deploymentsFinished: (provider: string, status: string) => `deployments_finished_total|${provider}|${status}`,
  deploymentsQueued: (pool: string) => `deployments_queued|${pool}`,
  paidSubscriptions: (plan: string) => `paid_subscriptions|${plan}`,
  monthlyRevenueCents: (plan: string) => `monthly_revenue_cents|${plan}`,
};
