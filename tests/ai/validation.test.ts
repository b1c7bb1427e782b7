// Input validation of every AI route: a client mistake is a 400 INVALID in the JSON envelope
// (naming the field), never a 500, and it is refused before Convex or Claude is called.
import { beforeAll, describe, expect, test } from "vitest";
import { stackForFile } from "../stackForFile";
import { aiCall, setPlan, userIdOf } from "./helpers";

const stack = stackForFile();
let token: string;
beforeAll(async () => {
  token = await stack.signIn({ id: "user_ai_validation" });
});

const CODE_MAX = 800_000;
const TEXT_MAX = 32_000;
const valid = {
  generate: { prompt: "p", language: "ts", framework: "react", context: "c" },
  explain: { code: "c", language: "js" },
  fix: { code: "c", error: "e", language: "js" },
  refactor: { code: "c", instructions: "i", language: "js" },
  complete: { code: "ab", cursor: 1, language: "ts" },
  chat: { message: "m" },
} as const;

/** Per route: bodies that must be refused, and the field the error names. */
const invalid: Record<keyof typeof valid, [unknown, string][]> = {
  generate: [
    [{ ...valid.generate, prompt: "x".repeat(TEXT_MAX + 1) }, "prompt"],
    [{ ...valid.generate, prompt: "   " }, "prompt"],
    [{ ...valid.generate, context: "x".repeat(CODE_MAX + 1) }, "context"],
    [{ ...valid.generate, projectId: "../etc" }, "projectId"],
  ],
  explain: [
    [{ ...valid.explain, code: "x".repeat(CODE_MAX + 1) }, "code"],
    [{ ...valid.explain, language: "x".repeat(41) }, "language"],
  ],
  fix: [[{ ...valid.fix, error: 42 }, "error"]],
  refactor: [[{ code: "c", language: "js" }, "instructions"]],
  complete: [
    [{ ...valid.complete, cursor: -1 }, "cursor"],
    [{ ...valid.complete, cursor: 1.5 }, "cursor"],
    [{ ...valid.complete, model: "claude-opus-5-5" }, "model"], // complete always uses its own model
  ],
  chat: [
    [{ ...valid.chat, conversationId: "x".repeat(65) }, "conversationId"],
    [{ ...valid.chat, message: "x".repeat(TEXT_MAX + 1) }, "message"],
  ],
};

async function expectInvalid(res: Response, field?: string) {
  expect(res.status).toBe(400);
  const body = await res.json();
  expect(body.error.code).toBe("INVALID");
  expect(body.error.message).toBeTypeOf("string");
  if (field) expect(body.error.field).toBe(field);
  return body;
}

describe("POST bodies", () => {
  for (const path of Object.keys(valid) as (keyof typeof valid)[]) {
    test(`${path}: unknown fields, missing fields, wrong types and oversized strings → 400 INVALID; nothing called`, async () => {
      const seam = stack.seamCalls.length;
      await expectInvalid(await aiCall(stack, token, path, { ...valid[path], sneaky: true }), "sneaky");
      await expectInvalid(await aiCall(stack, token, path, {}));
      for (const [body, field] of invalid[path]) await expectInvalid(await aiCall(stack, token, path, body), field);
      expect(stack.seamCalls.length).toBe(seam);
      expect(stack.fakes.anthropic.requests).toHaveLength(0);
    });
  }

  test("a body that is not JSON, or not an object → 400 INVALID in the envelope", async () => {
    for (const raw of ["{not json", "[1,2]", "null", '"text"']) {
      const res = await fetch(`${stack.edgeUrl}/api/ai/generate`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: raw,
      });
      // Hono refuses malformed JSON itself (no field); a JSON value that is not an object names the body.
      await expectInvalid(res, raw === "{not json" ? undefined : "body");
    }
    expect(stack.fakes.anthropic.requests).toHaveLength(0);
  });
});

const get = (path: string) =>
  fetch(`${stack.edgeUrl}/api/ai/${path}`, { headers: { Authorization: `Bearer ${token}` } });

describe("GET /api/ai/models", () => {
  test("each plan sees its own models and quotas", async () => {
    const userId = await userIdOf(stack, "user_ai_validation");
    const expected = {
      free: [["claude-haiku-5-5", "claude-sonnet-5-5"], 100, 50_000],
      pro: [["claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"], 10_000, 5_000_000],
      business: [["claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5", "claude-fable-5-1"], null, null],
    } as const;
    for (const [plan, [ids, dailyRequests, dailyTokens]] of Object.entries(expected)) {
      await setPlan(stack, userId, plan as keyof typeof expected);
      const res = await get("models");
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ plan, defaultModel: "claude-sonnet-5-5", quotas: { dailyRequests, dailyTokens } });
      expect(body.models.map((m: any) => m.id)).toEqual(ids);
    }
    await setPlan(stack, userId, "free");
  });

  test("Haiku 5.5 shows its long-prompt prices; parameters and a missing token are refused", async () => {
    const body = await (await get("models")).json();
    expect(body.models[0]).toMatchObject({
      id: "claude-haiku-5-5",
      prices: { inputPerMTok: 0.1, outputPerMTok: 0.5, cacheWritePerMTok: 0.125, cacheReadPerMTok: 0.01 },
      longPromptPrices: {
        overTokens: 100_000,
        inputPerMTok: 0.5,
        outputPerMTok: 2.5,
        cacheWritePerMTok: 0.625,
        cacheReadPerMTok: 0.05,
      },
    });
    await expectInvalid(await get("models?plan=business"), "plan");
    const anonymous = await fetch(`${stack.edgeUrl}/api/ai/models`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe("UNAUTHENTICATED");
  });
});

describe("GET /api/ai/usage", () => {
  test("bad dates and ranges → 400 INVALID", async () => {
    // `to` alone: the edge derives `from` from it, so an impossible day must not reach that (it was a 500).
    for (const q of [
      "from=yesterday",
      "to=2026-1-01",
      "to=2026-13-45",
      "to=9999-99-99",
      "from=2026-02-30&to=2026-03-01",
      "from=2026-03-02&to=2026-03-01",
      "from=2024-01-01&to=2025-06-01",
      "from=2026-01-01&x=1",
    ]) {
      await expectInvalid(await get(`usage?${q}`));
    }
  });

  test("without parameters: the last 30 UTC days, today included", async () => {
    const res = await get("usage");
    expect(res.status).toBe(200);
    const body = await res.json();
    const today = new Date(Date.now()).toISOString().slice(0, 10);
    expect(body).toMatchObject({
      to: today,
      totalRequests: 0,
      totalTokens: 0,
      costMicros: 0,
      byType: {},
      averageTokensPerRequest: 0,
    });
    expect((Date.parse(body.to) - Date.parse(body.from)) / 86_400_000).toBe(29);
  });
});
