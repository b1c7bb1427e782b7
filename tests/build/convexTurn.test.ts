// The turn mutation: tools in order, idempotent retries, what comes next (another turn,
// proposed, max turns, quota refused, interrupted), and metering that equals what Claude reported.
import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { costMicros } from "../../convex/lib/pricing";
import { CANCELED_NOTE } from "../../convex/build";
import { callerFor } from "../keys";
import { begin, buildSetup, CLERK, editor, turn, USAGE, writeFiles, type BuildSetup } from "./convexHelpers";

async function requestRows(s: BuildSetup) {
  return await s.t.run(async (ctx) => await ctx.db.query("aiRequests").collect());
}
async function usageDay(s: BuildSetup) {
  return await s.t.run(async (ctx) =>
    ctx.db
      .query("usageDaily")
      .withIndex("by_userId_and_day", (q) => q.eq("userId", s.ids.alice))
      .unique(),
  );
}
async function changeSet(s: BuildSetup, id: string) {
  return await s.alice.query(api.changeSets.get, { changeSetId: id as Id<"changeSets"> });
}
async function fileText(s: BuildSetup, changeSetId: string, path: string) {
  const b = await begin(s, { changeSetId, message: "look" });
  const a = await turn(s, b, [editor({ command: "view", path })]);
  return a.results[0].content;
}

describe("one turn", () => {
  test("runs the tool calls in order: a later call sees an earlier call's edit", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    const a = await turn(s, b, [
      editor({ command: "create", path: "a.txt", file_text: "one\n" }),
      editor({ command: "str_replace", path: "a.txt", old_str: "one", new_str: "two" }),
      editor({ command: "view", path: "a.txt" }),
    ]);
    expect(a.results.map((r) => r.content)).toEqual([
      "File created successfully at: a.txt",
      "Successfully replaced text at exactly one location.",
      "     1\ttwo",
    ]);
    expect(a.files.map((f) => [f.path, f.op])).toEqual([
      ["a.txt", "create"],
      ["a.txt", "create"],
    ]);
  });

  test("a retried turn returns the stored answer and executes and bills nothing again", async () => {
    const s = await buildSetup();
    await writeFiles(s, { "a.txt": "line\n" });
    const b = await begin(s);
    const call = {
      id: "toolu_fixed",
      ...editor({ command: "insert", path: "a.txt", insert_line: 1, insert_text: "added" }),
    };
    const first = await turn(s, b, [call], { usage: USAGE });
    const again = await turn(s, b, [call], { usage: USAGE });
    expect(again).toEqual(first);
    expect((await requestRows(s)).length).toBe(2); // the begin's and the one `next` opened
    const day = (await usageDay(s))!;
    expect(day.inputTokens).toBe(USAGE.inputTokens);
    expect((await changeSet(s, b.changeSetId)).totals.turns).toBe(1);
    expect(await fileText(s, b.changeSetId, "a.txt")).toBe("     1\tline\n     2\tadded");
  });

  test("no tool calls: the change set is proposed with Claude's text as summary, title from its first line, and the reply joins the conversation", async () => {
    const s = await buildSetup();
    const b = await begin(s, { message: "Make a landing page" });
    const a = await turn(s, b, [editor({ command: "create", path: "index.html", file_text: "<h1>Hi</h1>\n" })]);
    const closing = await turn(s, { ...b, requestId: a.next!.requestId }, [], {
      text: "## Landing page added\nOne file: index.html.",
    });
    expect(closing).toMatchObject({
      results: [],
      files: [],
      next: null,
      stop: null,
      changeSet: { status: "proposed", files: 1, turns: 2 },
    });
    const cs = await changeSet(s, b.changeSetId);
    expect(cs).toMatchObject({
      status: "proposed",
      title: "Landing page added",
      summary: "## Landing page added\nOne file: index.html.",
    });
    const messages = await s.alice.query(api.conversations.messages, {
      conversationId: b.conversationId,
      paginationOpts: { numItems: 10, cursor: null },
    });
    // Newest first.
    expect(messages.page.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["assistant", "## Landing page added\nOne file: index.html."],
      ["user", "Make a landing page"],
    ]);
  });

  test("`end` interrupts: no tool runs, the request is closed as failed with the error, its tokens are billed", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    const a = await turn(s, b, [editor({ command: "create", path: "x.txt", file_text: "x" })], {
      usage: USAGE,
      end: { status: "failed", error: { code: "UPSTREAM", message: "Claude's stream was cut" } },
    });
    expect(a).toMatchObject({
      results: [],
      files: [],
      next: null,
      stop: null,
      changeSet: { status: "interrupted", files: 0, turns: 1 },
    });
    const [row] = await requestRows(s);
    expect(row).toMatchObject({
      status: "failed",
      error: { code: "UPSTREAM", message: "Claude's stream was cut" },
      ...USAGE,
    });
    expect((await changeSet(s, b.changeSetId)).note).toBe("Claude's stream was cut");
  });

  test("`end` canceled (the client went away): the request is canceled, billed, the change set interrupted with a note", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    await turn(s, b, [], { usage: USAGE, text: "Partial", end: { status: "canceled" } });
    const [row] = await requestRows(s);
    expect(row).toMatchObject({ status: "canceled", ...USAGE });
    expect(row.error).toBeUndefined();
    const cs = await changeSet(s, b.changeSetId);
    expect(cs).toMatchObject({ status: "interrupted", note: CANCELED_NOTE });
    expect(cs.totals.costMicros).toBe(row.costMicros);
  });

  test("max turns: the 25th turn with tool calls runs them, then the change set is proposed with a note", async () => {
    const s = await buildSetup();
    await s.t.run(async (ctx) => {
      await ctx.db.patch("users", s.ids.alice, { plan: "business" });
    });
    const b = await begin(s);
    let requestId = b.requestId as string;
    let last;
    for (let i = 1; i <= 25; i++) {
      last = await turn(s, { ...b, requestId }, [
        editor({ command: "create", path: `f${i}.txt`, file_text: `${i}\n` }),
      ]);
      if (i < 25) requestId = last.next!.requestId;
    }
    expect(last).toMatchObject({ next: null, stop: null, changeSet: { status: "proposed", files: 25, turns: 25 } });
    expect(last!.results[0].isError).toBe(false);
    expect((await changeSet(s, b.changeSetId)).note).toBe("Stopped after 25 turns");
    expect(last!.changeSet.note).toBe("Stopped after 25 turns"); // passed on in the edge's done event
    expect((await requestRows(s)).length).toBe(25);
  });

  test("quota refused before the next turn: stop with its code, the change set keeps its edits and is interrupted", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    // The free plan's 50,000 tokens a day are used up by this turn.
    const a = await turn(s, b, [editor({ command: "create", path: "kept.txt", file_text: "kept\n" })], {
      usage: { inputTokens: 40_000, outputTokens: 5_000, cacheReadTokens: 5_000, cacheWriteTokens: 0 },
    });
    expect(a.next).toBeNull();
    expect(a.stop).toMatchObject({ code: "QUOTA_EXCEEDED", retryAfterMs: expect.any(Number) });
    expect(a.files.map((f) => f.path)).toEqual(["kept.txt"]);
    const cs = await changeSet(s, b.changeSetId);
    expect(cs.status).toBe("interrupted");
    expect(cs.files.map((f) => f.path)).toEqual(["kept.txt"]);
    expect((await requestRows(s)).length).toBe(1);
  });
});

describe("metering", () => {
  test("each turn's ledger row holds exactly the usage reported, priced like any request; the change set's totals are their sum", async () => {
    const s = await buildSetup();
    const b = await begin(s, { model: "claude-haiku-5-5" });
    const u1 = { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 3000, cacheWriteTokens: 500 };
    const u2 = { inputTokens: 1500, outputTokens: 100, cacheReadTokens: 3500, cacheWriteTokens: 0 };
    const a = await turn(s, b, [editor({ command: "view", path: "/" })], { usage: u1 });
    const c = await turn(s, { ...b, requestId: a.next!.requestId }, [], { usage: u2, text: "Nothing to do." });
    const rows = (await requestRows(s)).sort((x, y) => x._creationTime - y._creationTime);
    expect(rows.map((r) => [r.type, r.status, r.model])).toEqual([
      ["build", "completed", "claude-haiku-5-5"],
      ["build", "completed", "claude-haiku-5-5"],
    ]);
    expect(rows[0]).toMatchObject({ ...u1, costMicros: costMicros("claude-haiku-5-5", u1) });
    expect(rows[1]).toMatchObject({ ...u2, costMicros: costMicros("claude-haiku-5-5", u2) });
    const cost = rows[0].costMicros + rows[1].costMicros;
    expect(c.changeSet).toMatchObject({
      turns: 2,
      usage: { inputTokens: 2500, outputTokens: 300, cacheReadTokens: 6500, cacheWriteTokens: 500 },
      costMicros: cost,
    });
    const day = (await usageDay(s))!;
    expect(day).toMatchObject({
      requests: 2,
      inputTokens: 2500,
      outputTokens: 300,
      cacheReadTokens: 6500,
      cacheWriteTokens: 500,
      costMicros: cost,
      byType: { build: 2 },
    });
  });

  test("bad usage counts are INVALID and nothing is settled", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    await expect(turn(s, b, [], { usage: { ...USAGE, outputTokens: -1 } })).rejects.toThrow(/non-negative integers/);
    expect((await requestRows(s))[0].status).toBe("streaming");
  });
});

describe("continuing and taking over", () => {
  test("begin with an interrupted change set continues it: same set, turns carry on, history has the earlier exchange", async () => {
    const s = await buildSetup();
    const b = await begin(s, { message: "First" });
    await turn(s, b, [editor({ command: "create", path: "a.txt", file_text: "a" })], {
      end: { status: "failed", error: { code: "UPSTREAM", message: "cut" } },
    });
    const again = await begin(s, { message: "Go on", changeSetId: b.changeSetId });
    expect(again).toMatchObject({
      changeSetId: b.changeSetId,
      conversationId: b.conversationId,
      turn: 1,
      history: [{ role: "user", content: "First" }],
    });
    expect((await changeSet(s, b.changeSetId)).status).toBe("drafting");
  });

  test("an applied or rejected change set cannot be continued (CONFLICT); another project's is NOT_FOUND", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    await s.alice.mutation(api.changeSets.reject, { changeSetId: b.changeSetId });
    await expect(begin(s, { changeSetId: b.changeSetId })).rejects.toThrow(/rejected/);
    const other = await s.bob.mutation(api.projects.create, { name: "Other", framework: "node" });
    await expect(
      s.t.mutation(internal.build.begin, {
        caller: callerFor(CLERK.bob),
        projectId: other,
        message: "x",
        changeSetId: b.changeSetId,
      }),
    ).rejects.toThrow(/Change set not found/);
  });

  test("a turn of a run that was taken over (or rejected) is billed but runs no tool", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    const takeover = await begin(s, { changeSetId: b.changeSetId, clerkId: CLERK.bob, message: "Bob continues" });
    const stale = await turn(s, b, [editor({ command: "create", path: "late.txt", file_text: "x" })], { usage: USAGE });
    expect(stale.stop).toEqual({ code: "CONFLICT", message: "This change set is being continued by another build" });
    expect(stale.results).toEqual([
      { toolUseId: expect.any(String), content: "Not run: the change set was changed by someone else.", isError: true },
    ]);
    expect(stale.changeSet.usage).toEqual(USAGE);
    await s.bob.mutation(api.changeSets.reject, { changeSetId: b.changeSetId });
    const afterReject = await turn(s, takeover, [editor({ command: "create", path: "x.txt", file_text: "x" })], {
      clerkId: CLERK.bob,
    });
    expect(afterReject.stop).toEqual({ code: "CONFLICT", message: "This change set is rejected" });
    expect((await changeSet(s, b.changeSetId)).files).toEqual([]);
  });
});
