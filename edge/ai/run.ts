// One AI request end to end: begin (the ONE Convex call before Claude's first byte) →
// Claude → settle (real usage; Convex prices it). Upstream failures before any output
// are plain HTTP errors; once the SSE stream has started, a failure is one `error` event.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { AI_RESPONSE_CHARS, type EdgeAnswer, type EdgeBody } from "../../convex/edge/contract.js";
import { wantsStream, type AppEnv } from "../context.js";
import { ApiError, withRetryAfter } from "../errors.js";
import {
  CallerGone,
  openClaudeStream,
  requireClaudeKey,
  upstreamError,
  type ClaudeRun,
  type ClaudeStream,
  type ClaudeUsage,
} from "../providers/anthropic.js";
import { codeOf } from "./codeBlock.js";
import { buildRequest, promptChars, type AiTask } from "./prompts.js";
import { sendDelta, sendDone, sendError, type DoneEvent } from "./sse.js";

type Settled = EdgeAnswer<"/edge/ai/settle">;
type Ending = { status: EdgeBody<"/edge/ai/settle">["status"]; run?: ClaudeRun; error?: ApiError };

const ZERO: ClaudeUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

// settle() calls still running. The response may be over before they finish (client gone,
// or Vercel's waitUntil); they are awaited here so a graceful shutdown (and tests) can wait.
const inflight = new Set<Promise<unknown>>();

export async function settleCompletions(): Promise<void> {
  while (inflight.size) await Promise.allSettled([...inflight]);
}

let hasExecutionContext = true;

export function track<T>(c: Context<AppEnv>, p: Promise<T>): Promise<T> {
  inflight.add(p);
  void p.finally(() => inflight.delete(p)).catch(() => {});
  if (hasExecutionContext) {
    try {
      c.executionCtx.waitUntil(p); // Workers-style hosts keep the function alive for it
    } catch {
      // Node (Vercel's Node runtime too): no execution context, and Hono's getter throws an
      // Error (a stack trace each time); the process stays up anyway, so stop asking.
      hasExecutionContext = false;
    }
  }
  return p;
}

const withRequestId = (e: ApiError, requestId: string) =>
  new ApiError(e.code, e.message, { ...e.details, requestId }, e.headers);

/** `c`: any AI route's context (its validated input types do not matter here). */
export async function runAi(c: Context<AppEnv, string, any>, task: AiTask): Promise<Response> {
  const { config, convex } = c.var.deps;
  const log = c.var.deps.log ?? (() => {});
  const caller = c.var.caller;
  const anthropic = config.anthropic;
  requireClaudeKey(anthropic); // before Convex: no row, no quota
  const started = performance.now();

  const begun = await convex
    .call("/edge/ai/begin", caller, {
      type: task.type,
      model: task.model,
      projectId: task.projectId,
      conversationId: task.conversationId,
      prompt: task.prompt,
      promptChars: promptChars(task),
      mock: anthropic.mock || undefined,
    })
    .catch((err: unknown) => {
      throw withRetryAfter(err);
    });

  /** Reports the end to Convex, retrying while Convex is unreachable; null if it never answered. */
  async function settle(end: Ending): Promise<Settled | null> {
    const body: EdgeBody<"/edge/ai/settle"> = {
      requestId: begun.requestId,
      status: end.status,
      usage: end.run?.usage ?? ZERO,
      response: end.run?.text ? end.run.text.slice(0, AI_RESPONSE_CHARS) : undefined,
      latencyMs: performance.now() - started,
      firstTokenMs: end.run?.firstTokenMs,
      error: end.error ? { code: end.error.code, message: end.error.message } : undefined,
    };
    // It runs after the answer was sent (waitUntil), so waiting costs the user nothing.
    for (const delay of settleDelays(config.settleRetryMs)) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      try {
        const done = await convex.call("/edge/ai/settle", caller, body, { followUp: true });
        log({
          level: "info",
          msg: "ai",
          requestId: begun.requestId,
          type: task.type,
          model: begun.model,
          status: end.status,
          ...body.usage,
          ms: Math.round(body.latencyMs),
          firstTokenMs: body.firstTokenMs && Math.round(body.firstTokenMs),
        });
        return done;
      } catch (err) {
        const code = err instanceof ApiError ? err.code : "INTERNAL";
        if (code !== "UNAVAILABLE" && code !== "TIMEOUT" && code !== "INTERNAL") break;
      }
    }
    // The stale sweep closes the row (failed ABANDONED, not charged); a chat answer is not in the thread.
    log({ level: "error", msg: "ai settle lost", requestId: begun.requestId, status: end.status });
    return null;
  }

  const endingOf = (run: ClaudeRun): Ending =>
    run.outcome.kind === "completed"
      ? { status: "completed", run }
      : run.outcome.kind === "aborted"
        ? { status: "canceled", run }
        : { status: "failed", run, error: run.outcome.error };

  const doneEvent = (run: ClaudeRun, completed: Settled | null): DoneEvent => {
    const code = codeOf(task.type, run.text);
    return {
      requestId: begun.requestId,
      model: begun.model,
      usage: completed?.usage ?? run.usage,
      costMicros: completed ? completed.costMicros : null,
      ...(code !== undefined ? { code } : {}),
      ...(begun.conversationId ? { conversationId: begun.conversationId } : {}),
      stopReason: run.outcome.kind === "completed" ? run.outcome.stopReason : undefined,
      ...(anthropic.mock ? { mock: true as const } : {}),
    };
  };

  let upstream: ClaudeStream;
  try {
    upstream = await openClaudeStream(anthropic, buildRequest(task, begun), c.req.raw.signal);
  } catch (err) {
    if (err instanceof CallerGone) {
      await track(c, settle({ status: "canceled" }));
      return c.body(null, 499 as 400);
    }
    const e = upstreamError(err);
    // Nothing was produced: the request costs nothing and its quota reservation is released.
    await track(c, settle({ status: "failed", error: e }));
    throw withRequestId(e, begun.requestId);
  }

  if (wantsStream(c)) {
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => upstream.abort());
      const work = (async () => {
        const run = await upstream.run((text) => sendDelta(stream, text));
        const end = endingOf(run);
        const completed = await settle(end);
        if (end.status === "completed") await sendDone(stream, doneEvent(run, completed));
        else if (end.status === "failed") {
          await sendError(stream, { code: end.error!.code, message: end.error!.message, requestId: begun.requestId });
        }
      })();
      await track(c, work).catch(async () => {
        await sendError(stream, { code: "INTERNAL", message: "Internal error", requestId: begun.requestId });
      });
    });
  }

  const run = await upstream.run(() => {});
  const end = endingOf(run);
  const completed = await track(c, settle(end));
  if (end.status === "canceled") return c.body(null, 499 as 400);
  if (end.status === "failed") throw withRequestId(end.error!, begun.requestId);
  const { requestId, model, usage, costMicros, code, conversationId, stopReason, mock } = doneEvent(run, completed);
  return c.json({ requestId, model, response: run.text, code, conversationId, usage, costMicros, stopReason, mock });
}

/** Waits before each settle attempt: 0, then 200 ms doubling up to 10 s apart, within `windowMs` in all. */
export function settleDelays(windowMs: number): number[] {
  const delays = [0];
  let total = 0;
  for (let next = 200; total + next <= windowMs; next = Math.min(next * 2, 10_000)) {
    delays.push(next);
    total += next;
  }
  return delays;
}
