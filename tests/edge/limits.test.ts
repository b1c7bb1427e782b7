// The edge's own per-instance limits: unauthenticated requests per client address, GET
// /health answered from a short cache, at most N log streams per user, and log polling that
// backs off while nothing changes.
import { afterEach, describe, expect, test, vi } from "vitest";
import { nextPollDelay, TokenBuckets } from "../../edge/limits";
import { bearer, edgeApp, healthyConvex, json, type SeamRequest } from "./helpers";

describe("token buckets (per key)", () => {
  test("capacity at once, then refilled at capacity per minute; keys are independent", () => {
    let now = 0;
    const buckets = new TokenBuckets(3, () => now);
    expect([buckets.take("a"), buckets.take("a"), buckets.take("a")]).toEqual([0, 0, 0]);
    expect(buckets.take("a")).toBe(20_000); // one token every 20 s
    expect(buckets.take("b")).toBe(0);
    now = 20_000;
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("a")).toBeGreaterThan(0);
  });

  test("remembers a bounded number of addresses: idle ones go first, and a limited one is kept while it is active", () => {
    const now = 0; // no refill: no bucket is idle, the bound must still hold
    const buckets = new TokenBuckets(2, () => now);
    buckets.take("limited");
    buckets.take("limited");
    for (let i = 0; i < 10_050; i++) {
      buckets.take(`10.0.${i >> 8}.${i & 255}`);
      if (i % 1000 === 0) expect(buckets.take("limited")).toBeGreaterThan(0); // still limited, still remembered
    }
    expect(buckets.size).toBeLessThanOrEqual(10_000);
    expect(buckets.take("limited")).toBeGreaterThan(0);
  });
});

describe("unauthenticated requests per address", () => {
  test("the 61st request in a minute without a token is 429 RATE_LIMITED with Retry-After; other addresses and signed-in users go on", async () => {
    const h = await edgeApp({ env: { EDGE_TRUST_PROXY: "1" } });
    const from = (ip: string) => ({ headers: { "X-Forwarded-For": `${ip}, 10.0.0.1` } });
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await h.app.request("/health", from("203.0.113.7"))).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
    const refused = await h.app.request("/nope", from("203.0.113.7"));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).error).toMatchObject({ code: "RATE_LIMITED", limit: "address" });
    expect((await h.app.request("/health", from("198.51.100.2"))).status).toBe(200);
    const me = await h.app.request("/api/me", {
      headers: { ...bearer(await h.token("user_limits")), "X-Forwarded-For": "203.0.113.7" },
    });
    expect(me.status).toBe(200);
  });

  test("without a trusted proxy, X-Forwarded-For cannot buy a fresh allowance", async () => {
    const h = await edgeApp({ env: { EDGE_IP_LIMIT_PER_MIN: "3" } });
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await h.app.request("/health", { headers: { "X-Forwarded-For": `192.0.2.${i}` } })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  test("behind no proxy the socket's peer address is the key (@hono/node-server's incoming request)", async () => {
    const h = await edgeApp({ env: { EDGE_IP_LIMIT_PER_MIN: "2" } });
    const peer = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.app.request("/health", {}, peer("192.0.2.10"))).status);
    statuses.push((await h.app.request("/health", {}, peer("192.0.2.11"))).status);
    expect(statuses).toEqual([200, 200, 429, 200]);
  });
});

describe("GET /health", () => {
  test("answers from a short cache: 20 hits, one Convex call", async () => {
    const h = await edgeApp();
    for (let i = 0; i < 20; i++) expect((await h.app.request("/health")).status).toBe(200);
    expect(h.seamRequests.filter((r) => r.path === "/edge/health")).toHaveLength(1);
  });

  test("a Convex failure is cached too (503 each time, one call); EDGE_HEALTH_CACHE_MS=0 asks every time", async () => {
    const down = await edgeApp({ convex: () => json(503, { error: { code: "UNAVAILABLE", message: "down" } }) });
    for (let i = 0; i < 5; i++) expect((await down.app.request("/health")).status).toBe(503);
    expect(down.seamRequests).toHaveLength(1);
    const uncached = await edgeApp({ env: { EDGE_HEALTH_CACHE_MS: "0" } });
    for (let i = 0; i < 3; i++) await uncached.app.request("/health");
    expect(uncached.seamRequests.filter((r) => r.path === "/edge/health")).toHaveLength(3);
  });
});

/** A deployment whose log never ends; `lines[n]` are the lines the n-th poll returns. */
function endlessLog(linesByPoll: Record<number, number> = {}) {
  let polls = 0;
  let seq = -1;
  const convex = (req: SeamRequest) => {
    if (req.path !== "/edge/deploy/logs") return healthyConvex(req);
    polls += 1;
    const lines = Array.from({ length: linesByPoll[polls] ?? 0 }, () => ({
      seq: ++seq,
      at: 0,
      level: "info",
      text: `line ${seq}`,
    }));
    return { status: "building", lines, nextSeq: seq, done: false };
  };
  return { convex, polls: () => polls };
}

const sse = (token: string) => ({ headers: { ...bearer(token), Accept: "text/event-stream" } });

describe("log streams", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("at most 3 open per user: the 4th is 429 RATE_LIMITED with Retry-After; closing one frees its place", async () => {
    const log = endlessLog();
    const h = await edgeApp({ convex: log.convex });
    const ada = await h.token("user_ada");
    const open = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.app.request("/api/deployments/dep1/logs", sse(ada));
      expect(res.status).toBe(200);
      open.push(res);
    }
    const fourth = await h.app.request("/api/deployments/dep1/logs", sse(ada));
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get("Retry-After")).toBe("5");
    expect((await fourth.json()).error).toMatchObject({ code: "RATE_LIMITED", limit: "logStreams", max: 3 });
    // Another user, and JSON pages, are not affected.
    const bob = await h.app.request("/api/deployments/dep1/logs", sse(await h.token("user_bob")));
    expect(bob.status).toBe(200);
    expect((await h.app.request("/api/deployments/dep1/logs", { headers: bearer(ada) })).status).toBe(200);

    await open[0].body!.cancel();
    await vi.waitFor(async () => {
      const again = await h.app.request("/api/deployments/dep1/logs", sse(ada));
      expect(again.status).toBe(200);
      open.push(again);
    });
    for (const res of [...open.slice(1), bob]) await res.body!.cancel();
  });

  test("polling backs off 1 s → 2 s → 5 s while nothing changes, and is back to 1 s once lines arrive", async () => {
    const log = endlessLog({ 5: 2 });
    const h = await edgeApp({ convex: log.convex });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const res = await h.app.request("/api/deployments/dep1/logs", sse(await h.token("user_poll")));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    void (async () => {
      while (!(await reader.read()).done);
    })().catch(() => {});
    const pollsAfter = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      return log.polls();
    };
    expect(log.polls()).toBe(1); // the first page, before streaming
    expect(await pollsAfter(999)).toBe(1);
    expect(await pollsAfter(1)).toBe(2); // 1 s
    expect(await pollsAfter(1_999)).toBe(2);
    expect(await pollsAfter(1)).toBe(3); // then 2 s
    expect(await pollsAfter(4_999)).toBe(3);
    expect(await pollsAfter(1)).toBe(4); // then 5 s
    expect(await pollsAfter(5_000)).toBe(5); // and 5 s stays the cap; this poll brings lines
    expect(await pollsAfter(1_000)).toBe(6); // back to 1 s
    await reader.cancel();
  });

  test("the delay ladder", () => {
    const ladder = [nextPollDelay(undefined, false, 1000)];
    for (let i = 0; i < 3; i++) ladder.push(nextPollDelay(ladder.at(-1), false, 1000));
    expect(ladder).toEqual([1000, 2000, 5000, 5000]);
    expect(nextPollDelay(5000, true, 1000)).toBe(1000);
  });
});
