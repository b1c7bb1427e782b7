// The two seam calls through convex/edge/router.ts: exact answer shapes, bad bodies → 400 INVALID.
import { describe, expect, test } from "vitest";
import { buildSetup, CLERK, seam, writeFiles } from "./convexHelpers";

describe("/edge/ai/build/begin and /edge/ai/build/turn", () => {
  test("begin opens a change set; turn runs the tools and answers with the contract's shape", async () => {
    const s = await buildSetup();
    await writeFiles(s, { "README.md": "# Shop\n" });
    const res = await seam(s, "/edge/ai/build/begin", CLERK.alice, { projectId: s.projectId, message: "Add a page" });
    expect(res.status).toBe(200);
    const b = await res.json();
    expect(b).toEqual({
      requestId: expect.any(String),
      changeSetId: expect.any(String),
      conversationId: expect.any(String),
      model: "claude-sonnet-5-5",
      maxTokens: 16_384,
      maxTurns: 25,
      turn: 0,
      project: { name: "Shop", framework: "react" },
      files: ["README.md"],
      filesTruncated: false,
      history: [],
    });
    const turnRes = await seam(s, "/edge/ai/build/turn", CLERK.alice, {
      requestId: b.requestId,
      changeSetId: b.changeSetId,
      usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 },
      latencyMs: 50,
      stopReason: "tool_use",
      text: "Creating the page.",
      toolCalls: [
        {
          id: "toolu_1",
          name: "str_replace_based_edit_tool",
          input: { command: "create", path: "/src/page.ts", file_text: "export {};\n" },
        },
      ],
    });
    expect(turnRes.status).toBe(200);
    const answer = await turnRes.json();
    expect(answer).toEqual({
      results: [{ toolUseId: "toolu_1", content: "File created successfully at: src/page.ts", isError: false }],
      files: [{ changeSetId: b.changeSetId, path: "src/page.ts", op: "create", added: 1, removed: 0 }],
      next: { requestId: expect.any(String), maxTokens: 16_384 },
      stop: null,
      changeSet: {
        changeSetId: b.changeSetId,
        status: "drafting",
        files: 1,
        turns: 1,
        usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 },
        costMicros: expect.any(Number),
      },
    });
    expect(answer.changeSet.costMicros).toBeGreaterThan(0);
  });

  const TURN = {
    requestId: "r",
    changeSetId: "c",
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    latencyMs: 1,
    stopReason: null,
    text: "",
    toolCalls: [],
  };
  test.each([
    ["/edge/ai/build/begin", "projectId", { message: "x" }],
    ["/edge/ai/build/begin", "message", { projectId: "p", message: 3 }],
    ["/edge/ai/build/turn", "toolCalls", { ...TURN, toolCalls: "no" }],
    ["/edge/ai/build/turn", "toolCalls[0].id", { ...TURN, toolCalls: [{ id: 1, name: "x" }] }],
    ["/edge/ai/build/turn", "usage.inputTokens", { ...TURN, usage: { ...TURN.usage, inputTokens: "9" } }],
    ["/edge/ai/build/turn", "end.status", { ...TURN, end: { status: "interrupted" } }],
    // The old spelling is no error code: a canceled turn says so by its status.
    [
      "/edge/ai/build/turn",
      "end.error.code",
      { ...TURN, end: { status: "failed", error: { code: "CANCELLED", message: "gone" } } },
    ],
  ])("%s: a bad %s → 400 INVALID naming it", async (path, field, body) => {
    const s = await buildSetup();
    const res = await seam(s, path, CLERK.alice, body);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: "INVALID", field });
    expect(error.message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, "\\$&")}: expected `));
  });

  test("unknown ids are 404 NOT_FOUND, without the edge secret 401", async () => {
    const s = await buildSetup();
    const res = await seam(s, "/edge/ai/build/begin", CLERK.alice, { projectId: "nope", message: "hi" });
    expect(res.status).toBe(404);
    const turnRes = await seam(s, "/edge/ai/build/turn", CLERK.alice, {
      ...TURN,
      requestId: "nope",
      changeSetId: "nope",
    });
    expect(turnRes.status).toBe(404);
    const noSecret = await s.t.fetch("/edge/ai/build/begin", { method: "POST", body: "{}" });
    expect(noSecret.status).toBe(401);
  });
});
