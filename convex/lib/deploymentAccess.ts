// Reading and canceling a deployment as a user: access goes through the project's role
// (viewer reads, editor cancels); another user's deployment is NOT_FOUND. Also the cancel
// of every active deployment of a project being deleted.
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import type { DeploymentLogLine, DeploymentView, MemberRole } from "../validators";
import { requireProjectRole } from "./access";
import { finishAndStop, isTerminal } from "./deploymentLifecycle";
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
  const reason = d.providerDeploymentId === undefined ? "Canceled before it reached the provider" : "Canceled by the user";
  await finishAndStop(ctx, d, { status: "canceled", reason });
  return (await ctx.db.get("deployments", d._id))!;
}

/**
 * Active deployments of one project canceled per transaction. A project rarely has more
 * (QUEUE_FULL, the hourly limit); past it the rest are canceled by a scheduled follow-up.
 */
export const MAX_CANCELED_PER_CALL = 25;

/** Cancels the project's queued and building deployments (a deleted project deploys nothing). */
export async function cancelProjectDeployments(ctx: MutationCtx, projectId: Id<"projects">): Promise<void> {
  let more = false;
  for (const status of ["queued", "building"] as const) {
    const active = await ctx.db
      .query("deployments")
      .withIndex("by_projectId_and_status", (q) => q.eq("projectId", projectId).eq("status", status))
      .take(MAX_CANCELED_PER_CALL);
    for (const d of active) await finishAndStop(ctx, d, { status: "canceled", reason: "The project was deleted" });
    more ||= active.length === MAX_CANCELED_PER_CALL;
  }
  if (more) await ctx.scheduler.runAfter(0, internal.deploymentWatchdog.cancelForProject, { projectId });
}
