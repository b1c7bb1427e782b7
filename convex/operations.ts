// Operations reads for administrators: AI health, deployment health and the projects that
// cost the most, over a window, from bounded samples of the newest rows (lib/billingHealth.ts).
// Every function is an adminQuery: anyone else gets FORBIDDEN before anything is read.
import { v } from "convex/values";
import { adminQuery } from "./lib/auth";
import { aiHealth, deploymentHealth, topProjectsByCost } from "./lib/billingHealth";
import { fail } from "./lib/errors";

/** Figures cover rows started/created at or after `since` (ms). */
function checkSince(since: number): number {
  if (!Number.isFinite(since) || since < 0) fail("INVALID", "since must be a time in ms", { field: "since" });
  return since;
}
const vCounts = v.record(v.string(), v.number());
const vRate = v.union(v.number(), v.null());

export const aiHealthStats = adminQuery({
  args: { since: v.number() },
  returns: v.object({
    completed: v.number(),
    failed: v.number(),
    failureRate: vRate,
    failuresByCode: vCounts,
    p50LatencyMs: vRate,
    truncated: v.boolean(),
  }),
  handler: async (ctx, { since }) => await aiHealth(ctx, checkSince(since)),
});

export const deploymentHealthStats = adminQuery({
  args: { since: v.number() },
  returns: v.object({
    ready: v.number(),
    failed: v.number(),
    successRate: vRate,
    failuresByCode: vCounts,
    p50BuildMs: vRate,
    truncated: v.boolean(),
  }),
  handler: async (ctx, { since }) => await deploymentHealth(ctx, checkSince(since)),
});

export const topProjects = adminQuery({
  args: { since: v.number(), limit: v.optional(v.number()) },
  returns: v.object({
    projects: v.array(v.object({ projectId: v.string(), costMicros: v.number(), requests: v.number() })),
    truncated: v.boolean(),
  }),
  handler: async (ctx, { since, limit }) =>
    await topProjectsByCost(ctx, checkSince(since), Math.max(1, Math.min(Math.floor(limit ?? 10) || 10, 50))),
});
