// Every failure of the AI path against a fake Claude that misbehaves on purpose: the
// caller's status and code, the ledger row's final state, and the quota/cost effect.
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { costMicros } from "../../convex/lib/pricing";
import { settleCompletions } from "../../edge/ai/run";
import { startStack, type Stack } from "../stack";
import { aiCall, allRequests, parseSse, requestRow, sse, today, usageRows, userIdOf } from "./helpers";

const MODEL = "claude-sonnet-5-5";
let stack: Stack;
let n = 0;
/** A fresh user per test: the AI rate limit (20 / 15 min) and the quota are per user. */
async function freshUser() {
  const clerkId = `user_ai_fail_${++n}`;
  const token = await stack.signIn({ id: clerkId });
  return { token, clerkId, userId: await userIdOf(stack, clerkId) };
}

beforeAll(async () => {
  // Short upstream timeouts: the stall and silence tests wait them out.
  stack = await startStack({ env: { ANTHROPIC_TIMEOUT_MS: "400", ANTHROPIC_IDLE_TIMEOUT_MS: "400" } });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(async () => {
  await settleCompletions();
  stack.fakes.anthropic.reset();
});

/** The request costs nothing and leaves no trace in the user's usage. */
async function expectFreeOfCharge(userId: Awaited<ReturnType<typeof freshUser>>["userId"]) {
  const rows = await usageRows(stack, userId);
  for (const r of rows) expect(r).toMatchObject({ requests: 0, totalTokens: 0, costMicros: 0 });
}

describe("upstream errors before any output", () => {
  for (const status of [429, 529, 500]) {
    test(`${status} after the SDK's retries → 503 UPSTREAM_OVERLOADED, failed, no quota, no cost`, async () => {
      const { token, userId } = await freshUser();
      stack.fakes.anthropic.failWith(status, { times: 2 }); // maxRetries 1: two attempts
      const res = await aiCall(stack, token, "generate", { prompt: "x", model: MODEL });
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.error).toMatchObject({ code: "UPSTREAM_OVERLOADED", upstreamStatus: status });
      expect(stack.fakes.anthropic.requests).toHaveLength(2);
      expect(await requestRow(stack, body.error.requestId)).toMatchObject({
        status: "failed",
        inputTokens: 0,
        outputTokens: 0,
        costMicros: 0,
        error: { code: "UPSTREAM_OVERLOADED" },
      });
      await expectFreeOfCharge(userId);
    });
  }

  test("a transient 529 is retried by the SDK and the request succeeds", async () => {
    const { token } = await freshUser();
    stack.fakes.anthropic.failWith(529, { times: 1 });
    const res = await aiCall(stack, token, "generate", { prompt: "x", model: MODEL });
    expect(res.status).toBe(200);
    expect(stack.fakes.anthropic.requests).toHaveLength(2);
    expect((await requestRow(stack, (await res.json()).requestId))!.status).toBe("completed");
  });

  test("a long Retry-After from Claude is passed on: 429 RATE_LIMITED with Retry-After, not waited out", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.failWith(429, { times: 1, retryAfterSec: 30 });
    const res = await aiCall(stack, token, "generate", { prompt: "x", model: MODEL }, { sse: true });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("30");
    const body = await res.json();
    expect(body.error).toMatchObject({ code: "RATE_LIMITED", source: "upstream", retryAfterMs: 30_000 });
    expect(stack.fakes.anthropic.requests).toHaveLength(1);
    expect((await requestRow(stack, body.error.requestId))!.status).toBe("failed");
    await expectFreeOfCharge(userId);
  });

  test("a wrong ANTHROPIC_API_KEY → 502 UPSTREAM with a clear message, failed, no cost", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.acceptOnly("sk-ant-some-other-key");
    const res = await aiCall(stack, token, "explain", { code: "x", language: "js" }, { sse: true });
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: "UPSTREAM", upstreamStatus: 401 });
    expect(body.error.message).toContain("ANTHROPIC_API_KEY");
    expect(JSON.stringify(body)).not.toContain("sk-ant");
    expect(stack.fakes.anthropic.requests).toHaveLength(1); // a 401 is not retried
    expect((await requestRow(stack, body.error.requestId))).toMatchObject({ status: "failed", costMicros: 0 });
    await expectFreeOfCharge(userId);
  });

  test("Claude never answering → 504 TIMEOUT after the retries, failed, no cost", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.stall(2);
    const res = await aiCall(stack, token, "generate", { prompt: "x", model: MODEL });
    expect(res.status).toBe(504);
    const body = await res.json();
    expect(body.error.code).toBe("TIMEOUT");
    expect(stack.fakes.anthropic.requests).toHaveLength(2);
    expect(await requestRow(stack, body.error.requestId)).toMatchObject({ status: "failed", costMicros: 0 });
    await expectFreeOfCharge(userId);
  });
});

describe("failures once the stream has started", () => {
  test("a cut stream → one error event after the deltas; failed with the tokens seen, charged for them", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.configure({ reply: "0123456789abcdefghijklmnopqrstuvwxyz", chunkChars: 6, usage: { input_tokens: 500 } });
    stack.fakes.anthropic.nextStream({ kind: "cut", afterEvents: 5 }); // message_start, block_start, 3 deltas
    const { res, events } = await sse(stack, token, "generate", { prompt: "x", model: MODEL });
    expect(res.status).toBe(200);
    expect(events.filter((e) => e.event === "delta").map((e) => e.data.text).join("")).toBe("0123456789abcdefgh");
    const last = events.at(-1)!;
    expect(last.event).toBe("error");
    expect(last.data.code).toBe("UPSTREAM");
    expect(events.filter((e) => e.event === "done" || e.event === "error")).toHaveLength(1);
    await settleCompletions();
    const usage = { inputTokens: 500, outputTokens: 5 /* ceil(18 chars / 4) */, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const row = await requestRow(stack, last.data.requestId);
    expect(row).toMatchObject({ status: "failed", ...usage, costMicros: costMicros(MODEL, usage), error: { code: "UPSTREAM" } });
    const [day] = await usageRows(stack, userId);
    expect(day).toMatchObject({ requests: 1, inputTokens: 500, outputTokens: 5, costMicros: costMicros(MODEL, usage) });
  });

  test("an error event from Claude mid-stream → an error event for the caller", async () => {
    const { token } = await freshUser();
    stack.fakes.anthropic.nextStream({ kind: "error", afterEvents: 3 });
    const { events } = await sse(stack, token, "chat", { message: "hi", model: MODEL });
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "UPSTREAM_OVERLOADED" } });
    await settleCompletions();
    expect((await requestRow(stack, events.at(-1)!.data.requestId))!.status).toBe("failed");
  });

  test("Claude going silent mid-stream → error event TIMEOUT, failed with the tokens seen", async () => {
    const { token } = await freshUser();
    stack.fakes.anthropic.nextStream({ kind: "pause", afterEvents: 4 });
    const { events } = await sse(stack, token, "generate", { prompt: "x", model: MODEL });
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "TIMEOUT" } });
    await settleCompletions();
    expect(await requestRow(stack, events.at(-1)!.data.requestId)).toMatchObject({ status: "failed", inputTokens: 120, outputTokens: 4 }); // 2 deltas × 8 chars
  });

  test("a cut stream in JSON mode → 502 UPSTREAM naming the request", async () => {
    const { token } = await freshUser();
    stack.fakes.anthropic.nextStream({ kind: "cut", afterEvents: 3 });
    const res = await aiCall(stack, token, "refactor", { code: "x", instructions: "y", language: "js", model: MODEL });
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error.code).toBe("UPSTREAM");
    expect((await requestRow(stack, body.error.requestId))!.status).toBe("failed");
  });

  test("the client going away mid-stream aborts the upstream call; cancelled with the tokens consumed", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.configure({ reply: "a".repeat(200), chunkChars: 10, usage: { input_tokens: 700, cache_read_input_tokens: 300 } });
    stack.fakes.anthropic.nextStream({ kind: "pause", afterEvents: 5 }); // 3 deltas, then Claude keeps "thinking"
    const abort = new AbortController();
    const res = await aiCall(stack, token, "generate", { prompt: "x", model: MODEL }, { sse: true, signal: abort.signal });
    const reader = res.body!.getReader();
    let received = "";
    while (parseSse(received).filter((e) => e.event === "delta").length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    const requestRowsBefore = await allRequests(stack);
    abort.abort();
    await vi.waitFor(() => expect(stack.fakes.anthropic.streams[0].clientAborted).toBe(true), { timeout: 3_000 });
    await settleCompletions();
    const mine = (await allRequests(stack)).filter((r) => r.userId === userId);
    expect(requestRowsBefore.filter((r) => r.userId === userId)[0].status).toBe("streaming");
    expect(mine).toHaveLength(1);
    const usage = { inputTokens: 700, outputTokens: 8 /* ceil(30 / 4) */, cacheReadTokens: 300, cacheWriteTokens: 0 };
    expect(mine[0]).toMatchObject({ status: "cancelled", ...usage, costMicros: costMicros(MODEL, usage) });
    const [day] = await usageRows(stack, userId);
    expect(day).toMatchObject({ requests: 1, totalTokens: 1008, costMicros: costMicros(MODEL, usage) });
  });
});

describe("refused before Claude is called", () => {
  test("a prompt over the context window → 413 CONTEXT_TOO_LARGE saying by how much; nothing written", async () => {
    const { token, userId } = await freshUser();
    const code = "x".repeat(800_000); // ≈ 200K tokens: over claude-sonnet-4-5's 200K window with the output budget
    const res = await aiCall(stack, token, "explain", { code, language: "txt", model: "claude-sonnet-4-5" });
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: "CONTEXT_TOO_LARGE", contextWindow: 200_000, maxOutputTokens: 2_048 });
    expect(body.error.overByTokens).toBeGreaterThan(2_048);
    expect(body.error.message).toContain(`${body.error.overByTokens} tokens over`);
    expect(stack.fakes.anthropic.requests).toHaveLength(0);
    expect((await allRequests(stack)).filter((r) => r.userId === userId)).toHaveLength(0);
    expect(await usageRows(stack, userId)).toEqual([]);
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
        userId, day, requests: 100, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 0, costMicros: 0, byType: { generate: 100 },
      });
    });
    const res = await aiCall(stack, token, "generate", { prompt: "x" });
    expect(res.status).toBe(429);
    const body = await res.json();
    const midnight = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
    expect(body.error).toMatchObject({ code: "QUOTA_EXCEEDED", limit: "requests", max: 100, used: 100, plan: "free", resetsAt: midnight });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(stack.fakes.anthropic.requests).toHaveLength(0);
  });

  test("daily token quota → 429 QUOTA_EXCEEDED limit tokens; a bigger plan is still allowed", async () => {
    const { token, userId } = await freshUser();
    await stack.t.run(async (ctx) => {
      await ctx.db.insert("usageDaily", {
        userId, day: today(stack), requests: 3, inputTokens: 50_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 50_000, costMicros: 0, byType: {},
      });
    });
    const res = await aiCall(stack, token, "generate", { prompt: "x" });
    expect(res.status).toBe(429);
    expect((await res.json()).error).toMatchObject({ code: "QUOTA_EXCEEDED", limit: "tokens", max: 50_000 });
    await stack.t.run(async (ctx) => ctx.db.patch("users", userId, { plan: "starter" }));
    expect((await aiCall(stack, token, "generate", { prompt: "x" })).status).toBe(200);
  });
});
