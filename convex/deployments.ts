// Deployments, as the browser sees them: ask for one (or ten), cancel, roll back, and watch
// them live. Convex owns the whole life of a deployment (convex/deploymentJobs.ts); these
// functions only check access and read or enqueue. See README "Deployments".
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { enqueueStart } from "./deploymentJobs";
import { stopDeployment } from "./deploymentWatch";
import { userMutation, userQuery } from "./lib/auth";
import { requireProjectRole } from "./lib/access";
import { deploymentFor, toLogLine, toView } from "./lib/deploymentAccess";
import { isTerminal } from "./lib/deploymentLifecycle";
import { NO_STATS, readStats } from "./lib/deploymentStats";
import { admitDeployment, MAX_BATCH, rollbackRequest, type BatchBudget, type DeployRequest } from "./lib/deployRequest";
import { errorData, fail } from "./lib/errors";
import { boundedPage } from "./lib/pagination";
import {
  vDeployItemResult,
  vDeploymentLogLine,
  vDeploymentStats,
  vDeploymentView,
  vEnvironment,
  vProvider,
} from "./validators";

const MAX_PAGE = 100;
const MAX_LOG_PAGE = 500;

/**
 * Checks, snapshots, inserts `queued` and enqueues the start job (lib/deployRequest.ts has the
 * checks). The same idempotency key returns the deployment it already made (`created: false`).
 */
export async function requestDeployment(
  ctx: MutationCtx,
  user: Doc<"users">,
  req: DeployRequest,
  batch?: BatchBudget,
): Promise<{ deploymentId: Id<"deployments">; created: boolean }> {
  const admitted = await admitDeployment(ctx, user, req, batch);
  if (!admitted.created) return admitted;
  const workId = await enqueueStart(ctx, admitted.deploymentId, admitted.pool);
  await ctx.db.patch("deployments", admitted.deploymentId, { workId });
  return { deploymentId: admitted.deploymentId, created: true };
}

/**
 * Cancels as `user` (editor or owner). Not yet at the provider: the queued job is removed
 * from the workpool. At the provider: the row ends `canceled` at once and the provider
 * cancel runs right after in an action. Canceling a canceled deployment is a no-op;
 * one that already went live or failed is CONFLICT.
 */
export async function cancelDeployment(
  ctx: MutationCtx,
  user: Doc<"users">,
  deploymentId: Id<"deployments">,
): Promise<Doc<"deployments">> {
  const d = await deploymentFor(ctx, user, deploymentId, "editor");
  if (d.status === "canceled") return d;
  if (isTerminal(d.status)) fail("CONFLICT", `The deployment already ended (${d.status})`);
  const reason =
    d.providerDeploymentId === undefined ? "Canceled before it reached the provider" : "Canceled by the user";
  await stopDeployment(ctx, d, { status: "canceled", reason });
  return (await ctx.db.get("deployments", d._id))!;
}

/**
 * Asks for a deployment of the project's current files (editor or owner). The same
 * `idempotencyKey` returns the same deployment. RATE_LIMITED (10 per hour, `retryAfterMs`),
 * QUEUE_FULL (5 waiting), INVALID (no files), FORBIDDEN (viewer), NOT_FOUND.
 */
export const request = userMutation({
  args: {
    projectId: v.id("projects"),
    provider: vProvider,
    environment: vEnvironment,
    idempotencyKey: v.optional(v.string()),
  },
  returns: v.id("deployments"),
  handler: async (ctx, args): Promise<Id<"deployments">> => {
    return (await requestDeployment(ctx, ctx.user, args)).deploymentId;
  },
});

/**
 * Up to 10 requests at once; each succeeds or fails on its own (per-item error code).
 * PAYLOAD_TOO_LARGE for an item that would take the batch past MAX_BATCH_FILES snapshotted files.
 */
export const requestMany = userMutation({
  args: {
    items: v.array(v.object({ projectId: v.id("projects"), provider: vProvider, environment: vEnvironment })),
  },
  returns: v.array(vDeployItemResult),
  handler: async (ctx, { items }) => {
    if (items.length === 0 || items.length > MAX_BATCH) {
      fail("INVALID", `requestMany takes 1 to ${MAX_BATCH} items; got ${items.length}`, { limit: MAX_BATCH });
    }
    const out = [];
    const batch = { files: 0 };
    for (const item of items) {
      try {
        const { deploymentId } = await requestDeployment(ctx, ctx.user, item, batch);
        out.push({ ok: true as const, deploymentId });
      } catch (err) {
        // Safe to continue: every refusal happens before the item's first write.
        const data = errorData(err);
        if (!data) throw err;
        const retryAfterMs = typeof data.retryAfterMs === "number" ? data.retryAfterMs : undefined;
        out.push({ ok: false as const, error: { code: data.code, message: data.message, retryAfterMs } });
      }
    }
    return out;
  },
});

/** Cancels a queued or building deployment (editor or owner); returns it, now `canceled`. */
export const cancel = userMutation({
  args: { deploymentId: v.id("deployments") },
  returns: vDeploymentView,
  handler: async (ctx, { deploymentId }) => toView(await cancelDeployment(ctx, ctx.user, deploymentId)),
});

/** Redeploys exactly the snapshot an earlier `ready` deployment shipped, as a new deployment. */
export const rollback = userMutation({
  args: { deploymentId: v.id("deployments") },
  returns: v.id("deployments"),
  handler: async (ctx, { deploymentId }): Promise<Id<"deployments">> =>
    (await requestDeployment(ctx, ctx.user, await rollbackRequest(ctx, ctx.user, deploymentId))).deploymentId,
});

/** The project's deployments, newest first (viewer and up). */
export const list = userQuery({
  args: { projectId: v.id("projects"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vDeploymentView),
  handler: async (ctx, { projectId, paginationOpts }) => {
    await requireProjectRole(ctx, ctx.user, projectId, "viewer");
    const result = await ctx.db
      .query("deployments")
      .withIndex("by_projectId", (q) => q.eq("projectId", projectId))
      .order("desc")
      .paginate(boundedPage(paginationOpts, MAX_PAGE));
    return { ...result, page: result.page.map(toView) };
  },
});

export const get = userQuery({
  args: { deploymentId: v.id("deployments") },
  returns: vDeploymentView,
  handler: async (ctx, { deploymentId }) => toView(await deploymentFor(ctx, ctx.user, deploymentId, "viewer")),
});

/** Log lines in order (by seq); a live query, so new lines arrive as they are written. */
export const logs = userQuery({
  args: { deploymentId: v.id("deployments"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vDeploymentLogLine),
  handler: async (ctx, { deploymentId, paginationOpts }) => {
    await deploymentFor(ctx, ctx.user, deploymentId, "viewer");
    const result = await ctx.db
      .query("deploymentLogs")
      .withIndex("by_deploymentId_and_seq", (q) => q.eq("deploymentId", deploymentId))
      .paginate(boundedPage(paginationOpts, MAX_LOG_PAGE));
    return { ...result, page: result.page.map(toLogLine) };
  },
});

/** The newest deployment that went live (optionally in one environment), or null. */
export const latestSuccessful = userQuery({
  args: { projectId: v.id("projects"), environment: v.optional(vEnvironment) },
  returns: v.union(vDeploymentView, v.null()),
  handler: async (ctx, { projectId, environment }) => {
    await requireProjectRole(ctx, ctx.user, projectId, "viewer");
    const d =
      environment === undefined
        ? await ctx.db
            .query("deployments")
            .withIndex("by_projectId_and_status", (q) => q.eq("projectId", projectId).eq("status", "ready"))
            .order("desc")
            .first()
        : await ctx.db
            .query("deployments")
            .withIndex("by_projectId_and_environment_and_status", (q) =>
              q.eq("projectId", projectId).eq("environment", environment).eq("status", "ready"),
            )
            .order("desc")
            .first();
    return d ? toView(d) : null;
  },
});

/**
 * `{ total, byStatus, successRate }` for a project (viewer and up) or, without projectId,
 * for the caller's own deployments. Read from the stats aggregate: O(1), never a scan.
 */
export const stats = userQuery({
  args: { projectId: v.optional(v.id("projects")) },
  returns: vDeploymentStats,
  handler: async (ctx, { projectId }) => {
    if (projectId !== undefined) {
      await requireProjectRole(ctx, ctx.user, projectId, "viewer");
      return await readStats(ctx, { projectId });
    }
    return ctx.user ? await readStats(ctx, { userId: ctx.user._id }) : NO_STATS;
  },
});
