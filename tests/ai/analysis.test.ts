// Conversation analysis: debounced 10 s after a thread's last message, one small-model call
// through the SDK from Convex (pointed at the fake by ANTHROPIC_BASE_URL).
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { parseAnalysis } from "../../convex/conversationAnalysis";
import { settleCompletions } from "../../edge/ai/run";
import { captureConsole } from "../console";
import { stackForFile } from "../stackForFile";
import { aiCall, sse, userIdOf } from "./helpers";

const stack = stackForFile();
let token: string;
let labelled = {
  summary: "Developer asks how to keep state in React components",
  priority: "high",
  tags: ["react", "state"],
} as any;

const isAnalysis = (body: any) => typeof body.system === "string" && body.system.includes("label support threads");
const analysisCalls = () => stack.fakes.anthropic.bodies().filter(isAnalysis);

beforeAll(async () => {
  token = await stack.signIn({ id: "user_analysis" });
});
beforeEach(() => {
  stack.fakes.anthropic.reset();
  stack.fakes.anthropic.configure({
    reply: (body) => (isAnalysis(body) ? `Here: ${JSON.stringify(labelled)}` : "Use useState."),
  });
});

async function conversation(id: Id<"conversations">) {
  return await stack.convex(token).query(api.conversations.get, { conversationId: id });
}

describe("conversation analysis", () => {
  test("a burst of messages triggers one analysis, 10 s after the last one", async () => {
    const { events } = await sse(stack, token, "chat", { message: "How do I keep state?" });
    const conversationId = events.at(-1)!.data.conversationId;
    await stack.advance(4_000);
    expect((await aiCall(stack, token, "chat", { conversationId, message: "In React, I mean" })).status).toBe(200);
    await stack.advance(4_000);
    expect((await aiCall(stack, token, "chat", { conversationId, message: "With hooks" })).status).toBe(200);
    await settleCompletions();

    await stack.advance(9_999);
    expect(analysisCalls()).toHaveLength(0);
    expect((await conversation(conversationId)).summary).toBeUndefined();
    await stack.advance(1);
    expect(analysisCalls()).toHaveLength(1);
    const [call] = analysisCalls();
    expect(call.model).toBe("claude-haiku-5-5");
    expect(call.stream).toBeFalsy();
    expect(call.messages[0].content).toContain("Developer: With hooks");
    expect(await conversation(conversationId)).toMatchObject({
      summary: labelled.summary,
      priority: "high",
      tags: ["react", "state"],
    });
    expect((await conversation(conversationId)).analyzedAt).toBeTypeOf("number");

    // Later activity is analysed again.
    labelled = { summary: "Now about effects", priority: "low", tags: ["effects"] };
    expect((await aiCall(stack, token, "chat", { conversationId, message: "And useEffect?" })).status).toBe(200);
    await settleCompletions();
    await stack.advance(10_000);
    expect(analysisCalls()).toHaveLength(2);
    expect(await conversation(conversationId)).toMatchObject({
      summary: "Now about effects",
      priority: "low",
      tags: ["effects"],
    });
  });

  test("a failing Claude leaves the thread as it was", async () => {
    const warned = captureConsole("warn");
    const { events } = await sse(stack, token, "chat", { message: "Help" });
    const conversationId = events.at(-1)!.data.conversationId;
    await settleCompletions();
    stack.fakes.anthropic.failWith(500, { times: 3 });
    await stack.advance(10_000);
    expect(stack.fakes.anthropic.requests.length).toBeGreaterThanOrEqual(2);
    const after = await conversation(conversationId);
    expect(after.summary).toBeUndefined();
    expect(after.tags).toEqual([]);
    expect(warned.messages()).toEqual([expect.stringMatching(/^conversation analysis failed 500 /)]);
  });

  test("a deleted thread is not analysed", async () => {
    const { events } = await sse(stack, token, "chat", { message: "Temporary" });
    const conversationId = events.at(-1)!.data.conversationId;
    await settleCompletions();
    await stack.convex(token).mutation(api.conversations.remove, { conversationId });
    await stack.advance(10_000);
    expect(analysisCalls()).toHaveLength(0);
  });

  test("bounded: reads only the last 20 messages, each cut to 2,000 characters", async () => {
    const userId = await userIdOf(stack, "user_analysis");
    const lastMessageAt = stack.now();
    const conversationId = await stack.t.run(async (ctx) => {
      const id = await ctx.db.insert("conversations", {
        userId,
        title: "Long",
        tags: [],
        messageCount: 45,
        lastMessageAt,
        createdAt: 0,
      });
      for (let i = 0; i < 45; i++) {
        const content = i === 44 ? `m44 ${"y".repeat(5_000)}` : `m${i}`;
        await ctx.db.insert("messages", {
          conversationId: id,
          role: i % 2 ? "assistant" : "user",
          content,
          createdAt: i,
        });
      }
      return id;
    });
    await stack.t.action(internal.conversationAnalysis.analyze, { conversationId, lastMessageAt });
    const [call] = analysisCalls();
    const transcript: string = call.messages[0].content;
    expect(transcript.match(/^(Developer|Assistant): /gm)).toHaveLength(20);
    expect(transcript).toContain("Developer: m26");
    expect(transcript).not.toContain(": m24\n");
    expect(transcript).not.toContain("y".repeat(2_000));
    expect(transcript).toContain(`m44 ${"y".repeat(2_000 - 4)}`);
    expect((await conversation(conversationId)).summary).toBe(labelled.summary);
  });

  test("without a key, an Anthropic listed in AUTOCREA_MOCK_SERVICES (any case, spaces) is the fake", async () => {
    const userId = (await stack.t.run(async (ctx) =>
      ctx.db
        .query("users")
        .withIndex("by_clerkId", (q) => q.eq("clerkId", "user_analysis"))
        .unique(),
    ))!._id;
    const lastMessageAt = stack.now();
    const conversationId = await stack.t.run(async (ctx) => {
      const id = await ctx.db.insert("conversations", {
        userId,
        title: "Mocked",
        tags: [],
        messageCount: 1,
        lastMessageAt,
        createdAt: 0,
      });
      await ctx.db.insert("messages", { conversationId: id, role: "user", content: "Deploy?", createdAt: 0 });
      return id;
    });
    const saved = { key: process.env.ANTHROPIC_API_KEY, mocks: process.env.AUTOCREA_MOCK_SERVICES };
    delete process.env.ANTHROPIC_API_KEY;
    process.env.AUTOCREA_MOCK_SERVICES = "vercel, Anthropic ";
    stack.fakes.anthropic.acceptOnly("mock-anthropic-key");
    try {
      await stack.t.action(internal.conversationAnalysis.analyze, { conversationId, lastMessageAt });
    } finally {
      process.env.ANTHROPIC_API_KEY = saved.key;
      if (saved.mocks === undefined) delete process.env.AUTOCREA_MOCK_SERVICES;
      else process.env.AUTOCREA_MOCK_SERVICES = saved.mocks;
    }
    expect(analysisCalls()).toHaveLength(1);
    expect((await conversation(conversationId)).summary).toBe(labelled.summary);
  });
});

describe("parseAnalysis", () => {
  test("takes the JSON object out of the answer and bounds every field", () => {
    const long = "s".repeat(300);
    const tags = ["A", "b", "b", "c", "d", "e", "f", 3];
    expect(
      parseAnalysis(`Sure! {"summary": "${long}", "priority": "urgent", "tags": ${JSON.stringify(tags)}} Bye`),
    ).toEqual({
      summary: "s".repeat(200),
      priority: "medium",
      tags: ["a", "b", "c", "d", "e"],
    });
    expect(parseAnalysis("no json here")).toBeNull();
    expect(parseAnalysis('{"summary": ""}')).toBeNull();
    expect(parseAnalysis("{not json}")).toBeNull();
  });
});
