// The per-user API limit (100 calls through the edge per 15 minutes), spent inside the Convex
// call each edge route makes: a refused call says how long to wait, other users go on, and
// the seam calls that continue a counted request (settling an AI answer) are not counted again.
import { describe, expect, test } from "vitest";
import { settleCompletions } from "../../edge/ai/run";
import { aiCall, aiTestStack, allRequests } from "../ai/helpers";

const { stack, freshUser } = aiTestStack("user_api_limit");

const me = (token: string) =>
  fetch(`${stack.edgeUrl}/api/me`, {
    headers: { Authorization: `Bearer ${token}` },
  });

describe("per-user API limit", () => {
  test("the 101st call in 15 minutes is 429 RATE_LIMITED with Retry-After; another user goes on; the bucket refills", async () => {
    const { token } = await freshUser();
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await me(token)).status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const refused = await me(token);
    expect(refused.status).toBe(429);
    const { error } = await refused.json();
    expect(error).toMatchObject({ code: "RATE_LIMITED", limit: "api" });
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(Number(refused.headers.get("Retry-After"))).toBe(Math.ceil(error.retryAfterMs / 1000));
    expect(JSON.stringify(error)).not.toMatch(/rateLimiter|at Object|\.ts:/);

    const other = await freshUser();
    expect((await me(other.token)).status).toBe(200);

    // A token bucket: 100 per 15 minutes is one every 9 s.
    await stack.advance(9_000);
    expect((await me(token)).status).toBe(200);
    expect((await me(token)).status).toBe(429);
  });

  test("an AI request counts once: its settle call is a follow-up, so the last token still gets a settled answer", async () => {
    const { token, userId } = await freshUser();
    for (let i = 0; i < 99; i++) expect((await me(token)).status).toBe(200);
    const res = await aiCall(stack, token, "complete", {
      code: "a",
      cursor: 1,
      language: "ts",
    });
    expect(res.status).toBe(200);
    await settleCompletions();
    const rows = (await allRequests(stack)).filter((r) => r.userId === userId);
    expect(rows.map((r) => r.status)).toEqual(["completed"]);
    expect((await me(token)).status).toBe(429);
  });

  test("a seam call without the edge's secret cannot claim to be a follow-up", async () => {
    const res = await stack.t.fetch("/edge/me", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-User-Id": "x|y",
        "X-Edge-Follow-Up": "1",
      },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });
});
