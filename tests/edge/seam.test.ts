// The seam between the edge and Convex: the secret on the Convex side, health and its
// degraded mode, and how Convex's error envelopes (and failures) reach the client.
import { callerFor } from "../keys";
import { describe, expect, test } from "vitest";
import { createApp } from "../../edge/app";
import { loadConfig } from "../../edge/config";
import { createConvexSeam } from "../../edge/convex";
import { userRow as userRowOf } from "../convexTest";
import { stackForFile } from "../stackForFile";
import { bearer, edgeApp, json, SECRET } from "./helpers";

const stack = stackForFile();

const userRow = (clerkId: string) => userRowOf(stack.t, clerkId);

const edgeMe = (authorization: string | undefined, userId = "user_seam") =>
  stack.t.fetch("/edge/me", {
    method: "POST",
    headers: {
      ...(authorization ? { Authorization: authorization } : {}),
      "X-User-Id": callerFor(userId).tokenIdentifier,
      "X-User-Profile": encodeURIComponent(JSON.stringify({ email: "seam@example.com" })),
      "Content-Type": "application/json",
    },
    body: "{}",
  });

describe("Convex /edge/* checks the edge secret", () => {
  test("wrong, missing or malformed secret → 401 and nothing written", async () => {
    for (const authorization of [
      "Bearer wrong-secret",
      undefined,
      `Basic ${process.env.EDGE_SECRET}`,
      `Bearer ${process.env.EDGE_SECRET}x`,
      `Bearer ${process.env.EDGE_SECRET!.slice(0, -1)}`,
    ]) {
      const res = await edgeMe(authorization);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe("UNAUTHENTICATED");
    }
    expect(await userRow("user_seam")).toBeNull();
  });

  test("health also needs the secret", async () => {
    expect((await stack.t.fetch("/edge/health")).status).toBe(401);
    const ok = await stack.t.fetch("/edge/health", { headers: { Authorization: `Bearer ${process.env.EDGE_SECRET}` } });
    expect(ok.status).toBe(200);
  });

  test("the right secret → 200 and the row is written", async () => {
    const res = await edgeMe(`Bearer ${process.env.EDGE_SECRET}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ clerkId: "user_seam", email: "seam@example.com" });
    expect(await userRow("user_seam")).not.toBeNull();
  });

  test("a user-bound action without X-User-Id → 401, nothing written", async () => {
    const res = await stack.t.fetch("/edge/me", {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.EDGE_SECRET}` },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });
});

describe("GET /health", () => {
  test("→ 200 with Convex reachable and its latency (whole stack over HTTP)", async () => {
    const res = await fetch(`${stack.edgeUrl}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = await res.json();
    expect(body).toMatchObject({ status: "ok", edge: { ok: true }, convex: { ok: true } });
    expect(body.convex.latencyMs).toBeGreaterThanOrEqual(0);
    expect(stack.seamCalls.at(-1)).toMatchObject({ path: "/edge/health", status: 200 });
    // The provider tokens are in Convex's environment only (as on Vercel): the edge alone
    // would say off; Convex's view of them wins.
    expect(body.services).toMatchObject({
      clerk: "real",
      anthropic: "real",
      vercel: "real",
      netlify: "real",
      railway: "real",
    });
    expect(body.convex.services).toEqual({ anthropic: "real", vercel: "real", netlify: "real", railway: "real" });
  });

  test("→ 503 degraded when Convex is unreachable", async () => {
    const { app } = await edgeApp({
      transport: async () => {
        throw new TypeError("fetch failed: ECONNREFUSED");
      },
    });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "degraded",
      edge: { ok: true },
      convex: { ok: false, error: "Convex is unreachable" },
    });
  });

  test("→ 503 degraded when Convex does not answer in time", async () => {
    const { app } = await edgeApp({ transport: () => new Promise<Response>(() => {}), timeoutMs: 50 });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect((await res.json()).convex.error).toMatch(/did not answer within 50 ms/);
  });

  test("→ 503 degraded when CONVEX_SITE_URL is not set", async () => {
    const { app } = await edgeApp({ env: { CONVEX_SITE_URL: "" } });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect((await res.json()).convex.error).toContain("CONVEX_SITE_URL");
  });

  test("→ 503 degraded (not 401) when Convex refuses the edge's secret", async () => {
    const seam = createConvexSeam({
      siteUrl: "https://stack.convex.site",
      secret: "not-the-deployment-secret",
      transport: (url, init) => stack.t.fetch(new URL(url).pathname, init),
    });
    const app = createApp({ config: loadConfig({}), convex: seam, log: () => {} });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect((await res.json()).convex.error).toContain("EDGE_SECRET");
  });
});

describe("the seam client", () => {
  test("sends the secret, the verified user id and a JSON body", async () => {
    const { app, seamRequests, token } = await edgeApp();
    const res = await app.request("/api/me", { headers: bearer(token("user_hdr", { email: "h@example.com" })) });
    expect(res.status).toBe(200);
    const req = seamRequests.at(-1)!;
    expect(req).toMatchObject({ path: "/edge/me", method: "POST", body: {} });
    expect(req.headers.get("Authorization")).toBe(`Bearer ${SECRET}`);
    // The caller is the token's issuer and subject; the profile claims travel beside it.
    expect(req.headers.get("X-User-Id")).toBe(callerFor("user_hdr").tokenIdentifier);
    expect(JSON.parse(decodeURIComponent(req.headers.get("X-User-Profile")!))).toEqual({ email: "h@example.com" });
    expect(req.headers.get("Content-Type")).toBe("application/json");
  });

  test("maps Convex error envelopes to the same code and status, details included", async () => {
    const cases = [
      { status: 403, code: "FORBIDDEN" },
      { status: 404, code: "NOT_FOUND" },
      { status: 400, code: "INVALID" },
      { status: 409, code: "CONFLICT" },
      { status: 429, code: "QUOTA_EXCEEDED" },
      { status: 502, code: "UPSTREAM" },
    ];
    for (const { status, code } of cases) {
      const { app, token } = await edgeApp({
        convex: () => json(status, { error: { code, message: `from convex: ${code}`, limit: 7 } }),
      });
      const res = await app.request("/api/me", { headers: bearer(token()) });
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ error: { code, message: `from convex: ${code}`, limit: 7 } });
    }
  });

  test("a FORBIDDEN thrown by a real Convex function reaches the client as 403 FORBIDDEN", async () => {
    const token = await stack.signIn({ id: "user_gone", email: "gone@example.com" });
    const row = await userRow("user_gone");
    await stack.t.run(async (ctx) => ctx.db.patch("users", row!._id, { deletedAt: stack.now() }));
    const res = await fetch(`${stack.edgeUrl}/api/me`, { headers: bearer(token) });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "FORBIDDEN", message: "This account has been deleted" } });
  });

  test("a non-envelope or non-JSON failure from Convex → 503 UNAVAILABLE, never a 500 with the body", async () => {
    for (const answer of [
      () => new Response("<html>Bad gateway</html>", { status: 502 }),
      () => json(500, { unexpected: true }),
      () => new Response("not json", { status: 200 }),
    ]) {
      const { app, token } = await edgeApp({ convex: answer });
      const res = await app.request("/api/me", { headers: bearer(token()) });
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe("UNAVAILABLE");
      expect(text).not.toContain("Bad gateway");
    }
  });

  test("a Convex INTERNAL stays a 500 with Convex's generic message", async () => {
    const { app, token } = await edgeApp({
      convex: () => json(500, { error: { code: "INTERNAL", message: "Internal error" } }),
    });
    const res = await app.request("/api/me", { headers: bearer(token()) });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "INTERNAL", message: "Internal error" } });
  });

  test("a Convex call that hangs → 504 TIMEOUT", async () => {
    const { app, token } = await edgeApp({ transport: () => new Promise<Response>(() => {}), timeoutMs: 50 });
    const res = await app.request("/api/me", { headers: bearer(token()) });
    expect(res.status).toBe(504);
    expect((await res.json()).error.code).toBe("TIMEOUT");
  });
});
