// Deployments as the edge's REST routes see them (edge/routes/deploy.ts): the same checks
// as the public functions in deployments.ts, on behalf of the caller the edge verified.
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { edgeMutation, edgeQuery } from "../lib/auth";
import { cancelDeployment, requestDeployment } from "../deployments";
import { deploymentFor, toLogLine, toView } from "../lib/deploymentAccess";
import { isTerminal } from "../lib/deploymentLifecycle";
import { fail } from "../lib/errors";
import { vDeploymentLogLine, vDeploymentStatus, vDeploymentView } from "../validators";
import { edgeCalls } from "./contract";

const MAX_LOG_BATCH = 500;

function deploymentIdOf(ctx: QueryCtx, raw: string): Id<"deployments"> {
  const id = ctx.db.normalizeId("deployments", raw);
  if (!id) fail("NOT_FOUND", "Deployment not found");
  return id;
}

export const request = edgeMutation({
  args: edgeCalls["/edge/deploy/request"].fields,
  returns: v.object({ deploymentId: v.id("deployments"), created: v.boolean() }),
  handler: async (ctx, { projectId, ...rest }): Promise<{ deploymentId: Id<"deployments">; created: boolean }> => {
    const project = ctx.db.normalizeId("projects", projectId);
    if (!project) fail("NOT_FOUND", "Project not found");
    return await requestDeployment(ctx, ctx.user, { projectId: project, ...rest });
  },
});

export const get = edgeQuery({
  args: edgeCalls["/edge/deploy/get"].fields,
  returns: vDeploymentView,
  handler: async (ctx, { deploymentId }) =>
    toView(await deploymentFor(ctx, ctx.user, deploymentIdOf(ctx, deploymentId), "viewer")),
});

export const cancel = edgeMutation({
  args: edgeCalls["/edge/deploy/cancel"].fields,
  returns: vDeploymentView,
  handler: async (ctx, { deploymentId }) =>
    toView(await cancelDeployment(ctx, ctx.user, deploymentIdOf(ctx, deploymentId))),
});

/** Lines with seq > afterSeq (at most `limit`), the status, and whether nothing more will come. */
export const logs = edgeQuery({
  args: edgeCalls["/edge/deploy/logs"].fields,
  returns: v.object({
    status: vDeploymentStatus,
    lines: v.array(vDeploymentLogLine),
    nextSeq: v.number(),
    done: v.boolean(),
  }),
  handler: async (ctx, { deploymentId, afterSeq, limit }) => {
    const d = await deploymentFor(ctx, ctx.user, deploymentIdOf(ctx, deploymentId), "viewer");
    const take = Math.max(1, Math.min(Math.floor(limit) || MAX_LOG_BATCH, MAX_LOG_BATCH));
    const rows = await ctx.db
      .query("deploymentLogs")
      .withIndex("by_deploymentId_and_seq", (q) => q.eq("deploymentId", d._id).gt("seq", afterSeq))
      .take(take);
    const lines = rows.map(toLogLine);
    const nextSeq = lines.length ? lines[lines.length - 1].seq : afterSeq;
    const allRead = nextSeq + 1 >= d.logCount;
    return { status: d.status, lines, nextSeq, done: isTerminal(d.status) && allRead };
  },
});
