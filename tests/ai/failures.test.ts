// Every failure of the AI path against a fake Claude that misbehaves on purpose: the
// caller's status and code, the ledger row's final state, and the quota/cost effect.
import { describe, expect, test, vi } from "vitest";
import { costMicros } from "../../convex/lib/pricing";
import { settleCompletions } from "../../edge/ai/run";
import { aiCall, aiTestStack, allRequests, parseSse, requestRow, sse, usageRows } from "./helpers";

const MODEL = "claude-sonnet-5-5";
// Short upstream timeouts: the stall and silence tests wait them out (long enough for a test to abort first).
const { stack, freshUser } = aiTestStack("user_ai_fail", {
  env: { ANTHROPIC_TIMEOUT_MS: "800", ANTHROPIC_IDLE_TIMEOUT_MS: "800" },
});

/** The request costs nothing and leaves no trace in the user's usage. */
async function expectFreeOfCharge(userId: Awaited<ReturnType<typeof freshUser>>["userId"]) {
  const rows = await usageRows(stack, userId);
  expect(rows.length).toBeGreaterThan(0); // begin reserved the request; complete released it
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
    expect(await requestRow(stack, body.error.requestId)).toMatchObject({ status: "failed", costMicros: 0 });
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
    stack.fakes.anthropic.configure({
      reply: "0123456789abcdefghijklmnopqrstuvwxyz",
      chunkChars: 6,
      usage: { input_tokens: 500 },
    });
    stack.fakes.anthropic.nextStream({ kind: "cut", afterEvents: 5 }); // message_start, block_start, 3 deltas
    const { res, events } = await sse(stack, token, "generate", { prompt: "x", model: MODEL });
    expect(res.status).toBe(200);
    expect(
      events
        .filter((e) => e.event === "delta")
        .map((e) => e.data.text)
        .join(""),
    ).toBe("0123456789abcdefgh");
    const last = events.at(-1)!;
    expect(last.event).toBe("error");
    expect(last.data.code).toBe("UPSTREAM");
    expect(events.filter((e) => e.event === "done" || e.event === "error")).toHaveLength(1);
    await settleCompletions();
    const usage = {
      inputTokens: 500,
      outputTokens: 5 /* ceil(18 chars / 4) */,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    const row = await requestRow(stack, last.data.requestId);
    expect(row).toMatchObject({
      status: "failed",
      ...usage,
      costMicros: costMicros(MODEL, usage),
      error: { code: "UPSTREAM" },
    });
    const [day] = await usageRows(stack, userId);
    expect(day).toMatchObject({ requests: 1, inputTokens: 500, outputTokens: 5, costMicros: costMicros(MODEL, usage) });
  });

  for (const { what, fault, path, body, code, outputTokens } of [
    {
      what: "an error event from Claude",
      fault: { kind: "error", afterEvents: 3 } as const,
      path: "chat",
      body: { message: "hi" },
      code: "UPSTREAM_OVERLOADED",
      outputTokens: 2 /* 1 delta × 8 chars */,
    },
    {
      what: "Claude going silent",
      fault: { kind: "pause", afterEvents: 4 } as const,
      path: "generate",
      body: { prompt: "x" },
      code: "TIMEOUT",
      outputTokens: 4 /* 2 deltas × 8 chars */,
    },
  ]) {
    test(`${what} mid-stream → one error event ${code}; failed with the tokens seen, charged for them`, async () => {
      const { token, userId } = await freshUser();
      stack.fakes.anthropic.nextStream(fault);
      const { events } = await sse(stack, token, path, { ...body, model: MODEL });
      const last = events.at(-1)!;
      expect(last).toMatchObject({ event: "error", data: { code } });
      expect(events.filter((e) => e.event === "done" || e.event === "error")).toHaveLength(1);
      await settleCompletions();
      const usage = { inputTokens: 120, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 };
      expect(await requestRow(stack, last.data.requestId)).toMatchObject({
        status: "failed",
        ...usage,
        costMicros: costMicros(MODEL, usage),
        error: { code },
      });
      expect((await usageRows(stack, userId))[0]).toMatchObject({
        requests: 1,
        totalTokens: 120 + outputTokens,
        costMicros: costMicros(MODEL, usage),
      });
    });
  }

  test("a cut stream in JSON mode → 502 UPSTREAM naming the request; failed with the tokens seen", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.nextStream({ kind: "cut", afterEvents: 3 });
    const res = await aiCall(stack, token, "refactor", { code: "x", instructions: "y", language: "js", model: MODEL });
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error.code).toBe("UPSTREAM");
    const usage = { inputTokens: 120, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 };
    expect(await requestRow(stack, body.error.requestId)).toMatchObject({
      status: "failed",
      ...usage,
      costMicros: costMicros(MODEL, usage),
    });
    expect((await usageRows(stack, userId))[0]).toMatchObject({ requests: 1, totalTokens: 122 });
  });

  test("the client going away mid-stream aborts the upstream call; canceled with the tokens consumed", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.configure({
      reply: "a".repeat(200),
      chunkChars: 10,
      usage: { input_tokens: 700, cache_read_input_tokens: 300 },
    });
    stack.fakes.anthropic.nextStream({ kind: "pause", afterEvents: 5 }); // 3 deltas, then Claude keeps "thinking"
    const abort = new AbortController();
    const res = await aiCall(
      stack,
      token,
      "generate",
      { prompt: "x", model: MODEL },
      { sse: true, signal: abort.signal },
    );
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
    expect(mine[0]).toMatchObject({ status: "canceled", ...usage, costMicros: costMicros(MODEL, usage) });
    const [day] = await usageRows(stack, userId);
    expect(day).toMatchObject({ requests: 1, totalTokens: 1008, costMicros: costMicros(MODEL, usage) });
  });
});

describe("the client going away", () => {
  /** Starts a JSON request that the test will abort; its rejection (AbortError) is expected. */
  function abortable(token: string, body: unknown) {
    const abort = new AbortController();
    aiCall(stack, token, "generate", body, { signal: abort.signal }).catch(() => {});
    return abort;
  }

  test("in JSON mode mid-answer: the upstream call is aborted; canceled with the tokens consumed", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.nextStream({ kind: "pause", afterEvents: 5 }); // 3 deltas of 8 chars, then nothing
    const abort = abortable(token, { prompt: "x", model: MODEL });
    await vi.waitFor(() => expect(stack.fakes.anthropic.streams[0]?.eventsSent).toBe(5), { interval: 5 });
    abort.abort();
    await vi.waitFor(() => expect(stack.fakes.anthropic.streams[0].clientAborted).toBe(true), { timeout: 3_000 });
    await settleCompletions();
    const usage = { inputTokens: 120, outputTokens: 6 /* ceil(24 / 4) */, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const [row] = (await allRequests(stack)).filter((r) => r.userId === userId);
    expect(row).toMatchObject({ status: "canceled", ...usage, costMicros: costMicros(MODEL, usage) });
    expect((await usageRows(stack, userId))[0]).toMatchObject({
      requests: 1,
      totalTokens: 126,
      costMicros: costMicros(MODEL, usage),
    });
  });

  test("before Claude answered: the call is abandoned without a retry; canceled, no tokens, free", async () => {
    const { token, userId } = await freshUser();
    stack.fakes.anthropic.stall(2);
    const abort = abortable(token, { prompt: "x", model: MODEL });
    await vi.waitFor(() => expect(stack.fakes.anthropic.requests).toHaveLength(1), { interval: 5 });
    abort.abort();
    const mine = async () => (await allRequests(stack)).filter((r) => r.userId === userId);
    await vi.waitFor(async () => expect((await mine())[0]?.status).toBe("canceled"), { timeout: 3_000 });
    await settleCompletions();
    expect((await mine())[0]).toMatchObject({ inputTokens: 0, outputTokens: 0, costMicros: 0 });
    expect(stack.fakes.anthropic.requests).toHaveLength(1); // not retried after our abort (a timeout would retry)
    await expectFreeOfCharge(userId);
  });
});
