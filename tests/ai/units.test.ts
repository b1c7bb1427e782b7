// Pure pieces of the AI path: prices, plans, day ranges, code extraction, chat turns.
import { ConvexError } from "convex/values";
import { describe, expect, test } from "vitest";
import { chooseModel, PLAN_LIMITS } from "../../convex/lib/plans";
import { costMicros, MODELS, PRICES_AS_OF } from "../../convex/lib/pricing";
import { checkRange, dayOf, nextDayStart } from "../../convex/lib/usageRollup";
import { extractCode, insertionText } from "../../edge/ai/codeBlock";
import { normalizeTurns } from "../../edge/ai/prompts";

const u = (inputTokens: number, outputTokens: number, cacheWriteTokens = 0, cacheReadTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheWriteTokens,
  cacheReadTokens,
});

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as ConvexError<any>).data?.code;
  }
  return undefined;
};

describe("costMicros", () => {
  test("integer micro-USD from the dated table", () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(costMicros("claude-sonnet-5-5", u(1_000_000, 0))).toBe(2_000_000); // $2 / MTok input
    expect(costMicros("claude-sonnet-5-5", u(0, 1_000_000))).toBe(10_000_000);
    expect(costMicros("claude-sonnet-5-5", u(0, 0, 1_000_000, 1_000_000))).toBe(2_500_000 + 100_000);
    expect(costMicros("claude-opus-5-5", u(1_000, 1_000, 1_000, 1_000))).toBe(4_000 + 20_000 + 5_000 + 200);
    expect(costMicros("claude-sonnet-4-5", u(120, 40))).toBe(960);
  });

  test("rounds once per request, half up", () => {
    // Haiku 5.5: $0.10 / MTok input → 0.1 micro-USD per token.
    expect(costMicros("claude-haiku-5-5", u(4, 0))).toBe(0); // 0.4
    expect(costMicros("claude-haiku-5-5", u(5, 0))).toBe(1); // 0.5
    expect(costMicros("claude-haiku-5-5", u(14, 0))).toBe(1); // 1.4
    expect(costMicros("claude-haiku-5-5", u(0, 0, 0, 50))).toBe(1); // 50 × 0.01 = 0.5
  });

  test("Haiku 5.5 bills every token at the long-prompt rates once the prompt passes 100K tokens", () => {
    expect(costMicros("claude-haiku-5-5", u(100_000, 1_000))).toBe(10_000 + 500);
    // 100,001 prompt tokens (input + cache): $0.50 in, $2.50 out, $0.05 cache read.
    expect(costMicros("claude-haiku-5-5", u(60_000, 1_000, 0, 40_001))).toBe(30_000 + 2_500 + 2_000);
  });

  test("exact on large counts (no float drift)", () => {
    const big = u(987_654, 123_457, 55_555, 444_444);
    // 9,876,540 + 6,172,850 + 694,437.5 + 111,111 = 16,854,938.5 → 16,854,939
    expect(costMicros("claude-fable-5-1", big)).toBe(16_854_939);
  });

  test("refuses a model without a price", () => {
    expect(() => costMicros("gpt-9", u(1, 1))).toThrow(/No price/);
  });
});

describe("plans", () => {
  test("quotas as specified", () => {
    expect(PLAN_LIMITS.free).toMatchObject({ dailyRequests: 100, dailyTokens: 50_000 });
    expect(PLAN_LIMITS.starter).toMatchObject({ dailyRequests: 1_000, dailyTokens: 500_000 });
    expect(PLAN_LIMITS.pro).toMatchObject({ dailyRequests: 10_000, dailyTokens: 5_000_000 });
    expect(PLAN_LIMITS.business).toMatchObject({ dailyRequests: null, dailyTokens: null });
    for (const p of Object.values(PLAN_LIMITS)) for (const m of p.models) expect(MODELS[m], m).toBeTruthy();
  });

  test("chooseModel: asked for, else the operation's, else the preference when allowed, else the plan default", () => {
    expect(chooseModel("pro", "generate", "claude-opus-5-5", "x").id).toBe("claude-opus-5-5");
    expect(codeOf(() => chooseModel("free", "generate", "claude-opus-5-5", "x"))).toBe("FORBIDDEN");
    expect(codeOf(() => chooseModel("free", "generate", "claude-7", "x"))).toBe("INVALID");
    expect(chooseModel("free", "complete", undefined, "claude-sonnet-5-5").id).toBe("claude-haiku-5-5");
    expect(chooseModel("free", "chat", undefined, "claude-haiku-5-5").id).toBe("claude-haiku-5-5");
    expect(chooseModel("free", "chat", undefined, "claude-opus-5-5").id).toBe("claude-sonnet-5-5");
    expect(chooseModel("free", "chat", undefined, "no-such-model").id).toBe("claude-sonnet-5-5");
  });
});

describe("day ranges", () => {
  test("UTC days, inclusive, at most 366", () => {
    expect(dayOf(Date.parse("2026-11-26T23:59:59.999Z"))).toBe("2026-11-26");
    expect(nextDayStart(Date.parse("2026-11-26T10:00:00Z"))).toBe(Date.parse("2026-11-27T00:00:00Z"));
    expect(checkRange("2026-11-01", "2026-11-30")).toBe(30);
    expect(checkRange("2026-01-01", "2026-01-01")).toBe(1);
    expect(codeOf(() => checkRange("2026-02-30", "2026-03-01"))).toBe("INVALID");
    expect(codeOf(() => checkRange("2026-3-1", "2026-03-01"))).toBe("INVALID");
    expect(codeOf(() => checkRange("2026-03-02", "2026-03-01"))).toBe("INVALID");
    expect(codeOf(() => checkRange("2024-01-01", "2025-01-02"))).toBe("INVALID");
  });
});

describe("code extraction", () => {
  test("the longest fenced block; an unterminated last fence counts", () => {
    expect(extractCode("a\n```ts\nconst x = 1;\n```\nb")).toBe("const x = 1;");
    expect(extractCode("```js\nx\n```\n```py\nlonger = 2\n```")).toBe("longer = 2");
    expect(extractCode("cut:\n```ts\nconst y =")).toBe("const y =");
    expect(extractCode("no code")).toBeUndefined();
    expect(insertionText("b;")).toBe("b;");
    expect(insertionText("```ts\nb;\n```")).toBe("b;");
  });
});

describe("chat turns", () => {
  test("alternating, starting with the user", () => {
    expect(
      normalizeTurns([
        { role: "assistant", content: "dangling" },
        { role: "user", content: "a" },
        { role: "user", content: "b" },
        { role: "assistant", content: "c" },
        { role: "assistant", content: "" },
        { role: "user", content: "d" },
      ]),
    ).toEqual([
      { role: "user", content: "a\n\nb" },
      { role: "assistant", content: "c" },
      { role: "user", content: "d" },
    ]);
  });
});
