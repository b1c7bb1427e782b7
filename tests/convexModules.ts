// The modules map convex-test needs, built by walking convex/ (works under vitest and tsx,
// where import.meta.glob does not exist).
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const convexDir = fileURLToPath(new URL("../convex/", import.meta.url));

export function convexModules(): Record<string, () => Promise<any>> {
  const out: Record<string, () => Promise<any>> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (/\.[cm]?[jt]s$/.test(e.name) && !/\.d\.[cm]?ts$/.test(e.name) && !/\.test\./.test(e.name)) {
        out["./convex/" + path.relative(convexDir, abs).split(path.sep).join("/")] = () => import(abs);
      }
    }
  };
  walk(convexDir);
  return out;
}
