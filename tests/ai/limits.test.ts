// Refusals before Claude is called — context window, rate limit, daily quotas — and how
// the quota treats requests that failed: status, code, Retry-After, and nothing written.
import { emptyTotals } from "../../convex/lib/usageRollup";
import { describe, expect, test } from "vitest";
import { aiCall, aiTestStack, allRequests, seamCall, today, usageRows } from "./helpers";

const MODEL = "claude-sonnet-5-5";
const { stack, freshUser } = aiTestStack("user_ai_limits");

describe("refused before Claude is called", () => {
  test("a prompt over the context window → 413 CONTEXT_TOO_LARGE saying by how much; nothing written", async () => {
    // Every offered model has a 1M-token window, more than the edge's body limits let a request
    // carry, so the check is driven at the seam with the size the edge reports (a long chat
    // history adds to it the same way).
    const { clerkId, userId } = await freshUser();
    const res = await seamCall(stack, "/edge/ai/begin", clerkId, {
      type: "explain",
      prompt: "x",
      promptChars: 4_000_000,
      model: "claude-haiku-5-5",
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({
      code: "CONTEXT_TOO_LARGE",
      contextWindow: 1_000_000,
      estimatedTokens: 1_000_000,
    });
    expect(res.body.error.overByTokens).toBe(res.body.error.maxOutputTokens);
    expect(res.body.error.message).toContain(`${res.body.error.overByTokens} tokens over`);
    expect((await allRequests(stack)).filter((r) => r.userId === userId)).toHaveLength(0);
    expect(await usageRows(stack, userId)).toEqual([]);
  });

  test("a retired model → 400 INVALID naming the day it was retired; nothing sent to Claude", async () => {
    const { token, userId } = await freshUser();
    const res = await aiCall(stack, token, "explain", { code: "x", language: "js", model: "claude-sonnet-4-5" });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({
      code: "INVALID",
      model: "claude-sonnet-4-5",
      retiredOn: "2026-11-30",
    });
    expect(stack.fakes.anthropic.requests).toHaveLength(0);
    expect((await allRequests(stack)).filter((r) => r.userId === userId)).toHaveLength(0);
  });

  test("rate limit: the 21st request in 15 minutes → 429 RATE_LIMITED with Retry-After; nothing written", async () => {
    const { token, userId } = await freshUser();
    for (let i = 0; i < 20; i++) {
      const res = await aiCall(stack, token, "complete", { code: "a", cursor: 1, language: "ts" });
      expect(res.status).toBe(200);
    }
    const res = await aiCall(stack, token, "complete", { code: "a", cursor: 1, language: "ts" });
    expect(res.status).toBe(429);
    const body = await res.json();
    expect(body.error.code).toBe("RATE_LIMITED");
    expect(body.error.retryAfterMs).toBeGreaterThan(0);
    expect(Number(res.headers.get("retry-after"))).toBe(Math.ceil(body.error.retryAfterMs / 1000));
    expect((await allRequests(stack)).filter((r) => r.userId === userId)).toHaveLength(20);
    expect(stack.fakes.anthropic.requests).toHaveLength(20);
    // The bucket refills: one request every 45 s.
    await stack.advance(45_000);
    expect((await aiCall(stack, token, "complete", { code: "a", cursor: 1, language: "ts" })).status).toBe(200);
  });

  test("daily request quota → 429 QUOTA_EXCEEDED naming the limit and when it resets", async () => {
    const { token, userId } = await freshUser();
    const day = today(stack);
    await stack.t.run(async (ctx) => {
      await ctx.db.insert("usageDaily", {
        userId,
        day,
        ...emptyTotals(),
        requests: 100,
        byType: { generate: 100 },
      });
    });
    const res = await aiCall(stack, token, "generate", { prompt: "x" });
    expect(res.status).toBe(429);
    const body = await res.json();
    const midnight = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
    expect(body.error).toMatchObject({
      code: "QUOTA_EXCEEDED",
      limit: "requests",
      max: 100,
      used: 100,
      plan: "free",
      resetsAt: midnight,
    });
    expect(body.error.message).toBe(
      `Daily limit of 100 AI requests on the free plan reached; it resets at ${midnight}`,
    );
    expect(Number(res.headers.get("retry-after"))).toBe(Math.ceil((Date.parse(midnight) - stack.now()) / 1000));
    expect((await allRequests(stack)).filter((r) => r.userId === userId)).toEqual([]);
    expect((await usageRows(stack, userId))[0]).toMatchObject({ requests: 100 });
    expect(stack.fakes.anthropic.requests).toHaveLength(0);
  });

  test("daily token quota → 429 QUOTA_EXCEEDED limit tokens; a bigger plan is still allowed", async () => {
    const { token, userId } = await freshUser();
    await stack.t.run(async (ctx) => {
      await ctx.db.insert("usageDaily", {
        userId,
        day: today(stack),
        requests: 3,
        inputTokens: 50_000,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        totalTokens: 50_000,
        costMicros: 0,
        byType: {},
      });
    });
    const res = await aiCall(stack, token, "generate", { prompt: "x" });
    expect(res.status).toBe(429);
    expect((await res.json()).error).toMatchObject({
      code: "QUOTA_EXCEEDED",
      limit: "tokens",
      max: 50_000,
      used: 50_000,
    });
    expect(res.headers.get("retry-after")).toBeTruthy();
    await stack.t.run(async (ctx) => ctx.db.patch("users", userId, { plan: "starter" }));
    expect((await aiCall(stack, token, "generate", { prompt: "x" })).status).toBe(200);
  });

  test("a request that failed before any output does not use up the daily quota", async () => {
    const { token, userId } = await freshUser();
    await stack.t.run(async (ctx) => {
      await ctx.db.insert("usageDaily", {
        userId,
        day: today(stack),
        requests: 99,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        totalTokens: 0,
        costMicros: 0,
        byType: { generate: 99 },
      });
    });
    stack.fakes.anthropic.failWith(500, { times: 2 });
    expect((await aiCall(stack, token, "generate", { prompt: "x", model: MODEL })).status).toBe(503);
    expect((await aiCall(stack, token, "generate", { prompt: "x", model: MODEL })).status).toBe(200); // the 100th of the free plan
    const res = await aiCall(stack, token, "generate", { prompt: "x", model: MODEL });
    expect(res.status).toBe(429);
    expect((await res.json()).error).toMatchObject({ code: "QUOTA_EXCEEDED", limit: "requests", used: 100 });
  });
});
