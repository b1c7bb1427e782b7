// @vitest-environment node
// The edge served as `npm run stack` serves it: @hono/node-server with overrideGlobalObjects:
// false, so the global Request is Node's own and the incoming request is node-server's class.
// Alone in its file: another listener with the default options would swap the globals.
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { request as httpRequest, type Server } from "node:http";
import { expect, test } from "vitest";
import { edgeApp } from "./helpers";

test("served with overrideGlobalObjects: false (as the stack serves it), bodies with and without a length reach the route", async () => {
  const { app } = await edgeApp();
  app.post("/test/echo", async (c) => c.json({ got: await c.req.text() }));
  const own = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0, overrideGlobalObjects: false }) as Server;
  try {
    await new Promise<void>((resolve) => (own.listening ? resolve() : own.once("listening", () => resolve())));
    const base = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    // Node's own client, as curl sends them: chunked, with a length, and no body at all.
    const post = (headers: Record<string, string>, body?: string) =>
      new Promise<{ status: number; json: { got: string } }>((resolve, reject) => {
        const req = httpRequest(`${base}/test/echo`, { method: "POST", headers }, (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
        });
        req.on("error", reject);
        if (body) req.write(body);
        req.end();
      });
    const answers = [
      await post({ "Transfer-Encoding": "chunked" }, "hello"),
      await post({ "Content-Length": "5" }, "hello"),
      await post({}),
    ];
    expect(answers).toEqual([
      { status: 200, json: { got: "hello" } },
      { status: 200, json: { got: "hello" } },
      { status: 200, json: { got: "" } },
    ]);
  } finally {
    own.closeAllConnections();
    own.close();
  }
});
