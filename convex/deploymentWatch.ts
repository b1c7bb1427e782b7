// Watching a deployment the provider has accepted (internal only):
//   poll             — scheduled chain: provider state + new log lines (one request where the
//                      provider's lines come with its state), with backoff, until terminal.
//   cancelAtProvider — after a user cancel, a timeout, or a cancel that raced the start job.
//   drainLogs        — after a webhook ended it, the lines no poll collected.
// And stopDeployment, the one way to end an active deployment and stop its work.
// Actions talk to the provider; every write goes through the internal mutations here, which
// apply the state machine in convex/lib/deploymentLifecycle.ts.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type ActionCtx, type MutationCtx } from "./_generated/server";
import { cancelStart } from "./lib/deployQueue";
import {
  appendLogs,
  appendProviderLines,
  applyObserved,
  deployTimeoutMs,
  endDeployment,
  isTerminal,
  log,
  MAX_PROVIDER_LINES_PER_WRITE,
  pollDelay,
  timedOut,
  type Outcome,
} from "./lib/deploymentLifecycle";
import { providerClientFor } from "./providerTokens";
import { isProviderError, userMessageOf, type DeployProviderClient, type ProviderLogLine } from "./providers/types";
import { vLogLevel, vObservedDeployment, vProviderLogLine, type Provider } from "./validators";
import { emit } from "./notificationDelivery";

const vDeploymentId = v.id("deployments");

/**
 * Ends an active deployment with `outcome` (see endDeployment) and stops the work still running
 * for it: at the provider → canceled there by an action right after (retried on transient
 * errors); not there yet → its start job leaves the workpool (a job already running finds the
 * row ended and cancels whatever it creates). The one path for a user cancel, a timeout, the
 * watchdog and a deleted project. False (nothing done) when it had already ended.
 */
export async function stopDeployment(ctx: MutationCtx, d: Doc<"deployments">, outcome: Outcome): Promise<boolean> {
  if (!(await endDeployment(ctx, d._id, outcome, emit))) return false;
  if (d.providerDeploymentId !== undefined) {
    await ctx.scheduler.runAfter(0, internal.deploymentWatch.cancelAtProvider, { deploymentId: d._id, attempt: 1 });
  } else if (d.workId) {
    await cancelStart(ctx, d.workId, d.pool);
  }
  return true;
}

/** What a poll / follow-up needs; null once the deployment has nothing left to watch. */
export const watchInfo = internalQuery({
  args: { deploymentId: vDeploymentId, evenIfFinished: v.boolean() },
  handler: async (ctx, { deploymentId, evenIfFinished }) => {
    const d = await ctx.db.get("deployments", deploymentId);
    if (!d || !d.providerDeploymentId || (isTerminal(d.status) && !evenIfFinished)) return null;
    return {
      userId: d.userId,
      provider: d.provider,
      providerDeploymentId: d.providerDeploymentId,
      logCursor: d.logCursor,
    };
  },
});

/** Appends a log line from an action, and/or provider lines (stored once each; `more`: some left for the next fetch). */
export const appendLog = internalMutation({
  args: {
    deploymentId: vDeploymentId,
    level: vLogLevel,
    text: v.string(),
    lines: v.optional(v.array(vProviderLogLine)),
  },
  returns: v.object({ more: v.boolean() }),
  handler: async (ctx, { deploymentId, level, text, lines }) => {
    const { more } = lines?.length ? await appendProviderLines(ctx, deploymentId, lines) : { more: false };
    if (text) await appendLogs(ctx, deploymentId, [{ level, text }]);
    return { more };
  },
});

// ---------- poll ----------

/** Records one poll's findings: logs, state, and the next poll (or the end: terminal state or timeout). */
export const recordPoll = internalMutation({
  args: {
    deploymentId: vDeploymentId,
    n: v.number(),
    observed: v.optional(vObservedDeployment),
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
    if (observed && (await applyObserved(ctx, d._id, observed, emit))) {
      await drainIfMore();
      return null;
    }
    if (pollError && !pollError.transient) {
      await endDeployment(ctx, d._id, { status: "error", code: "PROVIDER_ERROR", message: pollError.message }, emit);
      await drainIfMore();
      return null;
    }
    if (pollError) await log(ctx, d, "warn", `Status check failed (will retry): ${pollError.message}`);
    const timeout = deployTimeoutMs();
    const elapsed = Date.now() - (d.startedAt ?? d.createdAt);
    if (elapsed >= timeout) {
      await stopDeployment(ctx, d, timedOut(d, timeout));
      return null;
    }
    const delay = Math.min(pollDelay(n + 1), timeout - elapsed);
    await ctx.scheduler.runAfter(delay, internal.deploymentWatch.poll, { deploymentId, n: n + 1 });
    return null;
  },
});

/** What an action needs to talk to the provider about a deployment it already created. */
type Watched = {
  info: { userId: Id<"users">; provider: Provider; providerDeploymentId: string; logCursor?: string };
  client?: DeployProviderClient;
  /** Why there is no client (no token any more). */
  problem?: string;
};

/** null when there is nothing to watch (not at the provider, or ended and `evenIfFinished` unset). */
async function watchedDeployment(
  ctx: ActionCtx,
  deploymentId: Id<"deployments">,
  evenIfFinished = false,
): Promise<Watched | null> {
  const info = await ctx.runQuery(internal.deploymentWatch.watchInfo, { deploymentId, evenIfFinished });
  if (!info) return null;
  try {
    return { info, client: await providerClientFor(ctx, info.userId, info.provider) };
  } catch (err) {
    return { info, problem: userMessageOf(err) };
  }
}

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
      await ctx.runMutation(internal.deploymentWatch.recordPoll, { deploymentId, n, lines: [], pollError });
      return null;
    }
    let observed;
    let pollError;
    let lines: ProviderLogLine[] | undefined;
    try {
      let dep;
      if (client.getDeploymentWithLogs) {
        ({ deployment: dep, lines } = await client.getDeploymentWithLogs(info.providerDeploymentId, info.logCursor));
      } else {
        dep = await client.getDeployment(info.providerDeploymentId);
      }
      observed = { state: dep.state, rawState: dep.rawState, url: dep.url, errorMessage: dep.errorMessage };
    } catch (err) {
      pollError = { message: userMessageOf(err), transient: !isProviderError(err) || err.transient };
    }
    // Log lines are best effort: a failed fetch is retried by the next poll (same cursor).
    lines = client.getDeploymentWithLogs
      ? (lines ?? []).slice(0, MAX_PROVIDER_LINES_PER_WRITE + 1)
      : await newLines(client, info);
    await ctx.runMutation(internal.deploymentWatch.recordPoll, { deploymentId, n, observed, pollError, lines });
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
      await ctx.runMutation(internal.deploymentWatch.appendLog, {
        deploymentId,
        level: "info",
        text: "Canceled at the provider",
      });
    } catch (err) {
      const retry = isProviderError(err) && err.transient && attempt < CANCEL_ATTEMPTS;
      await ctx.runMutation(internal.deploymentWatch.appendLog, {
        deploymentId,
        level: "warn",
        text: `Could not cancel at the provider: ${userMessageOf(err)}${retry ? " — retrying" : ""}`,
      });
      if (retry) {
        await ctx.scheduler.runAfter(5_000 * attempt, internal.deploymentWatch.cancelAtProvider, {
          deploymentId,
          attempt: attempt + 1,
        });
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
    const { more } = await ctx.runMutation(internal.deploymentWatch.appendLog, {
      deploymentId,
      level: "info",
      text: "",
      lines,
    });
    if (more && round < MAX_DRAIN_ROUNDS) {
      await ctx.scheduler.runAfter(0, internal.deploymentWatch.drainLogs, { deploymentId, round: round + 1 });
    }
    return null;
  },
});
