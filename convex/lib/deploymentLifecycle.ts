// The deployment state machine, in one place. Every change of a deployment's status goes
// through `progress` or `endDeployment` here, which keep the stats aggregate, the log, the
// notification and the terminal timestamps consistent in the same transaction.
//
//   queued ──start job──▶ building ──provider ready──▶ ready
//     │                    │  └──build failed / rejected / retries spent / timeout──▶ error
//     └──────cancel────────┴──cancel, or canceled at the provider──▶ canceled
// (README "Deployments" has the full diagram and every error code.)
import type { Doc, Id } from "../_generated/dataModel";
import { env, type MutationCtx } from "../_generated/server";
import {
  PROVIDER_LABEL,
  type DeploymentFailureCode,
  type DeploymentStatus,
  type DeploymentStep,
  type LogLevel,
  type ObservedDeployment,
  type ProviderLogLine,
} from "../validators";
import { bumpCounter, counterName } from "./counters";
import { statsMove } from "./deploymentStats";
import type { Emit } from "./notify";

export const TERMINAL: ReadonlySet<DeploymentStatus> = new Set(["ready", "error", "canceled"]);
export const isTerminal = (s: DeploymentStatus) => TERMINAL.has(s);

const STEP_RANK: Record<DeploymentStep, number> = { queued: 0, uploading: 1, building: 2, deploying: 3, ready: 4 };
/** Steps only move forward (a late webhook or poll cannot move a build back). */
export const laterStep = (a: DeploymentStep, b: DeploymentStep): DeploymentStep =>
  STEP_RANK[b] > STEP_RANK[a] ? b : a;

// ---- polling policy ----
export const POLL_FIRST_MS = 5_000;
export const POLL_MAX_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** Delay before poll number `n` (0-based): 5 s, 10 s, 20 s, 40 s, then every 60 s. */
export function pollDelay(n: number): number {
  return Math.min(POLL_FIRST_MS * 2 ** Math.min(n, 20), POLL_MAX_MS);
}

export function deployTimeoutMs(raw: string | undefined = env.DEPLOY_TIMEOUT_MS): number {
  const n = Number(raw);
  return Number.isFinite(n) && n >= 1_000 ? n : DEFAULT_TIMEOUT_MS;
}

// ---- log ----
export type NewLogLine = { level: LogLevel; text: string; at?: number; providerEventId?: string };

/** A provider's lines as ours: the provider's line id makes them idempotent. */
export const providerLines = (lines: ProviderLogLine[]): NewLogLine[] =>
  lines.map((l) => ({ level: l.level, text: l.text, at: l.at, providerEventId: l.id }));

const MAX_LINE = 4_000;

/**
 * Appends lines in order, skipping provider lines already stored (same providerEventId),
 * so a poll and a webhook fetching the same lines store them once. Returns the lines added.
 */
export async function appendLogs(
  ctx: MutationCtx,
  deploymentId: Id<"deployments">,
  lines: NewLogLine[],
  cursor?: string,
): Promise<number> {
  const d = await ctx.db.get("deployments", deploymentId);
  if (!d || lines.length === 0) {
    if (d && cursor && cursor !== d.logCursor) await ctx.db.patch("deployments", deploymentId, { logCursor: cursor });
    return 0;
  }
  let seq = d.logCount;
  const now = Date.now();
  const seen = new Set<string>();
  for (const line of lines) {
    const eventId = line.providerEventId;
    if (eventId !== undefined) {
      if (seen.has(eventId)) continue;
      seen.add(eventId);
      const dup = await ctx.db
        .query("deploymentLogs")
        .withIndex("by_deploymentId_and_providerEventId", (q) =>
          q.eq("deploymentId", deploymentId).eq("providerEventId", eventId),
        )
        .first();
      if (dup) continue;
    }
    await ctx.db.insert("deploymentLogs", {
      deploymentId,
      seq: seq++,
      at: line.at ?? now,
      level: line.level,
      text: line.text.length > MAX_LINE ? line.text.slice(0, MAX_LINE) + "…" : line.text,
      providerEventId: eventId,
    });
  }
  const added = seq - d.logCount;
  await ctx.db.patch("deployments", deploymentId, { logCount: seq, ...(cursor ? { logCursor: cursor } : {}) });
  return added;
}

/**
 * Provider lines stored by one mutation (each costs an index read and a write, and a chatty
 * build can print thousands between two polls): the rest wait for the next fetch.
 */
export const MAX_PROVIDER_LINES_PER_WRITE = 500;

/**
 * Stores the first MAX_PROVIDER_LINES_PER_WRITE of `lines` and moves the log cursor to the
 * last one stored, so the next fetch continues from there. `more`: lines were left over.
 */
export async function appendProviderLines(
  ctx: MutationCtx,
  deploymentId: Id<"deployments">,
  lines: ProviderLogLine[],
): Promise<{ more: boolean }> {
  const batch = lines.slice(0, MAX_PROVIDER_LINES_PER_WRITE);
  await appendLogs(ctx, deploymentId, providerLines(batch), batch.at(-1)?.id);
  return { more: lines.length > batch.length };
}

export const log = (ctx: MutationCtx, d: Doc<"deployments">, level: LogLevel, text: string) =>
  appendLogs(ctx, d._id, [{ level, text }]);

// ---- transitions ----
/** A non-terminal change (status queued/building, step, provider ids). No-op on terminal rows. */
export async function progress(
  ctx: MutationCtx,
  d: Doc<"deployments">,
  patch: Partial<
    Pick<Doc<"deployments">, "status" | "step" | "providerDeploymentId" | "url" | "startedAt" | "attempts">
  >,
): Promise<void> {
  if (isTerminal(d.status)) return;
  const next = { ...patch };
  if (next.step) next.step = laterStep(d.step, next.step);
  await ctx.db.patch("deployments", d._id, next);
  if (next.status && next.status !== d.status) await statsMove(ctx, d, d.status, next.status);
}

export type Outcome =
  | { status: "ready"; url?: string }
  | { status: "error"; code: DeploymentFailureCode; message: string }
  | { status: "canceled"; reason: string };

/**
 * Ends a deployment once: terminal fields, stats, a closing log line and the event
 * (deployment.ready/error/canceled, raised with `emit`: in-app and the user's channels).
 * Returns false (and writes nothing) when it had already ended.
 */
export async function endDeployment(
  ctx: MutationCtx,
  deploymentId: Id<"deployments">,
  outcome: Outcome,
  emit: Emit,
): Promise<boolean> {
  const d = await ctx.db.get("deployments", deploymentId);
  if (!d || isTerminal(d.status)) return false;
  const now = Date.now();
  const label = PROVIDER_LABEL[d.provider];
  const project = await ctx.db.get("projects", d.projectId);
  const name = project?.name ?? "your project";
  if (outcome.status === "ready") {
    const url = outcome.url ?? d.url;
    await ctx.db.patch("deployments", d._id, { status: "ready", step: "ready", url, deployedAt: now, finishedAt: now });
    await log(ctx, d, "info", `Ready${url ? ` at ${url}` : ""}`);
    await emit(ctx, {
      userId: d.userId,
      type: "deployment.ready",
      title: `${name} is live on ${label}`,
      message: url ? `Deployed to ${d.environment}: ${url}` : `Deployed to ${d.environment}`,
      projectId: d.projectId,
      deploymentId: d._id,
    });
  } else if (outcome.status === "error") {
    await ctx.db.patch("deployments", d._id, {
      status: "error",
      error: { code: outcome.code, message: outcome.message },
      finishedAt: now,
    });
    await log(ctx, d, "error", `Failed (${outcome.code}): ${outcome.message}`);
    await emit(ctx, {
      userId: d.userId,
      type: "deployment.error",
      title: `Deploying ${name} to ${label} failed`,
      message: outcome.message,
      projectId: d.projectId,
      deploymentId: d._id,
    });
  } else {
    await ctx.db.patch("deployments", d._id, { status: "canceled", finishedAt: now });
    await log(ctx, d, "warn", `Canceled: ${outcome.reason}`);
    await emit(ctx, {
      userId: d.userId,
      type: "deployment.canceled",
      title: `Deployment of ${name} to ${label} canceled`,
      message: outcome.reason,
      projectId: d.projectId,
      deploymentId: d._id,
    });
  }
  await statsMove(ctx, d, d.status, outcome.status);
  await bumpCounter(ctx, counterName.deploymentsFinished(d.provider, outcome.status));
  return true;
}

/** error TIMEOUT for a deployment still not live (or, queued, not started) after `ms`. */
export function timedOut(d: Doc<"deployments">, ms: number): Outcome {
  const minutes = Math.round(ms / 60_000);
  const message =
    d.status === "queued"
      ? `Never left the queue in ${minutes} minutes`
      : `Still not live after ${minutes} minutes${d.providerDeploymentId !== undefined ? "; canceled at the provider" : ""}`;
  return { status: "error", code: "TIMEOUT", message };
}

// ---- what a provider says (a poll or a webhook) ----
/**
 * Applies the provider's view of a deployment: terminal states end it, others advance the
 * step. Returns true when this call ended the deployment. A terminal row is left alone,
 * so a poll or webhook arriving after the end does nothing.
 */
export async function applyObserved(
  ctx: MutationCtx,
  deploymentId: Id<"deployments">,
  seen: ObservedDeployment,
  emit: Emit,
): Promise<boolean> {
  const d = await ctx.db.get("deployments", deploymentId);
  if (!d || isTerminal(d.status)) return false;
  const label = PROVIDER_LABEL[d.provider];
  if (seen.state === "ready") return await endDeployment(ctx, d._id, { status: "ready", url: seen.url }, emit);
  if (seen.state === "error") {
    return await endDeployment(
      ctx,
      d._id,
      {
        status: "error",
        code: "BUILD_FAILED",
        message:
          seen.errorMessage || `${label} reported the deployment failed${seen.rawState ? ` (${seen.rawState})` : ""}`,
      },
      emit,
    );
  }
  if (seen.state === "canceled")
    return await endDeployment(ctx, d._id, { status: "canceled", reason: `Canceled at ${label}` }, emit);
  const step = laterStep(d.step, seen.state);
  if (step !== d.step)
    await log(ctx, d, "info", `Step: ${step}${seen.rawState ? ` (${label}: ${seen.rawState})` : ""}`);
  await progress(ctx, d, { status: "building", step, ...(seen.url && !d.url ? { url: seen.url } : {}) });
  return false;
}
