// Asking for a deployment: the checks and the `queued` row shared by deployments.request,
// requestMany, rollback and the edge's POST /api/deploy (deployments.requestDeployment then
// enqueues the start job). Every check that can refuse runs before the first write, so a
// refused item of a batch leaves nothing behind.
import { HOUR, RateLimiter } from "@convex-dev/rate-limiter";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { env, type MutationCtx } from "../_generated/server";
import { PROVIDER_LABEL, type DeployPool, type Environment, type Provider } from "../validators";
import { requireProjectRole } from "./access";
import { poolFor } from "./deployQueue";
import { log } from "./deploymentLifecycle";
import { statsInsert } from "./deploymentStats";
import { fail } from "./errors";
import { isMocked } from "./mockServices";
import { createSnapshot } from "./snapshots";

export const DEPLOYS_PER_HOUR = 10;
export const MAX_QUEUED_PER_USER = 5;
export const MAX_BATCH = 10;
/**
 * Project files one requestMany may snapshot in total (each is read, and written as a snapshot
 * row): ten full projects would be 50,000 of each, far past what one Convex transaction may
 * read and write. The first item always fits (one project holds at most 5,000 files).
 */
export const MAX_BATCH_FILES = 8_000;

/** What a requestMany has snapshotted so far (a single request passes none). */
export type BatchBudget = { files: number };
const MAX_IDEMPOTENCY_KEY = 200;

const limiter = new RateLimiter(components.rateLimiter, {
  deployRequest: { kind: "token bucket", rate: DEPLOYS_PER_HOUR, period: HOUR, capacity: DEPLOYS_PER_HOUR },
});

export type DeployRequest = {
  projectId: Id<"projects">;
  provider: Provider;
  environment: Environment;
  idempotencyKey?: string;
  /** Rollback: redeploy exactly this earlier snapshot instead of the current files. */
  snapshotId?: Id<"snapshots">;
  rollbackOf?: Id<"deployments">;
};

async function existingForKey(ctx: MutationCtx, user: Doc<"users">, req: DeployRequest) {
  const key = req.idempotencyKey;
  if (key === undefined) return null;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY) {
    fail("INVALID", `Idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`);
  }
  const existing = await ctx.db
    .query("deployments")
    .withIndex("by_userId_and_idempotencyKey", (q) => q.eq("userId", user._id).eq("idempotencyKey", key))
    .first();
  if (!existing) return null;
  if (
    existing.projectId !== req.projectId ||
    existing.provider !== req.provider ||
    existing.environment !== req.environment
  ) {
    fail("CONFLICT", "This idempotency key was already used for a different deployment request");
  }
  return existing._id;
}

/** What admitDeployment decided: a new `queued` row (to enqueue in `pool`), or the one an idempotency key names. */
export type Admitted =
  | { deploymentId: Id<"deployments">; created: true; pool: DeployPool }
  | { deploymentId: Id<"deployments">; created: false };

/** Checks, snapshots and inserts the `queued` row (no start job yet: the caller enqueues it). */
export async function admitDeployment(
  ctx: MutationCtx,
  user: Doc<"users">,
  req: DeployRequest,
  batch?: BatchBudget,
): Promise<Admitted> {
  const { project } = await requireProjectRole(ctx, user, req.projectId, "editor");
  const same = await existingForKey(ctx, user, req);
  if (same) return { deploymentId: same, created: false };
  const snapshotFiles = req.snapshotId ? 0 : project.fileCount;
  if (batch && batch.files > 0 && batch.files + snapshotFiles > MAX_BATCH_FILES) {
    fail("PAYLOAD_TOO_LARGE", `This batch already snapshots ${batch.files} files; request this project on its own`, {
      limit: MAX_BATCH_FILES,
    });
  }

  const queued = await ctx.db
    .query("deployments")
    .withIndex("by_userId_and_status", (q) => q.eq("userId", user._id).eq("status", "queued"))
    .take(MAX_QUEUED_PER_USER);
  if (queued.length >= MAX_QUEUED_PER_USER) {
    fail("QUEUE_FULL", `You already have ${MAX_QUEUED_PER_USER} deployments waiting; wait for one to start`, {
      limit: MAX_QUEUED_PER_USER,
    });
  }
  const rate = await limiter.check(ctx, "deployRequest", { key: user._id });
  if (!rate.ok) {
    fail("RATE_LIMITED", `At most ${DEPLOYS_PER_HOUR} deployments per hour`, {
      retryAfterMs: Math.ceil(rate.retryAfter),
      limit: DEPLOYS_PER_HOUR,
    });
  }

  // Writes from here on (the snapshot may still refuse an empty project: it checks first).
  const snapshotId = req.snapshotId ?? (await createSnapshot(ctx, req.projectId, user._id));
  await limiter.limit(ctx, "deployRequest", { key: user._id, throws: true });

  const pool = poolFor(user.plan);
  const now = Date.now();
  const deploymentId = await ctx.db.insert("deployments", {
    projectId: req.projectId,
    userId: user._id,
    provider: req.provider,
    environment: req.environment,
    status: "queued",
    step: "queued",
    snapshotId,
    attempts: 0,
    pollCount: 0,
    logCount: 0,
    idempotencyKey: req.idempotencyKey,
    rollbackOf: req.rollbackOf,
    // Dev mode fakes some providers (AUTOCREA_MOCK_SERVICES); their deployments say so.
    mock: isMocked(req.provider, env.AUTOCREA_MOCK_SERVICES) || undefined,
    pool,
    createdAt: now,
  });
  const row = (await ctx.db.get("deployments", deploymentId))!;
  await statsInsert(ctx, row);
  await log(
    ctx,
    row,
    "info",
    req.rollbackOf
      ? `Queued: rollback to the snapshot of deployment ${req.rollbackOf} on ${PROVIDER_LABEL[req.provider]} (${req.environment})`
      : `Queued for ${PROVIDER_LABEL[req.provider]} (${req.environment})`,
  );
  if (batch) batch.files += snapshotFiles;
  return { deploymentId, created: true, pool };
}

/** Rollback: the request for a new deployment of exactly the snapshot an earlier `ready` deployment shipped. */
export async function rollbackRequest(
  ctx: MutationCtx,
  user: Doc<"users">,
  deploymentId: Id<"deployments">,
): Promise<DeployRequest> {
  const earlier = await ctx.db.get("deployments", deploymentId);
  if (!earlier) fail("NOT_FOUND", "Deployment not found");
  await requireProjectRole(ctx, user, earlier.projectId, "editor");
  if (earlier.status !== "ready") fail("INVALID", "Only a deployment that went live (ready) can be rolled back to");
  return {
    projectId: earlier.projectId,
    provider: earlier.provider,
    environment: earlier.environment,
    snapshotId: earlier.snapshotId,
    rollbackOf: earlier._id,
  };
}
