// Runs one tool call of the build agent against a change set's working tree. Every
// outcome is a tool result: mistakes (no match, missing file, limits) come back as
// `isError: true` with a message Claude can act on; only our own bugs escape as throws.
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { putEntry, readWorkingText, storeText, workingFile, workingPaths, type FileEvent } from "./changeSetTree";
import {
  insertAfterLine,
  listDirectory,
  MAX_LISTED_PATHS,
  parseToolCall,
  replaceOnce,
  ToolError,
  viewFile,
} from "./textEditor";

export type ToolCall = { id: string; name: string; input: unknown };
export type ToolResult = { toolUseId: string; content: string; isError: boolean };

async function run(
  ctx: MutationCtx,
  cs: Doc<"changeSets">,
  project: Doc<"projects">,
  call: ToolCall,
): Promise<{ content: string; event?: FileEvent }> {
  const cmd = parseToolCall(call.name, call.input);
  const put = (path: string, next: { hash: string; size: number } | null, fromPath?: string | null) =>
    putEntry(ctx, cs, project, path, next, { fromPath, checkLimits: true });
  switch (cmd.tool) {
    case "view": {
      const file = cmd.isRoot ? null : await workingFile(ctx, cs, cmd.path);
      if (file) return { content: viewFile(cmd.path, await readWorkingText(ctx, cs, cmd.path), cmd.viewRange) };
      const { paths, truncated } = await workingPaths(ctx, cs, cmd.path === "" ? "" : `${cmd.path}/`, MAX_LISTED_PATHS);
      const listing = listDirectory(cmd.path, paths, truncated);
      if (listing === "")
        throw new ToolError(`The path ${cmd.path} does not exist. View "/" to see the project's files.`);
      return { content: listing };
    }
    case "create": {
      const event = await put(cmd.path, await storeText(ctx, cmd.path, cmd.fileText));
      return { content: `File created successfully at: ${cmd.path}`, event };
    }
    case "str_replace": {
      const text = replaceOnce(await readWorkingText(ctx, cs, cmd.path), cmd.oldStr, cmd.newStr);
      const event = await put(cmd.path, await storeText(ctx, cmd.path, text));
      return { content: "Successfully replaced text at exactly one location.", event };
    }
    case "insert": {
      const text = insertAfterLine(await readWorkingText(ctx, cs, cmd.path), cmd.insertLine, cmd.insertText);
      const event = await put(cmd.path, await storeText(ctx, cmd.path, text));
      return { content: `Successfully inserted text after line ${cmd.insertLine} of ${cmd.path}.`, event };
    }
    case "delete": {
      if (!(await workingFile(ctx, cs, cmd.path))) throw new ToolError(`The path ${cmd.path} does not exist.`);
      return { content: `Deleted ${cmd.path}.`, event: await put(cmd.path, null) };
    }
    case "rename": {
      const source = await workingFile(ctx, cs, cmd.path);
      if (!source) throw new ToolError(`The path ${cmd.path} does not exist.`);
      if (cmd.newPath === cmd.path) return { content: `${cmd.path} already has that name.` };
      if (await workingFile(ctx, cs, cmd.newPath))
        throw new ToolError(`${cmd.newPath} exists already; delete it first or pick another name.`);
      // The new entry remembers the project file the content came from (none when the source was created in this change set).
      const sourceEntry = await ctx.db
        .query("changeSetFiles")
        .withIndex("by_changeSetId_and_path", (q) => q.eq("changeSetId", cs._id).eq("path", cmd.path))
        .unique();
      const origin = sourceEntry
        ? (sourceEntry.fromPath ?? (sourceEntry.baseHash !== null ? cmd.path : null))
        : cmd.path;
      const event = await put(cmd.newPath, source, origin);
      await put(cmd.path, null);
      return { content: `Renamed ${cmd.path} to ${cmd.newPath}.`, event };
    }
  }
}

/** Executes one tool call; a ToolError becomes an error result, the edit (if any) its file event. */
export async function executeTool(
  ctx: MutationCtx,
  cs: Doc<"changeSets">,
  project: Doc<"projects">,
  call: ToolCall,
): Promise<{ result: ToolResult; event?: FileEvent }> {
  try {
    const { content, event } = await run(ctx, cs, project, call);
    return { result: { toolUseId: call.id, content, isError: false }, event };
  } catch (err) {
    if (err instanceof ToolError) return { result: { toolUseId: call.id, content: err.message, isError: true } };
    throw err;
  }
}
