// Path rules (what files.* refuse) and the prefix range of files.list, including prefixes
// with "/" and non-ASCII characters: Convex orders strings by UTF-8 bytes (code points),
// not by UTF-16 code units as JavaScript's `<` does.
import { compareValues } from "convex/values";
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { prefixEnd } from "../../convex/lib/paths";
import { allPages, expectCode, PAGE, refusedWithoutChange, setupProject, upload } from "./helpers";

const byCodePoint = (a: string, b: string) => compareValues(a, b);

describe("paths", () => {
  test.each([
    ["", "empty"],
    ["./", "empty"],
    ["../secret", '".."'],
    ["src/../../etc/passwd", '".."'],
    ["/etc/passwd", "absolute"],
    ["C:/Windows/win.ini", "absolute"],
    ["c:evil", "absolute"],
    ["src\\App.tsx", "backslash"],
    ["src/a\u0000.ts", "control"],
    ["src/a\n.ts", "control"],
    ["src/a\u007f.ts", "control"],
    ["src/\ud83d.ts", "unpaired surrogate"],
    ["a//b.ts", "empty segment"],
    ["src/", "empty segment"],
    ["src/./a.ts", '"."'],
    ["a/".repeat(256) + "b", "longer than 512"],
  ])("refuses %j with INVALID naming the problem, nothing written", async (path, problem) => {
    const { t, projectId, alice } = await setupProject();
    const data = await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.write, { projectId, path, content: "x" }),
      "INVALID",
    );
    expect(data.message).toContain(problem);
  });

  test("the same checks guard writeMany, rename, remove, read and commitUpload", async () => {
    const { t, projectId, alice } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "ok.ts", content: "x" });
    const { storageId, uploadId } = await upload(t, alice, projectId, "x");
    await refusedWithoutChange(
      t,
      () =>
        alice.mutation(api.files.writeMany, {
          projectId,
          files: [
            { path: "ok2.ts", content: "y" },
            { path: "../x", content: "y" },
          ],
        }),
      "INVALID",
    );
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.rename, { projectId, from: "ok.ts", to: "/abs.ts" }),
      "INVALID",
    );
    await refusedWithoutChange(t, () => alice.mutation(api.files.remove, { projectId, path: "a//b" }), "INVALID");
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.files.commitUpload, { projectId, path: "a\\b", storageId, uploadId }),
      "INVALID",
    );
    await expectCode(alice.query(api.files.read, { projectId, path: "../ok.ts" }), "INVALID");
    await expectCode(alice.query(api.files.list, { projectId, prefix: "/src", paginationOpts: PAGE }), "INVALID");
  });

  test("a path of exactly 512 characters is accepted", async () => {
    const { projectId, alice } = await setupProject();
    const path = "a".repeat(509) + ".ts";
    expect((await alice.mutation(api.files.write, { projectId, path, content: "x" })).path).toBe(path);
  });
});

describe("files.list prefix range", () => {
  const paths = [
    "docs/u.md",
    "docs/ü/a.md",
    "docs/ü/b.md",
    "docs/üb.md",
    "docs/ý.md",
    "i18n/日本/a.json",
    "i18n/日本/b.json",
    "i18n/日本0.json",
    "i18n/日本語.json",
    "img/😀/a.png",
    "img/😀b.png",
    "img/😁.png",
    "img/\ue000.png", // private use: above the surrogates in UTF-16, below 😀 in UTF-8
    "img/\ufffd.png",
    "x/\ud7ffa", // U+D7FF, the last code point before the surrogate range
    "x/\ue000",
    "x/\u{10000}",
    "z/\uff01\u{10ffff}.txt",
    "z/\uff01.txt",
    "z/\uff02.txt",
    "\u{10ffff}/a.txt",
    "\u{10ffff}\u{10ffff}.txt",
  ];
  const prefixes = [
    "docs/ü/",
    "docs/ü",
    "docs/",
    "i18n/日本/",
    "i18n/日本",
    "img/😀",
    "img/😀/",
    "img/",
    "x/\ud7ff",
    "z/\uff01",
    "\u{10ffff}",
    "\u{10ffff}/",
  ];

  test("lists exactly the files that start with the prefix, in Convex's order", async () => {
    const { projectId, alice, carol } = await setupProject();
    await alice.mutation(api.files.writeMany, { projectId, files: paths.map((path) => ({ path, content: path })) });
    for (const prefix of prefixes) {
      const listed = await carol.query(api.files.list, { projectId, prefix, paginationOpts: PAGE });
      const expected = paths.filter((p) => p.startsWith(prefix)).sort(byCodePoint);
      expect(
        listed.page.map((f) => f.path),
        prefix,
      ).toEqual(expected);
      expect(expected.length, prefix).toBeGreaterThan(0);
    }
  });

  test("pages stay inside the prefix", async () => {
    const { projectId, alice } = await setupProject();
    await alice.mutation(api.files.writeMany, { projectId, files: paths.map((path) => ({ path, content: path })) });
    const pages = await allPages((cursor) =>
      alice.query(api.files.list, { projectId, prefix: "img/", paginationOpts: { numItems: 2, cursor } }),
    );
    expect(pages.flat().map((f) => f.path)).toEqual(paths.filter((p) => p.startsWith("img/")).sort(byCodePoint));
  });

  test("prefixEnd bounds exactly the strings with the prefix, under code-point order", () => {
    const alphabet = ["a", "/", "0", ".", "ü", "日", "\ud7ff", "\ue000", "\uffff", "😀", "\u{10000}", "\u{10ffff}"];
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const word = (max: number) => Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]).join("");
    for (let i = 0; i < 3000; i++) {
      const prefix = word(2) || "a";
      const s = rand(2) ? prefix + word(3) : word(4);
      const end = prefixEnd(prefix);
      const inRange = compareValues(s, prefix) >= 0 && (end === null || compareValues(s, end) < 0);
      expect(inRange, JSON.stringify({ prefix, s })).toBe(s.startsWith(prefix));
    }
  });
});
