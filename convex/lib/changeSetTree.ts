// The working tree of a change set: the project's files with the change set's entries on
// top. One entry per path says what the path holds once applied (a content hash, or null
// = absent) and what the project held when the change set first touched it (the base).
// A rename is two entries: the old path deleted, the new path holding the content with
// `fromPath`. An entry that ends up equal to its base is dropped. The project's limits are
// counted on top: its counters plus the change set's running `fileDelta` / `byteDelta`.
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { ChangeOp } from "../validators";
import { blobByHash, INLINE_LIMIT_BYTES, putInlineBlob } from "./blobs";
import { hashText } from "./hash";
import { lineChanges } from "./merge";
import { prefixEnd } from "./paths";
import { fileAt, MAX_FILE_BYTES, MAX_PROJECT_BYTES, MAX_PROJECT_FILES } from "./projectFiles";
import { ToolError } from "./textEditor";

/** Paths one change set may touch (apply writes them all in one transaction). */
export const MAX_CHANGE_SET_FILES = 1_000;

export type Content = { hash: string; size: number };
export type FileEvent = { changeSetId: Id<"changeSets">; path: string; op: ChangeOp; added: number; removed: number };

export async function entryAt(ctx: QueryCtx, changeSetId: Id<"changeSets">, path: string) {
  return await ctx.db
    .query("changeSetFiles")
    .withIndex("by_changeSetId_and_path", (q) => q.eq("changeSetId", changeSetId).eq("path", path))
    .unique();
}

/** Every entry of a change set, path order (bounded by MAX_CHANGE_SET_FILES). */
export async function entriesOf(ctx: QueryCtx, changeSetId: Id<"changeSets">): Promise<Doc<"changeSetFiles">[]> {
  return await ctx.db
    .query("changeSetFiles")
    .withIndex("by_changeSetId_and_path", (q) => q.eq("changeSetId", changeSetId))
    .take(MAX_CHANGE_SET_FILES + 1);
}

/** A blob's text when it is stored inline; null when missing or in file storage (over 512 KB). */
export async function inlineText(ctx: QueryCtx, hash: string): Promise<string | null> {
  const blob = await blobByHash(ctx, hash);
  return blob && blob.storageId === undefined ? (blob.content ?? "") : null;
}

/** What `path` holds in the working tree (null: absent). */
export async function workingFile(ctx: QueryCtx, cs: Doc<"changeSets">, path: string): Promise<Content | null> {
  const entry = await entryAt(ctx, cs._id, path);
  if (entry) return entry.hash === null ? null : { hash: entry.hash, size: entry.size };
  const file = await fileAt(ctx, cs.projectId, path);
  return file ? { hash: file.hash, size: file.size } : null;
}

/** The working tree's text of `path`, or ToolError (absent, or too large for the agent). */
export async function readWorkingText(ctx: QueryCtx, cs: Doc<"changeSets">, path: string): Promise<string> {
  const file = await workingFile(ctx, cs, path);
  if (!file) throw new ToolError(`The path ${path} does not exist. View the directory to see the files.`);
  const text = await inlineText(ctx, file.hash);
  if (text === null)
    throw new ToolError(
      `${path} is ${file.size} bytes, larger than the ${INLINE_LIMIT_BYTES / 1024} KB the build agent can read or edit.`,
    );
  return text;
}

/** Working-tree paths under `prefix` ("" = all), sorted, at most `cap`. */
export async function workingPaths(
  ctx: QueryCtx,
  cs: Doc<"changeSets">,
  prefix: string,
  cap: number,
): Promise<{ paths: string[]; truncated: boolean }> {
  const end = prefixEnd(prefix);
  const files = await ctx.db
    .query("files")
    .withIndex("by_projectId_and_path", (q) => {
      const inProject = q.eq("projectId", cs.projectId);
      if (prefix === "") return inProject;
      return end === null ? inProject.gte("path", prefix) : inProject.gte("path", prefix).lt("path", end);
    })
    .take(MAX_PROJECT_FILES);
  const paths = new Set(files.map((f) => f.path));
  for (const e of await entriesOf(ctx, cs._id)) {
    if (!e.path.startsWith(prefix)) continue;
    if (e.hash === null) paths.delete(e.path);
    else paths.add(e.path);
  }
  const sorted = [...paths].sort();
  return { paths: sorted.slice(0, cap), truncated: sorted.length > cap };
}

/** Stores a tool's text as a blob; ToolError past the per-file limits. */
export async function storeText(ctx: MutationCtx, path: string, text: string): Promise<Content> {
  const { hash, size } = await hashText(text);
  if (size > MAX_FILE_BYTES)
    throw new ToolError(`${path} would be ${size} bytes; a file may be at most ${MAX_FILE_BYTES} bytes (10 MB).`);
  if (size > INLINE_LIMIT_BYTES) {
    throw new ToolError(
      `${path} would be ${size} bytes; the build agent writes files of at most ${INLINE_LIMIT_BYTES} bytes (512 KB). Split it into smaller files.`,
    );
  }
  await putInlineBlob(ctx, hash, text, size);
  return { hash, size };
}

export function opOf(hash: string | null, baseHash: string | null, fromPath: string | undefined): ChangeOp {
  if (hash === null) return "delete";
  if (fromPath !== undefined) return "rename";
  return baseHash === null ? "create" : "modify";
}

function contribution(e: { hash: string | null; baseHash: string | null; size: number; baseSize: number } | null) {
  if (!e) return { files: 0, bytes: 0 };
  return { files: (e.hash !== null ? 1 : 0) - (e.baseHash !== null ? 1 : 0), bytes: e.size - e.baseSize };
}

/**
 * Sets what `path` holds in the change set (null: deleted). `fromPath` undefined keeps the
 * entry's own; null clears it. With `checkLimits`, the project's limits (counted with the
 * change set on top) and the change set's own are ToolErrors. Patches `cs` in place too.
 */
export async function putEntry(
  ctx: MutationCtx,
  cs: Doc<"changeSets">,
  project: Doc<"projects">,
  path: string,
  next: Content | null,
  opts: { fromPath?: string | null; base?: { hash: string | null; size: number }; checkLimits?: boolean } = {},
): Promise<FileEvent> {
  const existing = await entryAt(ctx, cs._id, path);
  const projectFile = existing || opts.base ? null : await fileAt(ctx, project._id, path);
  const base = existing
    ? { hash: existing.baseHash, size: existing.baseSize }
    : (opts.base ?? { hash: projectFile?.hash ?? null, size: projectFile?.size ?? 0 });
  const fromPath = opts.fromPath === undefined ? existing?.fromPath : (opts.fromPath ?? undefined);
  const hash = next?.hash ?? null;
  const size = next?.size ?? 0;
  const unchanged = hash === base.hash && fromPath === undefined;
  const before = contribution(existing);
  const after = unchanged
    ? { files: 0, bytes: 0 }
    : contribution({ hash, size, baseHash: base.hash, baseSize: base.size });
  const fileDelta = cs.fileDelta - before.files + after.files;
  const byteDelta = cs.byteDelta - before.bytes + after.bytes;
  const fileCount = cs.fileCount - (existing ? 1 : 0) + (unchanged ? 0 : 1);
  if (opts.checkLimits) {
    if (after.files > before.files && project.fileCount + fileDelta > MAX_PROJECT_FILES) {
      throw new ToolError(
        `A project may hold at most ${MAX_PROJECT_FILES} files (counting this change set); delete files first.`,
      );
    }
    if (after.bytes > before.bytes && project.totalBytes + byteDelta > MAX_PROJECT_BYTES) {
      throw new ToolError(
        `A project may hold at most ${MAX_PROJECT_BYTES} bytes (100 MB) of files (counting this change set).`,
      );
    }
    if (fileCount > MAX_CHANGE_SET_FILES)
      throw new ToolError(`One change set may touch at most ${MAX_CHANGE_SET_FILES} files.`);
  }
  // Line counts compare with the base (for a rename: with the file it came from).
  const compareHash =
    base.hash ?? (fromPath !== undefined ? ((await fileAt(ctx, project._id, fromPath))?.hash ?? null) : null);
  const beforeText = compareHash === null ? "" : ((await inlineText(ctx, compareHash)) ?? "");
  const afterText = hash === null ? "" : ((await inlineText(ctx, hash)) ?? "");
  const { added, removed } = lineChanges(beforeText, afterText);
  const op = opOf(hash, base.hash, fromPath);
  const now = Date.now();
  if (unchanged) {
    if (existing) await ctx.db.delete("changeSetFiles", existing._id);
  } else {
    const row = { op, fromPath, baseHash: base.hash, baseSize: base.size, hash, size, added, removed, updatedAt: now };
    if (existing) await ctx.db.replace("changeSetFiles", existing._id, { changeSetId: cs._id, path, ...row });
    else await ctx.db.insert("changeSetFiles", { changeSetId: cs._id, path, ...row });
  }
  Object.assign(cs, { fileCount, fileDelta, byteDelta, updatedAt: now });
  await ctx.db.patch("changeSets", cs._id, { fileCount, fileDelta, byteDelta, updatedAt: now });
  return { changeSetId: cs._id, path, op, added, removed };
}
