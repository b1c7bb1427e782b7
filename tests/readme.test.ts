// The README's reference tables stay true: env vars (= .env.example = what the code reads),
// error codes (= ERROR_STATUS), commands (= package.json scripts).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ERROR_STATUS } from "../convex/lib/errors";

const root = fileURLToPath(new URL("../", import.meta.url));
const read = (p: string) => readFileSync(path.join(root, p), "utf8");
const readme = read("README.md");

function section(name: string): string {
  const m = new RegExp(`<!-- section:${name} -->([\\s\\S]*?)<!-- /section:${name} -->`).exec(readme);
  if (!m) throw new Error(`README has no section:${name}`);
  return m[1];
}
/** First-column `code` cells of the markdown tables in a section. */
const firstCells = (text: string) => [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);

/** Variables the platform sets, read by the code but never configured by hand. */
const PLATFORM_VARS = new Set(["NODE_ENV", "VERCEL_ENV"]);

function exampleVars(): string[] {
  return [...read(".env.example").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

function varsReadByCode(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "_generated" && e.name !== "node_modules") walk(rel);
      } else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) {
        for (const m of read(rel).matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) found.add(m[1]);
      }
    }
  };
  for (const dir of ["edge", "api", "convex"]) walk(dir);
  return [...found].filter((v) => !PLATFORM_VARS.has(v)).sort();
}

describe("README", () => {
  test("the env table lists exactly the variables of .env.example", () => {
    const inTable = new Set(firstCells(section("env")));
    const inExample = new Set(exampleVars());
    const missingRows = [...inExample].filter((v) => !inTable.has(v));
    const extraRows = [...inTable].filter((v) => !inExample.has(v));
    expect(missingRows, "in .env.example but without a row in README section:env").toEqual([]);
    expect(extraRows, "a row in README section:env but not in .env.example").toEqual([]);
  });

  test("every variable in .env.example has its own comment on the line above", () => {
    const lines = read(".env.example").split("\n");
    const bare = lines.filter((l, i) => /^[A-Z][A-Z0-9_]*=/.test(l) && !lines[i - 1]?.startsWith("#"));
    expect(bare, "a variable in .env.example without a comment line right above it").toEqual([]);
  });

  test("every variable the edge or Convex reads is in .env.example (add it with a comment, and a README row)", () => {
    const documented = new Set(exampleVars());
    const missing = varsReadByCode().filter((v) => !documented.has(v));
    expect(missing, "read by edge/, api/ or convex/ but not in .env.example").toEqual([]);
  });

  test("the errors table is ERROR_STATUS: every code with its HTTP status", () => {
    const rows = [...section("errors").matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_STATUS);
  });

  test("the commands table names every npm script", () => {
    const scripts = Object.keys(JSON.parse(read("package.json")).scripts as Record<string, string>);
    const cells = firstCells(section("commands"));
    for (const s of scripts) expect(cells.some((c) => c === `npm run ${s}` || (s === "test" && c === "npm test"))).toBe(true);
  });

  test("every `npm run X` the README mentions is an npm script", () => {
    const scripts = new Set(Object.keys(JSON.parse(read("package.json")).scripts as Record<string, string>));
    const mentioned = new Set([...readme.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]));
    expect([...mentioned].filter((s) => !scripts.has(s))).toEqual([]);
  });
});
