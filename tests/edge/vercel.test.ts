// The Vercel entry: api/index.ts default-exports the app (Web-standard `fetch`), vercel.json
// sends /api/* and /health to it, and the function loads as Node ESM the way Vercel's
// builder ships it (each TypeScript file compiled on its own, import specifiers untouched).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, test } from "vitest";
import { captureConsole } from "../console";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("api/index.ts", () => {
  test("default-exports something with fetch; GET /health answers JSON without a Convex configured", async () => {
    const stdout = captureConsole("log"); // the request log: one JSON line per request on stdout
    const saved = process.env.CONVEX_SITE_URL;
    delete process.env.CONVEX_SITE_URL;
    try {
      const { default: app } = await import("../../api/index");
      expect(typeof app.fetch).toBe("function");
      const res = await app.fetch(new Request("http://localhost/health"));
      expect(res.status).toBe(503);
      expect(res.headers.get("Content-Type")).toContain("application/json");
      expect(await res.json()).toMatchObject({ status: "degraded", edge: { ok: true }, convex: { ok: false } });
      const missing = await app.fetch(new Request("http://localhost/api/nope"));
      expect(await missing.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
      const lines = stdout.messages().map((line) => JSON.parse(line));
      expect(lines).toMatchObject([
        { msg: "request", path: "/health", status: 503 },
        { msg: "request", path: "/api/nope", status: 404 },
      ]);
    } finally {
      if (saved !== undefined) process.env.CONVEX_SITE_URL = saved;
    }
  });
});

describe("vercel.json", () => {
  const config = JSON.parse(readFileSync(path.join(root, "vercel.json"), "utf8")) as {
    rewrites: { source: string; destination: string }[];
  };
  // Vercel's `source` is a path-to-regexp pattern; these two are plain enough to test as regexes.
  const destinationOf = (p: string) => config.rewrites.find((r) => new RegExp(`^${r.source}$`).test(p))?.destination;

  test("rewrites /api/(.*) and /health to the function", () => {
    expect(config.rewrites).toEqual(
      expect.arrayContaining([
        { source: "/api/(.*)", destination: "/api" },
        { source: "/health", destination: "/api" },
      ]),
    );
    for (const p of ["/api/me", "/api/ai/stream", "/health"]) expect(destinationOf(p)).toBe("/api");
    expect(destinationOf("/favicon.ico")).toBeUndefined();
  });
});

describe("the function as Vercel runs it (Node ESM, files compiled one by one)", () => {
  const out = mkdtempSync(path.join(tmpdir(), "autocrea-vercel-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  /** Compiles api/index.ts and every relative import it reaches; specifiers stay as written. */
  function compileGraph(entry: string) {
    const seen = new Set<string>();
    const queue = [path.join(root, entry)];
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const src = readFileSync(file, "utf8");
      const js = ts.transpileModule(src, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
        fileName: file,
      }).outputText;
      const target = path.join(out, path.relative(root, file)).replace(/\.ts$/, ".js");
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, js);
      // Follow what survives compilation (type-only imports are gone), as Vercel's tracer does.
      for (const { fileName } of ts.preProcessFile(js, true, true).importedFiles) {
        if (!fileName.startsWith(".")) continue;
        const base = path.resolve(path.dirname(file), fileName).replace(/\.js$/, "");
        const found = [`${base}.ts`, `${base}.js`, path.join(base, "index.ts")].find((f) => existsSync(f));
        if (found) queue.push(found);
      }
    }
    return seen;
  }

  test("api/index.js loads under Node and answers GET /health", () => {
    const files = compileGraph("api/index.ts");
    expect(files.size).toBeGreaterThan(5);
    writeFileSync(path.join(out, "package.json"), JSON.stringify({ type: "module" }));
    symlinkSync(path.join(root, "node_modules"), path.join(out, "node_modules"), "dir");
    const script = [
      `const { default: app } = await import("./api/index.js");`,
      `const res = await app.fetch(new Request("http://localhost/health"));`,
      `console.log(JSON.stringify({ status: res.status, body: await res.json() }));`,
    ].join("\n");
    const env = { PATH: process.env.PATH ?? "", NODE_ENV: "production" };
    const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: out,
      env,
      encoding: "utf8",
    });
    const lines = stdout.trim().split("\n");
    const result = JSON.parse(lines.at(-1)!);
    expect(result).toMatchObject({ status: 503, body: { status: "degraded" } });
    // The request log line went to stdout as JSON.
    expect(JSON.parse(lines[0])).toMatchObject({ msg: "request", path: "/health", status: 503 });
  });
});
