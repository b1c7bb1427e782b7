// Claude through @anthropic-ai/sdk (text here; the build's tool-use turns: anthropicTools.ts).
// `openClaudeStream` resolves once Claude has accepted
// the request (headers received, the SDK's retries done), so an upstream failure before
// any output becomes a plain HTTP error; `run` then relays text and never throws: it
// reports how the stream ended and the tokens consumed, including after a cut or an abort.
import type Anthropic from "@anthropic-ai/sdk";
import { BaseAnthropic } from "@anthropic-ai/sdk/client";
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk/error";
import { Messages } from "@anthropic-ai/sdk/resources/messages/messages";
import type { AnthropicConfig } from "../config.js";
import { ApiError } from "../errors.js";

export type ClaudeUsage = {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
};

export type ClaudeRequest = {
  model: string;
  maxTokens: number;
  system: Anthropic.TextBlockParam[];
  messages: Anthropic.MessageParam[];
};

export type ClaudeOutcome =
  | { kind: "completed"; stopReason: string | null }
  | { kind: "aborted" } // our caller went away
  | { kind: "failed"; error: ApiError }; // cut, upstream error event, or silence

export type ClaudeRun = { text: string; usage: ClaudeUsage; outcome: ClaudeOutcome; firstTokenMs?: number };

const MOCK_KEY = "mock-anthropic-key";

/**
 * The SDK's client with only the Messages API attached. The default `Anthropic` class attaches
 * every resource (beta, files, models, ...), which the bundle then carries: about 60 KB gzipped
 * of the edge's 120 KB budget (docs/performance.md, "Bundle").
 */
export class ClaudeClient extends BaseAnthropic {
  messages: Messages = new Messages(this);
}

const clients = new WeakMap<AnthropicConfig, ClaudeClient>();

/** ~4 characters per token: used only for output Claude never got to report (cut or aborted streams). */
export const estimateOutputTokens = (text: string) => Math.ceil(text.length / 4);

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (headers?.get("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get("retry-after");
  if (!raw) return undefined;
  const s = Number(raw);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** One SDK client per configuration (its retries, timeouts and the Retry-After cap below). */
export function claudeClient(cfg: AnthropicConfig): ClaudeClient {
  let c = clients.get(cfg);
  if (!c) {
    // A Retry-After longer than we are willing to hold the caller for ends the SDK's retries
    // (x-should-retry: false); the caller gets 429 with that Retry-After instead.
    const capped: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const wait = res.status === 429 || res.status >= 500 ? retryAfterMs(res.headers) : undefined;
      if (wait === undefined || wait <= cfg.maxRetryWaitMs) return res;
      const headers = new Headers(res.headers);
      headers.set("x-should-retry", "false");
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    };
    c = new ClaudeClient({
      apiKey: cfg.apiKey || MOCK_KEY,
      baseURL: cfg.baseURL,
      maxRetries: cfg.maxRetries,
      timeout: cfg.timeoutMs,
      fetch: capped,
      // No tracer is registered here; without this the SDK still computes span attributes per call.
      openTelemetry: false,
    });
    clients.set(cfg, c);
  }
  return c;
}

/** Without a key (and outside mock mode) nothing can reach Claude: a clear 502, checked before any work. */
export function requireClaudeKey(cfg: AnthropicConfig): void {
  if (!cfg.apiKey && !cfg.mock)
    throw new ApiError("UPSTREAM", "Claude is not configured (ANTHROPIC_API_KEY is not set)");
}

/** Maps an SDK error to our codes; never leaks a stack trace or our key. */
export function upstreamError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof APIConnectionTimeoutError) return new ApiError("TIMEOUT", "Claude did not answer in time");
  if (err instanceof APIConnectionError) return new ApiError("UPSTREAM", "Claude could not be reached");
  if (err instanceof APIError) {
    const status = err.status;
    const said = err.apiMessage ?? "";
    if (status === 401 || status === 403) {
      return new ApiError("UPSTREAM", "Claude refused our API key (check ANTHROPIC_API_KEY)", {
        upstreamStatus: status,
      });
    }
    if (status === 400 && /prompt is too long|context window/i.test(said)) {
      return new ApiError("CONTEXT_TOO_LARGE", `Claude says the prompt is too long: ${said}`);
    }
    const overloaded = status === 429 || (status !== undefined && status >= 500) || err.type === "overloaded_error";
    if (overloaded) {
      const wait = retryAfterMs(err.headers);
      if (wait !== undefined) {
        const seconds = Math.max(1, Math.ceil(wait / 1000));
        return new ApiError(
          "RATE_LIMITED",
          `Claude is busy; retry in ${seconds} s`,
          { source: "upstream", upstreamStatus: status ?? null, retryAfterMs: wait },
          { "Retry-After": String(seconds) },
        );
      }
      return new ApiError("UPSTREAM_OVERLOADED", "Claude is overloaded; try again shortly", {
        upstreamStatus: status ?? null,
      });
    }
    return new ApiError("UPSTREAM", `Claude rejected the request${said ? `: ${said}` : ""}`, {
      upstreamStatus: status ?? null,
    });
  }
  return new ApiError("UPSTREAM", "Claude failed unexpectedly");
}

export type ClaudeStream = {
  /** Relays text deltas to `onText` until the stream ends; resolves with what happened. */
  run(onText: (text: string) => Promise<void> | void): Promise<ClaudeRun>;
  /** Stops the upstream call (the caller went away). */
  abort(): void;
};

/** Thrown by openClaudeStream when `signal` fired before Claude answered. */
export class CallerGone extends Error {}

/** `signal`: the caller's request; when it aborts, so does the upstream call (during retries too). */
export async function openClaudeStream(
  cfg: AnthropicConfig,
  req: ClaudeRequest,
  signal?: AbortSignal,
): Promise<ClaudeStream> {
  requireClaudeKey(cfg);
  const controller = new AbortController();
  const opened = performance.now();
  let reason: "caller" | "idle" | undefined;
  const stop = (why: "caller" | "idle") => {
    reason ??= why;
    controller.abort();
  };
  if (signal?.aborted) throw new CallerGone("caller went away");
  signal?.addEventListener("abort", () => stop("caller"), { once: true });
  let stream: Awaited<ReturnType<Messages["create"]>> & AsyncIterable<Anthropic.RawMessageStreamEvent>;
  try {
    stream = (await claudeClient(cfg).messages.create(
      { model: req.model, max_tokens: req.maxTokens, system: req.system, messages: req.messages, stream: true },
      { signal: controller.signal },
    )) as typeof stream;
  } catch (err) {
    if (reason === "caller") throw new CallerGone("caller went away");
    throw upstreamError(err);
  }

  return {
    abort: () => stop("caller"),
    async run(onText) {
      const usage: ClaudeUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
      let text = "";
      let outputReported = false;
      let stopped = false;
      let stopReason: string | null = null;
      let firstTokenMs: number | undefined;
      let idle = setTimeout(() => stop("idle"), cfg.idleTimeoutMs);
      // Why we stopped the stream ourselves, if we did.
      const interrupted = (): ClaudeOutcome | undefined =>
        reason === "caller"
          ? { kind: "aborted" }
          : reason === "idle"
            ? { kind: "failed", error: new ApiError("TIMEOUT", `Claude went silent for ${cfg.idleTimeoutMs} ms`) }
            : undefined;
      const result = (outcome: ClaudeOutcome): ClaudeRun => {
        clearTimeout(idle);
        // Claude reports output tokens only at the end; for a stream that did not get there, estimate.
        if (!outputReported || outcome.kind !== "completed") {
          usage.outputTokens = Math.max(usage.outputTokens, estimateOutputTokens(text));
        }
        return { text, usage, outcome, firstTokenMs };
      };
      try {
        for await (const ev of stream) {
          // The clock measures Claude's silence only, not time spent waiting on a slow caller.
          clearTimeout(idle);
          if (ev.type === "message_start") {
            const u = ev.message.usage;
            usage.inputTokens = u.input_tokens ?? 0;
            usage.outputTokens = u.output_tokens ?? 0;
            usage.cacheReadTokens = u.cache_read_input_tokens ?? 0;
            usage.cacheWriteTokens = u.cache_creation_input_tokens ?? 0;
          } else if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") {
            firstTokenMs ??= performance.now() - opened;
            text += ev.delta.text;
            await onText(ev.delta.text);
          } else if (ev.type === "message_delta") {
            const u = ev.usage;
            usage.outputTokens = u.output_tokens ?? usage.outputTokens;
            outputReported = true;
            if (u.input_tokens != null) usage.inputTokens = u.input_tokens;
            if (u.cache_read_input_tokens != null) usage.cacheReadTokens = u.cache_read_input_tokens;
            if (u.cache_creation_input_tokens != null) usage.cacheWriteTokens = u.cache_creation_input_tokens;
            stopReason = ev.delta.stop_reason ?? stopReason;
          } else if (ev.type === "message_stop") {
            stopped = true;
          }
          idle = setTimeout(() => stop("idle"), cfg.idleTimeoutMs);
        }
      } catch (err) {
        return result(interrupted() ?? { kind: "failed", error: upstreamError(err) });
      }
      // An aborted SDK stream may also just end: the reason decides what happened.
      const ours = interrupted();
      if (ours) return result(ours);
      if (!stopped)
        return result({ kind: "failed", error: new ApiError("UPSTREAM", "Claude's stream was cut before the end") });
      return result({ kind: "completed", stopReason });
    },
  };
}
