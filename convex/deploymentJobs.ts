// The deployment's background life (internal only; nothing here is reachable from a browser):
//   start      — workpool job: create the provider deployment from the snapshot.
//   poll       — scheduled chain: provider state + new log lines, with backoff, until terminal.
//   cancelAtProvider, drainLogs — one-off follow-ups.
// Actions talk to providers; every write goes through the internal mutations below, which
// apply the state machine in convex/lib/deploymentLifecycle.ts.
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { v } from "convex/values";
import { ProviderError, type ProviderLogLine, type ProviderTarget } from "../edge/providers/types";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type ActionCtx, type MutationCtx } from "./_generated/server";
import { DEPLOY_RETRY } from "./lib/deployQueue";
import { deployFiles, snapshotFiles } from "./lib/deployFiles";
import {
  appendLogs,
  applyObserved,
  deployTimeoutMs,
  finish,
  isTerminal,
  log,
  pollDelay,
  progress,
  PROVIDER_LABEL,
  type NewLogLine,
} from "./lib/deploymentLifecycle";
import { clientFor } from "./lib/providerAccess";
import { snapshotFilesPage } from "./lib/snapshots";
import { vLogLevel, vProviderState, vProviderTarget } from "./validators";

const vDeploymentId = v.id("deployments");
const vProviderLine = v.object({ id: v.string(), at: v.number(), level: vLogLevel, text: v.string() });
const vObserved = v.object({
  state: vProviderState,
  rawState: v.optional(v.string()),
  url: v.optional(v.string()),
  errorMessage: v.optional(v.string()),
});

const isProviderError = (e: unknown): e is ProviderError =>
  e instanceof ProviderError || (e instanceof Error && e.name === "ProviderError" && "transient" in e);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 1_000);
const providerLines = (lines: ProviderLogLine[]): NewLogLine[] =>
  lines.map((l) => ({ level: l.level, text: l.text, at: l.at, providerEventId: l.id }));

function targetOf(project: Doc<"projects"> | null, provider: Doc<"deployments">["provider"]): ProviderTarget | undefined {
  const refs = project?.providerRefs;
  if (provider === "vercel" && refs?.vercel) return { provider, ...refs.vercel };
  if (provider === "netlify" && refs?.netlify) return { provider, ...refs.netlify };
  if (provider === "railway" && refs?.railway) return { provider, ...refs.railway };
  return undefined;
}

/** A provider-safe name for a new project/site: "autocrea-<slug>-<id suffix>". */
function siteName(project: Doc<"projects"> | null, d: Doc<"deployments">): string {
  const slug = (project?.name ?? "app")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `autocrea-${slug || "app"}-${d.projectId.slice(-6).toLowerCase()}`;
}

// ---------- reads for the actions ----------

export const snapshotPage = internalQuery({
  args: { snapshotId: v.id("snapshots"), cursor: v.union(v.string(), v.null()), numItems: v.number() },
  handler: async (ctx, { snapshotId, cursor, numItems }) => await snapshotFilesPage(ctx, snapshotId, cursor, numItems),
});

/** What a poll / follow-up needs; null once the deployment has nothing left to watch. */
export const watchInfo = internalQuery({
  args: { deploymentId: vDeploymentId, evenIfFinished: v.optional(v.boolean()) },
  handler: async (ctx, { deploymentId, evenIfFinished }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d || !d.providerDeploymentId || (isTerminal(d.status) && !evenIfFinished)) return null;
    return { userId: d.userId, provider: d.provider, providerDeploymentId: d.providerDeploymentId, logCursor: d.logCursor };
  },
});

// ---------- start ----------

/** Counts the attempt and moves the row to building/uploading; null when there is nothing to do. */
export const beginAttempt = internalMutation({
  args: { deploymentId: vDeploymentId },
  handler: async (ctx, { deploymentId }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d || isTerminal(d.status)) return null;
    const attempt = d.attempts + 1;
    const snapshot = await ctx.db.get("snapshots", d.snapshotId);
    await progress(ctx, d, { status: "building", step: "uploading", attempts: attempt, startedAt: d.startedAt ?? Date.now() });
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
      name: siteName(project, d),
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

/** Records the provider's deployment (building) and starts polling. Tells the job when the row was canceled meanwhile. */
export const recordStarted = internalMutation({
  args: { deploymentId: vDeploymentId, providerDeploymentId: v.string(), observed: vObserved, target: vProviderTarget },
  returns: v.object({ canceled: v.boolean() }),
  handler: async (ctx, { deploymentId, providerDeploymentId, observed, target }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d) return { canceled: true };
    await keepTarget(ctx, d, target);
    if (isTerminal(d.status)) {
      await ctx.db.patch("deployments", d._id, { providerDeploymentId });
      return { canceled: d.status === "canceled" };
    }
    await progress(ctx, d, { status: "building", providerDeploymentId, ...(observed.url ? { url: observed.url } : {}) });
    await log(ctx, d, "info", `${PROVIDER_LABEL[d.provider]} deployment ${providerDeploymentId} created${observed.rawState ? ` (${observed.rawState})` : ""}`);
    await applyObserved(ctx, d._id, observed);
    const after = (await ctx.db.get("deployments", d._id))!;
    if (!isTerminal(after.status)) await ctx.scheduler.runAfter(pollDelay(0), internal.deploymentJobs.poll, { deploymentId, n: 0 });
    return { canceled: false };
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

export const fail = internalMutation({
  args: { deploymentId: vDeploymentId, code: v.string(), message: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { deploymentId, code, message }) =>
    await finish(ctx, deploymentId, { status: "error", code, message }),
});

export const start = internalAction({
  args: { deploymentId: vDeploymentId },
  returns: v.null(),
  handler: async (ctx, { deploymentId }) => {
    const job = await ctx.runMutation(internal.deploymentJobs.beginAttempt, { deploymentId });
    if (!job) return null;
    let choice;
    try {
      choice = await clientFor(ctx, job.userId, job.provider);
    } catch (err) {
      choice = { missing: `Your ${job.provider} token could not be read (${messageOf(err)}); connect it again` };
    }
    if ("missing" in choice) {
      await ctx.runMutation(internal.deploymentJobs.fail, { deploymentId, code: "PROVIDER_NOT_CONFIGURED", message: choice.missing });
      return null;
    }
    const client = choice.client;
    try {
      let existing = job.target;
      if (!existing && client.ensureTarget) {
        // Keep the new project/site before uploading, so a retried attempt reuses it.
        existing = await client.ensureTarget({ name: job.name, environment: job.environment });
        await ctx.runMutation(internal.deploymentJobs.saveTarget, { deploymentId, target: existing });
      }
      const files = deployFiles(ctx, await snapshotFiles(ctx, job.snapshotId));
      const { deployment, target } = await client.createDeployment({
        target: existing,
        name: job.name,
        environment: job.environment,
        files,
      });
      const { canceled } = await ctx.runMutation(internal.deploymentJobs.recordStarted, {
        deploymentId,
        providerDeploymentId: deployment.id,
        observed: { state: deployment.state, rawState: deployment.rawState, url: deployment.url, errorMessage: deployment.errorMessage },
        target,
      });
      if (canceled) await cancelQuietly(ctx, deploymentId, () => client.cancelDeployment(deployment.id));
    } catch (err) {
      if (isProviderError(err) && err.transient) {
        await ctx.runMutation(internal.deploymentJobs.attemptFailed, { deploymentId, message: messageOf(err) });
        throw err; // the workpool retries with backoff; after the last attempt onComplete ends it
      }
      await ctx.runMutation(internal.deploymentJobs.fail, {
        deploymentId,
        code: isProviderError(err) ? "PROVIDER_REJECTED" : "INTERNAL",
        message: isProviderError(err) ? err.message : `Deployment could not start: ${messageOf(err)}`,
      });
    }
    return null;
  },
});

async function cancelQuietly(ctx: ActionCtx, deploymentId: Doc<"deployments">["_id"], cancel: () => Promise<void>) {
  try {
    await cancel();
    await ctx.runMutation(internal.deploymentFollowups.note, { deploymentId, level: "info", text: "Canceled at the provider" });
  } catch (err) {
    await ctx.runMutation(internal.deploymentFollowups.note, {
      deploymentId,
      level: "warn",
      text: `Could not cancel at the provider: ${messageOf(err)}`,
    });
  }
}

/** Workpool completion: the last attempt failed (transiently) or the job was canceled. */
export const onComplete = internalMutation({
  args: vOnCompleteArgs(v.object({ deploymentId: vDeploymentId })),
  returns: v.null(),
  handler: async (ctx, { context, result }) => {
    if (result.kind === "failed") {
      await finish(ctx, context.deploymentId, {
        status: "error",
        code: "UPSTREAM",
        message: `The provider kept failing after ${DEPLOY_RETRY.maxAttempts} attempts: ${result.error}`,
      });
    } else if (result.kind === "canceled") {
      await finish(ctx, context.deploymentId, { status: "canceled", reason: "Removed from the queue" });
    }
    return null;
  },
});

// ---------- poll ----------

export const record = internalMutation({
  args: {
    deploymentId: vDeploymentId,
    n: v.number(),
    observed: v.optional(vObserved),
    pollError: v.optional(v.object({ message: v.string(), transient: v.boolean() })),
    lines: v.array(vProviderLine),
  },
  returns: v.null(),
  handler: async (ctx, { deploymentId, n, observed, pollError, lines }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d || isTerminal(d.status)) return null;
    const now = Date.now();
    await ctx.db.patch("deployments", d._id, { pollCount: d.pollCount + 1, lastPolledAt: now });
    await appendLogs(ctx, d._id, providerLines(lines), lines.at(-1)?.id);
    if (observed && (await applyObserved(ctx, d._id, observed))) return null;
    if (pollError && !pollError.transient) {
      await finish(ctx, d._id, { status: "error", code: "PROVIDER_ERROR", message: pollError.message });
      return null;
    }
    if (pollError) await log(ctx, d, "warn", `Status check failed (will retry): ${pollError.message}`);
    const timeout = deployTimeoutMs();
    const elapsed = now - (d.startedAt ?? d.createdAt);
    if (elapsed >= timeout) {
      await finish(ctx, d._id, {
        status: "error",
        code: "TIMEOUT",
        message: `Still not live after ${Math.round(timeout / 60_000)} minutes; canceled at the provider`,
      });
      await ctx.scheduler.runAfter(0, internal.deploymentFollowups.cancelAtProvider, { deploymentId, attempt: 1 });
      return null;
    }
    const delay = Math.min(pollDelay(n + 1), timeout - elapsed);
    await ctx.scheduler.runAfter(delay, internal.deploymentJobs.poll, { deploymentId, n: n + 1 });
    return null;
  },
});

export const poll = internalAction({
  args: { deploymentId: vDeploymentId, n: v.number() },
  returns: v.null(),
  handler: async (ctx, { deploymentId, n }) => {
    const info = await ctx.runQuery(internal.deploymentJobs.watchInfo, { deploymentId });
    if (!info) return null;
    const choice = await clientFor(ctx, info.userId, info.provider).catch(() => null);
    if (!choice || "missing" in choice) {
      await ctx.runMutation(internal.deploymentJobs.record, {
        deploymentId,
        n,
        lines: [],
        pollError: { message: `The ${info.provider} token is no longer available`, transient: false },
      });
      return null;
    }
    let observed;
    let pollError;
    try {
      const dep = await choice.client.getDeployment(info.providerDeploymentId);
      observed = { state: dep.state, rawState: dep.rawState, url: dep.url, errorMessage: dep.errorMessage };
    } catch (err) {
      pollError = { message: messageOf(err), transient: !isProviderError(err) || err.transient };
    }
    // Log lines are best effort: a failed fetch is retried by the next poll (same cursor).
    const lines = await choice.client.getLogs(info.providerDeploymentId, info.logCursor).catch(() => []);
    await ctx.runMutation(internal.deploymentJobs.record, { deploymentId, n, observed, pollError, lines });
    return null;
  },
});
