// One streamed Claude turn with tools, through the SDK's `messages.stream(...)`: text deltas
// are relayed as they arrive; the turn ends with its complete tool_use blocks (input parsed),
// the usage (cache tokens included) and how the stream ended. It never throws: an upstream
// error (after the SDK's retries), a cut, silence or our caller leaving is an outcome, and
// only tool calls whose block was closed (`content_block_stop`) are returned: a call cut in
// the middle of its JSON input is never executed.
import type Anthropic from "@anthropic-ai/sdk";
import type { AnthropicConfig } from "../config.js";
import { ApiError } from "../errors.js";
import {
  claudeClient,
  estimateOutputTokens,
  requireClaudeKey,
  upstreamError,
  type ClaudeOutcome,
  type ClaudeRequest,
  type ClaudeUsage,
} from "./anthropic.js";

type ClaudeToolCall = { id: string; name: string; input: unknown };

export type ClaudeToolRequest = ClaudeRequest & { tools: Anthropic.ToolUnion[] };

export type ClaudeTurn = {
  /** Claude's text in this turn (what was relayed). */
  text: string;
  /** Complete tool calls, in order. */
  toolCalls: ClaudeToolCall[];
  /** The assistant turn as the next request repeats it: its text and complete tool calls. */
  content: Anthropic.ContentBlockParam[];
  usage: ClaudeUsage;
  outcome: ClaudeOutcome;
  /** From the call's start to the first text or tool byte. */
  firstTokenMs?: number;
};

export async function streamClaudeTurn(
  cfg: AnthropicConfig,
  req: ClaudeToolRequest,
  opts: { signal?: AbortSignal; onText?: (text: string) => Promise<void> | void } = {},
): Promise<ClaudeTurn> {
  requireClaudeKey(cfg);
  const started = performance.now();
  const usage: ClaudeUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  let text = "";
  let partialJson = "";
  let outputReported = false;
  let sawStop = false;
  let stopReason: string | null = null;
  let firstTokenMs: number | undefined;
  const closed = new Set<number>();

  const controller = new AbortController();
  let reason: "caller" | "idle" | undefined;
  const stop = (why: "caller" | "idle") => {
    reason ??= why;
    controller.abort();
  };
  const onCallerGone = () => stop("caller");
  if (opts.signal?.aborted) stop("caller");
  opts.signal?.addEventListener("abort", onCallerGone, { once: true });
  // Until Claude answers, the SDK's own timeout and retries apply; from then on, silence is ours to watch.
  let idle: ReturnType<typeof setTimeout> | undefined;

  const stream = claudeClient(cfg).messages.stream(
    { model: req.model, max_tokens: req.maxTokens, system: req.system, messages: req.messages, tools: req.tools },
    { signal: controller.signal },
  );
  let failure: unknown;
  // The SDK's running snapshot of the message (it forgets it at message_stop, so keep it).
  let snapshot: Anthropic.Message | undefined;
  stream.on("streamEvent", (_ev, message) => (snapshot = message));
  stream.on("error", (err) => (failure ??= err));
  stream.on("abort", () => {}); // ours: `reason` says why
  stream.on("connect", () => {
    idle ??= setTimeout(() => stop("idle"), cfg.idleTimeoutMs);
  });

  try {
    for await (const ev of stream) {
      // The clock measures Claude's silence only, not time spent waiting on a slow caller.
      clearTimeout(idle);
      switch (ev.type) {
        case "message_start": {
          const u = ev.message.usage;
          usage.inputTokens = u.input_tokens ?? 0;
          usage.outputTokens = u.output_tokens ?? 0;
          usage.cacheReadTokens = u.cache_read_input_tokens ?? 0;
          usage.cacheWriteTokens = u.cache_creation_input_tokens ?? 0;
          break;
        }
        case "content_block_delta":
          firstTokenMs ??= performance.now() - started;
          if (ev.delta.type === "text_delta") {
            text += ev.delta.text;
            await opts.onText?.(ev.delta.text);
          } else if (ev.delta.type === "input_json_delta") partialJson += ev.delta.partial_json;
          break;
        case "content_block_stop":
          closed.add(ev.index);
          break;
        case "message_delta": {
          const u = ev.usage;
          usage.outputTokens = u.output_tokens ?? usage.outputTokens;
          outputReported = true;
          if (u.input_tokens != null) usage.inputTokens = u.input_tokens;
          if (u.cache_read_input_tokens != null) usage.cacheReadTokens = u.cache_read_input_tokens;
          if (u.cache_creation_input_tokens != null) usage.cacheWriteTokens = u.cache_creation_input_tokens;
          stopReason = ev.delta.stop_reason ?? stopReason;
          break;
        }
        case "message_stop":
          sawStop = true;
          break;
      }
      idle = setTimeout(() => stop("idle"), cfg.idleTimeoutMs);
    }
  } catch (err) {
    failure ??= err;
  } finally {
    clearTimeout(idle);
    opts.signal?.removeEventListener("abort", onCallerGone);
  }

  let outcome: ClaudeOutcome;
  if (reason === "caller") outcome = { kind: "aborted" };
  else if (reason === "idle")
    outcome = { kind: "failed", error: new ApiError("TIMEOUT", `Claude went silent for ${cfg.idleTimeoutMs} ms`) };
  else if (failure !== undefined) outcome = { kind: "failed", error: upstreamError(failure) };
  else if (!sawStop)
    outcome = { kind: "failed", error: new ApiError("UPSTREAM", "Claude's stream was cut before the end") };
  else outcome = { kind: "completed", stopReason };

  // Only blocks Claude closed count; a tool call cut in its JSON is dropped, text is kept.
  const blocks = (snapshot?.content ?? []).filter((_, i) => closed.has(i));
  const content: Anthropic.ContentBlockParam[] = [];
  const toolCalls: ClaudeToolCall[] = [];
  for (const b of blocks) {
    if (b.type === "text" && b.text) content.push({ type: "text", text: b.text });
    else if (b.type === "tool_use") {
      toolCalls.push({ id: b.id, name: b.name, input: b.input });
      content.push({ type: "tool_use", id: b.id, name: b.name, input: b.input });
    }
  }
  // Claude reports output tokens only at the end; for a stream that did not get there, estimate.
  if (!outputReported || outcome.kind !== "completed") {
    usage.outputTokens = Math.max(usage.outputTokens, estimateOutputTokens(text + partialJson));
  }
  return { text, toolCalls, content, usage, outcome, firstTokenMs };
}
