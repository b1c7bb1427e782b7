// Bundles the reference IDE page (web/) with esbuild from the installed npm packages (the
// official `convex/browser` client included; nothing from a CDN). The edge serves the result
// in development only (edge/dev/page.ts builds it on first request). Run directly to write
// the bundle to .dev/web/ for inspection: npx tsx scripts/buildPage.ts
import { readFile, mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const webDir = fileURLToPath(new URL("../web/", import.meta.url));

export type PageBundle = { html: string; js: string; css: string };

export async function bundlePage(): Promise<PageBundle> {
  const result = await build({
    entryPoints: [`${webDir}main.ts`],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const [html, css] = await Promise.all([
    readFile(`${webDir}index.html`, "utf8"),
    readFile(`${webDir}style.css`, "utf8"),
  ]);
  return { html, js: result.outputFiles[0].text, css };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const page = await bundlePage();
  await mkdir(".dev/web", { recursive: true });
  await Promise.all([
    writeFile(".dev/web/index.html", page.html),
    writeFile(".dev/web/app.js", page.js),
    writeFile(".dev/web/app.css", page.css),
  ]);
  console.log(`wrote .dev/web/ (app.js ${(page.js.length / 1024).toFixed(0)} KB)`);
}
