// Snapshots: the frozen (path, hash, size) set a deployment ships. Rollback redeploys the
// very same snapshot, so what reaches the provider is byte-for-byte what was deployed
// before (blobs are content-addressed and kept while a snapshot references them).
import type { PaginationResult } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fail } from "./errors";
import { hashText } from "./hash";
import { currentFileSet } from "./projectFiles";

/** sha-256 hex of the (path, hash) list: equal digests mean the very same files. Stored on snapshots, so the format is fixed. */
export async function snapshotDigest(files: { path: string; hash: string }[]): Promise<string> {
  return (await hashText(files.map((f) => `${f.path}\u0000${f.hash}\n`).join(""))).hash;
}

/**
 * Freezes the project's current files. When nothing changed since the project's last
 * snapshot, that snapshot is reused (no rows written). INVALID for a project without files.
 */
export async function createSnapshot(
  ctx: MutationCtx,
  projectId: Id<"projects">,
  userId: Id<"users">,
): Promise<Id<"snapshots">> {
  const files = await currentFileSet(ctx, projectId); // sorted by path, at most 5,000 (files quota)
  if (files.length === 0) fail("INVALID", "The project has no files to deploy");

  const digest = await snapshotDigest(files);
  const last = await ctx.db
    .query("snapshots")
    .withIndex("by_projectId", (q) => q.eq("projectId", projectId))
    .order("desc")
    .first();
  if (last && last.digest === digest) return last._id;

  const snapshotId = await ctx.db.insert("snapshots", {
    projectId,
    fileCount: files.length,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
    digest,
    createdAt: Date.now(),
    createdBy: userId,
  });
  for (const f of files) {
    await ctx.db.insert("snapshotFiles", { snapshotId, path: f.path, hash: f.hash, size: f.size });
  }
  return snapshotId;
}

export type SnapshotFile = Pick<Doc<"snapshotFiles">, "path" | "hash" | "size">;

/** One page of a snapshot's files, in path order. */
export async function snapshotFilesPage(
  ctx: QueryCtx,
  snapshotId: Id<"snapshots">,
  cursor: string | null,
  numItems: number,
): Promise<PaginationResult<SnapshotFile>> {
  const page = await ctx.db
    .query("snapshotFiles")
    .withIndex("by_snapshotId_and_path", (q) => q.eq("snapshotId", snapshotId))
    .paginate({ cursor, numItems });
  return { ...page, page: page.page.map((f) => ({ path: f.path, hash: f.hash, size: f.size })) };
}
