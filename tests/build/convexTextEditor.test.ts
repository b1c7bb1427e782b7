// The pure parts of the build agent's tools and of change-set comparisons (no Convex).
import { describe, expect, test } from "vitest";
import { lineChanges, threeWayMerge, unifiedDiff } from "../../convex/lib/merge";
import {
  insertAfterLine,
  listDirectory,
  MAX_RESULT_CHARS,
  parseToolCall,
  replaceOnce,
  ToolError,
  toolPath,
  viewFile,
} from "../../convex/lib/textEditor";

const EDIT = "str_replace_based_edit_tool";

function toolError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ToolError) return err.message;
    throw err;
  }
  throw new Error("expected a ToolError");
}

describe("parseToolCall", () => {
  test("reads each command, normalising paths with or without a leading /", () => {
    expect(parseToolCall(EDIT, { command: "view", path: "/src/App.tsx", view_range: [2, -1] })).toEqual({
      tool: "view",
      path: "src/App.tsx",
      isRoot: false,
      viewRange: [2, -1],
    });
    for (const root of ["/", ".", "", "./"])
      expect(parseToolCall(EDIT, { command: "view", path: root })).toMatchObject({ isRoot: true, path: "" });
    expect(parseToolCall(EDIT, { command: "create", path: "a.txt", file_text: "x" })).toEqual({
      tool: "create",
      path: "a.txt",
      fileText: "x",
    });
    expect(parseToolCall(EDIT, { command: "str_replace", path: "./a.txt", old_str: "x" })).toEqual({
      tool: "str_replace",
      path: "a.txt",
      oldStr: "x",
      newStr: "",
    });
    expect(parseToolCall(EDIT, { command: "insert", path: "a.txt", insert_line: 0, insert_text: "y" })).toEqual({
      tool: "insert",
      path: "a.txt",
      insertLine: 0,
      insertText: "y",
    });
    expect(parseToolCall("delete_file", { path: "/a.txt" })).toEqual({ tool: "delete", path: "a.txt" });
    expect(parseToolCall("rename_file", { path: "a.txt", new_path: "/b/c.txt" })).toEqual({
      tool: "rename",
      path: "a.txt",
      newPath: "b/c.txt",
    });
  });

  test.each([
    [
      EDIT,
      { command: "undo_edit", path: "a" },
      'Unknown command "undo_edit"; use one of view, create, str_replace, insert.',
    ],
    [EDIT, { path: "a" }, "Unknown command undefined; use one of view, create, str_replace, insert."],
    [EDIT, { command: "create", path: "a" }, "Missing or invalid parameter `file_text` (a string)."],
    [EDIT, { command: "create", file_text: "x" }, "Missing required parameter `path` (a string)."],
    [EDIT, { command: "str_replace", path: "a", old_str: "" }, "`old_str` must not be empty."],
    [
      EDIT,
      { command: "str_replace", path: "a", old_str: "x", new_str: 3 },
      "Missing or invalid parameter `new_str` (a string).",
    ],
    [
      EDIT,
      { command: "insert", path: "a", insert_line: 1.5, insert_text: "x" },
      "Missing or invalid parameter `insert_line` (an integer).",
    ],
    [
      EDIT,
      { command: "view", path: "a", view_range: [1] },
      "`view_range` must be two integers [start_line, end_line] (end_line -1 = to the end).",
    ],
    [EDIT, "not an object", "The tool input must be a JSON object."],
    ["bash", { command: "ls" }, 'Unknown tool "bash".'],
    ["rename_file", { path: "a" }, "Missing required parameter `new_path` (a string)."],
  ])("%s %j → %s", (name, input, message) => {
    expect(toolError(() => parseToolCall(name, input))).toBe(message);
  });

  test("odd paths are error results naming the problem", () => {
    expect(toolError(() => toolPath("../etc/passwd"))).toBe(
      'Invalid `path` "../etc/passwd": Path contains a ".." segment.',
    );
    expect(toolError(() => toolPath("a//b"))).toContain("empty segment");
  });
});

describe("view", () => {
  const text = "one\ntwo\nthree\n";
  test("numbers lines cat -n style, whole or a range (end -1 = to the end)", () => {
    expect(viewFile("a", text)).toBe("     1\tone\n     2\ttwo\n     3\tthree");
    expect(viewFile("a", text, [2, -1])).toBe("     2\ttwo\n     3\tthree");
    expect(viewFile("a", text, [1, 1])).toBe("     1\tone");
    expect(viewFile("a", text, [2, 99])).toBe("     2\ttwo\n     3\tthree");
    expect(viewFile("a", "")).toBe("a is empty.");
  });
  test("a bad range is an error result", () => {
    expect(toolError(() => viewFile("a", text, [0, 2]))).toContain("start must be between 1 and 3");
    expect(toolError(() => viewFile("a", text, [3, 2]))).toContain("end must be -1 or at least start");
  });
  test("long output is cut with a hint", () => {
    const big = Array.from({ length: 10_000 }, (_, i) => `line ${i} ${"x".repeat(20)}`).join("\n");
    const out = viewFile("big", big);
    expect(out.length).toBeLessThan(MAX_RESULT_CHARS + 200);
    expect(out).toMatch(/Output truncated after 40000 characters\. View a smaller part with `view_range`\.\]$/);
  });
  test("a directory lists the paths under it", () => {
    const paths = ["README.md", "src/App.tsx", "src/main.tsx", "srcx/other.ts"];
    expect(listDirectory("", paths, false)).toBe(paths.join("\n"));
    expect(listDirectory("src", paths, false)).toBe("src/App.tsx\nsrc/main.tsx");
    expect(listDirectory("nope", paths, false)).toBe("");
    expect(listDirectory("", [], false)).toBe("The project has no files yet.");
  });
});

describe("str_replace and insert", () => {
  test("exactly one match is replaced; zero and several are Anthropic's error messages", () => {
    expect(replaceOnce("a b c", "b", "B")).toBe("a B c");
    expect(toolError(() => replaceOnce("a b c", "x", "y"))).toBe(
      "No match found for replacement text. Please check your text and try again.",
    );
    expect(toolError(() => replaceOnce("b b b", "b", "y"))).toBe(
      "Found 3 matches for replacement text. Please provide more context to make a unique match.",
    );
  });
  test("insert places lines after insert_line (0 = top) and keeps the final newline as it was", () => {
    expect(insertAfterLine("a\nb\n", 0, "x")).toBe("x\na\nb\n");
    expect(insertAfterLine("a\nb\n", 1, "x\ny\n")).toBe("a\nx\ny\nb\n");
    expect(insertAfterLine("a\nb\n", 2, "x")).toBe("a\nb\nx\n");
    expect(insertAfterLine("a\nb", 2, "x")).toBe("a\nb\nx");
    expect(insertAfterLine("", 0, "x")).toBe("x\n");
    expect(toolError(() => insertAfterLine("a\n", 2, "x"))).toBe(
      "Invalid `insert_line` 2: it must be between 0 and 1 (the file's line count).",
    );
  });
});

describe("line counts, unified diff and three-way merge", () => {
  test("lineChanges counts added and removed lines", () => {
    expect(lineChanges("a\nb\nc\n", "a\nB\nc\nd\n")).toEqual({ added: 2, removed: 1 });
    expect(lineChanges("", "x\ny\n")).toEqual({ added: 2, removed: 0 });
    expect(lineChanges("same", "same")).toEqual({ added: 0, removed: 0 });
  });
  test("unifiedDiff gives a git-style patch and its hunks", () => {
    const { unified, hunks } = unifiedDiff("a.txt", "a.txt", "a\nb\nc\n", "a\nB\nc\n");
    expect(unified).toBe("--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    expect(hunks).toEqual([{ oldStart: 1, oldLines: 3, newStart: 1, newLines: 3, lines: [" a", "-b", "+B", " c"] }]);
    expect(unifiedDiff(null, "n.txt", "", "x\n").unified).toBe("--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,1 @@\n+x\n");
  });
  test("edits of different regions merge cleanly, byte for byte", () => {
    const base = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const theirs = "ONE\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const ours = "1\n2\n3\n4\n5\n6\n7\n8\nNINE\n";
    expect(threeWayMerge(base, theirs, ours)).toBe("ONE\n2\n3\n4\n5\n6\n7\n8\nNINE\n");
    expect(threeWayMerge("a\r\nb\r\n", "a\r\nb\r\n", "a\r\nB\r\n")).toBe("a\r\nB\r\n");
  });
  test("edits of the same line conflict (null)", () => {
    expect(threeWayMerge("a\nb\nc\n", "a\nX\nc\n", "a\nY\nc\n")).toBeNull();
  });
});
