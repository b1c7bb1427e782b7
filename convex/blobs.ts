// Content-addressed blobs: reading their content in bulk (`blobsForHashes`, for deployments)
// and their garbage collection (daily cron, convex/crons.ts).
// Phase "blobs": a blob no file and no snapshot references is deleted with its storage
// object. Phase "uploads": a file-storage object no blob points at (an upload that was
// never committed, or whose commit was refused) is deleted. Both only touch things older
// than GRACE_MS, so uploads in flight survive. Each run handles one bounded batch and
// schedules the next with its cursor.
//
// Contract for other features: Convex file storage belongs to the files feature. An
// object that no `blobs` row points at for over an hour is deleted; keep content you
// store as a blob (see convex/lib/blobs.ts) or teach `isUploadReferenced` about it.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "./_generated/server";
import { blobByHash, blobContent, type BlobContent } from "./lib/blobs";
import { fail } from "./lib/errors";

export const GRACE_MS = 60 * 60 * 1000;
export const SWEEP_BATCH = 200;
export const SWEEP_MAX_BYTES = 4 * 1024 * 1024;

const vPhase = v.union(v.literal("blobs"), v.literal("uploads"));

async function isBlobReferenced(ctx: QueryCtx, hash: string): Promise<boolean> {
  const file = await ctx.db
    .query("files")
    .withIndex("by_hash", (q) => q.eq("hash", hash))
    .first();
  if (file) return true;
  const snap = await ctx.db
    .query("snapshotFiles")
    .withIndex("by_hash", (q) => q.eq("hash", hash))
    .first();
  if (snap) return true;
  // A change set's new content and its base (diffs and three-way merges read both).
  const changed = await ctx.db
    .query("changeSetFiles")
    .withIndex("by_hash", (q) => q.eq("hash", hash))
    .first();
  if (changed) return true;
  const base = await ctx.db
    .query("changeSetFiles")
    .withIndex("by_baseHash", (q) => q.eq("baseHash", hash))
    .first();
  return base !== null;
}

async function isUploadReferenced(ctx: QueryCtx, storageId: Id<"_storage">): Promise<boolean> {
  const blob = await ctx.db
    .query("blobs")
    .withIndex("by_storageId", (q) => q.eq("storageId", storageId))
    .first();
  return blob !== null;
}

export const sweep = internalMutation({
  args: {
    cursor: v.optional(v.union(v.string(), v.null())),
    phase: v.optional(vPhase),
    /** Creation-time cutoff, fixed by the first run so every batch pages the same range. */
    before: v.optional(v.number()),
  },
  returns: v.object({ phase: vPhase, scanned: v.number(), deleted: v.number(), done: v.boolean() }),
  handler: async (ctx, args) => {
    const phase = args.phase ?? "blobs";
    const before = args.before ?? Date.now() - GRACE_MS;
    // Inline blobs can be 512 KB each: cap the bytes a batch reads, not only the count.
    const paging = { numItems: SWEEP_BATCH, cursor: args.cursor ?? null, maximumBytesRead: SWEEP_MAX_BYTES };
    let deleted = 0;
    let result;
    if (phase === "blobs") {
      result = await ctx.db
        .query("blobs")
        .withIndex("by_creation_time", (q) => q.lt("_creationTime", before))
        .paginate(paging);
      for (const blob of result.page) {
        if (await isBlobReferenced(ctx, blob.hash)) continue;
        if (blob.storageId !== undefined && (await ctx.db.system.get("_storage", blob.storageId))) {
          await ctx.storage.delete(blob.storageId);
        }
        await ctx.db.delete("blobs", blob._id);
        deleted++;
      }
    } else {
      result = await ctx.db.system
        .query("_storage")
        .withIndex("by_creation_time", (q) => q.lt("_creationTime", before))
        .paginate(paging);
      for (const object of result.page) {
        if (await isUploadReferenced(ctx, object._id)) continue;
        await ctx.storage.delete(object._id);
        deleted++;
      }
    }
    const next = !result.isDone
      ? { phase, cursor: result.continueCursor, before }
      : phase === "blobs"
        ? { phase: "uploads" as const, cursor: null, before }
        : null;
    if (next) await ctx.scheduler.runAfter(0, internal.blobs.sweep, next);
    return { phase, scanned: result.page.length, deleted, done: next === null };
  },
});

export const MAX_HASHES_PER_CALL = 100;
/** blobsForHashes stops once this much inline content is collected (Convex caps a query's reads). */
export const BLOB_READ_BUDGET_BYTES = 8 * 1024 * 1024;

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
