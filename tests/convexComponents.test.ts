// The hand-built component registration (usable outside vitest) must register exactly what
// the packages' own `@convex-dev/*/test` helpers register: same names, schemas, module keys.
import { describe, expect, test } from "vitest";
import rateLimiterTest from "@convex-dev/rate-limiter/test";
import workpoolTest from "@convex-dev/workpool/test";
import aggregateTest from "@convex-dev/aggregate/test";
import { registerComponents } from "./convexComponents";

type Registered = { name: string; tables: string[]; modules: string[] };

function recorder() {
  const out: Registered[] = [];
  const t = {
    registerComponent(name: string, schema: any, modules: Record<string, unknown>) {
      out.push({
        name,
        tables: Object.keys(schema.tables).sort(),
        // The packages' glob also lists their own *.test.ts files; convex-test never loads those.
        modules: Object.keys(modules)
          .filter((k) => !/\.test\.ts$/.test(k))
          .sort(),
      });
    },
  };
  return { t, out };
}

describe("component registration", () => {
  test("matches the packages' own test helpers", () => {
    const ours = recorder();
    registerComponents(ours.t);
    const theirs = recorder();
    rateLimiterTest.register(theirs.t as any, "rateLimiter");
    workpoolTest.register(theirs.t as any, "deployPool");
    workpoolTest.register(theirs.t as any, "paidDeployPool");
    workpoolTest.register(theirs.t as any, "notifyPool");
    aggregateTest.register(theirs.t as any, "deploymentStats");
    const byName = (a: Registered, b: Registered) => a.name.localeCompare(b.name);
    expect(ours.out.sort(byName)).toEqual(theirs.out.sort(byName));
    expect(ours.out.map((r) => r.name)).toContain("rateLimiter/batchWorker");
  });

  test("covers every component in convex/convex.config.ts", async () => {
    const { readFileSync } = await import("node:fs");
    const src = readFileSync(new URL("../convex/convex.config.ts", import.meta.url), "utf8");
    const names = [...src.matchAll(/\.use\(\s*\w+\s*,\s*\{[^}]*name:\s*"([^"]+)"/g)].map((m) => m[1]).sort();
    const ours = recorder();
    registerComponents(ours.t);
    expect(
      ours.out
        .map((r) => r.name)
        .filter((n) => !n.includes("/"))
        .sort(),
    ).toEqual(names);
  });
});
