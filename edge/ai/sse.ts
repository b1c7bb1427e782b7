// The AI stream's wire format (text/event-stream): any number of `delta` events, then
// exactly one `done` or one `error` event. Each `data:` line is one JSON object.
import type { SSEStreamingApi } from "hono/streaming";
import type { ClaudeUsage } from "../providers/anthropic.js";

export type DoneEvent = {
  requestId: string;
  model: string;
  usage: ClaudeUsage;
  /** Integer micro-USD, computed by Convex from the price table; null if the ledger could not be reached. */
  costMicros: number | null;
  code?: string;
  conversationId?: string;
  stopReason?: string | null;
  mock?: true;
};

export type ErrorEvent = { code: string; message: string; requestId?: string };

export async function sendDelta(stream: SSEStreamingApi, text: string) {
  await stream.writeSSE({ event: "delta", data: JSON.stringify({ text }) });
}

export async function sendDone(stream: SSEStreamingApi, done: DoneEvent) {
  await stream.writeSSE({ event: "done", data: JSON.stringify(done) });
}

export async function sendError(stream: SSEStreamingApi, error: ErrorEvent) {
  await stream.writeSSE({ event: "error", data: JSON.stringify(error) });
}
