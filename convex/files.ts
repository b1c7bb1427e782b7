// Project files: normalized paths pointing at content-addressed blobs.
// Read = viewer; write / rename / remove / upload = editor or owner.
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { requireProjectRole } from "./lib/access";
import { userMutation, userQuery } from "./lib/auth";
import {
  blobByHash,
  blobContent,
  INLINE_LIMIT_BYTES,
  putInlineBlob,
  putStorageBlob,
  type BlobContent,
} from "./lib/blobs";
import { fail } from "./lib/errors";
import { base64ToHex, hashText } from "./lib/hash";
import { languageForPath } from "./lib/languages";
import { normalizePath, normalizePrefix, prefixEnd } from "./lib/paths";
import {
  applyFileChanges,
  checkExpectedHash,
  checkFileSize,
  checkProjectQuota,
  currentFileSet,
  deltasOf,
  fileAt,
  fileInfo,
  type FileChange,
  type FileInfo,
} from "./lib/projectFiles";
import { touchProject } from "./lib/projects";

export const MAX_FILES_PER_WRITE = 100;
/** writeMany's total content, kept well inside Convex's per-transaction read/write limits. */
export const MAX_WRITE_MANY_BYTES = 8 * 1024 * 1024;
const MAX_LIST_PAGE = 500;
export const MAX_HASHES_PER_CALL = 100;
/** blobsForHashes stops once this much inline content is collected (Convex caps a query's reads). */
export const BLOB_READ_BUDGET_BYTES = 8 * 1024 * 1024;

const vFileInfo = v.object({
  path: v.string(),
  hash: v.string(),
  size: v.number(),
  language: v.string(),
  updatedAt: v.number(),
});
const vFileEntry = v.object({ path: v.string(), hash: v.string(), size: v.number() });

function refuseLargeInline(path: string, size: number): void {
  if (size > INLINE_LIMIT_BYTES) {
    fail(
      "PAYLOAD_TOO_LARGE",
      `${path} is ${size} bytes; files.write takes up to ${INLINE_LIMIT_BYTES} bytes (512 KB). ` +
        "Upload larger content with files.generateUploadUrl, then files.commitUpload.",
      { limit: INLINE_LIMIT_BYTES },
    );
  }
}

/** Creates or overwrites one text file. With `expectedHash`, only if the file still has that content. */
export const write = userMutation({
  args: { projectId: v.id("projects"), path: v.string(), content: v.string(), expectedHash: v.optional(v.string()) },
  returns: vFileInfo,
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    const path = normalizePath(args.path);
    const { hash, size } = await hashText(args.content);
    refuseLargeInline(path, size);
    const existing = await fileAt(ctx, project._id, path);
    checkExpectedHash(path, existing, args.expectedHash);
    const change: FileChange = { path, hash, size, existing };
    const d = deltasOf([change]);
    checkProjectQuota(project, d.files, d.bytes);
    await putInlineBlob(ctx, hash, args.content, size);
    await applyFileChanges(ctx, project, ctx.user, [change]);
    return fileInfo((await fileAt(ctx, project._id, path))!);
  },
});

/** Writes up to 100 text files at once: every file is checked before any is written. */
export const writeMany = userMutation({
  args: {
    projectId: v.id("projects"),
    files: v.array(v.object({ path: v.string(), content: v.string() })),
  },
  returns: v.array(vFileInfo),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    if (args.files.length > MAX_FILES_PER_WRITE) {
      fail("INVALID", `writeMany takes at most ${MAX_FILES_PER_WRITE} files; got ${args.files.length}`, {
        limit: MAX_FILES_PER_WRITE,
      });
    }
    const seen = new Set<string>();
    const prepared: { path: string; content: string; hash: string; size: number }[] = [];
    for (const f of args.files) {
      const path = normalizePath(f.path);
      if (seen.has(path)) fail("INVALID", `${path} appears twice in one writeMany`, { path });
      seen.add(path);
      const { hash, size } = await hashText(f.content);
      refuseLargeInline(path, size);
      prepared.push({ path, content: f.content, hash, size });
    }
    const total = prepared.reduce((n, p) => n + p.size, 0);
    if (total > MAX_WRITE_MANY_BYTES) {
      fail("PAYLOAD_TOO_LARGE", `writeMany takes up to ${MAX_WRITE_MANY_BYTES} bytes (8 MB) in one call; got ${total}`, {
        limit: MAX_WRITE_MANY_BYTES,
      });
    }
    const changes: FileChange[] = [];
    for (const p of prepared) {
      changes.push({ path: p.path, hash: p.hash, size: p.size, existing: await fileAt(ctx, project._id, p.path) });
    }
    const d = deltasOf(changes);
    checkProjectQuota(project, d.files, d.bytes);
    // Everything is valid: now write.
    for (const p of prepared) await putInlineBlob(ctx, p.hash, p.content, p.size);
    await applyFileChanges(ctx, project, ctx.user, changes);
    const out = [];
    for (const p of prepared) out.push(fileInfo((await fileAt(ctx, project._id, p.path))!));
    return out;
  },
});

/** One file's metadata and content: inline text as `content`, large content as a storage `url`. */
export const read = userQuery({
  args: { projectId: v.id("projects"), path: v.string() },
  returns: v.object({
    path: v.string(),
    hash: v.string(),
    size: v.number(),
    language: v.string(),
    updatedAt: v.number(),
    content: v.optional(v.string()),
    url: v.optional(v.string()),
  }),
  handler: async (ctx, args): Promise<FileInfo & { content?: string; url?: string }> => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const path = normalizePath(args.path);
    const file = await fileAt(ctx, project._id, path);
    if (!file) fail("NOT_FOUND", `${path} not found`, { path });
    const blob = await blobByHash(ctx, file.hash);
    if (!blob) fail("NOT_FOUND", `The content of ${path} is missing`, { path });
    const where = blobContent(blob);
    if (where.storageId === undefined) return { ...fileInfo(file), content: where.content };
    const url = await ctx.storage.getUrl(where.storageId);
    return url === null ? fileInfo(file) : { ...fileInfo(file), url };
  },
});

/** Files in path order (metadata only), optionally under a prefix ("src/" or "src/App"). */
export const list = userQuery({
  args: { projectId: v.id("projects"), prefix: v.optional(v.string()), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vFileInfo),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const prefix = normalizePrefix(args.prefix ?? "");
    const numItems = Math.max(1, Math.min(args.paginationOpts.numItems, MAX_LIST_PAGE));
    const result = await ctx.db
      .query("files")
      .withIndex("by_projectId_and_path", (q) =>
        prefix === ""
          ? q.eq("projectId", project._id)
          : q.eq("projectId", project._id).gte("path", prefix).lt("path", prefixEnd(prefix)),
      )
      .paginate({ ...args.paginationOpts, numItems });
    return { ...result, page: result.page.map(fileInfo) };
  },
});

/** Moves a file; CONFLICT when `to` exists. */
export const rename = userMutation({
  args: { projectId: v.id("projects"), from: v.string(), to: v.string() },
  returns: vFileInfo,
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    const from = normalizePath(args.from);
    const to = normalizePath(args.to);
    const file = await fileAt(ctx, project._id, from);
    if (!file) fail("NOT_FOUND", `${from} not found`, { path: from });
    if (from === to) return fileInfo(file);
    if (await fileAt(ctx, project._id, to)) fail("CONFLICT", `${to} exists already`, { path: to });
    const now = Date.now();
    await ctx.db.patch("files", file._id, { path: to, language: languageForPath(to), updatedAt: now, updatedBy: ctx.user._id });
    await touchProject(ctx, project, {}, now);
    return fileInfo((await ctx.db.get("files", file._id))!);
  },
});

/** Deletes a file (its blob stays until the daily sweep finds it unreferenced). */
export const remove = userMutation({
  args: { projectId: v.id("projects"), path: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    const path = normalizePath(args.path);
    const file = await fileAt(ctx, project._id, path);
    if (!file) fail("NOT_FOUND", `${path} not found`, { path });
    await ctx.db.delete("files", file._id);
    await touchProject(ctx, project, {
      fileCount: project.fileCount - 1,
      totalBytes: project.totalBytes - file.size,
    });
    return null;
  },
});

/** Step 1 of a large-file write: a one-time URL to POST the bytes to (returns `{ storageId }`). */
export const generateUploadUrl = userMutation({
  args: { projectId: v.id("projects") },
  returns: v.string(),
  handler: async (ctx, args) => {
    await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    return await ctx.storage.generateUploadUrl();
  },
});

/** Step 2: the uploaded object becomes the content of `path` (hash and size from file storage). */
export const commitUpload = userMutation({
  args: {
    projectId: v.id("projects"),
    path: v.string(),
    storageId: v.id("_storage"),
    expectedHash: v.optional(v.string()),
  },
  returns: vFileInfo,
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    const path = normalizePath(args.path);
    const meta = await ctx.db.system.get("_storage", args.storageId);
    if (!meta) fail("NOT_FOUND", "Upload not found (it may have been committed or removed already)");
    checkFileSize(path, meta.size);
    const hash = base64ToHex(meta.sha256);
    const existing = await fileAt(ctx, project._id, path);
    checkExpectedHash(path, existing, args.expectedHash);
    const change: FileChange = { path, hash, size: meta.size, existing };
    const d = deltasOf([change]);
    checkProjectQuota(project, d.files, d.bytes);
    await putStorageBlob(ctx, hash, args.storageId, meta.size);
    await applyFileChanges(ctx, project, ctx.user, [change]);
    return fileInfo((await fileAt(ctx, project._id, path))!);
  },
});

/** The project's current (path, hash, size) set — what a deployment snapshot records. */
export const snapshot = userQuery({
  args: { projectId: v.id("projects") },
  returns: v.array(vFileEntry),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    return await currentFileSet(ctx, project._id);
  },
});

/**
 * Blob content for up to 100 hashes (deployments read snapshot content with it). Entries come
 * back in request order (duplicates once); an unknown hash comes back as `{ hash, missing: true }`.
 * The call stops early once BLOB_READ_BUDGET_BYTES of inline content is collected: hashes
 * after the last returned entry were not read — ask again for them.
 */
export const blobsForHashes = internalQuery({
  args: { hashes: v.array(v.string()) },
  returns: v.array(
    v.object({
      hash: v.string(),
      content: v.optional(v.string()),
      storageId: v.optional(v.id("_storage")),
      missing: v.optional(v.boolean()),
    }),
  ),
  handler: async (ctx, { hashes }) => {
    if (hashes.length > MAX_HASHES_PER_CALL) {
      fail("INVALID", `blobsForHashes takes at most ${MAX_HASHES_PER_CALL} hashes`, { limit: MAX_HASHES_PER_CALL });
    }
    const out: (BlobContent & { missing?: boolean })[] = [];
    let inlineBytes = 0;
    for (const hash of new Set(hashes)) {
      const blob = await blobByHash(ctx, hash);
      if (!blob) {
        out.push({ hash, missing: true });
        continue;
      }
      if (blob.storageId === undefined) {
        if (out.length > 0 && inlineBytes + blob.size > BLOB_READ_BUDGET_BYTES) break;
        inlineBytes += blob.size;
      }
      out.push(blobContent(blob));
    }
    return out;
  },
});
