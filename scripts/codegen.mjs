#!/usr/bin/env node
// Regenerates convex/_generated/ without a Convex deployment.
// 1. `convex codegen --system-udfs --typecheck disable` writes api/server/dataModel offline.
// 2. It does not write the `components` export, so we append it from convex/convex.config.ts,
//    exactly as `npx convex dev` would (ComponentApi types from each package).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const convexDir = path.join(root, "convex");
const gen = path.join(convexDir, "_generated");

execFileSync(
  process.execPath,
  [path.join(root, "node_modules/convex/bin/main.js"), "codegen", "--system-udfs", "--typecheck", "disable"],
  { stdio: ["ignore", "ignore", "inherit"], cwd: root },
);

/** [{ name, spec }] for each `app.use(x, { name? })` in convex.config.ts. */
function readComponents() {
  const configPath = path.join(convexDir, "convex.config.ts");
  if (!existsSync(configPath)) return [];
  const src = readFileSync(configPath, "utf8");
  const imports = new Map();
  for (const m of src.matchAll(/import\s+(\w+)\s+from\s+["']([^"']+)\/convex\.config(?:\.js)?["']/g)) {
    imports.set(m[1], m[2]);
  }
  const require = createRequire(path.join(root, "package.json"));
  const out = [];
  for (const m of src.matchAll(/\.use\(\s*(\w+)\s*(?:,\s*\{[^}]*?name:\s*["']([^"']+)["'][^}]*\})?/g)) {
    const spec = imports.get(m[1]);
    if (!spec) throw new Error(`codegen: cannot resolve the component import for ${m[1]}`);
    let name = m[2];
    if (!name) {
      const cfgFile = require.resolve(`${spec}/convex.config.js`);
      const def = readFileSync(cfgFile, "utf8").match(/defineComponent\(\s*["']([^"']+)["']/);
      if (!def) throw new Error(`codegen: no defineComponent(name) in ${cfgFile}`);
      name = def[1];
    }
    out.push({ name, spec });
  }
  return out;
}

const components = readComponents();
if (components.length > 0) {
  const dts = path.join(gen, "api.d.ts");
  const js = path.join(gen, "api.js");
  const lines = components.map(
    (c) => `  ${c.name}: import("${c.spec}/_generated/component.js").ComponentApi<"${c.name}">;`,
  );
  writeFileSync(dts, readFileSync(dts, "utf8") + `\nexport declare const components: {\n${lines.join("\n")}\n};\n`);
  writeFileSync(
    js,
    readFileSync(js, "utf8").replace(
      'import { anyApi } from "convex/server";',
      'import { anyApi, componentsGeneric } from "convex/server";',
    ) + "export const components = componentsGeneric();\n",
  );
}
console.log(
  `codegen: convex/_generated written${components.length ? ` (components: ${components.map((c) => c.name).join(", ")})` : ""}`,
);
