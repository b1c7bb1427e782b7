// Large files: generateUploadUrl → (client uploads) → commitUpload. Under convex-test the
// upload itself is `ctx.storage.store`, which writes the same `_storage` document
// (size, base64 sha256) the real upload endpoint does.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { INLINE_LIMIT_BYTES } from "../../convex/lib/blobs";
import { MAX_FILE_BYTES } from "../../convex/lib/projectFiles";
import { BLOB_READ_BUDGET_BYTES } from "../../convex/blobs";
import type { ConvexTest } from "../convexTest";
import { expectCode, refusedWithoutChange, setupProject, upload } from "./helpers";

const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
const storageCount = (t: ConvexTest) => t.run(async (ctx) => (await ctx.db.system.query("_storage").collect()).length);

describe("upload flow", () => {
  test("generateUploadUrl gives editors a URL", async () => {
    const { t, ids, projectId, bob } = await setupProject();
    const { uploadUrl, uploadId } = await bob.mutation(api.files.generateUploadUrl, { projectId, hash: sha("big") });
    expect(uploadUrl).toMatch(/^https:\/\//);
    expect(await t.run((ctx) => ctx.db.get("uploads", uploadId))).toMatchObject({
      userId: ids.bob,
      projectId,
      hash: sha("big"),
    });
  });

  test("commitUpload makes the object a file; read returns a URL, not content", async () => {
    const { t, projectId, bob, carol } = await setupProject();
    const content = "x".repeat(INLINE_LIMIT_BYTES + 10);
    const { storageId, uploadId } = await upload(t, bob, projectId, content);
    const info = await bob.mutation(api.files.commitUpload, {
      projectId,
      path: "public/big.json",
      storageId,
      uploadId,
    });
    expect(info).toMatchObject({ path: "public/big.json", hash: sha(content), size: content.length, language: "json" });
    const read = await carol.query(api.files.read, { projectId, path: "public/big.json" });
    expect(read.url).toMatch(/^https:\/\//);
    expect(read.content).toBeUndefined();
    expect(await carol.query(api.projects.get, { projectId })).toMatchObject({
      fileCount: 1,
      totalBytes: content.length,
    });
    const blobs = await t.run((ctx) => ctx.db.query("blobs").collect());
    expect(blobs).toMatchObject([{ hash: sha(content), storageId, size: content.length }]);
    expect(await t.query(internal.blobs.blobsForHashes, { hashes: [sha(content)] })).toEqual([
      { hash: sha(content), storageId },
    ]);
  });

  test("an upload of content stored already is deduplicated: the new object is deleted", async () => {
    const { t, projectId, alice } = await setupProject();
    const first = await upload(t, alice, projectId, "same bytes");
    const second = await upload(t, alice, projectId, "same bytes");
    await alice.mutation(api.files.commitUpload, { projectId, path: "a.bin", ...first });
    await alice.mutation(api.files.commitUpload, { projectId, path: "b.bin", ...second });
    expect(await t.run((ctx) => ctx.db.query("blobs").collect())).toHaveLength(1);
    expect(await t.run((ctx) => ctx.db.system.get("_storage", second.storageId))).toBeNull();
    expect(await storageCount(t)).toBe(1);
    // Content that is already inline is reused too.
    await alice.mutation(api.files.write, { projectId, path: "c.txt", content: "small" });
    const third = await upload(t, alice, projectId, "small");
    await alice.mutation(api.files.commitUpload, { projectId, path: "d.txt", ...third });
    expect(await t.run((ctx) => ctx.db.query("blobs").collect())).toHaveLength(2);
    expect((await alice.query(api.files.read, { projectId, path: "d.txt" })).content).toBe("small");
  });

  test("a file over 10 MB is QUOTA_EXCEEDED and nothing is written", async () => {
    const { t, projectId, alice } = await setupProject();
    const { storageId, uploadId } = await upload(t, alice, projectId, new Uint8Array(MAX_FILE_BYTES + 1));
    const data = await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.commitUpload, { projectId, path: "huge.bin", storageId, uploadId }),
      "QUOTA_EXCEEDED",
    );
    expect(data.message).toContain("10 MB");
    const ok = await upload(t, alice, projectId, new Uint8Array(MAX_FILE_BYTES));
    expect((await alice.mutation(api.files.commitUpload, { projectId, path: "max.bin", ...ok })).size).toBe(
      MAX_FILE_BYTES,
    );
  });

  test("expectedHash guards an upload like a write (CONFLICT, nothing written)", async () => {
    const { t, projectId, alice } = await setupProject();
    const v1 = await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "v1" });
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "v2" });
    const { storageId, uploadId } = await upload(t, alice, projectId, "v3");
    await refusedWithoutChange(
      t,
      () =>
        alice.mutation(api.files.commitUpload, {
          projectId,
          path: "a.txt",
          storageId,
          uploadId,
          expectedHash: v1.hash,
        }),
      "CONFLICT",
    );
    const info = await alice.mutation(api.files.commitUpload, {
      projectId,
      path: "a.txt",
      storageId,
      uploadId,
      expectedHash: sha("v2"),
    });
    expect(info.hash).toBe(sha("v3"));
  });

  test("read of a file whose stored content is gone is NOT_FOUND, not an empty answer", async () => {
    const { t, projectId, alice } = await setupProject();
    const { storageId, uploadId } = await upload(t, alice, projectId, "x".repeat(INLINE_LIMIT_BYTES + 1));
    await alice.mutation(api.files.commitUpload, { projectId, path: "big.txt", storageId, uploadId });
    await t.run((ctx) => ctx.storage.delete(storageId));
    await expectCode(alice.query(api.files.read, { projectId, path: "big.txt" }), "NOT_FOUND");
  });

  test("committing an object that no longer exists is NOT_FOUND", async () => {
    const { t, projectId, alice } = await setupProject();
    const { storageId, uploadId } = await upload(t, alice, projectId, "gone");
    await t.run((ctx) => ctx.storage.delete(storageId));
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.commitUpload, { projectId, path: "a", storageId, uploadId }),
      "NOT_FOUND",
    );
  });
});

describe("blobs.blobsForHashes (internal, for deployments)", () => {
  test("returns content in request order; unknown hashes are marked missing; over 100 is INVALID", async () => {
    const { t, projectId, alice } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "hello" });
    expect(await t.query(internal.blobs.blobsForHashes, { hashes: [sha("nope"), sha("hello"), sha("hello")] })).toEqual(
      [
        { hash: sha("nope"), missing: true },
        { hash: sha("hello"), content: "hello" },
      ],
    );
    await expectCode(
      t.query(internal.blobs.blobsForHashes, { hashes: Array.from({ length: 101 }, (_, i) => sha(`${i}`)) }),
      "INVALID",
    );
  });

  test("stops at the read budget; the caller asks again for the rest", async () => {
    const { t } = await setupProject();
    const contents = Array.from({ length: 20 }, (_, i) => String(i % 10).repeat(INLINE_LIMIT_BYTES - i));
    await t.run(async (ctx) => {
      for (const c of contents)
        await ctx.db.insert("blobs", { hash: sha(c), size: c.length, content: c, createdAt: 0 });
    });
    const hashes = contents.map((c) => sha(c));
    const first = await t.query(internal.blobs.blobsForHashes, { hashes });
    const perCall = Math.floor(BLOB_READ_BUDGET_BYTES / INLINE_LIMIT_BYTES);
    expect(first.map((b) => b.hash)).toEqual(hashes.slice(0, perCall));
    const rest = await t.query(internal.blobs.blobsForHashes, { hashes: hashes.slice(first.length) });
    expect(rest.map((b) => b.hash)).toEqual(hashes.slice(perCall));
    expect(rest.every((b) => b.content !== undefined)).toBe(true);
  });
});
