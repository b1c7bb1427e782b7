// POST /api/ai/build: Claude builds the project as a reviewable change set
// (docs/build-agent.md). With `Accept: text/event-stream` the answer is SSE: `start`, then
// `delta` (Claude's text) and `file` (an edit stored in the change set) events, then one
// `done` or one `error`. Without it: one JSON answer at the end. Refusals before the build
// begins (validation, access, quota, rate limit) are plain HTTP errors either way.
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import * as z from "zod";
import { isErrorCode } from "../../convex/edge/contract.js";
import { requireAuth } from "../auth.js";
import { wantsStream, type AppEnv } from "../context.js";
import { ApiError, withRetryAfter } from "../errors.js";
import { runBuildLoop, type BuildEmitter, type BuildEnd, type FileEvent } from "../ai/build.js";
import { track } from "../ai/run.js";
import { requireClaudeKey } from "../providers/anthropic.js";
import { documentId, jsonBody } from "../validation.js";

const buildBody = z.strictObject({
  projectId: documentId,
  message: z.string().trim().min(1).max(32_000),
  changeSetId: documentId.optional(),
  conversationId: documentId.optional(),
  model: z.string().min(1).max(64).optional(),
});

const BODY_SHAPE = '{ "projectId": "...", "message": "..." }';

export const build = new Hono<AppEnv>().use("/api/ai/build", requireAuth).post("/api/ai/build", async (c) => {
  const body = await jsonBody(c.req, buildBody, BODY_SHAPE);
  const deps = c.var.deps;
  const mock = deps.config.anthropic.mock;
  requireClaudeKey(deps.config.anthropic); // before Convex: no change set, no quota
  const caller = c.var.caller;
  const begun = await deps.convex
    .call("/edge/ai/build/begin", caller, { ...body, mock: mock || undefined })
    .catch((err: unknown) => {
      throw withRetryAfter(err);
    });

  // The client going away stops Claude; the loop still reports the turn to Convex (tracked below).
  const gone = new AbortController();
  const request = c.req.raw.signal;
  if (request.aborted) gone.abort();
  else request.addEventListener("abort", () => gone.abort(), { once: true });
  const loop = (emit: BuildEmitter) =>
    track(c, runBuildLoop({ deps, caller, begun, message: body.message, emit, signal: gone.signal }));
  const finished = (end: Extract<BuildEnd, { kind: "done" }>) => ({
    ...end.done,
    conversationId: begun.conversationId,
    ...(mock ? { mock: true as const } : {}),
  });

  if (wantsStream(c)) {
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => gone.abort());
      const send = async (event: string, data: unknown) => {
        if (gone.signal.aborted) return;
        await stream.writeSSE({ event, data: JSON.stringify(data) }).catch(() => gone.abort());
      };
      await send("start", {
        changeSetId: begun.changeSetId,
        conversationId: begun.conversationId,
        model: begun.model,
        turn: begun.turn,
      });
      const end = await loop({ delta: (text) => send("delta", { text }), file: (f) => send("file", f) }).catch(
        (): BuildEnd => ({
          kind: "error",
          error: { code: "INTERNAL", message: "Internal error", changeSetId: begun.changeSetId },
        }),
      );
      if (end.kind === "done") await send("done", finished(end));
      else if (end.kind === "error") await send("error", end.error);
    });
  }

  let text = "";
  const edits: FileEvent[] = [];
  const end = await loop({ delta: (t) => void (text += t), file: (f) => void edits.push(f) });
  if (end.kind === "gone") return c.body(null, 499 as 400);
  if (end.kind === "error") {
    const { code, message, ...details } = end.error;
    throw withRetryAfter(new ApiError(isErrorCode(code) ? code : "UPSTREAM", message, details));
  }
  return c.json({ ...finished(end), text, edits });
});
