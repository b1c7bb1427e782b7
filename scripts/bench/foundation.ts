// Foundation figures, all from one offline stack in this process (convex-test, in memory):
//  - files.list (one page of 100) and files.read in a project of 5,000 files: documents read, time;
//  - GET /api/me through the edge vs the same call made directly to Convex's /edge/me.
// Times are for convex-test on this machine, not a Convex deployment: compare within one run.
// Documents read: scripts/benchReads.ts.
import { api } from "../../convex/_generated/api";
import { startStack } from "../../tests/stack";
import { documentsRead } from "../benchReads";
import { ms, time } from "../benchTiming";

const FILES = 5_000;
const PAGE = 100;
const HTTP_RUNS = 500;
const QUERY_RUNS = 100;
const WARMUP = 30;

// ---------- the run ----------
export async function run() {
  const stack = await startStack();
  try {
    const owner = { id: "user_bench", email: "bench@example.com", name: "Bench" };
    const token = await stack.signIn(owner);
    const as = stack.convex(token);

    const seedStart = performance.now();
    const projectId = await as.mutation(api.projects.create, { name: "bench", framework: "react" });
    for (let batch = 0; batch < FILES / 100; batch++) {
      const chunk = Array.from({ length: 100 }, (_, i) => {
        const n = batch * 100 + i;
        return { path: `src/dir${String(n % 50).padStart(2, "0")}/file${String(n).padStart(4, "0")}.ts`, content: `export const v${n} = ${n};\n` };
      });
      await as.mutation(api.files.writeMany, { projectId, files: chunk });
    }
    console.log(`seeded ${FILES} files in 1 project (50 × files.writeMany of 100) in ${(performance.now() - seedStart).toFixed(0)} ms`);

    // files.list, one page of 100 (first page, and a page under a prefix)
    const listArgs = { projectId, paginationOpts: { numItems: PAGE, cursor: null } };
    const prefixArgs = { projectId, prefix: "src/dir07/", paginationOpts: { numItems: PAGE, cursor: null } };
    const readArgs = { projectId, path: "src/dir07/file2507.ts" };
    for (const [label, run] of [
      ["files.list (page of 100)", () => as.query(api.files.list, listArgs)],
      ["files.list (prefix src/dir07/, page of 100)", () => as.query(api.files.list, prefixArgs)],
      ["files.read (one file)", () => as.query(api.files.read, readArgs)],
    ] as const) {
      const { docs, result } = await documentsRead<unknown>(run);
      const t = await time(QUERY_RUNS, run, WARMUP);
      const got = Array.isArray((result as { page?: unknown[] }).page) ? (result as { page: unknown[] }).page.length : 1;
      console.log(`${label.padEnd(44)} documents read ${String(docs).padStart(4)}; returned ${got}; p50 ${ms(t.p50)}, p99 ${ms(t.p99)} (n=${t.n})`);
    }
    console.log("  documents read: convex-test's own per-transaction count (scripts/benchReads.ts), auth wrapper included");

    // GET /api/me: through the edge vs directly to Convex
    const edge = await time(HTTP_RUNS, async () => {
      const res = await fetch(`${stack.edgeUrl}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`edge /api/me answered ${res.status}`);
      await res.arrayBuffer();
    }, WARMUP);
    const inProcess = await time(HTTP_RUNS, async () => {
      const res = await stack.app.request("/api/me", { headers: { Authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`app.request /api/me answered ${res.status}`);
      await res.arrayBuffer();
    }, WARMUP);
    const direct = await time(HTTP_RUNS, async () => {
      const res = await stack.t.fetch("/edge/me", {
        method: "POST",
        headers: { Authorization: `Bearer ${process.env.EDGE_SECRET}`, "X-User-Id": owner.id, "Content-Type": "application/json" },
        body: JSON.stringify({ email: owner.email, name: owner.name }),
      });
      if (res.status !== 200) throw new Error(`Convex /edge/me answered ${res.status}`);
      await res.arrayBuffer();
    }, WARMUP);
    console.log(`GET /api/me, ${HTTP_RUNS} sequential requests each (after ${WARMUP} warm-up):`);
    console.log(`  through the edge (HTTP → Hono → Clerk verify → seam)  p50 ${ms(edge.p50)}  p99 ${ms(edge.p99)}`);
    console.log(`  the edge app without the socket (app.request)          p50 ${ms(inProcess.p50)}  p99 ${ms(inProcess.p99)}`);
    console.log(`  directly to Convex (t.fetch POST /edge/me)            p50 ${ms(direct.p50)}  p99 ${ms(direct.p99)}`);
    const diff = (x: number) => `${x >= 0 ? "+" : ""}${ms(x)}`;
    console.log(`  edge overhead over direct: p50 ${diff(edge.p50 - direct.p50)}, p99 ${diff(edge.p99 - direct.p99)}`);
  } finally {
    await stack.close();
  }
}
