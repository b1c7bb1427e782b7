// @vitest-environment node
// Over-limit bodies on a reused keep-alive connection: a real @hono/node-server listener on
// 127.0.0.1, Node's fetch (undici, keep-alive by default), back-to-back 1.1 MB POSTs. Every
// one must read the 413 envelope, never EPIPE / UND_ERR_SOCKET / "fetch failed".
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, expect, test } from "vitest";
import { edgeApp } from "./helpers";

let server: Server;
let url: string;

beforeAll(async () => {
  const { app } = await edgeApp();
  server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }) as Server;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

test("12 back-to-back 1.1 MB POSTs on keep-alive connections each read the 413 envelope", async () => {
  const body = "x".repeat(1_100_000);
  const outcomes: string[] = [];
  for (let i = 0; i < 12; i++) {
    try {
      const res = await fetch(`${url}/api/deploy`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      const json = (await res.json()) as { error?: { code?: string } };
      outcomes.push(`${res.status} ${json.error?.code}`);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      outcomes.push(`failed: ${cause?.code ?? cause?.message ?? String(err)}`);
    }
  }
  expect(outcomes).toEqual(Array(12).fill("413 PAYLOAD_TOO_LARGE"));
});

test("streamed (chunked) over-limit bodies read the 413 too, and the connection still serves a normal request after", async () => {
  const chunk = new TextEncoder().encode("y".repeat(110_000));
  const outcomes: string[] = [];
  for (let i = 0; i < 4; i++) {
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        for (let k = 0; k < 10; k++) ctrl.enqueue(chunk);
        ctrl.close();
      },
    });
    try {
      const res = await fetch(`${url}/api/deploy`, { method: "POST", body, duplex: "half" } as RequestInit);
      outcomes.push(`${res.status} ${((await res.json()) as { error?: { code?: string } }).error?.code}`);
    } catch (err) {
      outcomes.push(`failed: ${(err as { cause?: { code?: string } }).cause?.code ?? String(err)}`);
    }
  }
  expect(outcomes).toEqual(Array(4).fill("413 PAYLOAD_TOO_LARGE"));
  const health = await fetch(`${url}/health`);
  expect(health.status).toBe(200);
});
