// Registers the Convex components with convex-test under vitest AND under tsx (`npm run
// stack`, `npm run bench`). The packages' own `@convex-dev/*/test` helpers build their module
// maps with vite's `import.meta.glob`, which does not exist outside vitest, so this walks the
// same `src/component/` directories. It mirrors each package's src/test.ts (rate-limiter and
// workpool nest batch-worker); tests/convexComponents.test.ts checks the two stay identical.
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { TestConvex } from "convex-test";

type Modules = Record<string, () => Promise<any>>;
type Registrar = { registerComponent(name: string, schema: any, modules: Modules): void };
type ComponentSpec = { pkg: string; nested?: { pkg: string; name: string }[] };

/** name in convex.config.ts → package (and the components it mounts inside itself). */
export const COMPONENTS: Record<string, ComponentSpec> = {
  rateLimiter: { pkg: "@convex-dev/rate-limiter", nested: [{ pkg: "@convex-dev/batch-worker", name: "batchWorker" }] },
  deployPool: { pkg: "@convex-dev/workpool", nested: [{ pkg: "@convex-dev/batch-worker", name: "batchWorker" }] },
  paidDeployPool: { pkg: "@convex-dev/workpool", nested: [{ pkg: "@convex-dev/batch-worker", name: "batchWorker" }] },
  notifyPool: { pkg: "@convex-dev/workpool", nested: [{ pkg: "@convex-dev/batch-worker", name: "batchWorker" }] },
  deploymentStats: { pkg: "@convex-dev/aggregate" },
};

/** `{ "./component/<file>": () => import(file) }` for a package's src/component, as its glob would. */
function componentModules(componentDir: string): Modules {
  const out: Modules = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (/\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) {
        out["./component/" + path.relative(componentDir, abs).split(path.sep).join("/")] = () => import(abs);
      }
    }
  };
  walk(componentDir);
  return out;
}

type Loaded = { schema: any; modules: Modules; nested: { name: string; schema: any; modules: Modules }[] };

/** Resolves `<pkg>/test` from `from` and loads the component's schema and module map. */
async function load(pkg: string, from: string) {
  const testFile = createRequire(from).resolve(`${pkg}/test`);
  const componentDir = path.join(path.dirname(testFile), "component");
  const schema = (await import(path.join(componentDir, "schema.ts"))).default;
  return { testFile, schema, modules: componentModules(componentDir) };
}

const loaded: Record<string, Loaded> = {};
for (const [name, spec] of Object.entries(COMPONENTS)) {
  const top = await load(spec.pkg, import.meta.url);
  const nested = [];
  for (const n of spec.nested ?? []) {
    const inner = await load(n.pkg, top.testFile);
    nested.push({ name: n.name, schema: inner.schema, modules: inner.modules });
  }
  loaded[name] = { schema: top.schema, modules: top.modules, nested };
}

/** Registers every component of convex/convex.config.ts (and the ones they nest). */
export function registerComponents(t: Registrar | TestConvex<any>) {
  for (const [name, c] of Object.entries(loaded)) {
    t.registerComponent(name, c.schema, c.modules);
    for (const n of c.nested) t.registerComponent(`${name}/${n.name}`, n.schema, n.modules);
  }
}
