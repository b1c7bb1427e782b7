// The build agent's file tools as pure functions over text: Anthropic's text editor tool
// (`str_replace_based_edit_tool`: view, create, str_replace, insert) plus delete_file and
// rename_file. Mistakes Claude can fix are thrown as ToolError, which the caller turns into
// an error tool result (never a failed mutation). Nothing here touches the database.
import { errorData } from "./errors";
import { normalizePath } from "./paths";

export const EDITOR_TOOL = "str_replace_based_edit_tool";
export const DELETE_TOOL = "delete_file";
export const RENAME_TOOL = "rename_file";

/** Longest tool result returned to Claude (characters); longer output says how to narrow it. */
export const MAX_RESULT_CHARS = 40_000;
/** Most entries a directory view lists. */
export const MAX_LISTED_PATHS = 1_000;

export class ToolError extends Error {}

export type ToolCommand =
  | { tool: "view"; path: string; isRoot: boolean; viewRange?: [number, number] }
  | { tool: "create"; path: string; fileText: string }
  | { tool: "str_replace"; path: string; oldStr: string; newStr: string }
  | { tool: "insert"; path: string; insertLine: number; insertText: string }
  | { tool: "delete"; path: string }
  | { tool: "rename"; path: string; newPath: string };

/** A tool path ("/src/App.tsx", "src/App.tsx", "./src/App.tsx") as a stored project path. */
export function toolPath(raw: unknown, field = "path"): string {
  if (typeof raw !== "string") throw new ToolError(`Missing required parameter \`${field}\` (a string).`);
  try {
    return normalizePath(raw.replace(/^\/+/, ""));
  } catch (err) {
    throw new ToolError(
      `Invalid \`${field}\` ${JSON.stringify(raw.slice(0, 200))}: ${errorData(err)?.message ?? "not a valid path"}.`,
    );
  }
}

const ROOTS = new Set(["", "/", ".", "./"]);

function stringField(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== "string") throw new ToolError(`Missing or invalid parameter \`${name}\` (a string).`);
  return value;
}

function integerField(input: Record<string, unknown>, name: string): number {
  const value = input[name];
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ToolError(`Missing or invalid parameter \`${name}\` (an integer).`);
  }
  return value;
}

/** Reads one tool call's name and input into a command, or throws ToolError naming what is wrong. */
export function parseToolCall(name: string, rawInput: unknown): ToolCommand {
  if (typeof rawInput !== "object" || rawInput === null || Array.isArray(rawInput)) {
    throw new ToolError("The tool input must be a JSON object.");
  }
  const input = rawInput as Record<string, unknown>;
  if (name === DELETE_TOOL) return { tool: "delete", path: toolPath(input.path) };
  if (name === RENAME_TOOL)
    return { tool: "rename", path: toolPath(input.path), newPath: toolPath(input.new_path, "new_path") };
  if (name !== EDITOR_TOOL) throw new ToolError(`Unknown tool ${JSON.stringify(name)}.`);
  const command = input.command;
  switch (command) {
    case "view": {
      const raw = input.path;
      const isRoot = typeof raw === "string" && ROOTS.has(raw);
      const range = input.view_range;
      let viewRange: [number, number] | undefined;
      if (range !== undefined && range !== null) {
        if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isInteger(n))) {
          throw new ToolError("`view_range` must be two integers [start_line, end_line] (end_line -1 = to the end).");
        }
        viewRange = [range[0] as number, range[1] as number];
      }
      return { tool: "view", path: isRoot ? "" : toolPath(raw), isRoot, viewRange };
    }
    case "create":
      return { tool: "create", path: toolPath(input.path), fileText: stringField(input, "file_text") };
    case "str_replace": {
      const oldStr = stringField(input, "old_str");
      if (oldStr === "") throw new ToolError("`old_str` must not be empty.");
      return {
        tool: "str_replace",
        path: toolPath(input.path),
        oldStr,
        newStr: input.new_str === undefined ? "" : stringField(input, "new_str"),
      };
    }
    case "insert":
      return {
        tool: "insert",
        path: toolPath(input.path),
        insertLine: integerField(input, "insert_line"),
        insertText: stringField(input, "insert_text"),
      };
    default:
      throw new ToolError(`Unknown command ${JSON.stringify(command)}; use one of view, create, str_replace, insert.`);
  }
}

/** The lines of a text ("a\nb\n" has two lines; "" has none). */
export function linesOf(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function capResult(text: string, hint: string): string {
  if (text.length <= MAX_RESULT_CHARS) return text;
  return `${text.slice(0, MAX_RESULT_CHARS)}\n[Output truncated after ${MAX_RESULT_CHARS} characters. ${hint}]`;
}

/** A file's lines numbered `cat -n` style ("     1\tline"), optionally a 1-based inclusive range (end -1 = to the end). */
export function viewFile(path: string, text: string, viewRange?: [number, number]): string {
  const lines = linesOf(text);
  let start = 1;
  let end = lines.length;
  if (viewRange) {
    [start, end] = viewRange;
    if (end === -1) end = lines.length;
    if (start < 1 || start > Math.max(lines.length, 1)) {
      throw new ToolError(
        `Invalid \`view_range\` [${viewRange.join(", ")}]: start must be between 1 and ${lines.length} (the file's line count).`,
      );
    }
    if (end < start)
      throw new ToolError(`Invalid \`view_range\` [${viewRange.join(", ")}]: end must be -1 or at least start.`);
    end = Math.min(end, lines.length);
  }
  if (lines.length === 0) return `${path} is empty.`;
  const out = lines
    .slice(start - 1, end)
    .map((line, i) => `${String(start + i).padStart(6)}\t${line}`)
    .join("\n");
  return capResult(out, "View a smaller part with `view_range`.");
}

/** The paths under a directory (`dir` "" = the whole project), one per line. */
export function listDirectory(dir: string, paths: string[], truncated: boolean): string {
  const prefix = dir === "" ? "" : `${dir}/`;
  const under = paths.filter((p) => p.startsWith(prefix));
  if (under.length === 0) return dir === "" ? "The project has no files yet." : "";
  const shown = under.slice(0, MAX_LISTED_PATHS);
  const more = under.length > shown.length || truncated ? `\n[More files exist; view a subdirectory to see them.]` : "";
  return capResult(shown.join("\n") + more, "View a subdirectory to see fewer files.");
}

function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** `text` with the one occurrence of `oldStr` replaced; zero or several occurrences are errors. */
export function replaceOnce(text: string, oldStr: string, newStr: string): string {
  const n = occurrences(text, oldStr);
  if (n === 0) throw new ToolError("No match found for replacement text. Please check your text and try again.");
  if (n > 1)
    throw new ToolError(`Found ${n} matches for replacement text. Please provide more context to make a unique match.`);
  const at = text.indexOf(oldStr);
  return text.slice(0, at) + newStr + text.slice(at + oldStr.length);
}

/** `text` with `insertText` placed after line `insertLine` (0 = at the top). */
export function insertAfterLine(text: string, insertLine: number, insertText: string): string {
  const lines = linesOf(text);
  if (insertLine < 0 || insertLine > lines.length) {
    throw new ToolError(
      `Invalid \`insert_line\` ${insertLine}: it must be between 0 and ${lines.length} (the file's line count).`,
    );
  }
  const inserted = linesOf(insertText.endsWith("\n") ? insertText : `${insertText}\n`);
  const endsWithNewline = text === "" || text.endsWith("\n");
  const all = [...lines.slice(0, insertLine), ...inserted, ...lines.slice(insertLine)];
  return all.join("\n") + (endsWithNewline ? "\n" : "");
}
