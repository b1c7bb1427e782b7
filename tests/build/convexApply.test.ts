// apply (one transaction, three-way merge, CONFLICT naming every path), revert byte for
// byte, restoring a version, and the histories that survive reloads.
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { expectCode, refusedWithoutChange } from "../convex/helpers";
import { build, buildSetup, editor, projectFiles, projectRow, writeFiles, type BuildSetup } from "./convexHelpers";

const NUMBERS = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";

async function exactCounters(s: BuildSetup) {
  const files = await projectFiles(s);
  const p = await projectRow(s);
  expect(p.fileCount).toBe(Object.keys(files).length);
  expect(p.totalBytes).toBe(Object.values(files).reduce((n, c) => n + new TextEncoder().encode(c).length, 0));
}

describe("apply", () => {
  test("writes every file of the change set at once, records a version, keeps counters exact", async () => {
    const s = await buildSetup();
    await writeFiles(s, { "a.txt": "alpha\n", "b.txt": "beta\n", "old.txt": "old\n" });
    const { changeSetId } = await build(s, [
      editor({ command: "create", path: "new.txt", file_text: "new\n" }),
      editor({ command: "str_replace", path: "a.txt", old_str: "alpha", new_str: "ALPHA" }),
      { name: "delete_file", input: { path: "b.txt" } },
      { name: "rename_file", input: { path: "old.txt", new_path: "moved/old.txt" } },
    ]);
    const result = await s.bob.mutation(api.changeSets.apply, { changeSetId });
    expect(result).toEqual({ versionId: expect.any(String), written: 5, merged: [] });
    expect(await projectFiles(s)).toEqual({ "a.txt": "ALPHA\n", "moved/old.txt": "old\n", "new.txt": "new\n" });
    await exactCounters(s);
    const cs = await s.alice.query(api.changeSets.get, { changeSetId });
    expect(cs).toMatchObject({ status: "applied", versionId: result.versionId, appliedBy: s.ids.bob, fileCount: 5 });
    await expectCode(s.alice.mutation(api.changeSets.apply, { changeSetId }), "CONFLICT");
  });

  test("only the chosen paths (a chosen rename brings its source's delete); the rest is dropped", async () => {
    const s = await buildSetup();
    await writeFiles(s, { "a.txt": "a\n", "old.txt": "o\n" });
    const { changeSetId } = await build(s, [
      editor({ command: "create", path: "skip.txt", file_text: "skip\n" }),
      editor({ command: "create", path: "a.txt", file_text: "A\n" }),
      { name: "rename_file", input: { path: "old.txt", new_path: "new.txt" } },
    ]);
    await s.alice.mutation(api.changeSets.apply, { changeSetId, paths: ["new.txt", "a.txt"] });
    expect(await projectFiles(s)).toEqual({ "a.txt": "A\n", "new.txt": "o\n" });
    const cs = await s.alice.query(api.changeSets.get, { changeSetId });
    expect(cs.files.map((f) => f.path)).toEqual(["a.txt", "new.txt", "old.txt"]);
    await exactCounters(s);
  });

  test("a path the project changed since: merged three ways when clean", async () => {
    const s = await buildSetup();
    await writeFiles(s, { "n.txt": NUMBERS });
    const { changeSetId } = await build(s, [
      editor({ command: "str_replace", path: "n.txt", old_str: "9\n", new_str: "NINE\n" }),
    ]);
    await s.alice.mutation(api.files.write, {
      projectId: s.projectId,
      path: "n.txt",
      content: NUMBERS.replace("1\n", "ONE\n"),
    });
    const result = await s.alice.mutation(api.changeSets.apply, { changeSetId });
    expect(result.merged).toEqual(["n.txt"]);
    expect((await projectFiles(s))["n.txt"]).toBe("ONE\n2\n3\n4\n5\n6\n7\n8\nNINE\n");
    await exactCounters(s);
  });

  test("conflicts: CONFLICT names every conflicting path and nothing is written", async () => {
    const s = await buildSetup();
    await writeFiles(s, { "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n", "ok.txt": "ok\n" });
    const { changeSetId } = await build(s, [
      editor({ command: "create", path: "a.txt", file_text: "mine\n" }),
      { name: "delete_file", input: { path: "b.txt" } },
      editor({ command: "create", path: "new.txt", file_text: "mine\n" }),
      editor({ command: "create", path: "ok.txt", file_text: "fine\n" }),
      editor({ command: "create", path: "c.txt", file_text: "mine\n" }),
    ]);
    await s.alice.mutation(api.files.writeMany, {
      projectId: s.projectId,
      files: [
        { path: "a.txt", content: "theirs\n" },
        { path: "b.txt", content: "theirs\n" },
        { path: "new.txt", content: "theirs\n" },
      ],
    });
    await s.alice.mutation(api.files.remove, { projectId: s.projectId, path: "c.txt" });
    const data = await refusedWithoutChange(
      s.t,
      () => s.alice.mutation(api.changeSets.apply, { changeSetId }),
      "CONFLICT",
    );
    expect(JSON.parse(data.paths as string)).toEqual(["a.txt", "b.txt", "c.txt", "new.txt"]);
    expect(data.message).toContain("a.txt, b.txt, c.txt, new.txt");
    expect((await s.alice.query(api.changeSets.get, { changeSetId })).status).toBe("proposed");
  });

  test("the project's limits are checked at apply: QUOTA_EXCEEDED and nothing written", async () => {
    const s = await buildSetup();
    const { changeSetId } = await build(s, [editor({ command: "create", path: "x.txt", file_text: "x" })]);
    await s.t.run(async (ctx) => {
      await ctx.db.patch("projects", s.projectId, { fileCount: 5000 });
    });
    await refusedWithoutChange(s.t, () => s.alice.mutation(api.changeSets.apply, { changeSetId }), "QUOTA_EXCEEDED");
  });
});

describe("revert and restore", () => {
  test("apply then apply its revert returns the project byte for byte (merge, rename, delete included)", async () => {
    const s = await buildSetup();
    const original = { "a.txt": NUMBERS, "b.txt": "b\r\nno newline at end", "old.txt": "old\n", "keep.txt": "keep\n" };
    await writeFiles(s, original);
    const { changeSetId } = await build(s, [
      editor({ command: "str_replace", path: "a.txt", old_str: "9\n", new_str: "NINE\n" }),
      { name: "delete_file", input: { path: "b.txt" } },
      { name: "rename_file", input: { path: "old.txt", new_path: "dir/new.txt" } },
      editor({ command: "create", path: "created.txt", file_text: "c\n" }),
    ]);
    // Someone edits a.txt meanwhile: the apply merges, and the revert must restore that merge's input.
    await s.alice.mutation(api.files.write, {
      projectId: s.projectId,
      path: "a.txt",
      content: NUMBERS.replace("1\n", "ONE\n"),
    });
    const before = await projectFiles(s);
    await s.alice.mutation(api.changeSets.apply, { changeSetId });
    expect(await projectFiles(s)).not.toEqual(before);
    const revertId = await s.bob.mutation(api.changeSets.revert, { changeSetId });
    const revert = await s.alice.query(api.changeSets.get, { changeSetId: revertId });
    expect(revert).toMatchObject({
      status: "proposed",
      revertOf: changeSetId,
      title: "Revert: Done: the app is ready.",
    });
    expect(revert.files.map((f) => [f.path, f.op])).toEqual([
      ["a.txt", "modify"],
      ["b.txt", "create"],
      ["created.txt", "delete"],
      ["dir/new.txt", "delete"],
      ["old.txt", "create"],
    ]);
    await s.bob.mutation(api.changeSets.apply, { changeSetId: revertId });
    expect(await projectFiles(s)).toEqual(before);
    await exactCounters(s);
  });

  test("only applied change sets revert", async () => {
    const s = await buildSetup();
    const { changeSetId } = await build(s, [editor({ command: "create", path: "x.txt", file_text: "x" })]);
    await expectCode(s.alice.mutation(api.changeSets.revert, { changeSetId }), "CONFLICT");
  });

  test("a version is restored as a change set that makes the project equal to it", async () => {
    const s = await buildSetup();
    await writeFiles(s, { "a.txt": "v1\n", "b.txt": "b\n" });
    const first = await build(s, [editor({ command: "create", path: "c.txt", file_text: "c\n" })]);
    const { versionId } = await s.alice.mutation(api.changeSets.apply, { changeSetId: first.changeSetId });
    const v1 = await projectFiles(s);
    const second = await build(s, [
      editor({ command: "create", path: "a.txt", file_text: "v2\n" }),
      { name: "delete_file", input: { path: "b.txt" } },
      editor({ command: "create", path: "d.txt", file_text: "d\n" }),
    ]);
    await s.alice.mutation(api.changeSets.apply, { changeSetId: second.changeSetId });
    const restoreId = await s.bob.mutation(api.changeSets.restoreVersion, {
      projectId: s.projectId,
      versionId: versionId!,
    });
    const restore = await s.alice.query(api.changeSets.get, { changeSetId: restoreId });
    expect(restore).toMatchObject({ status: "proposed", restoreOf: versionId });
    expect(restore.files.map((f) => [f.path, f.op])).toEqual([
      ["a.txt", "modify"],
      ["b.txt", "create"],
      ["d.txt", "delete"],
    ]);
    await s.alice.mutation(api.changeSets.apply, { changeSetId: restoreId });
    expect(await projectFiles(s)).toEqual(v1);
  });
});

describe("history", () => {
  test("projects.history lists versions newest first with the change set that made each; files.history the versions of one file", async () => {
    const s = await buildSetup();
    const one = await build(s, [editor({ command: "create", path: "a.txt", file_text: "1\n" })], { message: "one" });
    await s.alice.mutation(api.changeSets.apply, { changeSetId: one.changeSetId });
    const two = await build(s, [editor({ command: "str_replace", path: "a.txt", old_str: "1", new_str: "2" })], {
      message: "two",
    });
    const applied = await s.alice.mutation(api.changeSets.apply, { changeSetId: two.changeSetId });
    const three = await build(s, [
      { name: "delete_file", input: { path: "a.txt" } },
      editor({ command: "create", path: "b.txt", file_text: "b" }),
    ]);
    await s.alice.mutation(api.changeSets.apply, { changeSetId: three.changeSetId });

    const page1 = await s.carol.query(api.projects.history, {
      projectId: s.projectId,
      paginationOpts: { numItems: 2, cursor: null },
    });
    expect(page1.page.map((h) => h.changeSet?.changeSetId)).toEqual([three.changeSetId, two.changeSetId]);
    expect(page1.page[1]).toMatchObject({ versionId: applied.versionId, fileCount: 1, totalBytes: 2 });
    const page2 = await s.carol.query(api.projects.history, {
      projectId: s.projectId,
      paginationOpts: { numItems: 2, cursor: page1.continueCursor },
    });
    expect(page2.page.map((h) => h.changeSet?.changeSetId)).toEqual([one.changeSetId]);

    const fileHistory = await s.carol.query(api.files.history, { projectId: s.projectId, path: "a.txt" });
    expect(fileHistory.page.map((h) => [h.changeSetId, h.op, h.size])).toEqual([
      [three.changeSetId, "delete", 0],
      [two.changeSetId, "modify", 2],
      [one.changeSetId, "create", 2],
    ]);
    expect(fileHistory.page[1].versionId).toBe(applied.versionId);
    const paged = await s.carol.query(api.files.history, {
      projectId: s.projectId,
      path: "a.txt",
      paginationOpts: { numItems: 1, cursor: null },
    });
    expect(paged.page).toHaveLength(1);
    expect(paged.isDone).toBe(false);
  });

  test("changeSets.list is newest first and paginated; diff shows a unified diff and hunks", async () => {
    const s = await buildSetup();
    await writeFiles(s, { "a.txt": "a\nb\nc\n" });
    const first = await build(s, [editor({ command: "str_replace", path: "a.txt", old_str: "b", new_str: "B" })]);
    const second = await build(s, [{ name: "rename_file", input: { path: "a.txt", new_path: "z.txt" } }]);
    const list = await s.carol.query(api.changeSets.list, {
      projectId: s.projectId,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(list.page.map((c) => c._id)).toEqual([second.changeSetId, first.changeSetId]);
    const d = await s.carol.query(api.changeSets.diff, { changeSetId: first.changeSetId, path: "a.txt" });
    expect(d).toEqual({
      path: "a.txt",
      op: "modify",
      added: 1,
      removed: 1,
      tooLarge: false,
      unified: "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
      hunks: [{ oldStart: 1, oldLines: 3, newStart: 1, newLines: 3, lines: [" a", "-b", "+B", " c"] }],
    });
    const renamed = await s.carol.query(api.changeSets.diff, { changeSetId: second.changeSetId, path: "z.txt" });
    expect(renamed).toMatchObject({ op: "rename", fromPath: "a.txt", unified: "", hunks: [] });
    const deleted = await s.carol.query(api.changeSets.diff, { changeSetId: second.changeSetId, path: "a.txt" });
    expect(deleted.unified).toBe("--- a/a.txt\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-a\n-b\n-c\n");
    await expectCode(
      s.carol.query(api.changeSets.diff, { changeSetId: first.changeSetId as Id<"changeSets">, path: "nope.txt" }),
      "NOT_FOUND",
    );
  });
});
