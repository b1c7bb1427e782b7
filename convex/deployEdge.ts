// The edge's deployment routes, Convex side: HTTP actions under /edge/deploy/* (reachable
// only with EDGE_SECRET, on behalf of the verified Clerk user) and the internal functions
// they run — the same checks as the public functions in deployments.ts.
import { validate } from "convex-helpers/validators";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "./_generated/server";
import { activeUserByClerkId, ensureUser } from "./lib/auth";
import { cancelDeployment, deploymentFor, toLogLine, toView } from "./lib/deploymentAccess";
import { isTerminal } from "./lib/deploymentLifecycle";
import { requestDeployment } from "./lib/deployRequest";
import { edgeAction } from "./lib/edgeHttp";
import { fail } from "./lib/errors";
import { vDeploymentLogLine, vDeploymentStatus, vDeploymentView, vEnvironment, vProvider } from "./validators";

const MAX_LOG_BATCH = 500;

function deploymentIdOf(ctx: QueryCtx, raw: string): Id<"deployments"> {
  const id = ctx.db.normalizeId("deployments", raw);
  if (!id) fail("NOT_FOUND", "Deployment not found");
  return id;
}

export const requestFor = internalMutation({
  args: {
    clerkId: v.string(),
    projectId: v.string(),
    provider: vProvider,
    environment: vEnvironment,
    idempotencyKey: v.optional(v.string()),
  },
  returns: v.object({ deploymentId: v.id("deployments"), created: v.boolean() }),
  handler: async (ctx, { clerkId, projectId, ...rest }): Promise<{ deploymentId: Id<"deployments">; created: boolean }> => {
    const user = await ensureUser(ctx, clerkId);
    const project = ctx.db.normalizeId("projects", projectId);
    if (!project) fail("NOT_FOUND", "Project not found");
    return await requestDeployment(ctx, user, { projectId: project, ...rest });
  },
});

export const getFor = internalQuery({
  args: { clerkId: v.string(), deploymentId: v.string() },
  returns: vDeploymentView,
  handler: async (ctx, { clerkId, deploymentId }) => {
    const user = await activeUserByClerkId(ctx, clerkId);
    return toView(await deploymentFor(ctx, user, deploymentIdOf(ctx, deploymentId), "viewer"));
  },
});

export const cancelFor = internalMutation({
  args: { clerkId: v.string(), deploymentId: v.string() },
  returns: vDeploymentView,
  handler: async (ctx, { clerkId, deploymentId }) => {
    const user = await ensureUser(ctx, clerkId);
    return toView(await cancelDeployment(ctx, user, deploymentIdOf(ctx, deploymentId)));
  },
});

/** Lines with seq > afterSeq (at most `limit`), the status, and whether nothing more will come. */
export const logsFor = internalQuery({
  args: { clerkId: v.string(), deploymentId: v.string(), afterSeq: v.number(), limit: v.number() },
  returns: v.object({
    status: vDeploymentStatus,
    lines: v.array(vDeploymentLogLine),
    nextSeq: v.number(),
    done: v.boolean(),
  }),
  handler: async (ctx, { clerkId, deploymentId, afterSeq, limit }) => {
    const user = await activeUserByClerkId(ctx, clerkId);
    const d = await deploymentFor(ctx, user, deploymentIdOf(ctx, deploymentId), "viewer");
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

// ---------- HTTP actions (routed in http.ts) ----------

type DeployBody = { projectId?: unknown; provider?: unknown; environment?: unknown; idempotencyKey?: unknown };

export const edgeDeployRequest = edgeAction<DeployBody>(async (ctx, { userId, body }): Promise<unknown> => {
  const { projectId, provider, environment, idempotencyKey } = body;
  if (typeof projectId !== "string" || !projectId) fail("INVALID", "projectId is required");
  if (!validate(vProvider, provider)) fail("INVALID", "provider must be vercel, netlify or railway");
  if (!validate(vEnvironment, environment)) fail("INVALID", "environment must be production or preview");
  if (idempotencyKey !== undefined && typeof idempotencyKey !== "string") fail("INVALID", "idempotencyKey must be a string");
  return await ctx.runMutation(internal.deployEdge.requestFor, {
    clerkId: userId!,
    projectId,
    provider,
    environment,
    idempotencyKey,
  });
});

const idOf = (body: { deploymentId?: unknown }) => {
  if (typeof body.deploymentId !== "string" || !body.deploymentId) fail("INVALID", "deploymentId is required");
  return body.deploymentId;
};

export const edgeDeployGet = edgeAction<{ deploymentId?: unknown }>(async (ctx, { userId, body }): Promise<unknown> => {
  return await ctx.runQuery(internal.deployEdge.getFor, { clerkId: userId!, deploymentId: idOf(body) });
});

export const edgeDeployCancel = edgeAction<{ deploymentId?: unknown }>(async (ctx, { userId, body }): Promise<unknown> => {
  return await ctx.runMutation(internal.deployEdge.cancelFor, { clerkId: userId!, deploymentId: idOf(body) });
});

export const edgeDeployLogs = edgeAction<{ deploymentId?: unknown; afterSeq?: unknown; limit?: unknown }>(
  async (ctx, { userId, body }): Promise<unknown> => {
    const afterSeq = typeof body.afterSeq === "number" && Number.isFinite(body.afterSeq) ? body.afterSeq : -1;
    const limit = typeof body.limit === "number" ? body.limit : MAX_LOG_BATCH;
    return await ctx.runQuery(internal.deployEdge.logsFor, { clerkId: userId!, deploymentId: idOf(body), afterSeq, limit });
  },
);
