// The start job of a deployment (internal only; nothing here is reachable from a browser):
// a workpool action that creates the provider deployment from the snapshot, retried by the
// pool on transient provider failures. Once the provider has it, convex/deploymentWatch.ts
// takes over (polling, cancel at the provider, logs). Every write goes through the internal
// mutations below, which apply the state machine in convex/lib/deploymentLifecycle.ts.
import { vOnCompleteArgs, type WorkId } from "@convex-dev/workpool";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type ActionCtx, type MutationCtx } from "./_generated/server";
import { deployPool, DEPLOY_RETRY } from "./lib/deployQueue";
import { deployFiles, type BlobSource } from "./lib/deployFiles";
import { applyObserved, endDeployment, isTerminal, log, pollDelay, progress } from "./lib/deploymentLifecycle";
import { hashText } from "./lib/hash";
import { snapshotFilesPage, type SnapshotFile } from "./lib/snapshots";
import { providerClientFor } from "./providerTokens";
import { isProviderError, userMessageOf } from "./providers/types";
import {
  PROVIDER_LABEL,
  vDeploymentFailureCode,
  vObservedDeployment,
  vProviderTarget,
  type DeployPool,
  type ProviderTarget,
} from "./validators";
import { emit } from "./notificationDelivery";

const vDeploymentId = v.id("deployments");

function targetOf(
  project: Doc<"projects"> | null,
  provider: Doc<"deployments">["provider"],
): ProviderTarget | undefined {
  const refs = project?.providerRefs;
  if (provider === "vercel" && refs?.vercel) return { provider, ...refs.vercel };
  if (provider === "netlify" && refs?.netlify) return { provider, ...refs.netlify };
  if (provider === "railway" && refs?.railway) return { provider, ...refs.railway };
  return undefined;
}

/** Characters of the project id's hash in a provider name: 48 bits, unique per AUTOCREA project in practice. */
const NAME_HASH_CHARS = 12;

/**
 * A provider-safe name for a new project/site/service: "autocrea-<slug>-<hash of the full
 * project id>", at most 50 characters (Netlify's limit), so two projects never share one.
 */
export async function providerProjectName(projectName: string | undefined, projectId: string): Promise<string> {
  const slug = (projectName ?? "app")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 28)
    .replace(/-+$/, "");
  const { hash } = await hashText(projectId);
  return `autocrea-${slug || "app"}-${hash.slice(0, NAME_HASH_CHARS)}`;
}

/** Enqueues the start job of a deployment; its completion is reported to onComplete below. */
export async function enqueueStart(
  ctx: MutationCtx,
  deploymentId: Id<"deployments">,
  pool: DeployPool,
): Promise<WorkId> {
  return await deployPool(pool).enqueueAction(
    ctx,
    internal.deploymentJobs.start,
    { deploymentId },
    { retry: DEPLOY_RETRY, onComplete: internal.deploymentJobs.onComplete, context: { deploymentId } },
  );
}

export const snapshotPage = internalQuery({
  args: { snapshotId: v.id("snapshots"), cursor: v.union(v.string(), v.null()), numItems: v.number() },
  handler: async (ctx, { snapshotId, cursor, numItems }) => await snapshotFilesPage(ctx, snapshotId, cursor, numItems),
});

const SNAPSHOT_PAGE = 1_000;

/** Every (path, hash, size) of a snapshot, read page by page. */
async function snapshotFiles(ctx: ActionCtx, snapshotId: Id<"snapshots">): Promise<SnapshotFile[]> {
  const out: SnapshotFile[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { page: SnapshotFile[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(
      internal.deploymentJobs.snapshotPage,
      { snapshotId, cursor, numItems: SNAPSHOT_PAGE },
    );
    out.push(...page.page);
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

/** The bytes of a snapshot's files: inline content through blobs.blobsForHashes, the rest from file storage. */
const blobSource = (ctx: ActionCtx): BlobSource => ({
  blobs: (hashes) => ctx.runQuery(internal.blobs.blobsForHashes, { hashes }),
  stored: (storageId) => ctx.storage.get(storageId),
});

/** Counts the attempt and moves the row to building/uploading; null when there is nothing to do. */
export const beginAttempt = internalMutation({
  args: { deploymentId: vDeploymentId },
  handler: async (ctx, { deploymentId }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d || isTerminal(d.status)) return null;
    const attempt = d.attempts + 1;
    const snapshot = await ctx.db.get("snapshots", d.snapshotId);
    await progress(ctx, d, {
      status: "building",
      step: "uploading",
      attempts: attempt,
      startedAt: d.startedAt ?? Date.now(),
    });
    await log(
      ctx,
      d,
      "info",
      `Attempt ${attempt} of ${DEPLOY_RETRY.maxAttempts}: uploading ${snapshot?.fileCount ?? "?"} files to ${PROVIDER_LABEL[d.provider]}`,
    );
    const project = await ctx.db.get("projects", d.projectId);
    return {
      attempt,
      userId: d.userId,
      provider: d.provider,
      environment: d.environment,
      snapshotId: d.snapshotId,
      name: await providerProjectName(project?.name, d.projectId),
      target: targetOf(project, d.provider),
    };
  },
});

/** Remembers where the project deploys at this provider (every redeploy reuses it). */
async function keepTarget(ctx: MutationCtx, d: Doc<"deployments">, target: ProviderTarget) {
  if (target.provider !== d.provider) return;
  const project = await ctx.db.get("projects", d.projectId);
  if (!project) return;
  const { provider, ...ref } = target;
  const current = project.providerRefs?.[provider];
  if (current && JSON.stringify(current) === JSON.stringify(ref)) return;
  await ctx.db.patch("projects", project._id, { providerRefs: { ...project.providerRefs, [provider]: ref } });
}

export const saveTarget = internalMutation({
  args: { deploymentId: vDeploymentId, target: vProviderTarget },
  returns: v.null(),
  handler: async (ctx, { deploymentId, target }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (d) await keepTarget(ctx, d, target);
    return null;
  },
});

/**
 * Records the provider's deployment (building) and starts polling. When the row ended while
 * the job was creating it (a user cancel, the watchdog, a deleted project), the new provider
 * deployment is canceled right away.
 */
export const recordStarted = internalMutation({
  args: {
    deploymentId: vDeploymentId,
    providerDeploymentId: v.string(),
    observed: vObservedDeployment,
    target: vProviderTarget,
  },
  returns: v.null(),
  handler: async (ctx, { deploymentId, providerDeploymentId, observed, target }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d) return null;
    await keepTarget(ctx, d, target);
    if (isTerminal(d.status)) {
      await ctx.db.patch("deployments", d._id, { providerDeploymentId });
      if (d.status !== "ready") {
        await ctx.scheduler.runAfter(0, internal.deploymentWatch.cancelAtProvider, { deploymentId, attempt: 1 });
      }
      return null;
    }
    await progress(ctx, d, {
      status: "building",
      providerDeploymentId,
      ...(observed.url ? { url: observed.url } : {}),
    });
    await log(
      ctx,
      d,
      "info",
      `${PROVIDER_LABEL[d.provider]} deployment ${providerDeploymentId} created${observed.rawState ? ` (${observed.rawState})` : ""}`,
    );
    if (!(await applyObserved(ctx, d._id, observed, emit))) {
      await ctx.scheduler.runAfter(pollDelay(0), internal.deploymentWatch.poll, { deploymentId, n: 0 });
    }
    return null;
  },
});

/** A transient failure of one attempt (the workpool retries it). */
export const attemptFailed = internalMutation({
  args: { deploymentId: vDeploymentId, message: v.string() },
  returns: v.null(),
  handler: async (ctx, { deploymentId, message }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d || isTerminal(d.status)) return null;
    const last = d.attempts >= DEPLOY_RETRY.maxAttempts;
    await log(ctx, d, "warn", `Attempt ${d.attempts} failed: ${message}${last ? "" : " — retrying"}`);
    return null;
  },
});

/** Ends the deployment as `error` with `code` (false when it had already ended). */
export const endWithError = internalMutation({
  args: { deploymentId: vDeploymentId, code: vDeploymentFailureCode, message: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { deploymentId, code, message }) =>
    await endDeployment(ctx, deploymentId, { status: "error", code, message }, emit),
});

export const start = internalAction({
  args: { deploymentId: vDeploymentId },
  returns: v.null(),
  handler: async (ctx, { deploymentId }) => {
    const job = await ctx.runMutation(internal.deploymentJobs.beginAttempt, { deploymentId });
    if (!job) return null;
    const client = await providerClientFor(ctx, job.userId, job.provider).catch(async (err: unknown) => {
      const message = userMessageOf(err);
      await ctx.runMutation(internal.deploymentJobs.endWithError, {
        deploymentId,
        code: "PROVIDER_NOT_CONFIGURED",
        message,
      });
      return null;
    });
    if (!client) return null;
    try {
      let existing = job.target;
      if (!existing && client.ensureTarget) {
        // Keep the new project/site before uploading, so a retried attempt reuses it.
        existing = await client.ensureTarget({ name: job.name, environment: job.environment });
        await ctx.runMutation(internal.deploymentJobs.saveTarget, { deploymentId, target: existing });
      }
      const files = deployFiles(blobSource(ctx), await snapshotFiles(ctx, job.snapshotId));
      const { deployment, target } = await client.createDeployment({
        target: existing,
        name: job.name,
        environment: job.environment,
        files,
      });
      await ctx.runMutation(internal.deploymentJobs.recordStarted, {
        deploymentId,
        providerDeploymentId: deployment.id,
        observed: {
          state: deployment.state,
          rawState: deployment.rawState,
          url: deployment.url,
          errorMessage: deployment.errorMessage,
        },
        target,
      });
    } catch (err) {
      const message = userMessageOf(err);
      if (isProviderError(err) && err.transient) {
        await ctx.runMutation(internal.deploymentJobs.attemptFailed, { deploymentId, message });
        throw err; // the workpool retries with backoff; after the last attempt onComplete ends it
      }
      await ctx.runMutation(internal.deploymentJobs.endWithError, {
        deploymentId,
        code: isProviderError(err) ? "PROVIDER_REJECTED" : "INTERNAL",
        message: isProviderError(err) ? message : `Deployment could not start: ${message}`,
      });
    }
    return null;
  },
});

/** Workpool completion: the last attempt failed (transiently) or the job was canceled. */
export const onComplete = internalMutation({
  args: vOnCompleteArgs(v.object({ deploymentId: vDeploymentId })),
  returns: v.null(),
  handler: async (ctx, { context, result }) => {
    if (result.kind === "failed") {
      await endDeployment(
        ctx,
        context.deploymentId,
        {
          status: "error",
          code: "UPSTREAM",
          message: `The provider kept failing after ${DEPLOY_RETRY.maxAttempts} attempts: ${result.error}`,
        },
        emit,
      );
    } else if (result.kind === "canceled") {
      await endDeployment(ctx, context.deploymentId, { status: "canceled", reason: "Removed from the queue" }, emit);
    }
    return null;
  },
});
