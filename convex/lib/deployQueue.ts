// The durable deployment queue: two workpools (free and paid plans, so paid work never
// waits behind free), bounded concurrency, retries with exponential backoff and jitter.
// Only the start job runs in a pool (deploymentJobs.enqueueStart puts it there); polling is a
// chain of scheduled functions.
import { Workpool, type RetryBehavior, type WorkId } from "@convex-dev/workpool";
import { components } from "../_generated/api";
import { env, type MutationCtx } from "../_generated/server";
import type { DeployPool, Plan } from "../validators";
import { PLAN_LIMITS } from "./plans";

export const DEFAULT_MAX_PARALLELISM = 4;

/**
 * At most 3 attempts. The workpool waits initialBackoffMs * base^(attempt-1), times a
 * random factor in [0.5, 1.5) (jitter), before each retry: ~2 s, then ~4 s.
 * The start job throws only for transient provider failures (5xx, 429, timeouts,
 * network); permanent ones end the deployment inside the job, so they are never retried.
 */
export const DEPLOY_RETRY: RetryBehavior = { maxAttempts: 3, initialBackoffMs: 2_000, base: 2 };

export function maxParallelism(raw: string | undefined = env.DEPLOY_MAX_PARALLELISM): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : DEFAULT_MAX_PARALLELISM;
}

/** The pool a plan's deployments run in, as the plan catalogue says. */
export function poolFor(plan: Plan): DeployPool {
  return PLAN_LIMITS[plan].deployPool;
}

/** A client for one of the two pools (created per call: the limit comes from env). */
export function deployPool(pool: DeployPool): Workpool {
  return new Workpool(pool === "paid" ? components.paidDeployPool : components.deployPool, {
    maxParallelism: maxParallelism(),
    retryActionsByDefault: true,
    defaultRetryBehavior: DEPLOY_RETRY,
    logLevel: "WARN",
  });
}

/** Removes a job that has not started (a running one finishes, but is not retried). */
export async function cancelStart(ctx: MutationCtx, workId: string, pool: DeployPool): Promise<void> {
  await deployPool(pool).cancel(ctx, workId as WorkId);
}
