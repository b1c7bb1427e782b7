// Content-addressed file content. A blob is keyed by the sha-256 hex of its bytes and is
// stored once however many files (in however many projects and snapshots) use it: inline
// text up to INLINE_LIMIT_BYTES, Convex file storage above. Unreferenced blobs are removed
// by the daily sweep (convex/blobs.ts).
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

/** Largest content `files.write` takes inline (UTF-8 bytes); bigger goes through upload. */
export const INLINE_LIMIT_BYTES = 512 * 1024;

export async function blobByHash(ctx: QueryCtx, hash: string): Promise<Doc<"blobs"> | null> {
  return await ctx.db
    .query("blobs")
    .withIndex("by_hash", (q) => q.eq("hash", hash))
    .first();
}

/** Where a blob's bytes are: the inline text, or a storage id for an action's `ctx.storage.get`. */
export type BlobContent = { hash: string; content?: string; storageId?: Id<"_storage"> };

export function blobContent(blob: Doc<"blobs">): BlobContent {
  return blob.storageId !== undefined
    ? { hash: blob.hash, storageId: blob.storageId }
    : { hash: blob.hash, content: blob.content ?? "" };
}

/** Stores inline text under its hash unless a blob with that hash exists already. */
export async function putInlineBlob(ctx: MutationCtx, hash: string, content: string, size: number): Promise<void> {
  if (await blobByHash(ctx, hash)) return;
  await ctx.db.insert("blobs", { hash, size, content, createdAt: Date.now() });
}

/**
 * Adopts an uploaded storage object as the blob for `hash`. When that content is stored
 * already, the upload is a duplicate and its storage object is deleted.
 */
export async function putStorageBlob(
  ctx: MutationCtx,
  hash: string,
  storageId: Id<"_storage">,
  size: number,
): Promise<void> {
  const existing = await blobByHash(ctx, hash);
  if (!existing) {
    await ctx.db.insert("blobs", { hash, size, storageId, createdAt: Date.now() });
    return;
  }
  if (existing.storageId !== storageId) await ctx.storage.delete(storageId);
}
