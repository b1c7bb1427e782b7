// File rows of a project and the limits on them. Every change goes through here, so the
// project's `fileCount` / `totalBytes` counters stay exact and quotas read only them.
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { FileInfo } from "../validators";
import { fail } from "./errors";
import { base64ToHex } from "./hash";
import { languageForPath } from "./languages";
import { touchProject } from "./projects";

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_PROJECT_FILES = 5000;
export const MAX_PROJECT_BYTES = 100 * 1024 * 1024;

export async function fileAt(ctx: QueryCtx, projectId: Id<"projects">, path: string): Promise<Doc<"files"> | null> {
  return await ctx.db
    .query("files")
    .withIndex("by_projectId_and_path", (q) => q.eq("projectId", projectId).eq("path", path))
    .unique();
}

/** The project's current (path, hash, size) set, path order. Bounded by the file quota. */
export async function currentFileSet(
  ctx: QueryCtx,
  projectId: Id<"projects">,
): Promise<{ path: string; hash: string; size: number }[]> {
  const rows = await ctx.db
    .query("files")
    .withIndex("by_projectId_and_path", (q) => q.eq("projectId", projectId))
    .take(MAX_PROJECT_FILES + 1);
  if (rows.length > MAX_PROJECT_FILES) fail("QUOTA_EXCEEDED", `The project has more than ${MAX_PROJECT_FILES} files`);
  return rows.map((f) => ({ path: f.path, hash: f.hash, size: f.size }));
}

export function checkFileSize(path: string, size: number): void {
  if (size > MAX_FILE_BYTES) {
    fail("QUOTA_EXCEEDED", `${path} is ${size} bytes; a file may be at most ${MAX_FILE_BYTES} bytes (10 MB)`, {
      limit: MAX_FILE_BYTES,
    });
  }
}

/** Refuses changes that would take the project past its file-count or byte quota. */
export function checkProjectQuota(project: Doc<"projects">, changes: FileChange[]): void {
  const d = deltasOf(changes);
  if (d.files > 0 && project.fileCount + d.files > MAX_PROJECT_FILES) {
    fail("QUOTA_EXCEEDED", `A project may hold at most ${MAX_PROJECT_FILES} files`, {
      limit: MAX_PROJECT_FILES,
      current: project.fileCount,
    });
  }
  if (d.bytes > 0 && project.totalBytes + d.bytes > MAX_PROJECT_BYTES) {
    fail("QUOTA_EXCEEDED", `A project may hold at most ${MAX_PROJECT_BYTES} bytes (100 MB) of files`, {
      limit: MAX_PROJECT_BYTES,
      current: project.totalBytes,
    });
  }
}

/** Refuses when `expectedHash` is given and the file is missing or holds other content. */
function checkExpectedHash(path: string, existing: Doc<"files"> | null, expectedHash: string | undefined): void {
  if (expectedHash === undefined) return;
  if (!existing) fail("CONFLICT", `${path} does not exist any more`, { path, currentHash: null });
  if (existing.hash !== expectedHash.toLowerCase()) {
    fail("CONFLICT", `${path} was changed since you read it`, { path, currentHash: existing.hash });
  }
}

export type FileChange = {
  path: string;
  hash: string;
  size: number;
  existing: Doc<"files"> | null;
};

/** Counter deltas of a set of writes. */
function deltasOf(changes: FileChange[]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const c of changes) {
    if (!c.existing) files++;
    bytes += c.size - (c.existing?.size ?? 0);
  }
  return { files, bytes };
}

/**
 * One write of `path` with content (`hash`, `size`), checked before anything is written:
 * `expectedHash` (CONFLICT) and the project's quotas (QUOTA_EXCEEDED).
 */
export async function checkedChange(
  ctx: QueryCtx,
  project: Doc<"projects">,
  path: string,
  content: { hash: string; size: number },
  expectedHash: string | undefined,
): Promise<FileChange> {
  const existing = await fileAt(ctx, project._id, path);
  checkExpectedHash(path, existing, expectedHash);
  const change = { path, hash: content.hash, size: content.size, existing };
  checkProjectQuota(project, [change]);
  return change;
}

/**
 * Writes file rows whose blobs exist already and whose checks have passed, then updates
 * the project counters once. Returns each file as written, in the order of `changes`.
 */
export async function applyFileChanges(
  ctx: MutationCtx,
  project: Doc<"projects">,
  user: Doc<"users">,
  changes: FileChange[],
): Promise<FileInfo[]> {
  const now = Date.now();
  const written: FileInfo[] = [];
  let changed = false;
  for (const c of changes) {
    if (c.existing?.hash === c.hash) {
      written.push(fileInfo(c.existing)); // same content: keep the row (and its updatedAt)
      continue;
    }
    changed = true;
    const info = {
      path: c.path,
      hash: c.hash,
      size: c.size,
      language: c.existing?.language ?? languageForPath(c.path),
      updatedAt: now,
    };
    if (c.existing) {
      await ctx.db.patch("files", c.existing._id, { hash: c.hash, size: c.size, updatedAt: now, updatedBy: user._id });
    } else {
      await ctx.db.insert("files", { ...info, projectId: project._id, updatedBy: user._id });
    }
    written.push(info);
  }
  if (changed) {
    const d = deltasOf(changes);
    await touchProject(
      ctx,
      project,
      { fileCount: project.fileCount + d.files, totalBytes: project.totalBytes + d.bytes },
      now,
    );
  }
  return written;
}

export function fileInfo(f: Doc<"files">): FileInfo {
  return { path: f.path, hash: f.hash, size: f.size, language: f.language, updatedAt: f.updatedAt };
}

const UPLOAD_NOT_FOUND =
  "Upload not found (it may have expired, been committed already, belong to someone else, or not hold the bytes whose hash was announced)";

/**
 * The upload grant `uploadId` and the stored object's hash and size, if `user` asked for it
 * into `project`, it has not expired, and `storageId` was stored after the grant, holds the
 * announced bytes and is not committed content already. Anything else is NOT_FOUND.
 */
export async function grantedUpload(
  ctx: MutationCtx,
  user: Doc<"users">,
  project: Doc<"projects">,
  uploadId: Id<"uploads">,
  storageId: Id<"_storage">,
): Promise<{ upload: Doc<"uploads">; hash: string; size: number }> {
  const upload = await ctx.db.get("uploads", uploadId);
  if (!upload || upload.userId !== user._id || upload.projectId !== project._id || upload.expiresAt <= Date.now()) {
    fail("NOT_FOUND", UPLOAD_NOT_FOUND);
  }
  const meta = await ctx.db.system.get("_storage", storageId);
  if (!meta || meta._creationTime < upload.createdAt || meta._creationTime > upload.expiresAt)
    fail("NOT_FOUND", UPLOAD_NOT_FOUND);
  const hash = base64ToHex(meta.sha256);
  if (hash !== upload.hash) fail("NOT_FOUND", UPLOAD_NOT_FOUND);
  const committed = await ctx.db
    .query("blobs")
    .withIndex("by_storageId", (q) => q.eq("storageId", storageId))
    .first();
  if (committed) fail("NOT_FOUND", UPLOAD_NOT_FOUND); // someone's committed content
  return { upload, hash, size: meta.size };
}
