// The shared middleware of the edge app: request ids, one log line per request, secure
// headers, CORS, the body limit, and the one error envelope.
import { callerFor } from "../keys";
import { describe, expect, test } from "vitest";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../../edge/errors";
import { bearer, edgeApp, ORIGIN } from "./helpers";

async function appWithBoom() {
  const h = await edgeApp({ env: { EDGE_BODY_LIMIT_BYTES: "1024" } });
  h.app.get("/test/boom", () => {
    throw new Error("db password is hunter2");
  });
  h.app.get("/test/limited", () => {
    throw new ApiError("RATE_LIMITED", "Slow down", { retryAfterMs: 2000 }, { "Retry-After": "2" });
  });
  h.app.get("/test/http-exception", () => {
    throw new HTTPException(401, { message: "no" });
  });
  h.app.post("/test/echo", async (c) => c.json({ size: (await c.req.text()).length }));
  return h;
}

describe("request id", () => {
  test("every response carries X-Request-Id, errors included", async () => {
    const { app } = await appWithBoom();
    const responses = [
      await app.request("/health"),
      await app.request("/nope"),
      await app.request("/api/me"),
      await app.request("/test/boom"),
      await app.request("/test/echo", { method: "POST", body: "x".repeat(2000) }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 404, 401, 500, 413]);
    const ids = responses.map((r) => r.headers.get("X-Request-Id"));
    for (const id of ids) expect(id).toMatch(/^[\w-]{8,}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("a well-formed incoming X-Request-Id is kept; a malformed one is replaced", async () => {
    const { app } = await appWithBoom();
    const kept = await app.request("/health", { headers: { "X-Request-Id": "trace-123" } });
    expect(kept.headers.get("X-Request-Id")).toBe("trace-123");
    const replaced = await app.request("/health", { headers: { "X-Request-Id": "bad id <script>" } });
    expect(replaced.headers.get("X-Request-Id")).not.toContain("script");
  });
});

describe("request log", () => {
  test("exactly one structured JSON line per request, with the request id and status", async () => {
    const { app, logs, token } = await appWithBoom();
    const ok = await app.request("/api/me", { headers: bearer(token("user_log")) });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: "info",
      msg: "request",
      method: "GET",
      path: "/api/me",
      status: 200,
      requestId: ok.headers.get("X-Request-Id"),
      userId: callerFor("user_log").tokenIdentifier,
    });
    expect(typeof logs[0].ms).toBe("number");
    expect(JSON.parse(JSON.stringify(logs[0]))).toEqual(logs[0]);

    await app.request("/api/me");
    expect(logs).toHaveLength(2);
    expect(logs[1]).toMatchObject({ level: "warn", status: 401, code: "UNAUTHENTICATED" });
    expect(logs[1].userId).toBeUndefined();
  });

  test("an unexpected error is logged with its details once, and the client sees none of them", async () => {
    const { app, logs } = await appWithBoom();
    const res = await app.request("/test/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: "Internal error" } });
    expect(text).not.toContain("hunter2");
    expect(text).not.toMatch(/at .*\.ts/);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: "error",
      status: 500,
      code: "INTERNAL",
      error: { message: "db password is hunter2" },
    });
  });
});

describe("secure headers", () => {
  test("on successful and error responses", async () => {
    const { app } = await appWithBoom();
    for (const res of [await app.request("/health"), await app.request("/nope"), await app.request("/test/boom")]) {
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
      expect(res.headers.get("Strict-Transport-Security")).toMatch(/max-age=\d+/);
      expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
      expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    }
  });
});

describe("CORS", () => {
  test("an allowed origin is echoed, with credentials, on success and on errors", async () => {
    const { app } = await appWithBoom();
    for (const path of ["/health", "/api/me"]) {
      const res = await app.request(path, { headers: { Origin: ORIGIN } });
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
      expect(res.headers.get("Access-Control-Allow-Credentials")).toBe("true");
      expect(res.headers.get("Access-Control-Expose-Headers")).toContain("X-Request-Id");
    }
  });

  test("a preflight from an allowed origin is answered; the Authorization header is allowed", async () => {
    const { app } = await appWithBoom();
    const res = await app.request("/api/me", {
      method: "OPTIONS",
      headers: {
        Origin: ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
    expect(res.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
  });

  test("any other origin gets no Access-Control-Allow-Origin", async () => {
    const { app } = await appWithBoom();
    for (const origin of ["https://evil.example", "http://localhost:5174", "null"]) {
      const res = await app.request("/health", { headers: { Origin: origin } });
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
      const pre = await app.request("/api/me", {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "GET" },
      });
      expect(pre.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
  });
});

describe("body limit", () => {
  test("a declared Content-Length over the limit → 413 PAYLOAD_TOO_LARGE before any route runs", async () => {
    const { app, logs } = await appWithBoom();
    const res = await app.request("/test/echo", { method: "POST", body: "x".repeat(1025) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: "PAYLOAD_TOO_LARGE", message: "Request body is over 1024 bytes", limit: 1024 },
    });
    expect(logs[0]).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
  });

  test("a streamed body without Content-Length is cut off at the limit too", async () => {
    const { app } = await appWithBoom();
    const chunk = new TextEncoder().encode("y".repeat(600));
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(chunk);
        ctrl.enqueue(chunk);
        ctrl.close();
      },
    });
    const res = await app.request("/test/echo", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  test("a body at the limit passes", async () => {
    const { app } = await appWithBoom();
    const res = await app.request("/test/echo", { method: "POST", body: "x".repeat(1024) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ size: 1024 });
  });

  test("a nonsense EDGE_BODY_LIMIT_BYTES falls back to 1 MiB instead of no limit", async () => {
    const { app } = await edgeApp({ env: { EDGE_BODY_LIMIT_BYTES: "lots" } });
    const res = await app.request("/anything", { method: "POST", body: "x".repeat(1_048_577) });
    expect(res.status).toBe(413);
  });
});

describe("the error envelope", () => {
  test("unknown route → 404 NOT_FOUND", async () => {
    const { app } = await appWithBoom();
    const res = await app.request("/api/nope", { method: "DELETE" });
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: { code: "NOT_FOUND", message: "No route for DELETE /api/nope" } });
  });

  test("an ApiError keeps its status, details and headers", async () => {
    const { app } = await appWithBoom();
    const res = await app.request("/test/limited");
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toBe("2");
    expect(await res.json()).toEqual({ error: { code: "RATE_LIMITED", message: "Slow down", retryAfterMs: 2000 } });
  });

  test("a Hono HTTPException is mapped to a code", async () => {
    const { app } = await appWithBoom();
    const res = await app.request("/test/http-exception");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "UNAUTHENTICATED", message: "no" } });
  });
});
