// Live-query figures from the local Convex (scripts/localConvex/) over one offline stack:
//  - commit → subscriber: a mutation commits (through the stack, as the edge seam and tests
//    write) and a ConvexClient subscribed to the changed query receives the new value;
//  - the cost of re-running every subscription after a write that changes nothing they read,
//    at 10, 100 and 1,000 subscribed queries (one client; convex-test runs each query).
// Times are for convex-test on this machine, not a Convex deployment: compare within one run.
// convex-test scans every stored document for each query, so a query's cost grows with the
// whole store: each part runs on a fresh stack and prints how many documents it holds.
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startStack, type Stack } from "../../tests/stack";
import { ms, spread, stats } from "../benchTiming";

const UPDATES = 500;
const WARMUP = 20;
const SIZES = [10, 100, 1_000];
const RERUNS = 10;
/** Public mutations are limited to 120 per minute per user: the stack clock moves this much after each timed write (untimed). */
const WRITE_SPACING_MS = 500;

function client(stack: Stack, token: string) {
  const c = new ConvexClient(stack.convexUrl, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    logger: false,
  });
  c.setAuth(async () => token);
  return c;
}

async function commitToClient(stack: Stack, token: string, projectId: Id<"projects">) {
  const as = stack.convex(token);
  const live = client(stack, token);
  await as.mutation(api.files.write, { projectId, path: "live.txt", content: "v0" });
  let waiting: { content: string; resolve: () => void } | undefined;
  const stop = live.onUpdate(api.files.read, { projectId, path: "live.txt" }, (f) => {
    if (waiting && f.content === waiting.content) waiting.resolve();
  });
  const samples: number[] = [];
  for (let i = 1; i <= UPDATES + WARMUP; i++) {
    const content = `v${i}`;
    const received = new Promise<void>((resolve) => (waiting = { content, resolve }));
    await as.mutation(api.files.write, { projectId, path: "live.txt", content });
    const committed = performance.now();
    await received;
    if (i > WARMUP) samples.push(performance.now() - committed);
    await stack.advance(WRITE_SPACING_MS);
  }
  stop();
  await live.close();
  const s = stats(samples);
  console.log(`commit → subscribed ConvexClient has the new value (${s.n} updates): ${spread(s)}, mean ${ms(s.mean)}`);
}

async function rerunCost(stack: Stack, token: string, projectId: Id<"projects">) {
  const as = stack.convex(token);
  const max = Math.max(...SIZES);
  for (let b = 0; b < max / 100; b++) {
    await stack.advance(WRITE_SPACING_MS);
    await as.mutation(api.files.writeMany, {
      projectId,
      files: Array.from({ length: 100 }, (_, i) => ({ path: `sub/f${b * 100 + i}.txt`, content: `${b * 100 + i}` })),
    });
  }
  console.log("re-running every subscription after a write none of them reads (files.read each):");
  for (const n of SIZES) {
    const live = client(stack, token);
    let ready = 0;
    const all = new Promise<void>((resolve) => {
      for (let i = 0; i < n; i++) {
        let first = true;
        live.onUpdate(api.files.read, { projectId, path: `sub/f${i}.txt` }, () => {
          if (first && ++ready === n) resolve();
          first = false;
        });
      }
    });
    await all;
    await stack.localConvex.settled();
    const samples: number[] = [];
    for (let r = 0; r < RERUNS; r++) {
      await as.mutation(api.files.write, { projectId, path: "elsewhere.txt", content: `x${r}` });
      const t0 = performance.now();
      await stack.localConvex.settled();
      samples.push(performance.now() - t0);
      await stack.advance(WRITE_SPACING_MS);
      await stack.localConvex.settled();
    }
    const s = stats(samples);
    console.log(
      `  ${String(n).padStart(5)} subscribed queries: ${spread(s)} per write (p50 ${ms(s.p50 / n)} per query)`,
    );
    await live.close();
  }
}

async function documents(stack: Stack): Promise<number> {
  const tables = ["users", "projects", "projectMembers", "files", "blobs"] as const;
  let n = 0;
  for (const table of tables) n += await stack.t.run(async (ctx) => (await ctx.db.query(table).take(100_000)).length);
  return n;
}

async function onFreshStack(part: (stack: Stack, token: string, projectId: Id<"projects">) => Promise<void>) {
  const stack = await startStack();
  try {
    const token = await stack.signIn({ id: "user_bench_sync", email: "sync@example.com" });
    const projectId: Id<"projects"> = await stack
      .convex(token)
      .mutation(api.projects.create, { name: "sync bench", framework: "static" });
    await part(stack, token, projectId);
    console.log(`  (store afterwards: ~${await documents(stack)} documents in users, projects, members, files, blobs)`);
  } finally {
    await stack.close();
  }
}

export async function run() {
  await onFreshStack(commitToClient);
  await onFreshStack(rerunCost);
}
