// A snapshot as the provider clients see it: DeployFile[] whose bytes are read lazily.
// Content comes from content-addressed blobs: inline text through blobs.blobsForHashes
// (in batches, reading ahead in list order), large content from Convex file storage.
import type { DeployFile } from "../providers/types";
import type { Id } from "../_generated/dataModel";
import type { SnapshotFile } from "./snapshots";

/** blobsForHashes takes at most 100 hashes per call. */
const READ_AHEAD = 100;

/** A blob as blobs.blobsForHashes describes it; neither field set means it is missing. */
type Loaded = { content?: string; storageId?: Id<"_storage"> };

/**
 * Where the bytes come from, passed in by the start job (convex/deploymentJobs.ts):
 * `blobs` is blobs.blobsForHashes (answers in request order, may stop early), `stored`
 * reads Convex file storage.
 */
export type BlobSource = {
  blobs(hashes: string[]): Promise<({ hash: string; missing?: boolean } & Loaded)[]>;
  stored(storageId: Id<"_storage">): Promise<Blob | null>;
};

/**
 * DeployFiles over `files`; each read() costs at most one batched query per READ_AHEAD files.
 * blobsForHashes answers in request order and may stop early (its read budget, ~8 MB of
 * inline text): hashes it did not reach stay unloaded and are asked for again.
 */
export function deployFiles(source: BlobSource, files: SnapshotFile[]): DeployFile[] {
  const order = files.map((f) => f.hash);
  const loaded = new Map<string, Loaded>();
  const pending = new Map<string, Promise<void>>();

  async function load(index: number): Promise<void> {
    const batch: string[] = [];
    for (let i = index; i < order.length && batch.length < READ_AHEAD; i++) {
      const h = order[i];
      if (!loaded.has(h) && !pending.has(h) && !batch.includes(h)) batch.push(h);
    }
    const p = (async () => {
      const blobs = await source.blobs(batch);
      if (blobs.length === 0) throw new Error("blobs.blobsForHashes answered nothing");
      for (const b of blobs) loaded.set(b.hash, b.missing ? {} : { content: b.content, storageId: b.storageId });
    })();
    for (const h of batch) pending.set(h, p);
    try {
      await p;
    } finally {
      for (const h of batch) pending.delete(h);
    }
  }

  async function bytesOf(index: number): Promise<Uint8Array> {
    const { hash, path } = files[index];
    // A batch that started at `index` always answers for it; one started earlier may not have reached it.
    while (!loaded.has(hash)) await (pending.get(hash) ?? load(index));
    const blob = loaded.get(hash)!;
    loaded.delete(hash); // keep memory bounded: a second read of the same file fetches it again
    if (blob.content !== undefined) return new TextEncoder().encode(blob.content);
    if (blob.storageId !== undefined) {
      const stored = await source.stored(blob.storageId);
      if (stored) return new Uint8Array(await stored.arrayBuffer());
    }
    throw new Error(`The content of ${path} (${hash.slice(0, 12)}…) is missing`);
  }

  return files.map((f, i) => ({ path: f.path, sha256: f.hash, size: f.size, read: () => bytesOf(i) }));
}
