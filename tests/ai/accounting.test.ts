// The billing invariant: the rollups (usageDaily, usageDailyTotals) always equal the sum of
// the ledger (aiRequests), whatever mix of outcomes produced it; stale requests are swept.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { internal } from "../../convex/_generated/api";
import { costMicros, totalTokens } from "../../convex/lib/pricing";
import crons from "../../convex/crons";
import { settleCompletions } from "../../edge/ai/run";
import { startStack, type Stack } from "../stack";
import { aiCall, allRequests, requestRow, userIdOf } from "./helpers";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { ANTHROPIC_MAX_RETRIES: "0" } }); // no backoff waits: this file makes ~90 requests
});
afterAll(async () => {
  await stack?.close();
});

const FIELDS = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "costMicros"] as const;

async function sums() {
  return await stack.t.run(async (ctx) => {
    const daily = await ctx.db.query("usageDaily").collect();
    const totals = await ctx.db.query("usageDailyTotals").collect();
    const ledger = await ctx.db.query("aiRequests").collect();
    return { daily, totals, ledger };
  });
}

function sum<T>(rows: T[], f: (r: T) => number) {
  return rows.reduce((n, r) => n + f(r), 0);
}

describe("usageDaily equals the ledger", () => {
  test("over many requests with mixed models and outcomes", async () => {
    const fake = stack.fakes.anthropic;
    const models = ["claude-haiku-5-5", "claude-sonnet-5-5", "claude-sonnet-4-5"];
    const ops = [
      ["generate", { prompt: "p" }],
      ["explain", { code: "c", language: "js" }],
      ["fix", { code: "c", error: "e", language: "js" }],
      ["refactor", { code: "c", instructions: "i", language: "js" }],
      ["chat", { message: "m" }],
    ] as const;
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const outcomes: Record<string, number> = {};
    for (let u = 0; u < 6; u++) {
      const token = await stack.signIn({ id: `user_ledger_${u}` });
      // Pro: big enough daily quotas for the large random usage below; Fable is not in it.
      const userId = await userIdOf(stack, `user_ledger_${u}`);
      await stack.t.run(async (ctx) => ctx.db.patch("users", userId, { plan: "pro" }));
      for (let i = 0; i < 15; i++) {
        fake.reset();
        fake.configure({
          reply: "x".repeat(20 + rand(200)),
          usage: {
            // Sometimes past Haiku 5.5's 100K-token long-prompt tier.
            input_tokens: rand(10) === 0 ? 100_001 + rand(50_000) : 1 + rand(5_000),
            output_tokens: 1 + rand(3_000),
            cache_creation_input_tokens: rand(3) === 0 ? rand(20_000) : 0,
            cache_read_input_tokens: rand(2) === 0 ? rand(40_000) : 0,
          },
        });
        const kind = ["ok", "ok", "ok", "ok", "upstream", "cut", "refused"][rand(7)];
        if (kind === "upstream") fake.failWith(500);
        if (kind === "cut") fake.nextStream({ kind: "cut", afterEvents: 2 + rand(4) });
        const [path, body] = ops[rand(ops.length)];
        const model = kind === "refused" ? "claude-fable-5-1" : models[rand(models.length)];
        const res = await aiCall(stack, token, path, { ...body, model }, { sse: rand(2) === 0 });
        await res.arrayBuffer();
        outcomes[`${kind}:${res.status}`] = (outcomes[`${kind}:${res.status}`] ?? 0) + 1;
      }
    }
    await settleCompletions();
    // Every kind of outcome happened.
    expect(Object.keys(outcomes).sort()).toEqual(["cut:200", "cut:502", "ok:200", "refused:403", "upstream:503"].filter((k) => outcomes[k]).sort());
    expect(outcomes["ok:200"]).toBeGreaterThan(20);

    const { daily, totals, ledger } = await sums();
    expect(ledger.length).toBeGreaterThan(50);
    expect(ledger.filter((r) => r.status === "streaming")).toEqual([]);
    expect(new Set(ledger.map((r) => r.status))).toEqual(new Set(["completed", "failed"]));
    for (const r of ledger) {
      const usage = { inputTokens: r.inputTokens, outputTokens: r.outputTokens, cacheReadTokens: r.cacheReadTokens, cacheWriteTokens: r.cacheWriteTokens };
      expect(r.costMicros).toBe(totalTokens(usage) > 0 ? costMicros(r.model, usage) : 0);
      expect(Number.isInteger(r.costMicros)).toBe(true);
    }
    const charged = ledger.filter((r) => totalTokens(r) > 0);
    expect(sum(daily, (d) => d.requests)).toBe(charged.length);
    for (const f of FIELDS) expect(sum(daily, (d) => d[f]), f).toBe(sum(ledger, (r) => r[f]));
    expect(sum(daily, (d) => d.totalTokens)).toBe(sum(ledger, (r) => totalTokens(r)));
    for (const type of ["generate", "explain", "fix", "refactor", "chat"]) {
      expect(sum(daily, (d) => d.byType[type] ?? 0), type).toBe(charged.filter((r) => r.type === type).length);
    }
    // Per user too, and the all-users rollup matches.
    for (let u = 0; u < 6; u++) {
      const userId = await userIdOf(stack, `user_ledger_${u}`);
      const mine = ledger.filter((r) => r.userId === userId);
      expect(sum(daily.filter((d) => d.userId === userId), (d) => d.costMicros)).toBe(sum(mine, (r) => r.costMicros));
    }
    for (const f of [...FIELDS, "requests", "totalTokens"] as const) expect(sum(totals, (t) => t[f]), f).toBe(sum(daily, (d) => d[f]));
  });
});

describe("requests the edge never closed", () => {
  test("the sweep fails them after 10 minutes and releases the quota; a late complete still counts, once", async () => {
    await stack.signIn({ id: "user_ledger_stale" });
    const userId = await userIdOf(stack, "user_ledger_stale");
    const begun = await stack.t.mutation(internal.ai.begin, {
      clerkId: "user_ledger_stale",
      type: "generate",
      model: "claude-sonnet-5-5",
      prompt: "x",
      promptChars: 10,
    });
    const day = async () => (await stack.t.run(async (ctx) => ctx.db.query("usageDaily").withIndex("by_userId_and_day", (q) => q.eq("userId", userId)).collect()))[0];
    expect((await day()).requests).toBe(1); // reserved while it runs

    await stack.advance(9 * 60_000);
    expect(await stack.t.mutation(internal.aiRequests.closeStale, {})).toEqual({ closed: 0 });
    await stack.advance(61_000);
    expect(await stack.t.mutation(internal.aiRequests.closeStale, {})).toEqual({ closed: 1 });
    expect(await requestRow(stack, begun.requestId)).toMatchObject({ status: "failed", costMicros: 0, error: { code: "ABANDONED" } });
    expect(await day()).toMatchObject({ requests: 0, costMicros: 0 });

    const usage = { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const args = { clerkId: "user_ledger_stale", requestId: begun.requestId, status: "completed" as const, usage, latencyMs: 700_000 };
    const late = await stack.t.mutation(internal.ai.complete, args);
    expect(late).toMatchObject({ status: "completed", costMicros: costMicros("claude-sonnet-5-5", usage) });
    expect(await requestRow(stack, begun.requestId)).toMatchObject({ status: "completed", ...usage });
    expect(await day()).toMatchObject({ requests: 1, totalTokens: 1100, costMicros: late.costMicros });
    // A retried complete changes nothing.
    await stack.t.mutation(internal.ai.complete, { ...args, usage: { ...usage, outputTokens: 999 } });
    expect(await day()).toMatchObject({ requests: 1, totalTokens: 1100, costMicros: late.costMicros });
  });

  test("complete() refuses another user's request and bad token counts", async () => {
    await stack.signIn({ id: "user_ledger_a" });
    await stack.signIn({ id: "user_ledger_b" });
    const begun = await stack.t.mutation(internal.ai.begin, { clerkId: "user_ledger_a", type: "explain", prompt: "x", promptChars: 1 });
    const usage = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 };
    await expect(
      stack.t.mutation(internal.ai.complete, { clerkId: "user_ledger_b", requestId: begun.requestId, status: "completed", usage, latencyMs: 1 }),
    ).rejects.toThrow(/not found/i);
    await expect(
      stack.t.mutation(internal.ai.complete, {
        clerkId: "user_ledger_a", requestId: begun.requestId, status: "completed", usage: { ...usage, inputTokens: -5 }, latencyMs: 1,
      }),
    ).rejects.toThrow(/non-negative/);
    expect((await requestRow(stack, begun.requestId))!.status).toBe("streaming");
  });

  test("the sweep runs from crons.ts every 5 minutes", () => {
    const entry = Object.values((crons as any).crons).find((c: any) => c.name === "aiRequests:closeStale") as any;
    expect(entry).toBeTruthy();
    expect(entry.schedule).toMatchObject({ type: "interval", minutes: 5 });
  });
});

test("no request is left open once the stack is idle", async () => {
  await settleCompletions();
  expect((await allRequests(stack)).filter((r) => r.status === "streaming" && r.startedAt < stack.now() - 60_000)).toEqual([]);
});
