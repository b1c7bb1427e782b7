// The README and docs/ stay true: env vars (= .env.example ⊇ what the code reads), error codes
// (= ERROR_STATUS), npm scripts, edge and Convex HTTP routes, public Convex functions, links.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ERROR_STATUS } from "../convex/lib/errors";

const root = fileURLToPath(new URL("../", import.meta.url));
const read = (p: string) => readFileSync(path.join(root, p), "utf8");
const readme = read("README.md");
const docFiles = readdirSync(path.join(root, "docs"))
  .filter((f) => f.endsWith(".md"))
  .map((f) => `docs/${f}`);
/** README.md and every docs/*.md, by path. */
const pages = new Map<string, string>([["README.md", readme], ...docFiles.map((f) => [f, read(f)] as const)]);
const allDocs = [...pages.values()].join("\n");

function section(file: string, name: string): string {
  const m = new RegExp(`<!-- section:${name} -->([\\s\\S]*?)<!-- /section:${name} -->`).exec(read(file));
  if (!m) throw new Error(`${file} has no section:${name}`);
  return m[1];
}
/** First-column `code` cells of the markdown tables in a text (cells may be padded by the formatter). */
const firstCells = (text: string) => [...text.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1]);

/** Every .ts source file (no tests, no generated code) under the given folders. */
function sources(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "_generated" && e.name !== "node_modules") walk(rel);
      } else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) out.push(rel);
    }
  };
  for (const d of dirs) if (existsSync(path.join(root, d))) walk(d);
  return out;
}

/** Variables the platform sets, read by the code but never configured by hand. */
const PLATFORM_VARS = new Set(["NODE_ENV", "VERCEL_ENV"]);

const exampleVars = () => [...read(".env.example").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

function varsReadByCode(): string[] {
  const found = new Set<string>();
  for (const f of sources("edge", "api", "convex"))
    for (const m of read(f).matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) found.add(m[1]);
  return [...found].filter((v) => !PLATFORM_VARS.has(v)).sort();
}

const scripts = () => Object.keys(JSON.parse(read("package.json")).scripts as Record<string, string>);

/** `METHOD path` of every HTTP route the edge (Hono) and Convex (http.route) serve. */
function servedRoutes(): string[] {
  const routes = new Set<string>();
  for (const f of sources("edge", "convex")) {
    const text = read(f);
    for (const m of text.matchAll(/\.(get|post|put|patch|delete)\(\s*"(\/[^"]*)"/g))
      routes.add(`${m[1].toUpperCase()} ${m[2]}`);
    for (const m of text.matchAll(/\.route\(\{([^}]*)\}\)/g)) {
      const p = /path:\s*"([^"]+)"/.exec(m[1]);
      const method = /method:\s*"([A-Z]+)"/.exec(m[1]);
      if (p && method) routes.add(`${method[1]} ${p[1]}`);
    }
  }
  return [...routes].sort();
}

/** Wrappers that declare a public Convex function (not internal* or edge*, which are internal; not HTTP actions). */
const PUBLIC_WRAPPER = /^(?!internal|edge)\w*(Query|Mutation)$|^(query|mutation|action|userAction|adminAction)$/;

/** `module.function` of every public Convex function. */
function publicFunctions(): string[] {
  const out: string[] = [];
  for (const f of sources("convex")) {
    if (f.startsWith(`convex${path.sep}lib${path.sep}`)) continue;
    const mod = f.slice("convex/".length, -".ts".length).split(path.sep).join(".");
    for (const m of read(f).matchAll(/^export const (\w+)\s*=\s*(\w+)(?:<[^>]*>)?\(/gm)) {
      if (PUBLIC_WRAPPER.test(m[2])) out.push(`${mod}.${m[1]}`);
    }
  }
  return out.sort();
}

/** GitHub's anchor for a heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
const anchors = (text: string) => new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));

describe("environment variables", () => {
  test("every variable in .env.example is documented (docs/operations.md, or the doc of its area)", () => {
    const missing = exampleVars().filter((v) => !allDocs.includes(`\`${v}\``));
    expect(missing, "in .env.example but in no docs file").toEqual([]);
  });

  test("every row of the env table in docs/operations.md is a variable of .env.example", () => {
    const inExample = new Set(exampleVars());
    const rows = firstCells(section("docs/operations.md", "env"));
    expect(rows.length).toBeGreaterThan(0);
    expect(
      rows.filter((v) => !inExample.has(v)),
      "a row in docs/operations.md but not in .env.example",
    ).toEqual([]);
  });

  test("every variable in .env.example has its own comment on the line above", () => {
    const lines = read(".env.example").split("\n");
    const bare = lines.filter((l, i) => /^[A-Z][A-Z0-9_]*=/.test(l) && !lines[i - 1]?.startsWith("#"));
    expect(bare, "a variable in .env.example without a comment line right above it").toEqual([]);
  });

  test("every variable the edge or Convex reads is in .env.example (add it with a comment, and a docs row)", () => {
    const documented = new Set(exampleVars());
    expect(
      varsReadByCode().filter((v) => !documented.has(v)),
      "read by edge/, api/ or convex/ but not in .env.example",
    ).toEqual([]);
  });
});

describe("API reference", () => {
  test("the errors table in docs/api.md is ERROR_STATUS: every code with its HTTP status", () => {
    const rows = [...section("docs/api.md", "errors").matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_STATUS);
  });

  test("every route the edge or Convex serves has a row in docs/api.md", () => {
    const api = read("docs/api.md");
    const routes = servedRoutes();
    expect(routes.length).toBeGreaterThan(0);
    // A table row whose first two cells are the method and the `path`.
    const rows = new Set(
      api
        .split("\n")
        .map((l) => l.split("|").map((c) => c.trim()))
        .filter((c) => c[0] === "")
        .map((c) => `${c[1]} ${c[2]}`),
    );
    const missing = routes.filter((r) => {
      const [method, p] = r.split(" ");
      return !rows.has(`${method} \`${p}\``);
    });
    expect(missing, "served but without a `| METHOD | `path` |` row in docs/api.md").toEqual([]);
  });

  test("every public Convex function is documented as `module.function`", () => {
    const fns = publicFunctions();
    expect(fns.length).toBeGreaterThan(0);
    expect(
      fns.filter((f) => !allDocs.includes(`\`${f}\``)),
      "public but in no docs file",
    ).toEqual([]);
  });
});

describe("commands", () => {
  test("the commands table in docs/development.md names every npm script", () => {
    const cells = firstCells(section("docs/development.md", "commands"));
    const missing = scripts().filter(
      (s) => !cells.some((c) => c === `npm run ${s}` || (s === "test" && c === "npm test")),
    );
    expect(missing, "npm scripts without a row in docs/development.md section:commands").toEqual([]);
  });

  test("every `npm run X` the README or docs mention is an npm script", () => {
    const known = new Set(scripts());
    const unknown = [...pages].flatMap(([file, text]) =>
      [...text.matchAll(/npm run ([a-z][\w:-]*)/g)]
        .map((m) => m[1])
        .filter((s) => !known.has(s))
        .map((s) => `${file}: npm run ${s}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe("README and links", () => {
  test("the README is a front door: at most 300 lines, the offline command on its first screen", () => {
    const lines = readme.split("\n");
    expect(lines.length).toBeLessThanOrEqual(300);
    expect(lines.slice(0, 40).join("\n")).toContain("npm run stack");
  });

  test("the README's Layout has a row for every top-level folder and every folder of convex/", () => {
    const rows = new Set(firstCells(section("README.md", "layout")));
    const ignored = new Set(
      read(".gitignore")
        .split("\n")
        .map((l) => l.trim().replace(/^\/|\/$/g, "")),
    );
    const dirs = (dir: string) =>
      readdirSync(path.join(root, dir), { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !ignored.has(e.name) && e.name !== "_generated")
        .map((e) => (dir ? `${dir}/${e.name}/` : `${e.name}/`));
    expect([...dirs(""), ...dirs("convex")].filter((d) => !rows.has(d))).toEqual([]);
  });

  test("the README's docs table links every file in docs/", () => {
    const unlinked = docFiles.filter((f) => !readme.includes(`](${f})`));
    expect(unlinked, "docs files the README does not link").toEqual([]);
  });

  test("every relative link in README.md and docs/*.md points at a file (and heading) that exists", () => {
    const broken: string[] = [];
    for (const [file, text] of pages) {
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [rel, anchor] = target.split("#");
        const resolved = rel ? path.posix.normalize(path.posix.join(path.posix.dirname(file), rel)) : file;
        if (!existsSync(path.join(root, resolved))) broken.push(`${file}: ${target}`);
        else if (anchor && resolved.endsWith(".md") && !anchors(pages.get(resolved) ?? read(resolved)).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
