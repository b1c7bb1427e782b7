// Business figures for the Prometheus endpoint (GET /api/metrics on the edge, which renders
// them). Everything is read from rollups and counters: today's usageDailyTotals shards and a
// fixed list of counter names, so one read costs a bounded number of documents.
import { v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { counterName, readCounter } from "./lib/counters";
import { allDays, dayOf, sumRows } from "./lib/usageRollup";
import { NOTIFICATION_CHANNEL_KINDS, PROVIDERS } from "./validators";

const DEPLOY_POOLS = ["free", "paid"] as const;

const OUTCOMES = ["sent", "failed"] as const;
const FINISHED = ["ready", "error", "canceled"] as const;

const vLabelled = v.array(v.object({ labels: v.record(v.string(), v.string()), value: v.number() }));

export const snapshot = internalQuery({
  args: {},
  returns: v.object({
    day: v.string(),
    ai: v.object({
      requests: v.number(),
      inputTokens: v.number(),
      outputTokens: v.number(),
      cacheReadTokens: v.number(),
      cacheWriteTokens: v.number(),
      costMicros: v.number(),
      requestsByType: vLabelled,
    }),
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
      deploymentsFinished,
      deliveries,
      deliveriesInFlight,
      queueDepth,
    };
  },
});
