// Watching a deployment the provider has accepted (internal only):
//   poll             — scheduled chain: provider state + new log lines, with backoff, until terminal.
//   cancelAtProvider — after a user cancel, a timeout, or a cancel that raced the start job.
//   drainLogs        — after a webhook ended it, the lines no poll collected.
// Actions talk to the provider; every write goes through the internal mutations here, which
// apply the state machine in convex/lib/deploymentLifecycle.ts.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction, internalMutation, internalQuery } from "./_generated/server";
import {
  appendLogs,
  applyObserved,
  deployTimeoutMs,
  finish,
  isTerminal,
  log,
  pollDelay,
  providerLines,
} from "./lib/deploymentLifecycle";
import { isProviderError, messageOf, watchedDeployment } from "./lib/providerAccess";
import { vLogLevel, vProviderLogLine, vProviderState } from "./validators";

const vDeploymentId = v.id("deployments");
export const vObserved = v.object({
  state: vProviderState,
  rawState: v.optional(v.string()),
  url: v.optional(v.string()),
  errorMessage: v.optional(v.string()),
});

/** What a poll / follow-up needs; null once the deployment has nothing left to watch. */
export const watchInfo = internalQuery({
  args: { deploymentId: vDeploymentId, evenIfFinished: v.boolean() },
  handler: async (ctx, { deploymentId, evenIfFinished }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d || !d.providerDeploymentId || (isTerminal(d.status) && !evenIfFinished)) return null;
    return { userId: d.userId, provider: d.provider, providerDeploymentId: d.providerDeploymentId, logCursor: d.logCursor };
  },
});

/** A log line from an action, and/or provider lines (stored once each). */
export const note = internalMutation({
  args: { deploymentId: vDeploymentId, level: vLogLevel, text: v.string(), lines: v.optional(v.array(vProviderLogLine)) },
  returns: v.null(),
  handler: async (ctx, { deploymentId, level, text, lines }) => {
    if (lines?.length) await appendLogs(ctx, deploymentId, providerLines(lines), lines.at(-1)?.id);
    if (text) await appendLogs(ctx, deploymentId, [{ level, text }]);
    return null;
  },
});

// ---------- poll ----------

/** One poll's findings: logs, state, and the next poll (or the end: terminal state or timeout). */
export const record = internalMutation({
  args: {
    deploymentId: vDeploymentId,
    n: v.number(),
    observed: v.optional(vObserved),
    pollError: v.optional(v.object({ message: v.string(), transient: v.boolean() })),
    lines: v.array(vProviderLogLine),
  },
  returns: v.null(),
  handler: async (ctx, { deploymentId, n, observed, pollError, lines }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d || isTerminal(d.status)) return null;
    await ctx.db.patch("deployments", d._id, { pollCount: d.pollCount + 1 });
    await appendLogs(ctx, d._id, providerLines(lines), lines.at(-1)?.id);
    if (observed && (await applyObserved(ctx, d._id, observed))) return null;
    if (pollError && !pollError.transient) {
      await finish(ctx, d._id, { status: "error", code: "PROVIDER_ERROR", message: pollError.message });
      return null;
    }
    if (pollError) await log(ctx, d, "warn", `Status check failed (will retry): ${pollError.message}`);
    const timeout = deployTimeoutMs();
    const elapsed = Date.now() - (d.startedAt ?? d.createdAt);
    if (elapsed >= timeout) {
      await finish(ctx, d._id, {
        status: "error",
        code: "TIMEOUT",
        message: `Still not live after ${Math.round(timeout / 60_000)} minutes; canceled at the provider`,
      });
      await ctx.scheduler.runAfter(0, internal.deploymentWatch.cancelAtProvider, { deploymentId, attempt: 1 });
      return null;
    }
    const delay = Math.min(pollDelay(n + 1), timeout - elapsed);
    await ctx.scheduler.runAfter(delay, internal.deploymentWatch.poll, { deploymentId, n: n + 1 });
    return null;
  },
});

export const poll = internalAction({
  args: { deploymentId: vDeploymentId, n: v.number() },
  returns: v.null(),
  handler: async (ctx, { deploymentId, n }) => {
    const watched = await watchedDeployment(ctx, deploymentId);
    if (!watched) return null;
    const { info, client } = watched;
    if (!client) {
      const pollError = { message: watched.problem ?? `No ${info.provider} client`, transient: false };
      await ctx.runMutation(internal.deploymentWatch.record, { deploymentId, n, lines: [], pollError });
      return null;
    }
    let observed;
    let pollError;
    try {
      const dep = await client.getDeployment(info.providerDeploymentId);
      observed = { state: dep.state, rawState: dep.rawState, url: dep.url, errorMessage: dep.errorMessage };
    } catch (err) {
      pollError = { message: messageOf(err), transient: !isProviderError(err) || err.transient };
    }
    // Log lines are best effort: a failed fetch is retried by the next poll (same cursor).
    const lines = await client.getLogs(info.providerDeploymentId, info.logCursor).catch(() => []);
    await ctx.runMutation(internal.deploymentWatch.record, { deploymentId, n, observed, pollError, lines });
    return null;
  },
});

// ---------- follow-ups ----------

const CANCEL_ATTEMPTS = 3;

/** Cancels at the provider; transient failures are retried (5 s, then 10 s later). */
export const cancelAtProvider = internalAction({
  args: { deploymentId: vDeploymentId, attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { deploymentId, attempt }) => {
    const watched = await watchedDeployment(ctx, deploymentId, true);
    if (!watched?.client) return null;
    try {
      await watched.client.cancelDeployment(watched.info.providerDeploymentId);
      await ctx.runMutation(internal.deploymentWatch.note, { deploymentId, level: "info", text: "Canceled at the provider" });
    } catch (err) {
      const retry = isProviderError(err) && err.transient && attempt < CANCEL_ATTEMPTS;
      await ctx.runMutation(internal.deploymentWatch.note, {
        deploymentId,
        level: "warn",
        text: `Could not cancel at the provider: ${messageOf(err)}${retry ? " — retrying" : ""}`,
      });
      if (retry) {
        await ctx.scheduler.runAfter(5_000 * attempt, internal.deploymentWatch.cancelAtProvider, { deploymentId, attempt: attempt + 1 });
      }
    }
    return null;
  },
});

/** After a webhook ended a deployment, fetches the log lines no poll collected. */
export const drainLogs = internalAction({
  args: { deploymentId: vDeploymentId },
  returns: v.null(),
  handler: async (ctx, { deploymentId }) => {
    const watched = await watchedDeployment(ctx, deploymentId, true);
    if (!watched?.client) return null;
    const lines = await watched.client.getLogs(watched.info.providerDeploymentId, watched.info.logCursor).catch(() => []);
    if (lines.length) await ctx.runMutation(internal.deploymentWatch.note, { deploymentId, level: "info", text: "", lines });
    return null;
  },
});
