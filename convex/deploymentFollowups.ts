// Follow-ups of a deployment (internal only): canceling at the provider after a user
// cancel or a timeout, fetching the last log lines after a webhook ended it, and log notes
// from actions. Each runs once, scheduled right after the mutation that needs it.
import { v } from "convex/values";
import { ProviderError, type ProviderLogLine } from "../edge/providers/types";
import { internal } from "./_generated/api";
import { internalAction, internalMutation } from "./_generated/server";
import { appendLogs, type NewLogLine } from "./lib/deploymentLifecycle";
import { clientFor } from "./lib/providerAccess";
import { vLogLevel } from "./validators";

const vDeploymentId = v.id("deployments");
const vProviderLine = v.object({ id: v.string(), at: v.number(), level: vLogLevel, text: v.string() });
const isProviderError = (e: unknown): e is ProviderError =>
  e instanceof ProviderError || (e instanceof Error && e.name === "ProviderError" && "transient" in e);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 1_000);
const providerLines = (lines: ProviderLogLine[]): NewLogLine[] =>
  lines.map((l) => ({ level: l.level, text: l.text, at: l.at, providerEventId: l.id }));

export const note = internalMutation({
  args: { deploymentId: vDeploymentId, level: vLogLevel, text: v.string(), lines: v.optional(v.array(vProviderLine)) },
  returns: v.null(),
  handler: async (ctx, { deploymentId, level, text, lines }) => {
    if (lines?.length) await appendLogs(ctx, deploymentId, providerLines(lines), lines.at(-1)?.id);
    if (text) await appendLogs(ctx, deploymentId, [{ level, text }]);
    return null;
  },
});

/** Cancels at the provider (after a user cancel or a timeout); transient failures are retried twice. */
export const cancelAtProvider = internalAction({
  args: { deploymentId: vDeploymentId, attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { deploymentId, attempt }) => {
    const info = await ctx.runQuery(internal.deploymentJobs.watchInfo, { deploymentId, evenIfFinished: true });
    if (!info) return null;
    const choice = await clientFor(ctx, info.userId, info.provider).catch(() => null);
    if (!choice || "missing" in choice) return null;
    try {
      await choice.client.cancelDeployment(info.providerDeploymentId);
      await ctx.runMutation(internal.deploymentFollowups.note, { deploymentId, level: "info", text: "Canceled at the provider" });
    } catch (err) {
      const retry = isProviderError(err) && err.transient && attempt < 3;
      await ctx.runMutation(internal.deploymentFollowups.note, {
        deploymentId,
        level: "warn",
        text: `Could not cancel at the provider: ${messageOf(err)}${retry ? " — retrying" : ""}`,
      });
      if (retry) await ctx.scheduler.runAfter(5_000 * attempt, internal.deploymentFollowups.cancelAtProvider, { deploymentId, attempt: attempt + 1 });
    }
    return null;
  },
});

/** After a webhook ended a deployment, fetches the log lines no poll collected. */
export const drainLogs = internalAction({
  args: { deploymentId: vDeploymentId },
  returns: v.null(),
  handler: async (ctx, { deploymentId }) => {
    const info = await ctx.runQuery(internal.deploymentJobs.watchInfo, { deploymentId, evenIfFinished: true });
    if (!info) return null;
    const choice = await clientFor(ctx, info.userId, info.provider).catch(() => null);
    if (!choice || "missing" in choice) return null;
    const lines = await choice.client.getLogs(info.providerDeploymentId, info.logCursor).catch(() => []);
    if (lines.length) await ctx.runMutation(internal.deploymentFollowups.note, { deploymentId, level: "info", text: "", lines });
    return null;
  },
});
