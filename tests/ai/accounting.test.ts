// The billing invariant: the rollups (usageDaily, usageDailyTotals) always equal the sum of
// the ledger (aiRequests), whatever mix of outcomes produced it — completed, failed before
// any output, cut mid-stream, cancelled by the client, abandoned and swept, completed late,
// reported twice — and stale requests are swept.
import { callerFor } from "../keys";
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../convex/_generated/api";

import { costMicros, totalTokens } from "../../convex/lib/pricing";

import crons from "../../convex/crons";
import { settleCompletions } from "../../edge/ai/run";
import { captureConsole } from "../console";
import { stackForFile } from "../stackForFile";
import { aiCall, allRequests, expectRollupsMatchLedger, readDeltas, requestRow, seamCall, userIdOf } from "./helpers";

const stack = stackForFile({ env: { ANTHROPIC_MAX_RETRIES: "0" } }); // no backoff waits: this file makes ~100 requests

describe("usageDaily equals the ledger", () => {
  test("over many requests with mixed models and every outcome", async () => {
    // The SDK warns on every request for a model past its end of life: none is ever sent.
    const warned = captureConsole("warn");
    const fake = stack.fakes.anthropic;
    const models = ["claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"];
    const ops = [
      ["generate", { prompt: "p" }],
      ["explain", { code: "c", language: "js" }],
      ["fix", { code: "c", error: "e", language: "js" }],
      ["refactor", { code: "c", instructions: "i", language: "js" }],
      ["chat", { message: "m" }],
    ] as const;
    // mulberry32: a fixed seed, so every run makes the same requests (a plain LCG's low bits repeat).
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) % n;
    };
    const outcomes: Record<string, number> = {};
    for (let u = 0; u < 6; u++) {
      const token = await stack.signIn({ id: `user_ledger_${u}` });
      // Pro: big enough daily quotas for the large random usage below; Fable is not in it.
      const userId = await userIdOf(stack, `user_ledger_${u}`);
      await stack.t.run(async (ctx) => ctx.db.patch("users", userId, { plan: "pro" }));
      for (let i = 0; i < 16; i++) {
        fake.reset();
        fake.configure({
          reply: "x".repeat(40 + rand(200)),
          usage: {
            // Sometimes past Haiku 5.5's 100K-token long-prompt tier.
            input_tokens: rand(10) === 0 ? 100_001 + rand(50_000) : 1 + rand(5_000),
            output_tokens: 1 + rand(3_000),
            cache_creation_input_tokens: rand(3) === 0 ? rand(20_000) : 0,
            cache_read_input_tokens: rand(2) === 0 ? rand(40_000) : 0,
          },
        });
        const kind = ["ok", "ok", "ok", "upstream", "cut", "cancel", "refused"][rand(7)];
        if (kind === "upstream") fake.failWith(500);
        if (kind === "cut") fake.nextStream({ kind: "cut", afterEvents: 2 + rand(4) });
        // Claude keeps "thinking" after a few deltas until the client goes away.
        if (kind === "cancel") fake.nextStream({ kind: "pause", afterEvents: 3 + rand(3) });
        const [path, body] = ops[rand(ops.length)];
        const model = kind === "refused" ? "claude-fable-5-1" : models[rand(models.length)];
        const abort = new AbortController();
        const res = await aiCall(
          stack,
          token,
          path,
          { ...body, model },
          { sse: kind === "cancel" || rand(2) === 0, signal: abort.signal },
        );
        if (kind === "cancel") {
          await readDeltas(res, 1);
          abort.abort();
          await vi.waitFor(() => expect(fake.streams[0].clientAborted).toBe(true), { timeout: 3_000 });
        } else await res.arrayBuffer();
        outcomes[`${kind}:${res.status}`] = (outcomes[`${kind}:${res.status}`] ?? 0) + 1;
      }
    }
    await settleCompletions();
    // Every kind of outcome happened (the seed is fixed), and nothing else.
    for (const k of ["ok:200", "upstream:503", "cut:200", "cut:502", "cancel:200", "refused:403"])
      expect(outcomes[k], k).toBeGreaterThan(0);
    expect(Object.keys(outcomes)).toHaveLength(6);
    expect(warned.messages()).toEqual([]);

    const ledger = await expectRollupsMatchLedger(stack);
    expect(ledger.length).toBeGreaterThan(60);
    expect(new Set(ledger.map((r) => r.status))).toEqual(new Set(["completed", "failed", "canceled"]));
    for (const r of ledger) {
      const charged = totalTokens(r) > 0;
      expect(r.costMicros).toBe(charged ? costMicros(r.model, r) : 0);
      expect(Number.isInteger(r.costMicros)).toBe(true);
    }
    // Failed before any output: free. Cancelled and cut: charged for what was consumed.
    expect(
      ledger
        .filter((r) => r.error?.code === "UPSTREAM_OVERLOADED")
        .every((r) => totalTokens(r) === 0 && r.costMicros === 0),
    ).toBe(true);
    expect(ledger.filter((r) => r.status === "canceled").every((r) => r.inputTokens > 0 && r.costMicros > 0)).toBe(
      true,
    );

    // A duplicated or late report of an already closed request changes nothing, whatever it claims.
    const rollupsBefore = await stack.t.run(async (ctx) => ctx.db.query("usageDaily").collect());
    for (const r of ledger.slice(0, 12)) {
      const clerkId = (await stack.t.run(async (ctx) => ctx.db.get("users", r.userId)))!.clerkId;
      for (const status of ["completed", "failed", "canceled"] as const) {
        const replay = await seamCall(stack, "/edge/ai/settle", clerkId, {
          requestId: r._id,
          status,
          usage: { inputTokens: 9_999, outputTokens: 9_999, cacheReadTokens: 9_999, cacheWriteTokens: 9_999 },
          latencyMs: 1,
        });
        expect(replay.status).toBe(200);
        expect(replay.body).toMatchObject({ status: r.status, costMicros: r.costMicros });
      }
    }
    expect(await stack.t.run(async (ctx) => ctx.db.query("usageDaily").collect())).toEqual(rollupsBefore);
    expect(await allRequests(stack)).toEqual(ledger);
    await expectRollupsMatchLedger(stack);
  });
});

describe("requests the edge never closed", () => {
  test("the sweep fails them after 10 minutes and releases the quota; a late complete still counts, once", async () => {
    // Advancing 10 minutes runs the thread analyses the earlier tests' chats scheduled; the fake
    // Claude answers them with plain text, so each only warns (nothing else may be printed).
    const warned = captureConsole("warn");
    await stack.signIn({ id: "user_ledger_stale" });
    const userId = await userIdOf(stack, "user_ledger_stale");
    const begin = () =>
      stack.t.mutation(internal.ai.begin, {
        caller: callerFor("user_ledger_stale"),
        type: "generate",
        model: "claude-sonnet-5-5",
        prompt: "x",
        promptChars: 10,
      });
    const [late, lateFailed, lost] = [await begin(), await begin(), await begin()];
    const day = async () =>
      (
        await stack.t.run(async (ctx) =>
          ctx.db
            .query("usageDaily")
            .withIndex("by_userId_and_day", (q) => q.eq("userId", userId))
            .collect(),
        )
      )[0];
    expect((await day()).requests).toBe(3); // reserved while they run
    await expectRollupsMatchLedger(stack);

    await stack.advance(9 * 60_000);
    expect(await stack.t.mutation(internal.aiRequests.closeStale, {})).toEqual({ closed: 0 });
    await stack.advance(61_000);
    expect(await stack.t.mutation(internal.aiRequests.closeStale, {})).toEqual({ closed: 3 });
    for (const b of [late, lateFailed, lost]) {
      expect(await requestRow(stack, b.requestId)).toMatchObject({
        status: "failed",
        inputTokens: 0,
        outputTokens: 0,
        costMicros: 0,
        error: { code: "ABANDONED" },
      });
    }
    expect(await day()).toMatchObject({ requests: 0, totalTokens: 0, costMicros: 0 });
    await expectRollupsMatchLedger(stack);

    const usage = { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const args = {
      caller: callerFor("user_ledger_stale"),
      requestId: late.requestId,
      status: "completed" as const,
      usage,
      latencyMs: 700_000,
    };
    const done = await stack.t.mutation(internal.ai.settle, args);
    expect(done).toMatchObject({ status: "completed", costMicros: costMicros("claude-sonnet-5-5", usage) });
    expect(await requestRow(stack, late.requestId)).toMatchObject({ status: "completed", ...usage });
    // Failed before any output, reported late: still free.
    await stack.t.mutation(internal.ai.settle, {
      ...args,
      requestId: lateFailed.requestId,
      status: "failed",
      usage: { ...usage, inputTokens: 0, outputTokens: 0 },
      error: { code: "UPSTREAM", message: "x" },
    });
    expect(await day()).toMatchObject({ requests: 1, totalTokens: 1100, costMicros: done.costMicros });
    // Retried completes change nothing, whatever status or usage they carry.
    for (const id of [late.requestId, lateFailed.requestId]) {
      for (const status of ["completed", "failed", "canceled"] as const) {
        await stack.t.mutation(internal.ai.settle, {
          ...args,
          requestId: id,
          status,
          usage: { ...usage, outputTokens: 999 },
        });
      }
    }
    expect(await day()).toMatchObject({ requests: 1, totalTokens: 1100, costMicros: done.costMicros });
    // Nobody may forge the sweep's mark to re-open a closed row.
    await expect(
      stack.t.mutation(internal.ai.settle, {
        ...args,
        requestId: lost.requestId,
        status: "failed",
        error: { code: "ABANDONED", message: "x" },
      }),
    ).rejects.toThrow(/sweep/);
    await expectRollupsMatchLedger(stack);
    for (const m of warned.messages()) expect(m).toBe("conversation analysis: answer was not the expected JSON");
  });

  test("the sweep runs from crons.ts every 5 minutes", () => {
    const entry = Object.values((crons as any).crons).find((c: any) => c.name === "aiRequests:closeStale") as any;
    expect(entry).toBeTruthy();
    expect(entry.schedule).toMatchObject({ type: "interval", minutes: 5 });
  });
});

test("no request is left open once the stack is idle", async () => {
  await settleCompletions();
  expect(
    (await allRequests(stack)).filter((r) => r.status === "streaming" && r.startedAt < stack.now() - 60_000),
  ).toEqual([]);
});
