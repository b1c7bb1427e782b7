// Foundation figures, all from one offline stack in this process (convex-test, in memory):
//  - files.list (one page of 100), files.read and files.snapshot (one page of up to 1,000) in
//    projects of 100, 1,000 and 5,000 files: documents read at each size, time at 5,000;
//  - GET /api/me through the edge vs the same call made directly to Convex's /edge/me, with the
//    headers the edge sends, interleaved request by request (paired differences).
// Times are for convex-test on this machine, not a Convex deployment: compare within one run.
// Documents read: scripts/benchReads.ts.
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startStack } from "../../tests/stack";
import { documentsRead } from "../benchReads";
import { PROFILE_HEADER, USER_HEADER } from "../../convex/edge/contract";
import { callerFor } from "../../tests/keys";
import { interleaved, ms, pairedDiff, signed, time } from "../benchTiming";

const SIZES = [100, 1_000, 5_000];
const FILES = SIZES.at(-1)!;
const PAGE = 100;
const HTTP_RUNS = 500;
const QUERY_RUNS = 200;
const WARMUP = 30;
const USERS = 25;

// ---------- the run ----------
export async function run() {
  const stack = await startStack();
  try {
    const owner = { id: "user_bench", email: "bench@example.com", name: "Bench" };
    const token = await stack.signIn(owner);
    const as = stack.convex(token);

    const seedStart = performance.now();
    const projects: { size: number; projectId: Id<"projects"> }[] = [];
    for (const size of SIZES) {
      const projectId = await as.mutation(api.projects.create, { name: `bench ${size}`, framework: "react" });
      for (let batch = 0; batch < size / 100; batch++) {
        const chunk = Array.from({ length: 100 }, (_, i) => {
          const n = batch * 100 + i;
          return {
            path: `src/dir${String(n % 50).padStart(2, "0")}/file${String(n).padStart(4, "0")}.ts`,
            content: `export const v${n} = ${n};\n`,
          };
        });
        await as.mutation(api.files.writeMany, { projectId, files: chunk });
      }
      projects.push({ size, projectId });
    }
    console.log(
      `seeded projects of ${SIZES.join(" / ")} files (files.writeMany of 100) in ${(performance.now() - seedStart).toFixed(0)} ms`,
    );

    console.log(`documents read per call (at ${SIZES.join(" / ")} files), and p50/p99 time at ${FILES} files:`);
    for (const [label, call] of [
      [
        "files.list (page of 100)",
        (projectId) => as.query(api.files.list, { projectId, paginationOpts: { numItems: PAGE, cursor: null } }),
      ],
      [
        "files.list (prefix src/dir07/, page of 100)",
        (projectId) =>
          as.query(api.files.list, {
            projectId,
            prefix: "src/dir07/",
            paginationOpts: { numItems: PAGE, cursor: null },
          }),
      ],
      ["files.read (one file)", (projectId) => as.query(api.files.read, { projectId, path: "src/dir07/file0057.ts" })],
      [
        "files.snapshot (page of up to 1,000)",
        (projectId) => as.query(api.files.snapshot, { projectId, paginationOpts: { numItems: 1_000, cursor: null } }),
      ],
    ] as const satisfies readonly (readonly [string, (projectId: Id<"projects">) => Promise<unknown>])[]) {
      const docs: number[] = [];
      for (const { projectId } of projects) docs.push((await documentsRead<unknown>(() => call(projectId))).docs);
      const largest = projects.at(-1)!.projectId;
      const t = await time(QUERY_RUNS, () => call(largest), WARMUP);
      console.log(
        `  ${label.padEnd(44)} documents read ${docs.map((d) => String(d).padStart(5)).join(" /")}; p50 ${ms(t.p50)}, p99 ${ms(t.p99)} (n=${t.n})`,
      );
    }
    console.log(
      "  documents read: convex-test's own per-transaction count (scripts/benchReads.ts), auth wrapper included",
    );

    // GET /api/me through the edge vs the same seam call straight to Convex, with the headers
    // the edge sends (edge/convex.ts): interleaved, paired per-request differences.
    const timed = (fn: () => Response | Promise<Response>) => async () => {
      const t0 = performance.now();
      const res = await fn();
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      await res.arrayBuffer();
      return { ms: performance.now() - t0 };
    };
    // The per-user API limit (100 calls per 15 minutes, the direct seam call included) would
    // refuse one user after 33 rounds, so each round belongs to one of USERS users; nothing is
    // overridden.
    const users: { token: string; tokenIdentifier: string; profile: Record<string, unknown> }[] = [];
    for (let u = 0; u < USERS; u++) {
      const user = { id: `user_bench_me_${u}`, email: `me${u}@bench.test`, name: `Me ${u}` };
      const { tokenIdentifier, ...profile } = callerFor(user.id, { email: user.email, name: user.name });
      users.push({ token: await stack.signIn(user), tokenIdentifier, profile });
    }
    let calls = 0;
    const userOfRound = () => users[Math.floor(calls++ / 3) % USERS];
    const rows = await interleaved(HTTP_RUNS, WARMUP, {
      edge: timed(() => {
        const { token } = userOfRound();
        return fetch(`${stack.edgeUrl}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
      }),
      inProcess: timed(() => {
        const { token } = userOfRound();
        return stack.app.request("/api/me", { headers: { Authorization: `Bearer ${token}` } });
      }),
      direct: timed(() => {
        const { tokenIdentifier, profile } = userOfRound();
        return stack.t.fetch("/edge/me", {
          method: "POST",
          headers: {
            Authorization: `Bearer ${process.env.EDGE_SECRET}`,
            [USER_HEADER]: tokenIdentifier,
            [PROFILE_HEADER]: encodeURIComponent(JSON.stringify(profile)),
            "Content-Type": "application/json",
          },
          body: JSON.stringify({}),
        });
      }),
    });
    const viaEdge = pairedDiff(rows, "ms", "edge", "direct");
    const inProcess = pairedDiff(rows, "ms", "inProcess", "direct");
    console.log(
      `GET /api/me, ${HTTP_RUNS} interleaved rounds (after ${WARMUP} warm-up); paired per-request differences:`,
    );
    console.log(`  through the edge (HTTP → Hono → token → seam)   p50 ${ms(viaEdge.a.p50)}  p99 ${ms(viaEdge.a.p99)}`);
    console.log(
      `  the edge app without the socket (app.request)    p50 ${ms(inProcess.a.p50)}  p99 ${ms(inProcess.a.p99)}`,
    );
    console.log(
      `  directly to Convex (t.fetch POST /edge/me)       p50 ${ms(viaEdge.b.p50)}  p99 ${ms(viaEdge.b.p99)}`,
    );
    console.log(
      `  edge − direct: p50 ${signed(viaEdge.diff.p50)}, p99 ${signed(viaEdge.diff.p99)}; app.request − direct: p50 ${signed(inProcess.diff.p50)}, p99 ${signed(inProcess.diff.p99)}`,
    );
  } finally {
    await stack.close();
  }
}
