// The build loop through the whole stack (real edge, Convex on convex-test, the fake Claude
// scripted per test): tool calls over several turns, JSON split anywhere, results fed back,
// the SSE event order, JSON mode, prompt caching and metering per turn.
import { describe, expect, test } from "vitest";
import { costMicros } from "../../convex/lib/pricing";
import { toolResultsOf, type FakeTurn } from "../fakes/anthropic";
import {
  buildCall,
  buildRequests,
  buildSse,
  buildTestStack,
  changeSetContent,
  changeSetFiles,
  changeSetRow,
  MODEL,
  names,
} from "./edgeHelpers";

const { stack, freshOwner } = buildTestStack("user_build_loop");
const EDITOR = "str_replace_based_edit_tool";

const create = (path: string, file_text: string, id?: string) => ({
  id,
  name: EDITOR,
  input: { command: "create", path, file_text },
});

/** Three turns: two creates; a failing str_replace, a good one and a view; then the summary. */
function threeTurns(): FakeTurn[] {
  return [
    {
      text: "Creating the files.",
      toolCalls: [create("src/a.ts", "export const a = 1;\n"), create("/src/b.ts", "export const b = 2;\n")],
    },
    {
      text: "Now editing.",
      toolCalls: [
        { name: EDITOR, input: { command: "str_replace", path: "src/a.ts", old_str: "not there", new_str: "x" } },
        { name: EDITOR, input: { command: "str_replace", path: "src/a.ts", old_str: "a = 1", new_str: "a = 10" } },
        { name: EDITOR, input: { command: "view", path: "src/a.ts" } },
      ],
    },
    { text: "Two files\nI created a.ts and b.ts." },
  ];
}

describe("the loop over several turns", () => {
  test("SSE: start, deltas, a file event per stored edit, done; results fed back to Claude in order", async () => {
    const { token, projectId, clerkId } = await freshOwner();
    stack.fakes.anthropic.script(...threeTurns());
    const seamBefore = stack.seamCalls.length;
    const { status, events } = await buildSse(stack, token, { projectId, message: "two modules", model: MODEL });
    expect(status).toBe(200);

    const order = names(events).filter((n, i, all) => n !== all[i - 1]); // runs of deltas collapse
    expect(order).toEqual(["start", "delta", "file", "delta", "file", "delta", "done"]);
    const start = events[0].data;
    const files = events.filter((e) => e.event === "file").map((e) => e.data);
    expect(files).toEqual([
      { changeSetId: start.changeSetId, path: "src/a.ts", op: "create", added: 1, removed: 0 },
      { changeSetId: start.changeSetId, path: "src/b.ts", op: "create", added: 1, removed: 0 },
      { changeSetId: start.changeSetId, path: "src/a.ts", op: "create", added: 1, removed: 0 },
    ]);
    const text = events
      .filter((e) => e.event === "delta")
      .map((e) => e.data.text)
      .join("");
    expect(text).toBe("Creating the files.Now editing.Two files\nI created a.ts and b.ts.");
    const done = events.at(-1)!.data;
    expect(done).toMatchObject({
      changeSetId: start.changeSetId,
      status: "proposed",
      files: 2,
      turns: 3,
      conversationId: start.conversationId,
    });
    expect(done.usage).toEqual({ inputTokens: 360, outputTokens: 120, cacheReadTokens: 0, cacheWriteTokens: 0 });

    // What Claude received: each turn's tool results, in call order, errors flagged.
    const bodies = stack.fakes.anthropic.bodies();
    expect(bodies).toHaveLength(3);
    expect(toolResultsOf(bodies[0])).toEqual([]);
    expect(toolResultsOf(bodies[1]).map((r) => [r.tool_use_id, r.is_error ?? false])).toEqual([
      ["toolu_fake_1_0", false],
      ["toolu_fake_1_1", false],
    ]);
    const second = toolResultsOf(bodies[2]);
    expect(second.map((r) => [r.tool_use_id, r.is_error ?? false])).toEqual([
      ["toolu_fake_2_0", true],
      ["toolu_fake_2_1", false],
      ["toolu_fake_2_2", false],
    ]);
    expect(second[0].content).toBe("No match found for replacement text. Please check your text and try again.");
    expect(second[2].content).toMatch(/^ +1\texport const a = 10;\n?$/);
    // The assistant turns are repeated with their tool calls, the inputs parsed whole.
    expect(bodies[2].messages.at(-2)).toMatchObject({
      role: "assistant",
      content: [
        { type: "text", text: "Now editing." },
        { type: "tool_use", id: "toolu_fake_2_0", name: EDITOR },
        { type: "tool_use" },
        { type: "tool_use" },
      ],
    });

    expect(await changeSetContent(stack, start.changeSetId, "src/a.ts")).toBe("export const a = 10;\n");
    expect(await changeSetContent(stack, start.changeSetId, "src/b.ts")).toBe("export const b = 2;\n");
    expect(await changeSetRow(stack, start.changeSetId)).toMatchObject({
      status: "proposed",
      title: "Two files",
      fileCount: 2,
    });

    // Exactly one seam call before Claude's first byte, then one per Claude turn.
    expect(stack.seamCalls.slice(seamBefore).map((c) => c.path)).toEqual([
      "/edge/ai/build/begin",
      "/edge/ai/build/turn",
      "/edge/ai/build/turn",
      "/edge/ai/build/turn",
    ]);
    // Metered per turn exactly as Claude reported; the change set's totals are their sum.
    const rows = await buildRequests(stack, clerkId);
    expect(rows.map((r) => [r.status, r.inputTokens, r.outputTokens])).toEqual([
      ["completed", 120, 40],
      ["completed", 120, 40],
      ["completed", 120, 40],
    ]);
    expect(done.costMicros).toBe(rows.reduce((s, r) => s + r.costMicros, 0));
    expect(done.costMicros).toBe(
      3 * costMicros(MODEL, { inputTokens: 120, outputTokens: 40, cacheReadTokens: 0, cacheWriteTokens: 0 }),
    );
  });

  for (const chunk of [1, 2, 3, 7, 64]) {
    test(`tool input streamed in ${chunk}-character JSON pieces arrives whole`, async () => {
      const { token, projectId } = await freshOwner();
      const tricky = 'const s = "quote \\" backslash \\\\ tab\\t";\n// ünïcödé ✓ 𝄞 </script>\n{"json": [1, 2]}\n';
      stack.fakes.anthropic.script(
        { toolCalls: [create("src/tricky.ts", tricky)], jsonChunkChars: chunk },
        { text: "Done." },
      );
      const { events } = await buildSse(stack, token, { projectId, message: "tricky", model: MODEL });
      expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "proposed", files: 1 } });
      expect(await changeSetContent(stack, events[0].data.changeSetId, "src/tricky.ts")).toBe(tricky);
    });
  }

  test("delete_file and rename_file are declared and run; the editor tool is Anthropic's", async () => {
    const { token, projectId } = await freshOwner();
    stack.fakes.anthropic.script(
      { toolCalls: [create("a.txt", "a\n"), create("b.txt", "b\n")] },
      {
        toolCalls: [
          { name: "delete_file", input: { path: "a.txt" } },
          { name: "rename_file", input: { path: "b.txt", new_path: "docs/b.txt" } },
        ],
      },
      { text: "Moved." },
    );
    const { events } = await buildSse(stack, token, { projectId, message: "shuffle", model: MODEL });
    expect(events.at(-1)!.event).toBe("done");
    const tools = stack.fakes.anthropic.bodies()[0].tools;
    expect(tools[0]).toEqual({ type: "text_editor_20250728", name: EDITOR });
    expect(tools.slice(1).map((t: any) => [t.name, t.input_schema.required])).toEqual([
      ["delete_file", ["path"]],
      ["rename_file", ["path", "new_path"]],
    ]);
    expect(toolResultsOf(stack.fakes.anthropic.bodies()[2]).map((r) => r.is_error ?? false)).toEqual([false, false]);
    const paths = (await changeSetFiles(stack, events[0].data.changeSetId)).map((f) => f.path).sort();
    expect(paths).toContain("docs/b.txt");
    expect(await changeSetContent(stack, events[0].data.changeSetId, "docs/b.txt")).toBe("b\n");
    expect(await changeSetContent(stack, events[0].data.changeSetId, "a.txt")).toBeNull();
  });
});

describe("JSON mode and caching", () => {
  test("without SSE: one JSON answer with the text, the edits and the totals", async () => {
    const { token, projectId } = await freshOwner();
    stack.fakes.anthropic.script(...threeTurns());
    const res = await buildCall(stack, token, { projectId, message: "two modules", model: MODEL });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = await res.json();
    expect(body).toMatchObject({
      status: "proposed",
      files: 2,
      turns: 3,
      text: "Creating the files.Now editing.Two files\nI created a.ts and b.ts.",
    });
    expect(body.edits.map((e: any) => `${e.op} ${e.path}`)).toEqual([
      "create src/a.ts",
      "create src/b.ts",
      "create src/a.ts",
    ]);
    expect(body.usage.outputTokens).toBe(120);
    expect(body.mock).toBeUndefined();
  });

  test("the system prompt, the file list and the newest turn are marked for caching; cache tokens are billed", async () => {
    const { token, projectId } = await freshOwner();
    stack.fakes.anthropic.configure({ usage: { cache_creation_input_tokens: 900, cache_read_input_tokens: 2_000 } });
    stack.fakes.anthropic.script({ toolCalls: [create("x.ts", "x\n")] }, { text: "ok" });
    const first = await buildSse(stack, token, { projectId, message: "x", model: MODEL });
    stack.fakes.anthropic.script({ text: "nothing to do" });
    await buildSse(stack, token, {
      projectId,
      message: "again",
      model: MODEL,
      changeSetId: first.events[0].data.changeSetId,
    });

    const bodies = stack.fakes.anthropic.bodies();
    for (const b of bodies) {
      expect(b.system.map((s: any) => s.cache_control)).toEqual([{ type: "ephemeral" }, { type: "ephemeral" }]);
      const tail = b.messages.at(-1).content;
      expect(tail.at(-1).cache_control).toEqual({ type: "ephemeral" });
      const marked = b.messages
        .flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
        .filter((c: any) => c.cache_control);
      expect(marked).toHaveLength(1); // at most 4 breakpoints in all
    }
    // The continued build sees the change set's working tree in its file list.
    expect(bodies[2].system[1].text).toContain("\nx.ts");
    const done = first.events.at(-1)!.data;
    expect(done.usage).toEqual({ inputTokens: 240, outputTokens: 80, cacheReadTokens: 4_000, cacheWriteTokens: 1_800 });
    const row = await changeSetRow(stack, done.changeSetId);
    expect(row!.totals).toMatchObject({ cacheReadTokens: 6_000, cacheWriteTokens: 2_700, turns: 3 });
  });
});
