// Settling an AI request when things go wrong: Convex unreachable for a while (the report is
// retried and still accounted, a chat answer still reaches the thread), unreachable for good
// (the sweep closes the row, free), and reports that must be refused.
import { callerFor } from "../keys";
import { describe, expect, test } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { costMicros } from "../../convex/lib/pricing";

import { settleCompletions, settleDelays } from "../../edge/ai/run";

import { stackForFile } from "../stackForFile";
import { aiCall, expectRollupsMatchLedger, parseSse, requestRow, seamCall } from "./helpers";

const stack = stackForFile({ env: { ANTHROPIC_MAX_RETRIES: "0" } });

describe("settling an AI request", () => {
  /** Makes the next `times` calls to /edge/ai/complete fail as if Convex were unreachable. */
  function convexDownForComplete(times: number) {
    const real = stack.t.fetch;
    stack.t.fetch = async (path, init) => {
      if (path === "/edge/ai/settle" && times-- > 0) throw new Error("connection refused");
      return await real.call(stack.t, path, init);
    };
    return () => void (stack.t.fetch = real);
  }

  test("complete is retried while Convex is unreachable; the request is accounted once it gets through", async () => {
    const token = await stack.signIn({ id: "user_ledger_retry" });
    const restore = convexDownForComplete(3); // the 4th attempt of 4 gets through
    try {
      const res = await aiCall(stack, token, "explain", { code: "x", language: "js", model: "claude-haiku-5-5" });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.costMicros).toBe(costMicros("claude-haiku-5-5", body.usage));
      expect(await requestRow(stack, body.requestId)).toMatchObject({
        status: "completed",
        costMicros: body.costMicros,
      });
    } finally {
      restore();
    }
    await expectRollupsMatchLedger(stack);
  });

  test("a complete that never gets through: the answer still arrives (cost unknown); the sweep closes the row, free", async () => {
    const token = await stack.signIn({ id: "user_ledger_lost" });
    const restore = convexDownForComplete(settleDelays(1500).length);
    let requestId: string;
    try {
      const res = await aiCall(stack, token, "explain", { code: "x", language: "js" }, { sse: true });
      const events = parseSse(await res.text());
      expect(events.at(-1)).toMatchObject({ event: "done", data: { costMicros: null } });
      requestId = events.at(-1)!.data.requestId;
      await settleCompletions();
    } finally {
      restore();
    }
    expect((await requestRow(stack, requestId))!.status).toBe("streaming");
    await expectRollupsMatchLedger(stack); // reserved
    await stack.advance(10 * 60_000 + 1);
    await stack.t.mutation(internal.aiRequests.closeStale, {});
    expect(await requestRow(stack, requestId)).toMatchObject({
      status: "failed",
      costMicros: 0,
      error: { code: "ABANDONED" },
    });
    await expectRollupsMatchLedger(stack);
  });

  test("a chat answer reported after Convex came back is in the thread next to the user's message", async () => {
    const token = await stack.signIn({ id: "user_ledger_chat_retry" });
    const restore = convexDownForComplete(3);
    let conversationId: string;
    try {
      const res = await aiCall(stack, token, "chat", { message: "Hello?" }, { sse: true });
      const done = parseSse(await res.text()).at(-1)!;
      expect(done.event).toBe("done");
      conversationId = done.data.conversationId;
      await settleCompletions();
    } finally {
      restore();
    }
    const messages = await stack.t.run(async (ctx) =>
      ctx.db
        .query("messages")
        .withIndex("by_conversationId", (q) => q.eq("conversationId", conversationId as Id<"conversations">))
        .collect(),
    );
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(messages[1].content.length).toBeGreaterThan(0);
  });

  test("complete() refuses another user's request and bad token counts, writing nothing", async () => {
    await stack.signIn({ id: "user_ledger_a" });
    await stack.signIn({ id: "user_ledger_b" });
    const begun = await stack.t.mutation(internal.ai.begin, {
      caller: callerFor("user_ledger_a"),
      type: "explain",
      prompt: "x",
      promptChars: 1,
    });
    const usage = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 };
    await expect(
      stack.t.mutation(internal.ai.settle, {
        caller: callerFor("user_ledger_b"),
        requestId: begun.requestId,
        status: "completed",
        usage,
        latencyMs: 1,
      }),
    ).rejects.toThrow(/not found/i);
    for (const bad of [-5, 1.5, Number.MAX_SAFE_INTEGER + 2]) {
      await expect(
        stack.t.mutation(internal.ai.settle, {
          caller: callerFor("user_ledger_a"),
          requestId: begun.requestId,
          status: "completed",
          usage: { ...usage, inputTokens: bad },
          latencyMs: 1,
        }),
      ).rejects.toThrow(/non-negative/);
    }
    expect((await requestRow(stack, begun.requestId))!.status).toBe("streaming");
    await expectRollupsMatchLedger(stack);
  });

  test("a browser cannot report usage: the seam refuses a call without the edge secret", async () => {
    await stack.signIn({ id: "user_ledger_browser" });
    const begun = await stack.t.mutation(internal.ai.begin, {
      caller: callerFor("user_ledger_browser"),
      type: "chat",
      prompt: "x",
      promptChars: 1,
    });
    const forged = {
      requestId: begun.requestId,
      status: "completed",
      usage: { inputTokens: 0, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      latencyMs: 1,
    };
    for (const secret of [null, "guessed-secret"]) {
      const res = await seamCall(stack, "/edge/ai/settle", "user_ledger_browser", forged, secret);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHENTICATED");
      expect(
        (
          await seamCall(
            stack,
            "/edge/ai/begin",
            "user_ledger_browser",
            { type: "chat", prompt: "x", promptChars: 1 },
            secret,
          )
        ).status,
      ).toBe(401);
    }
    expect(await requestRow(stack, begun.requestId)).toMatchObject({
      status: "streaming",
      outputTokens: 0,
      costMicros: 0,
    });
    await expectRollupsMatchLedger(stack);
  });
});
