// Foundation figures, all from one offline stack in this process (convex-test, in memory):
//  - files.list (one page of 100) and files.read in a project of 5,000 files: documents read, time;
//  - GET /api/me through the edge vs the same call made directly to Convex's /edge/me.
// Times are for convex-test on this machine, not a Convex deployment: compare within one run.
import { api } from "../../convex/_generated/api";
import * as files from "../../convex/files";
import { startStack, type Stack } from "../../tests/stack";

const FILES = 5_000;
const PAGE = 100;
const HTTP_RUNS = 500;
const QUERY_RUNS = 100;
const WARMUP = 30;

const ms = (x: number) => `${x.toFixed(2)} ms`;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function time(runs: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return stats(out);
}

// ---------- counting documents read ----------
// convex-test reports no read counts, so the query's own handler (auth wrapper included) runs
// inside t.run with a proxy around ctx.db that counts every document the database hands back
// (get, unique, first, collect, take, paginate, async iteration), per table. For index range
// reads without .filter() this is what Convex counts as documents read.
type Counts = Record<string, number>;

function countOf(result: unknown): number {
  if (result === null || result === undefined) return 0;
  if (Array.isArray(result)) return result.length;
  const page = (result as { page?: unknown }).page;
  if (Array.isArray(page)) return page.length;
  return typeof result === "object" ? 1 : 0;
}

function countingQuery(q: any, table: string, counts: Counts): any {
  return new Proxy(q, {
    get(target, prop) {
      const value = target[prop];
      if (typeof value !== "function") return value;
      if (prop === Symbol.asyncIterator) {
        return () => {
          const it = value.call(target);
          return {
            async next() {
              const r = await it.next();
              if (!r.done) counts[table] = (counts[table] ?? 0) + 1;
              return r;
            },
            [Symbol.asyncIterator]() {
              return this;
            },
          };
        };
      }
      return (...args: unknown[]) => {
        const out = value.apply(target, args);
        if (out && typeof out.then === "function") {
          return out.then((r: unknown) => {
            counts[table] = (counts[table] ?? 0) + countOf(r);
            return r;
          });
        }
        return out && typeof out === "object" ? countingQuery(out, table, counts) : out;
      };
    },
  });
}

function countingDb(db: any, counts: Counts): any {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "query") return (table: string) => countingQuery(target.query(table), table, counts);
      if (prop === "get") {
        return async (...args: unknown[]) => {
          const doc = await target.get(...args);
          const table = args.length === 2 ? String(args[0]) : "(get by id)";
          if (doc) counts[table] = (counts[table] ?? 0) + 1;
          return doc;
        };
      }
      const value = target[prop];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function documentsRead(stack: Stack, fn: object, clerkId: string, args: Record<string, unknown>) {
  // Registered functions keep their handler (auth wrapper included) as `_handler`.
  const handler = (fn as { _handler: (ctx: unknown, args: unknown) => Promise<unknown> })._handler;
  const identity = { subject: clerkId, issuer: "https://clerk.autocrea.test", tokenIdentifier: `https://clerk.autocrea.test|${clerkId}` };
  const counts: Counts = {};
  const result = await stack.t.run(async (ctx) =>
    handler({ ...ctx, db: countingDb(ctx.db, counts), auth: { getUserIdentity: async () => identity } }, args),
  );
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const detail = Object.entries(counts)
    .map(([t, n]) => `${t} ${n}`)
    .join(", ");
  return { total, detail, result };
}

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
    for (const [label, fn, args] of [
      ["files.list (page of 100)", files.list, listArgs],
      ["files.list (prefix src/dir07/, page of 100)", files.list, prefixArgs],
      ["files.read (one file)", files.read, readArgs],
    ] as const) {
      const reads = await documentsRead(stack, fn, owner.id, args);
      const ref = label.startsWith("files.read") ? api.files.read : api.files.list;
      const t = await time(QUERY_RUNS, () => as.query(ref as any, args));
      const got = countOf(reads.result);
      console.log(
        `${label.padEnd(44)} documents read ${String(reads.total).padStart(4)} (${reads.detail}); ` +
          `returned ${got}; p50 ${ms(t.p50)}, p99 ${ms(t.p99)} (n=${t.n})`,
      );
    }
    console.log("  documents read: counted by a proxy around ctx.db while the query's handler (auth wrapper included) runs in t.run");

    // GET /api/me: through the edge vs directly to Convex
    const edge = await time(HTTP_RUNS, async () => {
      const res = await fetch(`${stack.edgeUrl}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`edge /api/me answered ${res.status}`);
      await res.arrayBuffer();
    });
    const inProcess = await time(HTTP_RUNS, async () => {
      const res = await stack.app.request("/api/me", { headers: { Authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`app.request /api/me answered ${res.status}`);
      await res.arrayBuffer();
    });
    const direct = await time(HTTP_RUNS, async () => {
      const res = await stack.t.fetch("/edge/me", {
        method: "POST",
        headers: { Authorization: `Bearer ${process.env.EDGE_SECRET}`, "X-User-Id": owner.id, "Content-Type": "application/json" },
        body: JSON.stringify({ email: owner.email, name: owner.name }),
      });
      if (res.status !== 200) throw new Error(`Convex /edge/me answered ${res.status}`);
      await res.arrayBuffer();
    });
    console.log(`GET /api/me, ${HTTP_RUNS} sequential requests each (after ${WARMUP} warm-up):`);
    console.log(`  through the edge (HTTP → Hono → Clerk verify → seam)  p50 ${ms(edge.p50)}  p99 ${ms(edge.p99)}`);
    console.log(`  the edge app without the socket (app.request)          p50 ${ms(inProcess.p50)}  p99 ${ms(inProcess.p99)}`);
    console.log(`  directly to Convex (t.fetch POST /edge/me)            p50 ${ms(direct.p50)}  p99 ${ms(direct.p99)}`);
    console.log(`  edge overhead over direct: p50 +${ms(edge.p50 - direct.p50)}, p99 +${ms(edge.p99 - direct.p99)}`);
  } finally {
    await stack.close();
  }
}
