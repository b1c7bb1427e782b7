// Deployment counts by status, per project and per user, in O(1) reads.
//
// The `deploymentStats` aggregate component holds one small tree per (scope, status)
// namespace — "p:<projectId>|ready", "u:<userId>|error", … — so a count is the size of
// one tree, read from its root, whatever the number of deployments. Every status change
// goes through `statsInsert` / `statsMove` in the same transaction as the row's patch,
// so the counts never drift. Separate namespaces also keep writers of different
// projects (and statuses) from contending on one tree.
import { DirectAggregate } from "@convex-dev/aggregate";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { DeploymentStatus } from "../validators";
import { bumpCounter, counterName } from "./counters";

export const STATUSES: DeploymentStatus[] = ["queued", "building", "ready", "error", "canceled"];

const aggregate = new DirectAggregate<{ Namespace: string; Key: number; Id: string }>(components.deploymentStats);

export type StatsScope = { projectId: Id<"projects"> } | { userId: Id<"users"> };

function scopeKey(scope: StatsScope): string {
  return "projectId" in scope ? `p:${scope.projectId}` : `u:${scope.userId}`;
}

const scopesOf = (d: Doc<"deployments">): StatsScope[] => [{ projectId: d.projectId }, { userId: d.userId }];
const ns = (scope: StatsScope, status: DeploymentStatus) => `${scopeKey(scope)}|${status}`;

/** Counts a new deployment (call right after inserting the row). */
export async function statsInsert(ctx: MutationCtx, d: Doc<"deployments">): Promise<void> {
  for (const scope of scopesOf(d)) {
    await aggregate.insert(ctx, { namespace: ns(scope, d.status), key: d.createdAt, id: d._id });
  }
  if (d.status === "queued") await bumpCounter(ctx, counterName.deploymentsQueued(d.pool));
}

/** Moves a deployment from one status to another in every scope it is counted in. */
export async function statsMove(
  ctx: MutationCtx,
  d: Doc<"deployments">,
  from: DeploymentStatus,
  to: DeploymentStatus,
): Promise<void> {
  if (from === to) return;
  // The queue-depth gauge of the metrics endpoint follows the same transitions.
  if (from === "queued") await bumpCounter(ctx, counterName.deploymentsQueued(d.pool), -1);
  if (to === "queued") await bumpCounter(ctx, counterName.deploymentsQueued(d.pool));
  for (const scope of scopesOf(d)) {
    await aggregate.replace(
      ctx,
      { namespace: ns(scope, from), key: d.createdAt, id: d._id },
      { namespace: ns(scope, to), key: d.createdAt },
    );
  }
}

export type DeploymentStats = {
  total: number;
  byStatus: Record<DeploymentStatus, number>;
  /** ready / (ready + error); null before anything finished either way. */
  successRate: number | null;
};

function statsOf(counts: number[]): DeploymentStats {
  const byStatus = Object.fromEntries(STATUSES.map((s, i) => [s, counts[i]])) as Record<DeploymentStatus, number>;
  const finished = byStatus.ready + byStatus.error;
  return {
    total: counts.reduce((a, b) => a + b, 0),
    byStatus,
    successRate: finished === 0 ? null : byStatus.ready / finished,
  };
}

/** Stats of nothing (a caller without a user row yet). */
export const NO_STATS: DeploymentStats = statsOf(STATUSES.map(() => 0));

/** One batched count over the five status trees of a scope. */
export async function readStats(ctx: QueryCtx, scope: StatsScope): Promise<DeploymentStats> {
  const counts = await aggregate.countBatch(
    ctx,
    STATUSES.map((s) => ({ namespace: ns(scope, s) })),
  );
  return statsOf(counts);
}
