// Ending deployments nothing will end any more (internal only):
//   sweep            — the cron's watchdog: a deployment still queued or building long after
//                      its deadline lost its chain (a scheduled poll that never ran, an action
//                      that threw, a start job the workpool lost) and is ended as error TIMEOUT.
//   cancelProjectDeployments / cancelForProject — a deleted project's active deployments
//                      (projects.remove cancels the first batch itself, this the rest).
// Both end rows through stopDeployment, the path the poller and a user cancel take.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, type MutationCtx } from "./_generated/server";
import { stopDeployment } from "./deploymentWatch";
import { deployTimeoutMs, log, timedOut } from "./lib/deploymentLifecycle";

/**
 * Past DEPLOY_TIMEOUT_MS a healthy poll chain has already ended the deployment (its last poll
 * lands on the deadline); the watchdog waits this much longer, so it never races that poll.
 */
export const WATCHDOG_MARGIN_MS = 5 * 60_000;
/** A start job waits this long in its pool at most (the pools start several a minute). */
export const QUEUE_TIMEOUT_MS = 2 * 60 * 60_000;
/** Rows ended per transaction; the sweep schedules itself for the next page. */
export const SWEEP_BATCH = 50;

const vActiveStatus = v.union(v.literal("queued"), v.literal("building"));

/** How long a deployment may stay in `status`, counted from its start (or its creation). */
function allowedMs(status: "queued" | "building"): number {
  return status === "queued" ? QUEUE_TIMEOUT_MS : deployTimeoutMs() + WATCHDOG_MARGIN_MS;
}

/** The poller counts from attempt 1 (startedAt), so a row that queued long is not stuck yet. */
const since = (d: Doc<"deployments">) => (d.status === "building" ? (d.startedAt ?? d.createdAt) : d.createdAt);

/**
 * Ends the deployments in `status` past their deadline at `asOf`, oldest first, one page per
 * transaction (cron: one entry per status; later pages keep the first page's `asOf`, so the
 * cursor walks the same index range).
 */
export const sweep = internalMutation({
  args: { status: vActiveStatus, cursor: v.optional(v.string()), asOf: v.optional(v.number()) },
  returns: v.object({ ended: v.number() }),
  handler: async (ctx, { status, cursor, asOf = Date.now() }) => {
    const allowed = allowedMs(status);
    // createdAt ≤ startedAt, so every stuck row is in this range (some in it may still be within time).
    const page = await ctx.db
      .query("deployments")
      .withIndex("by_status_and_createdAt", (q) => q.eq("status", status).lte("createdAt", asOf - allowed))
      .paginate({ numItems: SWEEP_BATCH, cursor: cursor ?? null });
    let ended = 0;
    for (const d of page.page) {
      if (asOf - since(d) < allowed) continue;
      const minutes = Math.round((asOf - since(d)) / 60_000);
      await log(
        ctx,
        d,
        "warn",
        `Still ${status} ${minutes} minutes after it ${status === "queued" ? "was queued" : "started"}; ending it`,
      );
      const timeout = status === "queued" ? QUEUE_TIMEOUT_MS : deployTimeoutMs();
      if (await stopDeployment(ctx, d, timedOut(d, timeout))) ended++;
    }
    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.deploymentWatchdog.sweep, { status, cursor: page.continueCursor, asOf });
    }
    return { ended };
  },
});

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
    for (const d of active) await stopDeployment(ctx, d, { status: "canceled", reason: "The project was deleted" });
    more ||= active.length === MAX_CANCELED_PER_CALL;
  }
  if (more) await ctx.scheduler.runAfter(0, internal.deploymentWatchdog.cancelForProject, { projectId });
}

export const cancelForProject = internalMutation({
  args: { projectId: v.id("projects") },
  returns: v.null(),
  handler: async (ctx, { projectId }) => {
    await cancelProjectDeployments(ctx, projectId);
    return null;
  },
});
