// Business figures for the Prometheus endpoint (GET /api/metrics on the edge, which renders
// them). Everything is read from rollups and counters: today's usageDailyTotals shards and a
// fixed list of counter names, so one read costs a bounded number of documents.
import { v } from "convex/values";
import { internalQuery, type QueryCtx } from "./_generated/server";
import { counterName, readCounter, readCountersWithPrefix } from "./lib/counters";
import { PLANS } from "./lib/plans";
import { allDays, dayOf, sumRows } from "./lib/usageRollup";
import { NOTIFICATION_CHANNEL_KINDS, PROVIDERS, vUsage } from "./validators";

const DEPLOY_POOLS = ["free", "paid"] as const;

const OUTCOMES = ["sent", "failed"] as const;
const FINISHED = ["ready", "error", "canceled"] as const;

const vLabelled = v.array(v.object({ labels: v.record(v.string(), v.string()), value: v.number() }));

/** Rows read for the per-model AI counters: a few models × outcomes / token kinds × 8 shards. */
const MAX_AI_COUNTER_ROWS = 1_000;

/** Counters named `<metric>|<a>|<b>` as labelled values (label names in order). */
async function labelled(ctx: QueryCtx, metric: string, labels: string[]) {
  const sums = await readCountersWithPrefix(ctx, `${metric}|`, MAX_AI_COUNTER_ROWS);
  return [...sums].map(([name, value]) => {
    const parts = name.split("|").slice(1);
    return { labels: Object.fromEntries(labels.map((l, i) => [l, parts[i] ?? ""])), value };
  });
}

export const snapshot = internalQuery({
  args: {},
  returns: v.object({
    day: v.string(),
    ai: v.object({
      requests: v.number(),
      ...vUsage.fields,
      costMicros: v.number(),
      requestsByType: vLabelled,
    }),
    aiByModel: v.object({ requests: vLabelled, tokens: vLabelled, costMicros: vLabelled }),
    usersByPlan: vLabelled,
    deploymentsFinished: vLabelled,
    deliveries: vLabelled,
    deliveriesInFlight: vLabelled,
    queueDepth: vLabelled,
  }),
  handler: async (ctx) => {
    const day = dayOf(Date.now());
    const today = sumRows(await allDays(ctx, day, day));
    const deploymentsFinished = [];
    for (const provider of PROVIDERS) {
      for (const status of FINISHED) {
        deploymentsFinished.push({
          labels: { provider, status },
          value: await readCounter(ctx, counterName.deploymentsFinished(provider, status)),
        });
      }
    }
    const deliveries = [];
    const deliveriesInFlight = [];
    for (const kind of NOTIFICATION_CHANNEL_KINDS) {
      for (const outcome of OUTCOMES) {
        deliveries.push({
          labels: { kind, outcome },
          value: await readCounter(ctx, counterName.deliveries(kind, outcome)),
        });
      }
      deliveriesInFlight.push({
        labels: { kind },
        value: await readCounter(ctx, counterName.deliveriesInFlight(kind)),
      });
    }
    const queueDepth = [];
    for (const pool of DEPLOY_POOLS) {
      queueDepth.push({
        labels: { pool: `deploy-${pool}` },
        value: await readCounter(ctx, counterName.deploymentsQueued(pool)),
      });
    }
    queueDepth.push({ labels: { pool: "notify" }, value: deliveriesInFlight.reduce((n, r) => n + r.value, 0) });
    return {
      day,
      ai: {
        requests: today.requests,
        inputTokens: today.inputTokens,
        outputTokens: today.outputTokens,
        cacheReadTokens: today.cacheReadTokens,
        cacheWriteTokens: today.cacheWriteTokens,
        costMicros: today.costMicros,
        requestsByType: Object.entries(today.byType).map(([type, value]) => ({ labels: { type }, value })),
      },
      aiByModel: {
        requests: await labelled(ctx, "ai_requests_total", ["model", "status"]),
        tokens: await labelled(ctx, "ai_tokens_total", ["model", "kind"]),
        costMicros: await labelled(ctx, "ai_cost_micros_total", ["model"]),
      },
      usersByPlan: await Promise.all(
        PLANS.map(async (plan) => ({ labels: { plan }, value: await readCounter(ctx, counterName.usersByPlan(plan)) })),
      ),
      deploymentsFinished,
      deliveries,
      deliveriesInFlight,
      queueDepth,
    };
  },
});
