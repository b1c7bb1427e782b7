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
  appendProviderLines,
  applyObserved,
  deployTimeoutMs,
  finish,
  finishAndStop,
  isTerminal,
  log,
  MAX_PROVIDER_LINES_PER_WRITE,
  pollDelay,
  timedOut,
} from "./lib/deploymentLifecycle";
import type { DeployProviderClient, ProviderLogLine } from "./providers/types";
import { isProviderError, messageOf, watchedDeployment, type Watched } from "./lib/providerAccess";
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

/** A log line from an action, and/or provider lines (stored once each; `more`: some left for the next fetch). */
export const note = internalMutation({
  args: { deploymentId: vDeploymentId, level: vLogLevel, text: v.string(), lines: v.optional(v.array(vProviderLogLine)) },
  returns: v.object({ more: v.boolean() }),
  handler: async (ctx, { deploymentId, level, text, lines }) => {
    const { more } = lines?.length ? await appendProviderLines(ctx, deploymentId, lines) : { more: false };
    if (text) await appendLogs(ctx, deploymentId, [{ level, text }]);
    return { more };
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
    const { more } = await appendProviderLines(ctx, d._id, lines);
    // Ended with lines left over: no poll follows, so fetch the rest now.
    const drainIfMore = async () => {
      if (more) await ctx.scheduler.runAfter(0, internal.deploymentWatch.drainLogs, { deploymentId });
    };
    if (observed && (await applyObserved(ctx, d._id, observed))) {
      await drainIfMore();
      return null;
    }
    if (pollError && !pollError.transient) {
      await finish(ctx, d._id, { status: "error", code: "PROVIDER_ERROR", message: pollError.message });
      await drainIfMore();
      return null;
    }
    if (pollError) await log(ctx, d, "warn", `Status check failed (will retry): ${pollError.message}`);
    const timeout = deployTimeoutMs();
    const elapsed = Date.now() - (d.startedAt ?? d.createdAt);
    if (elapsed >= timeout) {
      await finishAndStop(ctx, d, timedOut(d, timeout));
      return null;
    }
    const delay = Math.min(pollDelay(n + 1), timeout - elapsed);
    await ctx.scheduler.runAfter(delay, internal.deploymentWatch.poll, { deploymentId, n: n + 1 });
    return null;
  },
});

/** Lines after the cursor, at most one more than a mutation stores (so it can tell there are more); [] when the fetch fails. */
async function newLines(client: DeployProviderClient, info: Watched["info"]): Promise<ProviderLogLine[]> {
  const lines = await client.getLogs(info.providerDeploymentId, info.logCursor).catch(() => []);
  return lines.slice(0, MAX_PROVIDER_LINES_PER_WRITE + 1);
}

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
    const lines = await newLines(client, info);
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

/** Fetches of a drain, at most (each stores up to MAX_PROVIDER_LINES_PER_WRITE lines). */
export const MAX_DRAIN_ROUNDS = 20;

/** After a deployment ended (by a webhook, or a poll with lines left over), fetches the log lines no poll collected. */
export const drainLogs = internalAction({
  args: { deploymentId: vDeploymentId, round: v.optional(v.number()) },
  returns: v.null(),
  handler: async (ctx, { deploymentId, round = 1 }) => {
    const watched = await watchedDeployment(ctx, deploymentId, true);
    if (!watched?.client) return null;
    const lines = await newLines(watched.client, watched.info);
    if (!lines.length) return null;
    const { more } = await ctx.runMutation(internal.deploymentWatch.note, { deploymentId, level: "info", text: "", lines });
    if (more && round < MAX_DRAIN_ROUNDS) {
      await ctx.scheduler.runAfter(0, internal.deploymentWatch.drainLogs, { deploymentId, round: round + 1 });
    }
    return null;
  },
});
