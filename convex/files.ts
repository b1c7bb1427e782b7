// Project files: normalized paths pointing at content-addressed blobs.
// Read = viewer; write / rename / remove / upload = editor or owner.
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { requireProjectRole } from "./lib/access";
import { userMutation, userQuery } from "./lib/auth";
import { blobByHash, blobContent, INLINE_LIMIT_BYTES, putInlineBlob, putStorageBlob } from "./lib/blobs";
import { fail } from "./lib/errors";
import { hashText } from "./lib/hash";
import { languageForPath } from "./lib/languages";
import { boundedPage } from "./lib/pagination";
import { normalizePath, normalizePrefix, prefixEnd } from "./lib/paths";
import {
  applyFileChanges,
  checkedChange,
  checkFileSize,
  checkProjectQuota,
  fileAt,
  fileInfo,
  grantedUpload,
  type FileChange,
} from "./lib/projectFiles";
import { touchProject } from "./lib/projects";
import { vChangeOp, vFileEntry, vFileInfo, type FileInfo } from "./validators";

export const MAX_FILES_PER_WRITE = 100;
/** writeMany's total content, kept well inside Convex's per-transaction read/write limits. */
export const MAX_WRITE_MANY_BYTES = 8 * 1024 * 1024;
const MAX_LIST_PAGE = 500;
/** files.snapshot entries are small (path, hash, size): larger pages than files.list. */
export const MAX_SNAPSHOT_PAGE = 1_000;

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
    const change = await checkedChange(ctx, project, path, { hash, size }, args.expectedHash);
    await putInlineBlob(ctx, hash, args.content, size);
    const [written] = await applyFileChanges(ctx, project, ctx.user, [change]);
    return written;
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
    const changes: (FileChange & { content: string })[] = [];
    let total = 0;
    for (const f of args.files) {
      const path = normalizePath(f.path);
      if (seen.has(path)) fail("INVALID", `${path} appears twice in one writeMany`, { path });
      seen.add(path);
      const { hash, size } = await hashText(f.content);
      refuseLargeInline(path, size);
      total += size;
      changes.push({ path, hash, size, content: f.content, existing: await fileAt(ctx, project._id, path) });
    }
    if (total > MAX_WRITE_MANY_BYTES) {
      fail(
        "PAYLOAD_TOO_LARGE",
        `writeMany takes up to ${MAX_WRITE_MANY_BYTES} bytes (8 MB) in one call; got ${total}`,
        {
          limit: MAX_WRITE_MANY_BYTES,
        },
      );
    }
    checkProjectQuota(project, changes);
    // Everything is valid: now write.
    for (const c of changes) await putInlineBlob(ctx, c.hash, c.content, c.size);
    return await applyFileChanges(ctx, project, ctx.user, changes);
  },
});

/** One file's metadata and content: inline text as `content`, large content as a storage `url`. */
export const read = userQuery({
  args: { projectId: v.id("projects"), path: v.string() },
  returns: vFileInfo.extend({ content: v.optional(v.string()), url: v.optional(v.string()) }),
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
    if (url === null) fail("NOT_FOUND", `The content of ${path} is missing`, { path });
    return { ...fileInfo(file), url };
  },
});

/** Files in path order (metadata only), optionally under a prefix ("src/" or "src/App"). */
export const list = userQuery({
  args: { projectId: v.id("projects"), prefix: v.optional(v.string()), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vFileInfo),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const prefix = normalizePrefix(args.prefix ?? "");
    const end = prefixEnd(prefix);
    const result = await ctx.db
      .query("files")
      .withIndex("by_projectId_and_path", (q) => {
        const inProject = q.eq("projectId", project._id);
        if (prefix === "") return inProject;
        return end === null ? inProject.gte("path", prefix) : inProject.gte("path", prefix).lt("path", end);
      })
      .paginate(boundedPage(args.paginationOpts, MAX_LIST_PAGE));
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
    const moved = { ...fileInfo(file), path: to, language: languageForPath(to), updatedAt: Date.now() };
    await ctx.db.patch("files", file._id, {
      path: to,
      language: moved.language,
      updatedAt: moved.updatedAt,
      updatedBy: ctx.user._id,
    });
    await touchProject(ctx, project, {}, moved.updatedAt);
    return moved;
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

/**
 * How long an upload URL's grant lasts. At most the blob sweep's grace period (convex/blobs.ts
 * GRACE_MS), so the sweep never deletes an object that may still be committed; objects never
 * committed are deleted by that sweep.
 */
export const UPLOAD_TTL_MS = 60 * 60 * 1000;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Step 1 of a large-file write: a one-time URL to POST the bytes to (it answers `{ storageId }`)
 * and the `uploadId` that step 2 must name. The grant records who asked, for which project, and
 * the sha-256 (hex) of the bytes they are about to upload. Convex's upload URL cannot say who
 * used it, so the announced hash is what ties the stored object to this grant: another person
 * holding a grant of their own cannot commit someone else's object without knowing its hash.
 */
export const generateUploadUrl = userMutation({
  args: { projectId: v.id("projects"), hash: v.string() },
  returns: v.object({ uploadUrl: v.string(), uploadId: v.id("uploads") }),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    const hash = args.hash.toLowerCase();
    if (!SHA256_HEX.test(hash))
      fail("INVALID", "hash must be the sha-256 of the content, 64 hex characters", { field: "hash" });
    const now = Date.now();
    const expiresAt = now + UPLOAD_TTL_MS;
    const uploadId = await ctx.db.insert("uploads", {
      userId: ctx.user._id,
      projectId: project._id,
      hash,
      createdAt: now,
      expiresAt,
    });
    await ctx.scheduler.runAt(expiresAt, internal.files.expireUpload, { uploadId });
    return { uploadUrl: await ctx.storage.generateUploadUrl(), uploadId };
  },
});

/**
 * Step 2: the uploaded object becomes the content of `path` (hash and size from file storage).
 * Only the person who asked for the upload, into the project they asked for, within the
 * grant's hour, with an object stored after the grant, holding the announced bytes and not
 * yet used: anything else is NOT_FOUND.
 */
export const commitUpload = userMutation({
  args: {
    projectId: v.id("projects"),
    path: v.string(),
    uploadId: v.id("uploads"),
    storageId: v.id("_storage"),
    expectedHash: v.optional(v.string()),
  },
  returns: vFileInfo,
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    const path = normalizePath(args.path);
    const { upload, hash, size } = await grantedUpload(ctx, ctx.user, project, args.uploadId, args.storageId);
    checkFileSize(path, size);
    const change = await checkedChange(ctx, project, path, { hash, size }, args.expectedHash);
    await putStorageBlob(ctx, hash, args.storageId, size);
    await ctx.db.delete("uploads", upload._id);
    const [written] = await applyFileChanges(ctx, project, ctx.user, [change]);
    return written;
  },
});

/** Scheduled at an upload grant's expiry: drops the grant (its object, if any, goes with the blob sweep). */
export const expireUpload = internalMutation({
  args: { uploadId: v.id("uploads") },
  returns: v.null(),
  handler: async (ctx, args) => {
    if (await ctx.db.get("uploads", args.uploadId)) await ctx.db.delete("uploads", args.uploadId);
    return null;
  },
});

/**
 * The project's current (path, hash, size) set, one page at a time in path order (what a
 * deployment snapshot records). A page holds at most MAX_SNAPSHOT_PAGE entries, so a call reads
 * at most that many files whatever the project's size; follow `continueCursor` until `isDone`.
 */
export const snapshot = userQuery({
  args: { projectId: v.id("projects"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vFileEntry),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const result = await ctx.db
      .query("files")
      .withIndex("by_projectId_and_path", (q) => q.eq("projectId", project._id))
      .paginate(boundedPage(args.paginationOpts, MAX_SNAPSHOT_PAGE));
    return { ...result, page: result.page.map((f) => ({ path: f.path, hash: f.hash, size: f.size })) };
  },
});

const MAX_HISTORY_PAGE = 100;

/** The versions of one file written by applied change sets, newest first (hash null: deleted). */
export const history = userQuery({
  args: { projectId: v.id("projects"), path: v.string(), paginationOpts: v.optional(paginationOptsValidator) },
  returns: paginationResultValidator(
    v.object({
      changeSetId: v.id("changeSets"),
      title: v.optional(v.string()),
      versionId: v.optional(v.id("snapshots")),
      op: vChangeOp,
      hash: v.union(v.string(), v.null()),
      size: v.number(),
      at: v.number(),
      by: v.id("users"),
    }),
  ),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const path = normalizePath(args.path);
    const result = await ctx.db
      .query("fileHistory")
      .withIndex("by_projectId_and_path_and_at", (q) => q.eq("projectId", project._id).eq("path", path))
      .order("desc")
      .paginate(boundedPage(args.paginationOpts ?? { numItems: 50, cursor: null }, MAX_HISTORY_PAGE));
    const page = await Promise.all(
      result.page.map(async (h) => {
        const cs = await ctx.db.get("changeSets", h.changeSetId);
        return {
          changeSetId: h.changeSetId,
          title: cs?.title,
          versionId: h.versionId,
          op: h.op,
          hash: h.hash,
          size: h.size,
          at: h.at,
          by: h.by,
        };
      }),
    );
    return { ...result, page };
  },
});
