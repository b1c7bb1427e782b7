// Who may do what with change sets: viewers read, editors and owners act, a non-member
// sees nothing (NOT_FOUND), and bad input gets a stable code with nothing written.
import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { expectCode, PAGE, refusedWithoutChange } from "../convex/helpers";
import { callerFor } from "../keys";
import { begin, build, buildSetup, CLERK, editor, turn, writeFiles, type BuildSetup } from "./convexHelpers";

async function withAppliedChangeSet() {
  const s = await buildSetup();
  await writeFiles(s, { "a.txt": "a\n" });
  const applied = await build(s, [editor({ command: "create", path: "a.txt", file_text: "A\n" })]);
  const { versionId } = await s.alice.mutation(api.changeSets.apply, { changeSetId: applied.changeSetId });
  const open = await build(s, [editor({ command: "create", path: "b.txt", file_text: "b\n" })]);
  return { s, applied: applied.changeSetId, open: open.changeSetId, versionId: versionId! };
}

type Fixture = Awaited<ReturnType<typeof withAppliedChangeSet>>;
type Caller = BuildSetup["alice"];

const READS: [string, (c: Caller, f: Fixture) => Promise<unknown>][] = [
  ["changeSets.list", (c, f) => c.query(api.changeSets.list, { projectId: f.s.projectId, paginationOpts: PAGE })],
  ["changeSets.get", (c, f) => c.query(api.changeSets.get, { changeSetId: f.open })],
  ["changeSets.diff", (c, f) => c.query(api.changeSets.diff, { changeSetId: f.open, path: "b.txt" })],
  ["projects.history", (c, f) => c.query(api.projects.history, { projectId: f.s.projectId, paginationOpts: PAGE })],
  ["files.history", (c, f) => c.query(api.files.history, { projectId: f.s.projectId, path: "a.txt" })],
];

const ACTIONS: [string, (c: Caller, f: Fixture) => Promise<unknown>][] = [
  ["changeSets.apply", (c, f) => c.mutation(api.changeSets.apply, { changeSetId: f.open })],
  ["changeSets.reject", (c, f) => c.mutation(api.changeSets.reject, { changeSetId: f.open })],
  ["changeSets.revert", (c, f) => c.mutation(api.changeSets.revert, { changeSetId: f.applied })],
  [
    "changeSets.restoreVersion",
    (c, f) => c.mutation(api.changeSets.restoreVersion, { projectId: f.s.projectId, versionId: f.versionId }),
  ],
];

describe("authorization", () => {
  test.each(READS)("%s: viewers read; a non-member gets NOT_FOUND", async (_name, call) => {
    const f = await withAppliedChangeSet();
    await expect(call(f.s.carol, f)).resolves.toBeDefined();
    await expectCode(call(f.s.dave, f), "NOT_FOUND");
  });

  test.each(ACTIONS)(
    "%s: a viewer gets FORBIDDEN, a non-member NOT_FOUND, nothing written; an editor may",
    async (_name, call) => {
      const f = await withAppliedChangeSet();
      await refusedWithoutChange(f.s.t, () => call(f.s.carol, f), "FORBIDDEN");
      await refusedWithoutChange(f.s.t, () => call(f.s.dave, f), "NOT_FOUND");
      await expect(call(f.s.bob, f)).resolves.toBeDefined();
    },
  );

  test("signed-out callers are UNAUTHENTICATED", async () => {
    const f = await withAppliedChangeSet();
    await expectCode(f.s.t.query(api.changeSets.get, { changeSetId: f.open }), "UNAUTHENTICATED");
    await expectCode(f.s.t.mutation(api.changeSets.apply, { changeSetId: f.open }), "UNAUTHENTICATED");
  });

  test("build: a viewer cannot start one (FORBIDDEN), a non-member cannot see the project (NOT_FOUND); nothing written", async () => {
    const s = await buildSetup();
    await refusedWithoutChange(s.t, () => begin(s, { clerkId: CLERK.carol }), "FORBIDDEN");
    await refusedWithoutChange(s.t, () => begin(s, { clerkId: CLERK.dave }), "NOT_FOUND");
    expect(await s.t.run(async (ctx) => (await ctx.db.query("aiRequests").collect()).length)).toBe(0);
  });

  test("build: another user's request id is NOT_FOUND at the turn call", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    await expectCode(turn(s, b, [], { clerkId: CLERK.bob }), "NOT_FOUND");
  });

  test("build: an editor who lost access mid-build is billed for the turn but no tool runs", async () => {
    const s = await buildSetup();
    const b = await begin(s, { clerkId: CLERK.bob });
    await s.alice.mutation(api.projects.removeMember, { projectId: s.projectId, userId: s.ids.bob });
    const a = await turn(s, b, [editor({ command: "create", path: "x.txt", file_text: "x" })], {
      clerkId: CLERK.bob,
      usage: { inputTokens: 5, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    expect(a).toMatchObject({
      stop: { code: "NOT_FOUND" },
      next: null,
      files: [],
      changeSet: { status: "interrupted", turns: 1 },
    });
    expect(a.results[0].isError).toBe(true);
  });
});

describe("bad input", () => {
  test("stable codes, nothing written", async () => {
    const f = await withAppliedChangeSet();
    const { s } = f;
    await refusedWithoutChange(
      s.t,
      () => s.alice.mutation(api.changeSets.apply, { changeSetId: f.open, paths: ["../x"] }),
      "INVALID",
    );
    await refusedWithoutChange(
      s.t,
      () => s.alice.mutation(api.changeSets.apply, { changeSetId: f.open, paths: ["not-in-it.txt"] }),
      "NOT_FOUND",
    );
    await refusedWithoutChange(
      s.t,
      () => s.alice.mutation(api.changeSets.apply, { changeSetId: f.open, paths: [] }),
      "INVALID",
    );
    await refusedWithoutChange(
      s.t,
      () => s.alice.mutation(api.changeSets.reject, { changeSetId: f.applied }),
      "CONFLICT",
    );
    await expectCode(s.alice.query(api.changeSets.diff, { changeSetId: f.open, path: "" }), "INVALID");
    await expectCode(s.alice.query(api.files.history, { projectId: s.projectId, path: "a//b" }), "INVALID");
    await refusedWithoutChange(s.t, () => begin(s, { message: "   " }), "INVALID");
    await refusedWithoutChange(s.t, () => begin(s, { message: "x".repeat(32_001) }), "INVALID");
    await refusedWithoutChange(s.t, () => begin(s, { model: "claude-nope" }), "INVALID");
    await refusedWithoutChange(s.t, () => begin(s, { changeSetId: "not-an-id" }), "NOT_FOUND");
    await refusedWithoutChange(s.t, () => begin(s, { conversationId: "not-an-id" }), "NOT_FOUND");
    // The ordinary AI path does not start builds.
    await expectCode(
      s.t.mutation(internal.ai.begin, {
        caller: callerFor(CLERK.alice),
        type: "build",
        projectId: s.projectId,
        prompt: "x",
        promptChars: 1,
      }),
      "INVALID",
    );
  });

  test("a version of another project is NOT_FOUND for restore", async () => {
    const f = await withAppliedChangeSet();
    const other = await f.s.alice.mutation(api.projects.create, { name: "Other", framework: "node" });
    await refusedWithoutChange(
      f.s.t,
      () => f.s.alice.mutation(api.changeSets.restoreVersion, { projectId: other, versionId: f.versionId }),
      "NOT_FOUND",
    );
  });

  test("reject closes a drafting change set; its build stops at the next turn", async () => {
    const s = await buildSetup();
    const b = await begin(s);
    await s.bob.mutation(api.changeSets.reject, { changeSetId: b.changeSetId as Id<"changeSets"> });
    const a = await turn(s, b, [editor({ command: "create", path: "x.txt", file_text: "x" })]);
    expect(a.stop).toEqual({ code: "CONFLICT", message: "This change set is rejected" });
    await expectCode(
      s.alice.mutation(api.changeSets.apply, { changeSetId: b.changeSetId as Id<"changeSets"> }),
      "CONFLICT",
    );
  });
});
