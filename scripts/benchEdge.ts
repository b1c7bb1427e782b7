// The edge alone, for the bench: the real app (edge/app.ts, production settings) on
// @hono/node-server at a loopback port, the fake Claude on another, and Convex answered
// instantly in this process (the seam's transport returns a canned answer without any I/O).
// What the edge adds over calling Claude directly is then the edge's own work: sockets,
// middleware, token check, validation, logging, SSE; no database in it. The stack's clock
// (tests/clock.ts) is not installed here, so its timer wrapper costs nothing either.
// Beside it, a bare pass-through: a Hono app on the same server library with one route that
// relays the same Claude stream as SSE, and nothing else (no middleware, no token, no Convex).
// It is the floor of any edge: the extra hop and the SSE re-encoding.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Id } from "../convex/_generated/dataModel";
import type { EdgeAnswer, EdgeBody } from "../convex/edge/contract";
import { createApp } from "../edge/app";
import { loadConfig } from "../edge/config";
import { createConvexSeam, type FetchLike } from "../edge/convex";
import { claudeClient } from "../edge/providers/anthropic";
import { startAnthropicFake } from "../tests/fakes/anthropic";
import { makeKeyPair, signSessionToken } from "../tests/keys";

const ORIGIN = "http://localhost:5173";

type StreamEvent = { type: string; delta?: { type: string; text?: string } };

async function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<Server> {
  const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }) as Server;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
  return server;
}
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Canned answers for the two calls an AI request makes. */
function instantAnswer(path: string, body: unknown): unknown {
  if (path === "/edge/ai/begin") {
    const b = body as EdgeBody<"/edge/ai/begin">;
    return {
      requestId: "bench_request" as Id<"aiRequests">,
      model: b.model ?? "claude-sonnet-5-5",
      maxTokens: 8192,
      startedAt: Date.now(),
      conversationId: undefined,
      history: undefined,
      project: undefined,
    } satisfies EdgeAnswer<"/edge/ai/begin">;
  }
  if (path === "/edge/ai/settle") {
    const b = body as EdgeBody<"/edge/ai/settle">;
    return {
      requestId: b.requestId as Id<"aiRequests">,
      status: b.status,
      usage: b.usage,
      costMicros: 600,
    } satisfies EdgeAnswer<"/edge/ai/settle">;
  }
  throw new Error(`the edge-alone bench answers only the AI calls, not ${path}`);
}

/** The edge alone; with `claude` given (a fake Claude in another process), none is started here. */
export async function startEdgeAlone(claude?: { url: string; apiKey: string }) {
  const keys = await makeKeyPair();
  const anthropic = claude ? undefined : await startAnthropicFake();
  const upstream = claude ?? anthropic!;
  /** Paths of the Convex calls, in the order they started. */
  const started: string[] = [];
  const transport: FetchLike = async (url, init) => {
    const path = new URL(url).pathname;
    started.push(path);
    const answer = instantAnswer(path, JSON.parse(String(init?.body ?? "null")));
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  };
  const config = loadConfig({
    CLERK_JWT_KEY: keys.publicPem,
    CLERK_AUTHORIZED_PARTIES: ORIGIN,
    CORS_ORIGINS: ORIGIN,
    ANTHROPIC_BASE_URL: upstream.url,
    ANTHROPIC_API_KEY: upstream.apiKey,
  });
  const convex = createConvexSeam({
    siteUrl: "https://bench.convex.site",
    secret: "bench-secret",
    transport,
  });
  // Production writes each line to stdout; here it is serialized (that cost is the edge's) and dropped.
  let logged = 0;
  const app = createApp({
    config,
    convex,
    log: (line) => void (logged += JSON.stringify(line).length),
  });
  const client = claudeClient(config.anthropic);
  const bare = new Hono().post("/relay", async (c) => {
    const body = await c.req.json();
    return streamSSE(c, async (sse) => {
      const stream = (await client.messages.create({ ...body, stream: true })) as unknown as AsyncIterable<StreamEvent>;
      for await (const ev of stream) {
        if (ev.type === "content_block_delta" && ev.delta?.type === "text_delta") {
          await sse.writeSSE({ event: "delta", data: JSON.stringify({ text: ev.delta.text }) });
        }
      }
      await sse.writeSSE({ event: "done", data: "{}" });
    });
  });
  const [server, bareServer] = await Promise.all([listen(app.fetch), listen(bare.fetch)]);
  const token = signSessionToken(keys, {
    sub: "user_bench_edge",
    azp: ORIGIN,
    email: "bench@example.com",
    ttlSec: 24 * 3600,
  });

  return {
    edgeUrl: urlOf(server),
    /** POST /relay with the Claude request body: the bare pass-through. */
    bareUrl: `${urlOf(bareServer)}/relay`,
    token,
    app,
    anthropic: anthropic!,
    started,
    /** The SDK client the edge itself uses (same retries, timeouts and fetch wrapper). */
    client,
    logged: () => logged,
    async close() {
      for (const s of [server, bareServer]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
      await anthropic?.close();
    },
  };
}
export type EdgeAlone = Awaited<ReturnType<typeof startEdgeAlone>>;

type Timed = { ttft: number; total: number; cpu: number };

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One SSE request to `url` (an AI route): ms to the first `delta` event, to the end, and the process CPU it took. */
export async function timedEdgeRequest(url: string, token: string | null, body: string): Promise<Timed> {
  const c0 = cpuMs();
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      Accept: "text/event-stream",
    },
    body,
  });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let ttft: number | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (ttft === undefined && text.includes("event: delta")) ttft = performance.now() - t0;
  }
  const total = performance.now() - t0;
  if (!text.includes("event: done") || ttft === undefined)
    throw new Error(`stream ended without delta and done: ${text.slice(-200)}`);
  return { ttft, total, cpu: cpuMs() - c0 };
}

/** The same Claude call made straight to the fake with `client`, sending `body` as is. */
export async function timedDirectRequest(client: EdgeAlone["client"], body: Record<string, unknown>): Promise<Timed> {
  const c0 = cpuMs();
  const t0 = performance.now();
  const stream = (await client.messages.create({
    ...(body as any),
    stream: true,
  })) as unknown as AsyncIterable<{ type: string }>;
  let ttft: number | undefined;
  for await (const ev of stream)
    if (ttft === undefined && ev.type === "content_block_delta") ttft = performance.now() - t0;
  const total = performance.now() - t0;
  if (ttft === undefined) throw new Error("the direct stream carried no delta");
  return { ttft, total, cpu: cpuMs() - c0 };
}
