import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { MAX_SNAPSHOT_PAGE } from "../../convex/files";
import { INLINE_LIMIT_BYTES } from "../../convex/lib/blobs";
import { MAX_PROJECT_BYTES, MAX_PROJECT_FILES } from "../../convex/lib/projectFiles";
import type { ConvexTest } from "../convexTest";
import { expectCode, PAGE, refusedWithoutChange, setupProject } from "./helpers";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** The project's counters next to the truth computed from its file rows. */
async function counters(t: ConvexTest, projectId: Id<"projects">) {
  return await t.run(async (ctx) => {
    const p = (await ctx.db.get("projects", projectId))!;
    const files = await ctx.db
      .query("files")
      .withIndex("by_projectId_and_path", (q) => q.eq("projectId", projectId))
      .collect();
    return {
      counted: { fileCount: p.fileCount, totalBytes: p.totalBytes },
      actual: { fileCount: files.length, totalBytes: files.reduce((n, f) => n + f.size, 0) },
    };
  });
}
async function expectExactCounters(t: ConvexTest, projectId: Id<"projects">) {
  const c = await counters(t, projectId);
  expect(c.counted).toEqual(c.actual);
  return c.actual;
}
const blobCount = (t: ConvexTest) => t.run(async (ctx) => (await ctx.db.query("blobs").collect()).length);

describe("files.write / read", () => {
  test("writes a file and reads it back with hash, size and language", async () => {
    const { t, projectId, bob, carol } = await setupProject();
    const content = "export const x = 'é';\n";
    const info = await bob.mutation(api.files.write, { projectId, path: "./src/App.tsx", content });
    expect(info).toMatchObject({
      path: "src/App.tsx",
      hash: sha(content),
      size: Buffer.byteLength(content),
      language: "typescript",
    });
    expect(await carol.query(api.files.read, { projectId, path: "src/App.tsx" })).toEqual({ ...info, content });
    expect(await expectExactCounters(t, projectId)).toEqual({ fileCount: 1, totalBytes: Buffer.byteLength(content) });
  });

  test("overwrites keep the counters exact; rewriting the same content changes nothing", async () => {
    const { t, projectId, alice } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.md", content: "short" });
    const written = await alice.mutation(api.files.write, { projectId, path: "a.md", content: "much longer text" });
    expect(written).toMatchObject({ path: "a.md", hash: sha("much longer text"), size: 16, language: "markdown" });
    const { content: _content, ...stored } = await alice.query(api.files.read, { projectId, path: "a.md" });
    expect(written).toEqual(stored);
    expect(await expectExactCounters(t, projectId)).toEqual({ fileCount: 1, totalBytes: 16 });
    const before = await t.run((ctx) => ctx.db.query("files").collect());
    expect(await alice.mutation(api.files.write, { projectId, path: "a.md", content: "much longer text" })).toEqual(
      written,
    );
    expect(await t.run((ctx) => ctx.db.query("files").collect())).toEqual(before);
  });

  test("identical content is stored once, across files and projects", async () => {
    const { t, projectId, alice } = await setupProject();
    const other = await alice.mutation(api.projects.create, { name: "Other", framework: "static" });
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "same" });
    await alice.mutation(api.files.write, { projectId, path: "b/c.txt", content: "same" });
    await alice.mutation(api.files.write, { projectId: other, path: "a.txt", content: "same" });
    expect(await blobCount(t)).toBe(1);
    await alice.mutation(api.files.writeMany, {
      projectId,
      files: [
        { path: "d.txt", content: "new" },
        { path: "e.txt", content: "new" },
      ],
    });
    expect(await blobCount(t)).toBe(2);
  });

  test("read of a missing file is NOT_FOUND", async () => {
    const { projectId, alice } = await setupProject();
    await expectCode(alice.query(api.files.read, { projectId, path: "nope.ts" }), "NOT_FOUND");
  });
});

describe("optimistic concurrency (expectedHash)", () => {
  test("a write with the current hash succeeds; a stale hash is CONFLICT and writes nothing", async () => {
    const { t, projectId, alice, bob } = await setupProject();
    const v1 = await alice.mutation(api.files.write, { projectId, path: "a.ts", content: "v1" });
    const v2 = await bob.mutation(api.files.write, { projectId, path: "a.ts", content: "v2", expectedHash: v1.hash });
    const data = await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.write, { projectId, path: "a.ts", content: "v1-edit", expectedHash: v1.hash }),
      "CONFLICT",
    );
    expect(data.currentHash).toBe(v2.hash);
  });

  test("expectedHash for a file that does not exist is CONFLICT", async () => {
    const { t, projectId, alice } = await setupProject();
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.write, { projectId, path: "new.ts", content: "x", expectedHash: sha("x") }),
      "CONFLICT",
    );
  });
});

describe("size limits and quotas", () => {
  test("inline content up to 512 KB; above is PAYLOAD_TOO_LARGE pointing to the upload flow", async () => {
    const { t, projectId, alice } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "max.txt", content: "a".repeat(INLINE_LIMIT_BYTES) });
    const data = await refusedWithoutChange(
      t,
      () =>
        alice.mutation(api.files.write, { projectId, path: "big.txt", content: "a".repeat(INLINE_LIMIT_BYTES + 1) }),
      "PAYLOAD_TOO_LARGE",
    );
    expect(data.message).toContain("generateUploadUrl");
    // The limit is in UTF-8 bytes, not characters.
    await refusedWithoutChange(
      t,
      () =>
        alice.mutation(api.files.write, {
          projectId,
          path: "wide.txt",
          content: "é".repeat(INLINE_LIMIT_BYTES / 2 + 1),
        }),
      "PAYLOAD_TOO_LARGE",
    );
  });

  test("5,000 files per project: a new file is QUOTA_EXCEEDED, overwriting an existing one is fine", async () => {
    const { t, projectId, alice } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "a" });
    await t.run((ctx) => ctx.db.patch("projects", projectId, { fileCount: MAX_PROJECT_FILES }));
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.write, { projectId, path: "b.txt", content: "b" }),
      "QUOTA_EXCEEDED",
    );
    await refusedWithoutChange(
      t,
      () =>
        alice.mutation(api.files.writeMany, {
          projectId,
          files: [
            { path: "a.txt", content: "A" },
            { path: "c.txt", content: "c" },
          ],
        }),
      "QUOTA_EXCEEDED",
    );
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "A" });
  });

  test("100 MB per project: growing past it is QUOTA_EXCEEDED, shrinking is fine", async () => {
    const { t, projectId, alice } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "0123456789" });
    await t.run((ctx) => ctx.db.patch("projects", projectId, { totalBytes: MAX_PROJECT_BYTES - 5 }));
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.write, { projectId, path: "b.txt", content: "123456" }),
      "QUOTA_EXCEEDED",
    );
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.write, { projectId, path: "a.txt", content: "0123456789xxxxxx" }),
      "QUOTA_EXCEEDED",
    );
    await alice.mutation(api.files.write, { projectId, path: "b.txt", content: "12345" });
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "short" });
    const p = await alice.query(api.projects.get, { projectId });
    expect(p.totalBytes).toBe(MAX_PROJECT_BYTES - 5 + 5 - 5);
  });
});

describe("files.writeMany", () => {
  test("writes up to 100 files in one go", async () => {
    const { t, projectId, bob } = await setupProject();
    const files = Array.from({ length: 100 }, (_, i) => ({ path: `src/f${i}.js`, content: `export default ${i};` }));
    const out = await bob.mutation(api.files.writeMany, { projectId, files });
    expect(out).toHaveLength(100);
    expect(out[7]).toMatchObject({ path: "src/f7.js", language: "javascript", hash: sha("export default 7;") });
    expect((await expectExactCounters(t, projectId)).fileCount).toBe(100);
  });

  test("all-or-nothing: 101 files, a duplicate path or one oversized file write nothing", async () => {
    const { t, projectId, alice } = await setupProject();
    const many = Array.from({ length: 101 }, (_, i) => ({ path: `f${i}`, content: "x" }));
    await refusedWithoutChange(t, () => alice.mutation(api.files.writeMany, { projectId, files: many }), "INVALID");
    await refusedWithoutChange(
      t,
      () =>
        alice.mutation(api.files.writeMany, {
          projectId,
          files: [
            { path: "a", content: "1" },
            { path: "./a", content: "2" },
          ],
        }),
      "INVALID",
    );
    await refusedWithoutChange(
      t,
      () =>
        alice.mutation(api.files.writeMany, {
          projectId,
          files: [
            { path: "small", content: "1" },
            { path: "big", content: "b".repeat(INLINE_LIMIT_BYTES + 1) },
          ],
        }),
      "PAYLOAD_TOO_LARGE",
    );
    // More than 8 MB in one call, though every file is within the inline limit.
    const big = Array.from({ length: 17 }, (_, i) => ({
      path: `big${i}.txt`,
      content: String(i % 10).repeat(INLINE_LIMIT_BYTES),
    }));
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.writeMany, { projectId, files: big }),
      "PAYLOAD_TOO_LARGE",
    );
  });
});

describe("files.list / snapshot", () => {
  test("lists in path order without content, by prefix and page", async () => {
    const { projectId, alice, carol } = await setupProject();
    const paths = ["README.md", "src/a.ts", "src/b/c.ts", "src0.ts", "srcx.ts", "src.ts"];
    await alice.mutation(api.files.writeMany, { projectId, files: paths.map((path) => ({ path, content: path })) });
    const all = await carol.query(api.files.list, { projectId, paginationOpts: PAGE });
    expect(all.page.map((f) => f.path)).toEqual([...paths].sort());
    expect(all.page[0]).not.toHaveProperty("content");
    const src = await carol.query(api.files.list, { projectId, prefix: "./src/", paginationOpts: PAGE });
    expect(src.page.map((f) => f.path)).toEqual(["src/a.ts", "src/b/c.ts"]);
    const named = await carol.query(api.files.list, { projectId, prefix: "src", paginationOpts: PAGE });
    expect(named.page).toHaveLength(5);
    const p1 = await carol.query(api.files.list, { projectId, paginationOpts: { numItems: 4, cursor: null } });
    const p2 = await carol.query(api.files.list, {
      projectId,
      paginationOpts: { numItems: 4, cursor: p1.continueCursor },
    });
    expect([...p1.page, ...p2.page].map((f) => f.path)).toEqual([...paths].sort());
    expect(p2.isDone).toBe(true);
  });

  test("snapshot is the current (path, hash, size) set, page by page in path order", async () => {
    const { projectId, alice, carol } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "c.txt", content: "ccc" });
    await alice.mutation(api.files.write, { projectId, path: "b.txt", content: "bb" });
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "a" });
    const first = await carol.query(api.files.snapshot, { projectId, paginationOpts: { numItems: 2, cursor: null } });
    expect(first.isDone).toBe(false);
    const rest = await carol.query(api.files.snapshot, {
      projectId,
      paginationOpts: { numItems: 2, cursor: first.continueCursor },
    });
    expect(rest.isDone).toBe(true);
    expect([...first.page, ...rest.page]).toEqual([
      { path: "a.txt", hash: sha("a"), size: 1 },
      { path: "b.txt", hash: sha("bb"), size: 2 },
      { path: "c.txt", hash: sha("ccc"), size: 3 },
    ]);
  });

  test("a snapshot page holds at most MAX_SNAPSHOT_PAGE entries, however many are asked for", async () => {
    const { projectId, alice } = await setupProject();
    const total = MAX_SNAPSHOT_PAGE + 1;
    const name = (n: number) => `f/${String(n).padStart(5, "0")}.txt`;
    for (let start = 0; start < total; start += 100) {
      const files = Array.from({ length: Math.min(100, total - start) }, (_, i) => ({
        path: name(start + i),
        content: "x",
      }));
      await alice.mutation(api.files.writeMany, { projectId, files });
    }
    const all = { numItems: 100_000, cursor: null };
    const page = await alice.query(api.files.snapshot, { projectId, paginationOpts: all });
    expect(page.page).toHaveLength(MAX_SNAPSHOT_PAGE);
    expect(page.isDone).toBe(false);
    const last = await alice.query(api.files.snapshot, {
      projectId,
      paginationOpts: { ...all, cursor: page.continueCursor },
    });
    expect(last.page.map((f) => f.path)).toEqual([name(MAX_SNAPSHOT_PAGE)]);
    expect(last.isDone).toBe(true);
  });
});

describe("files.rename / remove", () => {
  test("rename moves the file (language follows), counters unchanged; CONFLICT when the target exists", async () => {
    const { t, projectId, alice, bob } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.js", content: "1" });
    await alice.mutation(api.files.write, { projectId, path: "b.ts", content: "22" });
    const moved = await bob.mutation(api.files.rename, { projectId, from: "a.js", to: "lib/a.py" });
    expect(moved).toMatchObject({ path: "lib/a.py", language: "python", hash: sha("1") });
    await expectCode(bob.query(api.files.read, { projectId, path: "a.js" }), "NOT_FOUND");
    await refusedWithoutChange(
      t,
      () => bob.mutation(api.files.rename, { projectId, from: "lib/a.py", to: "b.ts" }),
      "CONFLICT",
    );
    await refusedWithoutChange(
      t,
      () => bob.mutation(api.files.rename, { projectId, from: "gone.ts", to: "c.ts" }),
      "NOT_FOUND",
    );
    expect(await expectExactCounters(t, projectId)).toEqual({ fileCount: 2, totalBytes: 3 });
  });

  test("remove deletes the row and the counters follow; a missing file is NOT_FOUND", async () => {
    const { t, projectId, alice } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "abc" });
    await alice.mutation(api.files.write, { projectId, path: "b.txt", content: "de" });
    await alice.mutation(api.files.remove, { projectId, path: "a.txt" });
    expect(await expectExactCounters(t, projectId)).toEqual({ fileCount: 1, totalBytes: 2 });
    await refusedWithoutChange(t, () => alice.mutation(api.files.remove, { projectId, path: "a.txt" }), "NOT_FOUND");
  });
});
