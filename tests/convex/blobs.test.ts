// The daily blob sweep: what it deletes, what it keeps, and that it runs in bounded batches.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createHash } from "node:crypto";
import { getFunctionName } from "convex/server";
import { api, internal } from "../../convex/_generated/api";
import { GRACE_MS, SWEEP_BATCH, SWEEP_MAX_BYTES } from "../../convex/blobs";
import { INLINE_LIMIT_BYTES } from "../../convex/lib/blobs";
import { createSnapshot, snapshotFilesPage } from "../../convex/lib/snapshots";
import crons from "../../convex/crons";
import type { ConvexTest } from "../convexTest";
import { setupProject, upload } from "./helpers";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const blobHashes = (t: ConvexTest) =>
  t.run(async (ctx) => (await ctx.db.query("blobs").collect()).map((b) => b.hash).sort());
const storageIds = (t: ConvexTest) =>
  t.run(async (ctx) => (await ctx.db.system.query("_storage").collect()).map((s) => s._id));

async function sweepAll(t: ConvexTest) {
  const first = await t.mutation(internal.blobs.sweep, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  return first;
}

describe("blobs.sweep", () => {
  test("deletes old unreferenced blobs (and their storage objects); keeps referenced and young ones", async () => {
    const { t, projectId, alice, ids } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "kept.txt", content: "kept" });
    await alice.mutation(api.files.write, { projectId, path: "gone.txt", content: "gone" });
    await alice.mutation(api.files.write, { projectId, path: "snap.txt", content: "in a snapshot" });
    const bigUpload = await upload(t, alice, projectId, "big content");
    await alice.mutation(api.files.commitUpload, { projectId, path: "big.bin", ...bigUpload });
    // A deployment snapshot still points at "in a snapshot" after the file changes.
    await t.run(async (ctx) => {
      const snapshotId = await ctx.db.insert("snapshots", {
        projectId,
        fileCount: 1,
        totalBytes: 13,
        createdAt: Date.now(),
        createdBy: ids.alice,
      });
      await ctx.db.insert("snapshotFiles", { snapshotId, path: "snap.txt", hash: sha("in a snapshot"), size: 13 });
    });
    await alice.mutation(api.files.write, { projectId, path: "snap.txt", content: "edited" });
    await alice.mutation(api.files.remove, { projectId, path: "gone.txt" });
    await alice.mutation(api.files.remove, { projectId, path: "big.bin" });

    vi.advanceTimersByTime(GRACE_MS + 1);
    // Unreferenced, but younger than the grace period: kept this time.
    await alice.mutation(api.files.write, { projectId, path: "young.txt", content: "young" });
    await alice.mutation(api.files.remove, { projectId, path: "young.txt" });

    await sweepAll(t);
    expect(await blobHashes(t)).toEqual([sha("kept"), sha("in a snapshot"), sha("edited"), sha("young")].sort());
    expect(await storageIds(t)).toEqual([]); // the big blob's object went with it
    expect((await alice.query(api.files.read, { projectId, path: "kept.txt" })).content).toBe("kept");

    vi.advanceTimersByTime(GRACE_MS + 1);
    await sweepAll(t);
    expect(await blobHashes(t)).toEqual([sha("kept"), sha("in a snapshot"), sha("edited")].sort());
  });

  test("never deletes a blob a deployment snapshot references, inline or in file storage", async () => {
    const { t, projectId, alice, ids } = await setupProject();
    const big = "large ".repeat(INLINE_LIMIT_BYTES / 4);
    await alice.mutation(api.files.write, { projectId, path: "index.html", content: "<h1>v1</h1>" });
    const { storageId: bigId, uploadId } = await upload(t, alice, projectId, big);
    await alice.mutation(api.files.commitUpload, { projectId, path: "assets/big.txt", storageId: bigId, uploadId });
    // What a deployment does: freeze the project (the same helper deployments.request uses).
    const snapshotId = await t.run((ctx) => createSnapshot(ctx, projectId, ids.alice));
    // Then the project moves on: both files change or go, so only the snapshot holds the v1 blobs.
    await alice.mutation(api.files.write, { projectId, path: "index.html", content: "<h1>v2</h1>" });
    await alice.mutation(api.files.remove, { projectId, path: "assets/big.txt" });
    await alice.mutation(api.projects.remove, { projectId });

    vi.advanceTimersByTime(GRACE_MS + 1);
    await sweepAll(t);
    vi.advanceTimersByTime(GRACE_MS + 1);
    await sweepAll(t);

    expect(await blobHashes(t)).toEqual([sha("<h1>v1</h1>"), sha("<h1>v2</h1>"), sha(big)].sort());
    expect(await storageIds(t)).toEqual([bigId]);
    // A rollback reads the snapshot's content exactly as deployments do.
    const files = await t.run((ctx) => snapshotFilesPage(ctx, snapshotId, null, 10));
    const content = await t.query(internal.blobs.blobsForHashes, { hashes: files.page.map((f) => f.hash) });
    expect(content).toEqual([
      { hash: sha(big), storageId: bigId },
      { hash: sha("<h1>v1</h1>"), content: "<h1>v1</h1>" },
    ]);
    expect(await t.run(async (ctx) => await (await ctx.storage.get(bigId))!.text())).toBe(big);
  });

  test("deletes uploads never committed once they are older than the grace period", async () => {
    const { t, projectId, alice } = await setupProject();
    const abandoned = await t.run((ctx) => ctx.storage.store(new Blob(["abandoned"])));
    const { storageId: used, uploadId } = await upload(t, alice, projectId, "used");
    await alice.mutation(api.files.commitUpload, { projectId, path: "used.bin", storageId: used, uploadId });
    vi.advanceTimersByTime(GRACE_MS + 1);
    const inFlight = await t.run((ctx) => ctx.storage.store(new Blob(["in flight"])));
    await sweepAll(t);
    expect((await storageIds(t)).sort()).toEqual([used, inFlight].sort());
    expect(abandoned).not.toBe(used);
  });

  test("works in bounded batches, rescheduling itself with its cursor until done", async () => {
    const { t, projectId, alice } = await setupProject();
    await t.run(async (ctx) => {
      for (let i = 0; i < SWEEP_BATCH * 2 + 50; i++) {
        await ctx.db.insert("blobs", { hash: sha(`c${i}`), size: 2, content: `c${i}`, createdAt: Date.now() });
      }
    });
    await alice.mutation(api.files.write, { projectId, path: "keep", content: "keep" });
    vi.advanceTimersByTime(GRACE_MS + 1);
    const first = await t.mutation(internal.blobs.sweep, {});
    expect(first).toEqual({ phase: "blobs", scanned: SWEEP_BATCH, deleted: SWEEP_BATCH, done: false });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await blobHashes(t)).toEqual([sha("keep")]);
    const runs = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(runs.length).toBeGreaterThanOrEqual(3); // 2 more blob batches + the uploads phase
    expect(runs.every((r) => r.state.kind === "success")).toBe(true);
  });

  test("a batch of large inline blobs is cut by bytes read, not only by count", async () => {
    const { t } = await setupProject();
    await t.run(async (ctx) => {
      for (let i = 0; i < 12; i++) {
        const c = String(i % 10).repeat(INLINE_LIMIT_BYTES - i);
        await ctx.db.insert("blobs", { hash: sha(c), size: c.length, content: c, createdAt: Date.now() });
      }
    });
    vi.advanceTimersByTime(GRACE_MS + 1);
    const first = await t.mutation(internal.blobs.sweep, {});
    expect(first.scanned).toBeLessThanOrEqual(Math.ceil(SWEEP_MAX_BYTES / (INLINE_LIMIT_BYTES - 11)));
    expect(first.done).toBe(false);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await blobHashes(t)).toEqual([]);
  });
});

describe("crons.ts", () => {
  test("runs the sweep daily", () => {
    const entries = Object.values((crons as unknown as { crons: Record<string, any> }).crons);
    const sweep = entries.find((c) => c.name === getFunctionName(internal.blobs.sweep));
    expect(sweep).toBeDefined();
    expect(sweep.schedule.type).toBe("daily");
    expect(sweep.args).toEqual([{}]);
  });
});
