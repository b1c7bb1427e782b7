// Reading and canceling a deployment as a user: access goes through the project's role
// (viewer reads, editor cancels); another user's deployment is NOT_FOUND.
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import type { DeploymentLogLine, DeploymentView, MemberRole } from "../validators";
import { requireProjectRole } from "./access";
import { cancelStart } from "./deployQueue";
import { finish, isTerminal } from "./deploymentLifecycle";
import { errorData, fail } from "./errors";

export async function deploymentFor(
  ctx: QueryCtx,
  user: Doc<"users"> | null,
  deploymentId: Id<"deployments">,
  minRole: MemberRole,
): Promise<Doc<"deployments">> {
  const d = await ctx.db.get("deployments", deploymentId);
  if (!d || !user) fail("NOT_FOUND", "Deployment not found");
  // Without access to the project the deployment is NOT_FOUND; a viewer changing it is FORBIDDEN.
  try {
    await requireProjectRole(ctx, user, d.projectId, minRole);
  } catch (err) {
    if (errorData(err)?.code === "NOT_FOUND") fail("NOT_FOUND", "Deployment not found");
    throw err;
  }
  return d;
}

export function toView(d: Doc<"deployments">): DeploymentView {
  return {
    id: d._id,
    projectId: d.projectId,
    requestedBy: d.userId,
    provider: d.provider,
    environment: d.environment,
    status: d.status,
    step: d.step,
    url: d.url,
    providerDeploymentId: d.providerDeploymentId,
    snapshotId: d.snapshotId,
    rollbackOf: d.rollbackOf,
    attempts: d.attempts,
    pollCount: d.pollCount,
    logCount: d.logCount,
    error: d.error,
    mock: d.mock ?? false,
    createdAt: d.createdAt,
    startedAt: d.startedAt,
    deployedAt: d.deployedAt,
    finishedAt: d.finishedAt,
  };
}

export function toLogLine(l: Doc<"deploymentLogs">): DeploymentLogLine {
  return { seq: l.seq, at: l.at, level: l.level, text: l.text };
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
  if (d.providerDeploymentId === undefined) {
    if (d.workId) await cancelStart(ctx, d.workId, d.pool);
    await finish(ctx, d._id, { status: "canceled", reason: "Canceled before it reached the provider" });
  } else {
    await finish(ctx, d._id, { status: "canceled", reason: "Canceled by the user" });
    await ctx.scheduler.runAfter(0, internal.deploymentWatch.cancelAtProvider, { deploymentId: d._id, attempt: 1 });
  }
  return (await ctx.db.get("deployments", d._id))!;
}
