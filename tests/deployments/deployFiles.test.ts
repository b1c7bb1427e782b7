// Reading a snapshot's bytes for a provider (convex/lib/deployFiles.ts) against the real
// blobs.blobsForHashes, which answers in request order and stops at its read budget
// (~8 MB of inline text): what it did not reach must be asked for again, never reported missing.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { internal } from "../../convex/_generated/api";
import { BLOB_READ_BUDGET_BYTES } from "../../convex/blobs";
import { INLINE_LIMIT_BYTES } from "../../convex/lib/blobs";
import { deployFiles, type BlobSource } from "../../convex/lib/deployFiles";
import { newConvexTest } from "../convexTest";

const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

/** 20 inline files just under 512 KB each (~10 MB: more than one call's budget), one in file storage, one missing. */
async function seeded() {
  const t = newConvexTest();
  const inline = Array.from({ length: 20 }, (_, i) => String.fromCharCode(97 + i).repeat(INLINE_LIMIT_BYTES - i));
  const stored = new Uint8Array([0xff, 0, 1, 2, 3]);
  const storageId = await t.run(async (ctx) => {
    for (const c of inline) await ctx.db.insert("blobs", { hash: sha(c), size: c.length, content: c, createdAt: 0 });
    const id = await ctx.storage.store(new Blob([stored]));
    await ctx.db.insert("blobs", { hash: sha(stored), size: stored.length, storageId: id, createdAt: 0 });
    return id;
  });
  expect(storageId).toBeTruthy();
  const files = [
    ...inline.map((c, i) => ({ path: `big/${String(i).padStart(2, "0")}.txt`, hash: sha(c), size: c.length })),
    { path: "logo.bin", hash: sha(stored), size: stored.length },
    { path: "gone.txt", hash: sha("never stored"), size: 12 },
  ];
  const calls: number[] = [];
  const source: BlobSource = {
    blobs: async (hashes) => {
      calls.push(hashes.length);
      return await t.query(internal.blobs.blobsForHashes, { hashes });
    },
    // t.run cannot return a Blob: carry the bytes out and wrap them again.
    stored: async (id) => {
      const bytes = await t.run(async (c) => (await (await c.storage.get(id))?.arrayBuffer()) ?? null);
      return bytes && new Blob([bytes]);
    },
  };
  return { files: deployFiles(source, files), inline, stored, calls };
}

describe("deployFiles", () => {
  test("reads past blobsForHashes' budget by asking again for the rest, in order", async () => {
    const { files, inline, stored, calls } = await seeded();
    const perCall = Math.floor(BLOB_READ_BUDGET_BYTES / INLINE_LIMIT_BYTES);
    for (let i = 0; i < inline.length; i++) expect(new TextDecoder().decode(await files[i].read())).toBe(inline[i]);
    expect(await files[20].read()).toEqual(stored);
    // One call for the first 22 hashes (answered up to the budget), one for what it did not reach.
    expect(calls).toEqual([22, 22 - perCall]);
    await expect(files[21].read()).rejects.toThrow(/gone\.txt .* is missing/);
  });

  test("concurrent reads (uploads run 4 at a time) get every byte with one extra call", async () => {
    const { files, inline, calls } = await seeded();
    const texts = await Promise.all(files.slice(0, 20).map(async (f) => new TextDecoder().decode(await f.read())));
    expect(texts).toEqual(inline);
    expect(calls).toHaveLength(2);
  });
});
