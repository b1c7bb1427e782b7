// The edge's bundle size against its budget: `npm run bundle` (CI runs it; `npm run bench`
// prints the same figures). The entry Vercel deploys (api/index.ts) and everything it imports
// are bundled into one minified ESM file with esbuild, gzipped, and compared with
// BUDGET_GZ_BYTES: what a cold start loads and parses. The biggest contributors are listed so a
// regression names its cause. Exit code 1 over budget.
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const BUDGET_GZ_BYTES = 120 * 1024;
const ENTRY = fileURLToPath(new URL("../api/index.ts", import.meta.url));

export type BundleSize = {
  rawBytes: number;
  gzBytes: number;
  /** Bytes of minified output per npm package (or per top-level source folder), largest first. */
  contributors: { name: string; bytes: number }[];
};

/** `node_modules/@scope/pkg/...` → `@scope/pkg`; `edge/routes/ai.ts` → `edge/routes`. */
function contributorOf(input: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return pkg ? pkg[1] : input.split("/").slice(0, 2).join("/");
}

export async function measureBundle(): Promise<BundleSize> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  const byName = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = contributorOf(input);
      byName.set(name, (byName.get(name) ?? 0) + bytesInOutput);
    }
  }
  const contributors = [...byName].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return {
    rawBytes: code.byteLength,
    gzBytes: gzipSync(code, { level: 9 }).byteLength,
    contributors,
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Prints the figures; true when within budget. */
export async function reportBundle(top = 8): Promise<boolean> {
  const size = await measureBundle();
  const ok = size.gzBytes <= BUDGET_GZ_BYTES;
  console.log(
    `edge bundle (api/index.ts, esbuild --bundle --minify, node ESM): ${kb(size.gzBytes)} gzipped (${kb(size.rawBytes)} raw); budget ${kb(BUDGET_GZ_BYTES)}: ${ok ? "within" : "OVER"}`,
  );
  console.log(`  largest contributors (minified bytes before gzip, share of the raw bundle):`);
  for (const c of size.contributors.slice(0, top)) {
    console.log(
      `    ${c.name.padEnd(24)} ${kb(c.bytes).padStart(9)}  ${((100 * c.bytes) / size.rawBytes).toFixed(0).padStart(3)} %`,
    );
  }
  return ok;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ok = await reportBundle();
  if (!ok) {
    console.error('The edge bundle is over its budget: see docs/performance.md, "Bundle", for what keeps it small.');
    process.exit(1);
  }
}
