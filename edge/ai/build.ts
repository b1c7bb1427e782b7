// The build agent's loop on the edge (docs/build-agent.md). One Convex call before Claude's
// first byte (`/edge/ai/build/begin`), then per Claude turn: stream Claude (text relayed as
// `delta`), then ONE `/edge/ai/build/turn` call with the turn's complete tool calls; Convex
// runs them against the change set and answers the results (fed back to Claude as
// `tool_result` blocks), the edits it stored (`file` events) and whether to go on.
// The loop never throws once begun: every end is a `done` or one `error`, and every Claude
// call's tokens reach Convex (a failed or cut turn is sent with `end`).
import type Anthropic from "@anthropic-ai/sdk";
import type { EdgeAnswer, EdgeBody } from "../../convex/edge/contract.js";
import type { AppDeps, Caller } from "../context.js";
import { ApiError } from "../errors.js";
import type { ClaudeUsage } from "../providers/anthropic.js";
import { streamClaudeTurn, type ClaudeTurn } from "../providers/anthropicTools.js";
import { buildRequest, openingMessages, toolResultTurn, type BuildBegun } from "./buildPrompt.js";

type TurnAnswer = EdgeAnswer<"/edge/ai/build/turn">;
type TurnBody = EdgeBody<"/edge/ai/build/turn">;
export type FileEvent = TurnAnswer["files"][number];
type ChangeSetProgress = TurnAnswer["changeSet"];

type BuildError = { code: string; message: string; changeSetId?: string; retryAfterMs?: number };

/** How a build ended: `done`, one `error`, or the client went away (nothing more to tell it). */
export type BuildEnd =
  { kind: "done"; done: ChangeSetProgress } | { kind: "error"; error: BuildError } | { kind: "gone" };

export type BuildEmitter = {
  delta(text: string): Promise<void> | void;
  file(event: FileEvent): Promise<void> | void;
};

const ZERO: ClaudeUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
/** Waits before each attempt of a turn call; the call is idempotent by requestId, so retrying is safe. */
export const TURN_ATTEMPTS_MS = [0, 250, 1_000, 3_000];
const RETRYABLE = new Set(["UNAVAILABLE", "TIMEOUT", "INTERNAL"]);

/** Why Claude's turn cannot go on as tool calls; undefined when it ended normally. */
function endOf(turn: ClaudeTurn): TurnBody["end"] {
  const o = turn.outcome;
  if (o.kind === "aborted") return { status: "canceled" };
  if (o.kind === "failed") return { status: "failed", error: { code: o.error.code, message: o.error.message } };
  return undefined;
}

/**
 * Claude stopped at max_tokens inside a tool call: its input is cut short (the API closes the
 * block anyway), so it must not run. Drops it; the turn then ends the build as interrupted.
 */
function dropTruncatedCall(turn: ClaudeTurn): TurnBody["end"] {
  if (turn.outcome.kind !== "completed" || turn.outcome.stopReason !== "max_tokens") return undefined;
  if (turn.content.at(-1)?.type !== "tool_use") return undefined;
  turn.toolCalls.pop();
  turn.content.pop();
  return {
    status: "failed",
    error: {
      code: "UPSTREAM",
      message: "Claude reached its output limit in the middle of a tool call; continue the build to resume",
    },
  };
}

export async function runBuildLoop(o: {
  deps: AppDeps;
  caller: Caller;
  begun: BuildBegun;
  message: string;
  emit: BuildEmitter;
  /** Fires when the client goes away. */
  signal: AbortSignal;
}): Promise<BuildEnd> {
  const { deps, caller, begun, emit, signal } = o;
  const log = deps.log ?? (() => {});
  const changeSetId = begun.changeSetId;
  const messages: Anthropic.MessageParam[] = openingMessages(begun, o.message);
  let requestId = begun.requestId;
  let maxTokens = begun.maxTokens;

  async function sendTurn(body: TurnBody): Promise<TurnAnswer> {
    let last: unknown;
    for (const wait of TURN_ATTEMPTS_MS) {
      if (wait) await new Promise((r) => setTimeout(r, wait));
      try {
        return await deps.convex.call("/edge/ai/build/turn", caller, body, { followUp: true });
      } catch (err) {
        last = err;
        if (!(err instanceof ApiError) || !RETRYABLE.has(err.code)) break;
      }
    }
    log({ level: "error", msg: "build turn lost", requestId: body.requestId, changeSetId });
    throw last;
  }

  const failed = (err: unknown): BuildEnd => {
    const e = err instanceof ApiError ? err : new ApiError("INTERNAL", "Internal error");
    const retryAfterMs = typeof e.details.retryAfterMs === "number" ? e.details.retryAfterMs : undefined;
    return {
      kind: "error",
      error: { code: e.code, message: e.message, changeSetId, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    };
  };

  /** The client left between turns: the request Convex already opened is closed, unused. */
  async function closeUnused(): Promise<BuildEnd> {
    const end = { status: "canceled" as const };
    await sendTurn({
      requestId,
      changeSetId,
      usage: ZERO,
      latencyMs: 0,
      stopReason: null,
      text: "",
      toolCalls: [],
      end,
    }).catch(() => {});
    return { kind: "gone" };
  }

  for (;;) {
    if (signal.aborted) return await closeUnused();
    const started = performance.now();
    const turn = await streamClaudeTurn(deps.config.anthropic, buildRequest(begun, messages, maxTokens), {
      signal,
      onText: emit.delta,
    });
    const end = endOf(turn) ?? dropTruncatedCall(turn);
    const body: TurnBody = {
      requestId,
      changeSetId,
      usage: turn.usage,
      latencyMs: performance.now() - started,
      firstTokenMs: turn.firstTokenMs,
      stopReason: turn.outcome.kind === "completed" ? turn.outcome.stopReason : null,
      text: turn.text,
      toolCalls: turn.toolCalls,
      ...(end ? { end } : {}),
    };
    let answer: TurnAnswer;
    try {
      answer = await sendTurn(body);
    } catch (err) {
      return failed(err);
    }
    log({
      level: "info",
      msg: "build turn",
      requestId,
      changeSetId,
      tools: turn.toolCalls.length,
      ...turn.usage,
      ms: Math.round(body.latencyMs),
    });
    for (const f of answer.files) await emit.file(f);
    if (end) {
      if (end.status === "canceled") return { kind: "gone" };
      const wait = turn.outcome.kind === "failed" ? turn.outcome.error.details.retryAfterMs : undefined;
      return {
        kind: "error",
        error: { ...end.error, changeSetId, ...(typeof wait === "number" ? { retryAfterMs: wait } : {}) },
      };
    }
    if (answer.stop) return { kind: "error", error: { ...answer.stop, changeSetId } };
    if (!answer.next) return { kind: "done", done: answer.changeSet };
    messages.push({ role: "assistant", content: turn.content });
    messages.push(
      toolResultTurn(
        turn.toolCalls.map((c) => c.id),
        answer.results,
      ),
    );
    requestId = answer.next.requestId;
    maxTokens = answer.next.maxTokens;
  }
}
