// Each tool command executed by the turn mutation against the change set: results, file
// events, error results, and that the project's own files are never touched.
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import {
  begin,
  buildSetup,
  editor,
  projectFiles,
  projectRow,
  turn,
  writeFiles,
  type BuildSetup,
} from "./convexHelpers";

async function started(
  files: Record<string, string> = {
    "src/App.tsx": "export default function App() {\n  return <h1>Hi</h1>;\n}\n",
    "README.md": "# Shop\n",
  },
) {
  const s = await buildSetup();
  if (Object.keys(files).length) await writeFiles(s, files);
  const b = await begin(s);
  let current = { requestId: b.requestId as string, changeSetId: b.changeSetId as string };
  /** Runs one turn's calls and moves on to the next request. */
  const run = async (...calls: Parameters<typeof turn>[2]) => {
    const answer = await turn(s, current, calls);
    if (answer.next) current = { ...current, requestId: answer.next.requestId };
    return answer;
  };
  return { s, b, run };
}

async function entries(s: BuildSetup, changeSetId: string) {
  return (await s.alice.query(api.changeSets.get, { changeSetId: changeSetId as never })).files;
}

describe("view", () => {
  test("a file with numbered lines, a range, the root and a directory", async () => {
    const { run } = await started();
    const a = await run(
      editor({ command: "view", path: "/src/App.tsx" }),
      editor({ command: "view", path: "src/App.tsx", view_range: [2, 2] }),
      editor({ command: "view", path: "/" }),
      editor({ command: "view", path: "src" }),
    );
    expect(a.results.map((r) => [r.content, r.isError])).toEqual([
      ["     1\texport default function App() {\n     2\t  return <h1>Hi</h1>;\n     3\t}", false],
      ["     2\t  return <h1>Hi</h1>;", false],
      ["README.md\nsrc/App.tsx", false],
      ["src/App.tsx", false],
    ]);
    expect(a.files).toEqual([]);
  });

  test("a missing path and an over-long range are error results; later calls still run", async () => {
    const { run } = await started();
    const a = await run(
      editor({ command: "view", path: "nope.ts" }),
      editor({ command: "view", path: "README.md", view_range: [5, -1] }),
      editor({ command: "view", path: "README.md" }),
    );
    expect(a.results.map((r) => r.isError)).toEqual([true, true, false]);
    expect(a.results[0].content).toBe('The path nope.ts does not exist. View "/" to see the project\'s files.');
    expect(a.results[1].content).toContain("start must be between 1 and 1");
  });

  test("sees the change set on top of the project (created, edited and deleted paths)", async () => {
    const { run } = await started();
    await run(
      editor({ command: "create", path: "src/new.ts", file_text: "new\n" }),
      { name: "delete_file", input: { path: "README.md" } },
      editor({ command: "str_replace", path: "src/App.tsx", old_str: "Hi", new_str: "Hello" }),
    );
    const a = await run(
      editor({ command: "view", path: "/" }),
      editor({ command: "view", path: "src/App.tsx", view_range: [2, 2] }),
      editor({ command: "view", path: "README.md" }),
    );
    expect(a.results[0].content).toBe("src/App.tsx\nsrc/new.ts");
    expect(a.results[1].content).toBe("     2\t  return <h1>Hello</h1>;");
    expect(a.results[2].isError).toBe(true);
  });
});

describe("create, str_replace, insert, delete_file, rename_file", () => {
  test("each edit lands in the change set with its op and line counts; the project is unchanged", async () => {
    const { s, b, run } = await started();
    const before = await projectFiles(s);
    const a = await run(
      editor({ command: "create", path: "/src/main.tsx", file_text: "import App from './App';\nApp();\n" }),
      editor({ command: "create", path: "README.md", file_text: "# Shop\n\nA shop.\n" }),
      editor({ command: "str_replace", path: "src/App.tsx", old_str: "<h1>Hi</h1>", new_str: "<h1>Hello</h1>" }),
      editor({ command: "insert", path: "src/main.tsx", insert_line: 0, insert_text: "// entry" }),
    );
    expect(a.results.map((r) => r.content)).toEqual([
      "File created successfully at: src/main.tsx",
      "File created successfully at: README.md",
      "Successfully replaced text at exactly one location.",
      "Successfully inserted text after line 0 of src/main.tsx.",
    ]);
    expect(a.files).toEqual([
      { changeSetId: b.changeSetId, path: "src/main.tsx", op: "create", added: 2, removed: 0 },
      { changeSetId: b.changeSetId, path: "README.md", op: "modify", added: 2, removed: 0 },
      { changeSetId: b.changeSetId, path: "src/App.tsx", op: "modify", added: 1, removed: 1 },
      { changeSetId: b.changeSetId, path: "src/main.tsx", op: "create", added: 3, removed: 0 },
    ]);
    expect(await projectFiles(s)).toEqual(before);
    expect((await entries(s, b.changeSetId)).map((e) => [e.path, e.op])).toEqual([
      ["README.md", "modify"],
      ["src/App.tsx", "modify"],
      ["src/main.tsx", "create"],
    ]);
    expect(a.changeSet.files).toBe(3);
  });

  test("str_replace with no match or several is an error result and changes nothing", async () => {
    const { s, b, run } = await started({ "a.txt": "x x\n" });
    const a = await run(
      editor({ command: "str_replace", path: "a.txt", old_str: "y", new_str: "z" }),
      editor({ command: "str_replace", path: "a.txt", old_str: "x", new_str: "z" }),
      editor({ command: "str_replace", path: "missing.txt", old_str: "x", new_str: "z" }),
      editor({ command: "insert", path: "a.txt", insert_line: 9, insert_text: "z" }),
      editor({ command: "undo_edit", path: "a.txt" }),
    );
    expect(a.results.map((r) => [r.isError, r.content])).toEqual([
      [true, "No match found for replacement text. Please check your text and try again."],
      [true, "Found 2 matches for replacement text. Please provide more context to make a unique match."],
      [true, "The path missing.txt does not exist. View the directory to see the files."],
      [true, "Invalid `insert_line` 9: it must be between 0 and 1 (the file's line count)."],
      [true, 'Unknown command "undo_edit"; use one of view, create, str_replace, insert.'],
    ]);
    expect(a.files).toEqual([]);
    expect(await entries(s, b.changeSetId)).toEqual([]);
  });

  test("delete_file and rename_file; a rename keeps where it came from, an edit back to the base drops the entry", async () => {
    const { s, b, run } = await started({ "a.txt": "alpha\n", "b.txt": "beta\n", "c.txt": "gamma\n" });
    const a = await run(
      { name: "delete_file", input: { path: "/a.txt" } },
      { name: "rename_file", input: { path: "b.txt", new_path: "docs/b.md" } },
      { name: "rename_file", input: { path: "c.txt", new_path: "docs/b.md" } },
      { name: "delete_file", input: { path: "a.txt" } },
      editor({ command: "create", path: "tmp.txt", file_text: "t\n" }),
      { name: "delete_file", input: { path: "tmp.txt" } },
      editor({ command: "create", path: "c.txt", file_text: "changed\n" }),
      editor({ command: "create", path: "c.txt", file_text: "gamma\n" }),
    );
    expect(a.results.map((r) => r.isError)).toEqual([false, false, true, true, false, false, false, false]);
    expect(a.results[2].content).toBe("docs/b.md exists already; delete it first or pick another name.");
    expect(a.results[3].content).toBe("The path a.txt does not exist.");
    const files = await entries(s, b.changeSetId);
    expect(
      files.map((e) => ({ path: e.path, op: e.op, fromPath: e.fromPath, added: e.added, removed: e.removed })),
    ).toEqual([
      { path: "a.txt", op: "delete", fromPath: undefined, added: 0, removed: 1 },
      { path: "b.txt", op: "delete", fromPath: undefined, added: 0, removed: 1 },
      { path: "docs/b.md", op: "rename", fromPath: "b.txt", added: 0, removed: 0 },
    ]);
    expect(files.find((e) => e.path === "docs/b.md")!.baseHash).toBeNull();
  });

  test("limits are error results: 512 KB per edited file, 5,000 files per project counting the change set", async () => {
    const { s, run } = await started({});
    const big = await run(editor({ command: "create", path: "big.txt", file_text: "x".repeat(600 * 1024) }));
    expect(big.results[0]).toMatchObject({
      isError: true,
      content: expect.stringContaining("at most 524288 bytes (512 KB)"),
    });
    await s.t.run(async (ctx) => {
      await ctx.db.patch("projects", s.projectId, { fileCount: 4999 });
    });
    const a = await run(
      editor({ command: "create", path: "one.txt", file_text: "1" }),
      editor({ command: "create", path: "two.txt", file_text: "2" }),
      editor({ command: "create", path: "one.txt", file_text: "1 again" }),
    );
    expect(a.results.map((r) => r.isError)).toEqual([false, true, false]);
    expect(a.results[1].content).toBe(
      "A project may hold at most 5000 files (counting this change set); delete files first.",
    );
    expect((await projectRow(s)).fileCount).toBe(4999);
  });

  test("100 MB per project counts the change set's bytes on top", async () => {
    const { s, run } = await started({});
    await s.t.run(async (ctx) => {
      await ctx.db.patch("projects", s.projectId, { totalBytes: 100 * 1024 * 1024 - 10 });
    });
    const a = await run(
      editor({ command: "create", path: "a.txt", file_text: "12345" }),
      editor({ command: "create", path: "b.txt", file_text: "123456" }),
    );
    expect(a.results.map((r) => r.isError)).toEqual([false, true]);
    expect(a.results[1].content).toContain("100 MB");
  });
});
