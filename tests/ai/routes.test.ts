// Every AI route against the fake Claude through the whole stack: SSE and JSON answers,
// exact token and cost accounting, prompt caching, chat threads, models and usage.
// Input validation is in validation.test.ts, failures in failures.test.ts.
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { DEFAULT_PREFERENCES } from "../../convex/lib/auth";
import { costMicros } from "../../convex/lib/pricing";
import { SYSTEM_PROMPTS } from "../../edge/ai/prompts";
import { settleCompletions } from "../../edge/ai/run";
import { stackForFile } from "../stackForFile";
import { aiCall, requestRow, sse, today, usageRows, userIdOf } from "./helpers";

const stack = stackForFile();
let token: string;
beforeAll(async () => {
  token = await stack.signIn({ id: "user_ai_routes", email: "ai@example.com" });
});
beforeEach(() => {
  stack.fakes.anthropic.reset();
});

describe("POST /api/ai/generate", () => {
  test("streams deltas then one done event with exact usage and cost", async () => {
    stack.fakes.anthropic.configure({
      reply: "Sure.\n```tsx\nexport function App() { return <h1>Hi</h1>; }\n```\nDone.",
      usage: {
        input_tokens: 1234,
        output_tokens: 321,
        cache_creation_input_tokens: 2000,
        cache_read_input_tokens: 5000,
      },
    });
    const calls = stack.seamCalls.length;
    const { res, events } = await sse(stack, token, "generate", {
      prompt: "A hello page",
      language: "tsx",
      framework: "react",
      model: "claude-sonnet-5-5",
    });
    expect(res.status).toBe(200);
    const deltas = events.filter((e) => e.event === "delta");
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((e) => e.data.text).join("")).toContain("export function App()");
    const last = events[events.length - 1];
    expect(last.event).toBe("done");
    expect(events.filter((e) => e.event === "done" || e.event === "error")).toHaveLength(1);
    const usage = { inputTokens: 1234, outputTokens: 321, cacheWriteTokens: 2000, cacheReadTokens: 5000 };
    const expected = costMicros("claude-sonnet-5-5", usage);
    // 1234×2 + 321×10 + 2000×2.5 + 5000×0.1 = 11178 micro-USD
    expect(expected).toBe(11_178);
    expect(last.data).toMatchObject({
      usage,
      costMicros: expected,
      model: "claude-sonnet-5-5",
      code: "export function App() { return <h1>Hi</h1>; }",
    });
    expect(last.data.mock).toBeUndefined();
    // One Convex round trip before the stream, one after it.
    expect(stack.seamCalls.slice(calls).map((c) => c.path)).toEqual(["/edge/ai/begin", "/edge/ai/settle"]);

    const row = await requestRow(stack, last.data.requestId);
    expect(row).toMatchObject({ status: "completed", type: "generate", ...usage, costMicros: expected });
    expect(row!.response).toContain("export function App()");
  });

  test("marks the system prompt and the project context for prompt caching", async () => {
    await sse(stack, token, "generate", { prompt: "Add a footer", context: "// src/App.tsx\nexport const x = 1;" });
    const [body] = stack.fakes.anthropic.bodies();
    expect(body.stream).toBe(true);
    expect(body.system).toHaveLength(2);
    for (const block of body.system) expect(block.cache_control).toEqual({ type: "ephemeral" });
    expect(body.system[0].text).toBe(SYSTEM_PROMPTS.generate);
    expect(body.system[1].text).toContain("export const x = 1;");
    expect(body.messages).toEqual([{ role: "user", content: "Add a footer" }]);
  });

  test("answers JSON without Accept: text/event-stream; the model defaults to the user's preference", async () => {
    const res = await aiCall(stack, token, "generate", { prompt: "Make a constant" });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ response: expect.stringContaining("answer = 42"), code: "export const answer = 42;" });
    expect(body.usage).toEqual({ inputTokens: 120, outputTokens: 40, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(body.model).toBe(DEFAULT_PREFERENCES.defaultModel);
    expect(body.costMicros).toBe(costMicros(body.model, body.usage));
    expect((await requestRow(stack, body.requestId))!.status).toBe("completed");
  });

  test("refuses a model outside the plan (403) and an unknown one (400)", async () => {
    let res = await aiCall(stack, token, "generate", { prompt: "x", model: "claude-opus-5-5" });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatchObject({ code: "FORBIDDEN", plan: "free" });
    res = await aiCall(stack, token, "generate", { prompt: "x", model: "gpt-9" });
    expect(res.status).toBe(400);
    expect(stack.fakes.anthropic.requests).toHaveLength(0);
  });

  test("401 without a valid Clerk token", async () => {
    const res = await aiCall(stack, await stack.forgeToken({ id: "user_ai_routes" }), "generate", { prompt: "x" });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("UNAUTHENTICATED");
  });
});

describe("the other operations", () => {
  test("explain returns prose and no code", async () => {
    stack.fakes.anthropic.configure({ reply: "It adds two numbers." });
    const { events } = await sse(stack, token, "explain", { code: "const add = (a, b) => a + b;", language: "js" });
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    expect(done.data.code).toBeUndefined();
    expect(stack.fakes.anthropic.bodies()[0].messages[0].content).toContain("const add = (a, b) => a + b;");
  });

  test("fix and refactor extract the code block", async () => {
    stack.fakes.anthropic.configure({ reply: "Fixed:\n```js\nconst add = (a, b) => a + b;\n```" });
    for (const [path, body] of [
      ["fix", { code: "const add = (a, b) => a - b;", error: "expected 3, got -1", language: "js" }],
      ["refactor", { code: "function add(a,b){return a+b}", instructions: "arrow function", language: "js" }],
    ] as const) {
      const res = await aiCall(stack, token, path, body);
      expect(res.status).toBe(200);
      expect((await res.json()).code).toBe("const add = (a, b) => a + b;");
    }
  });

  test("complete uses the fast model, a small output budget and the text around the cursor", async () => {
    stack.fakes.anthropic.configure({ reply: "b;" });
    const res = await aiCall(stack, token, "complete", {
      code: "const sum = a + \nconsole.log(sum);",
      cursor: 16,
      language: "ts",
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ code: "b;", model: "claude-haiku-5-5" });
    const sent = stack.fakes.anthropic.bodies()[0];
    expect(sent.model).toBe("claude-haiku-5-5");
    expect(sent.max_tokens).toBe(256);
    expect(sent.messages[0].content).toContain("const sum = a + <CURSOR>\nconsole.log(sum);");
    expect(body.costMicros).toBe(costMicros("claude-haiku-5-5", body.usage));
  });

  test("complete refuses a cursor past the end", async () => {
    const res = await aiCall(stack, token, "complete", { code: "abc", cursor: 9, language: "ts" });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: "INVALID", field: "cursor" });
  });
});

describe("POST /api/ai/chat", () => {
  test("creates a thread, then continues it with the history", async () => {
    stack.fakes.anthropic.configure({ reply: "Use useState." });
    const first = await sse(stack, token, "chat", { message: "How do I keep state in React?" });
    const done = first.events.at(-1)!;
    expect(done.event).toBe("done");
    const conversationId = done.data.conversationId;
    expect(conversationId).toBeTruthy();

    stack.fakes.anthropic.configure({ reply: "Call the setter." });
    const second = await aiCall(stack, token, "chat", { conversationId, message: "And update it?" });
    expect(second.status).toBe(200);
    expect((await second.json()).conversationId).toBe(conversationId);
    const sent = stack.fakes.anthropic.bodies()[1];
    expect(sent.messages).toEqual([
      { role: "user", content: "How do I keep state in React?" },
      { role: "assistant", content: "Use useState." },
      { role: "user", content: "And update it?" },
    ]);
    const messages = await stack.t.run(async (ctx) =>
      ctx.db
        .query("messages")
        .withIndex("by_conversationId", (q) => q.eq("conversationId", conversationId))
        .collect(),
    );
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "How do I keep state in React?"],
      ["assistant", "Use useState."],
      ["user", "And update it?"],
      ["assistant", "Call the setter."],
    ]);
  });

  test("sends at most the last 30 messages of a long thread", async () => {
    const talker = await stack.signIn({ id: "user_ai_long_thread" }); // 18 requests: under the rate limit of 20
    const { events } = await sse(stack, talker, "chat", { message: "start" });
    const conversationId = events.at(-1)!.data.conversationId;
    for (let i = 0; i < 17; i++) {
      const res = await aiCall(stack, talker, "chat", { conversationId, message: `message ${i}` });
      expect(res.status).toBe(200);
    }
    expect(stack.fakes.anthropic.bodies().at(-1)!.messages.length).toBeLessThanOrEqual(30);
    const lastSent = stack.fakes.anthropic.bodies().at(-1)!.messages;
    expect(lastSent.at(-1)).toEqual({ role: "user", content: "message 16" });
    expect(lastSent).toHaveLength(29); // 30 stored messages, starting with an assistant turn, which is dropped
  });

  test("another user's thread is NOT_FOUND and nothing is written", async () => {
    const { events } = await sse(stack, token, "chat", { message: "mine" });
    const conversationId = events.at(-1)!.data.conversationId;
    const other = await stack.signIn({ id: "user_ai_routes_other" });
    const res = await aiCall(stack, other, "chat", { conversationId, message: "let me in" });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("NOT_FOUND");
    const otherId = await userIdOf(stack, "user_ai_routes_other");
    expect(
      await stack.t.run(async (ctx) =>
        ctx.db
          .query("aiRequests")
          .withIndex("by_userId", (q) => q.eq("userId", otherId))
          .collect(),
      ),
    ).toEqual([]);
  });
});

describe("GET /api/ai/models and /api/ai/usage", () => {
  test("models lists the plan's models with dated prices", async () => {
    const res = await fetch(`${stack.edgeUrl}/api/ai/models`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.plan).toBe("free");
    expect(body.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(body.models.map((m: any) => m.id)).toEqual(["claude-haiku-5-5", "claude-sonnet-5-5"]);
    expect(body.models[1].prices).toEqual({
      inputPerMTok: 2,
      outputPerMTok: 10,
      cacheWritePerMTok: 2.5,
      cacheReadPerMTok: 0.1,
    });
  });

  test("usage returns the same numbers as the rollup", async () => {
    await settleCompletions();
    const day = today(stack);
    const res = await fetch(`${stack.edgeUrl}/api/ai/usage?from=${day}&to=${day}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    const [row] = await usageRows(stack, await userIdOf(stack, "user_ai_routes"));
    expect(body).toMatchObject({
      totalRequests: row.requests,
      totalTokens: row.totalTokens,
      costMicros: row.costMicros,
      byType: row.byType,
    });
  });
});
