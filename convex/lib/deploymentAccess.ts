// Reading a deployment as a user: access goes through the project's role (viewer reads,
// editor changes); another user's deployment is NOT_FOUND. And the shapes clients see.
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { DeploymentLogLine, DeploymentView, MemberRole } from "../validators";
import { requireProjectRole } from "./access";
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
