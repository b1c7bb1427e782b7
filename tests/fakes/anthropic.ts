// A fake Anthropic Messages API on loopback: POST /v1/messages answered as JSON or as the
// real SSE sequence (message_start with usage, content_block_start, content_block_delta × n,
// content_block_stop, message_delta with usage, message_stop). Accepts the key as
// `x-api-key` or `Authorization: Bearer`. Misbehaves on request: error statuses with
// Retry-After, a stall before the answer, a stream cut / paused / failed after N events.
import type { ServerResponse } from "node:http";
import { sendJson, startFakeServer, type RecordedRequest } from "./server";

export type FakeUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
};

/** What to do to the next streamed answer, after `afterEvents` events were sent. */
export type StreamFault =
  | { kind: "cut"; afterEvents: number } // the connection is destroyed
  | { kind: "pause"; afterEvents: number } // nothing more is sent until the client goes away
  | { kind: "error"; afterEvents: number; type?: string }; // an `event: error`, then the end

export type StreamRecord = {
  request: RecordedRequest;
  model: string;
  eventsSent: number;
  completed: boolean;
  /** The client closed the connection before the stream ended. */
  clientAborted: boolean;
};

type Reply = string | ((body: any) => string);

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const DEFAULTS = {
  reply: "Here you go:\n```ts\nexport const answer = 42;\n```\nThat is all." as Reply,
  usage: { input_tokens: 120, output_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } as FakeUsage,
  chunkChars: 8,
  eventDelayMs: 0,
};

export function anthropicError(status: number, message: string, type = ERROR_TYPES[status] ?? "api_error") {
  return { type: "error", error: { type, message } };
}

export async function startAnthropicFake(opts: { apiKey?: string } = {}) {
  const apiKey = opts.apiKey ?? "sk-ant-fake-0123456789";
  let accepted = apiKey;
  let settings = { ...DEFAULTS, usage: { ...DEFAULTS.usage } };
  const faults: StreamFault[] = [];
  const streams: StreamRecord[] = [];
  let ids = 0;

  const keyOf = (h: RecordedRequest["headers"]) => {
    const x = h["x-api-key"];
    if (typeof x === "string") return x;
    const auth = h["authorization"];
    return typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined;
  };

  async function stream(rec: RecordedRequest, res: ServerResponse, body: any, text: string) {
    const id = `msg_fake_${++ids}`;
    const u = settings.usage;
    const events: [string, unknown][] = [
      [
        "message_start",
        {
          type: "message_start",
          message: {
            id, type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null,
            usage: { input_tokens: u.input_tokens, output_tokens: 1, cache_creation_input_tokens: u.cache_creation_input_tokens, cache_read_input_tokens: u.cache_read_input_tokens },
          },
        },
      ],
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
    ];
    for (let i = 0; i < text.length; i += settings.chunkChars) {
      const piece = text.slice(i, i + settings.chunkChars);
      events.push(["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } }]);
    }
    events.push(
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      ["message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: u.output_tokens } }],
      ["message_stop", { type: "message_stop" }],
    );
    const record: StreamRecord = { request: rec, model: body.model, eventsSent: 0, completed: false, clientAborted: false };
    streams.push(record);
    const fault = faults.shift();
    let cut = false;
    res.on("close", () => {
      if (!res.writableFinished && !record.completed) record.clientAborted = record.clientAborted || !cut;
    });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": `req_fake_${ids}` });
    for (const [name, data] of events) {
      if (fault && record.eventsSent === fault.afterEvents) {
        if (fault.kind === "cut") {
          cut = true;
          res.destroy();
          return;
        }
        if (fault.kind === "pause") return; // the client's abort (or close()) ends it
        res.write(`event: error\ndata: ${JSON.stringify(anthropicError(529, "Overloaded", fault.type ?? "overloaded_error"))}\n\n`);
        res.end();
        return;
      }
      if (res.destroyed) return;
      const frame = `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
      // Before a planned fault, wait for each frame to reach the socket, so a cut lands after it.
      if (fault) await new Promise<void>((r) => res.write(frame, () => r()));
      else res.write(frame);
      record.eventsSent++;
      if (settings.eventDelayMs) await new Promise((r) => setTimeout(r, settings.eventDelayMs));
    }
    record.completed = true;
    res.end();
  }

  const server = await startFakeServer("anthropic", async (rec, res) => {
    if (rec.method !== "POST" || !rec.path.startsWith("/v1/messages")) {
      return sendJson(res, 404, anthropicError(404, `No route ${rec.method} ${rec.path}`, "not_found_error"));
    }
    if (keyOf(rec.headers) !== accepted) return sendJson(res, 401, anthropicError(401, "invalid x-api-key"));
    let body: any;
    try {
      body = JSON.parse(rec.body);
    } catch {
      return sendJson(res, 400, anthropicError(400, "body is not JSON"));
    }
    const text = typeof settings.reply === "function" ? settings.reply(body) : settings.reply;
    if (body.stream) return stream(rec, res, body, text);
    const u = settings.usage;
    sendJson(res, 200, {
      id: `msg_fake_${++ids}`, type: "message", role: "assistant", model: body.model,
      content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null,
      usage: { ...u },
    });
  });

  return {
    url: server.url,
    apiKey,
    requests: server.requests,
    streams,
    /** Bodies of the requests to /v1/messages, parsed. */
    bodies: () => server.requests.filter((r) => r.path.startsWith("/v1/messages")).map((r) => JSON.parse(r.body)),
    /** Reply text (or a function of the request body), usage numbers, chunk size, delay between events. */
    configure(next: Partial<{ reply: Reply; usage: Partial<FakeUsage>; chunkChars: number; eventDelayMs: number }>) {
      settings = { ...settings, ...next, usage: { ...settings.usage, ...next.usage } };
    },
    /** The next streamed answer misbehaves. */
    nextStream(fault: StreamFault) {
      faults.push(fault);
    },
    /** The next `times` requests answer `status` with Anthropic's error body (and Retry-After if given). */
    failWith(status: number, o: { times?: number; retryAfterSec?: number; message?: string } = {}) {
      const headers: Record<string, string> = o.retryAfterSec === undefined ? {} : { "retry-after": String(o.retryAfterSec) };
      server.failNext({ kind: "status", status, headers, body: anthropicError(status, o.message ?? `fake ${status}`) }, o.times ?? 1);
    },
    /** The next `times` requests never get an answer. */
    stall(times = 1) {
      server.failNext({ kind: "stall" }, times);
    },
    /** From now on only `key` is accepted (so the key the clients hold is wrong); no argument restores it. */
    acceptOnly(key: string = apiKey) {
      accepted = key;
    },
    reset() {
      accepted = apiKey;
      settings = { ...DEFAULTS, usage: { ...DEFAULTS.usage } };
      faults.length = 0;
      server.clearFaults();
      server.requests.length = 0;
      streams.length = 0;
    },
    close: () => server.close(),
  };
}
export type AnthropicFake = Awaited<ReturnType<typeof startAnthropicFake>>;
