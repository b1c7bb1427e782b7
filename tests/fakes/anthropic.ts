// A fake Anthropic Messages API on loopback: POST /v1/messages answered as JSON or as the
// real SSE sequence (message_start with usage, content_block_start, content_block_delta × n,
// content_block_stop, message_delta with usage, message_stop), text and tool use alike
// (tests/fakes/anthropicWire.ts). Accepts the key as `x-api-key` or `Authorization: Bearer`.
// Scriptable per test: a queue of turns (text, tool calls) answered one per request.
// Misbehaves on request: error statuses with Retry-After, a stall before the answer, a
// stream cut / paused / failed after N events or in the middle of a tool call's JSON.
import type { ServerResponse } from "node:http";
import { jsonTurn, streamedTurn, type FakeTurn, type FakeUsage, type StreamFault } from "./anthropicWire";
import { sendJson, startFakeServer, type RecordedRequest } from "./server";

export type { FakeTurn, FakeUsage, StreamFault } from "./anthropicWire";
export { toolResultsOf } from "./anthropicWire";

export type StreamRecord = {
  request: RecordedRequest;
  model: string;
  eventsSent: number;
  completed: boolean;
  /** The client closed the connection before the stream ended. */
  clientAborted: boolean;
  /** performance.now() when the last byte of a completed stream was written (benchmarks). */
  endedAt?: number;
};

/** A text answer, a scripted turn, or either computed from the request body. */
export type Reply = string | FakeTurn | ((body: any) => string | FakeTurn);

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
  usage: {
    input_tokens: 120,
    output_tokens: 40,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  } as FakeUsage,
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
  const script: Reply[] = [];
  const streams: StreamRecord[] = [];
  let ids = 0;

  const keyOf = (h: RecordedRequest["headers"]) => {
    const x = h["x-api-key"];
    if (typeof x === "string") return x;
    const auth = h["authorization"];
    return typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined;
  };

  async function stream(rec: RecordedRequest, res: ServerResponse, body: any, turn: FakeTurn, turnNo: number) {
    const id = `msg_fake_${turnNo}`;
    const usage = { ...settings.usage, ...turn.usage };
    const { events, toolChunkIndexes } = streamedTurn({
      id,
      model: body.model,
      turn,
      turnNo,
      usage,
      chunkChars: settings.chunkChars,
    });
    const record: StreamRecord = {
      request: rec,
      model: body.model,
      eventsSent: 0,
      completed: false,
      clientAborted: false,
    };
    streams.push(record);
    const planned = turn.fault ?? faults.shift();
    let fault: Exclude<StreamFault, { kind: "cutInToolCall" }> | undefined;
    if (planned?.kind === "cutInToolCall") {
      const chunks = toolChunkIndexes[planned.tool ?? 0];
      if (!chunks?.length) throw new Error("cutInToolCall: this turn has no such tool call");
      fault = { kind: "cut", afterEvents: chunks[Math.min(planned.afterChunks ?? 1, chunks.length) - 1] + 1 };
    } else fault = planned;
    let cut = false;
    res.on("close", () => {
      if (!res.writableFinished && !record.completed) record.clientAborted = record.clientAborted || !cut;
    });
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "request-id": `req_fake_${turnNo}`,
    });
    for (const [name, data] of events) {
      if (fault && record.eventsSent === fault.afterEvents) {
        if (fault.kind === "cut") {
          cut = true;
          res.destroy();
          return;
        }
        if (fault.kind === "pause") return; // the client's abort (or close()) ends it
        res.write(
          `event: error\ndata: ${JSON.stringify(anthropicError(529, "Overloaded", fault.type ?? "overloaded_error"))}\n\n`,
        );
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
    record.endedAt = performance.now();
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
    const reply = script.shift() ?? settings.reply;
    const answer = typeof reply === "function" ? reply(body) : reply;
    const turn: FakeTurn = typeof answer === "string" ? { text: answer } : answer;
    if (turn.httpStatus) {
      const headers: Record<string, string> =
        turn.retryAfterSec === undefined ? {} : { "retry-after": String(turn.retryAfterSec) };
      return sendJson(res, turn.httpStatus, anthropicError(turn.httpStatus, `fake ${turn.httpStatus}`), headers);
    }
    const turnNo = ++ids;
    if (body.stream) return stream(rec, res, body, turn, turnNo);
    sendJson(
      res,
      200,
      jsonTurn({
        id: `msg_fake_${turnNo}`,
        model: body.model,
        turn,
        turnNo,
        usage: { ...settings.usage, ...turn.usage },
      }),
    );
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
    /** The next requests are answered by these turns, one each, before `reply` is used again. */
    script(...turns: Reply[]) {
      script.push(...turns);
    },
    /** Scripted turns not yet consumed. */
    scriptLeft: () => script.length,
    /** The next streamed answer misbehaves. */
    nextStream(fault: StreamFault) {
      faults.push(fault);
    },
    /** The next `times` requests answer `status` with Anthropic's error body (and Retry-After if given). */
    failWith(status: number, o: { times?: number; retryAfterSec?: number; message?: string } = {}) {
      const headers: Record<string, string> =
        o.retryAfterSec === undefined ? {} : { "retry-after": String(o.retryAfterSec) };
      server.failNext(
        { kind: "status", status, headers, body: anthropicError(status, o.message ?? `fake ${status}`) },
        o.times ?? 1,
      );
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
      script.length = 0;
      ids = 0;
      server.clearFaults();
      server.requests.length = 0;
      streams.length = 0;
    },
    close: () => server.close(),
  };
}
export type AnthropicFake = Awaited<ReturnType<typeof startAnthropicFake>>;
