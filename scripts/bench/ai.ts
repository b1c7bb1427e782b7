// AI figures, from one offline stack in this process (convex-test in memory, fake Claude on
// loopback); compare within one run, not with a real deployment:
//  - time to first token and total time of POST /api/ai/generate (SSE) vs the same SDK call
//    straight to the fake, p50/p99 over REQUESTS requests, and the Convex round trips made
//    before the first byte (counted at the seam);
//  - usage.stats over 30 days with LEDGER_ROWS requests in the ledger: documents read and time,
//    next to a naive scan of the request log. Documents read: scripts/benchReads.ts (every
//    document the call reads, auth wrapper included).
// The AI rate limit (20 per 15 min per user) would stop one user after 20 requests, so the
// requests are spread over USERS users (REQUESTS / USERS each); nothing is overridden.
import Anthropic from "@anthropic-ai/sdk";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { dayOf, DAY_MS } from "../../convex/lib/usageRollup";
import { userRow } from "../../tests/convexTest";
import { startStack, type Stack } from "../../tests/stack";
import { documentsRead } from "../benchReads";
import { ms, stats, time } from "../benchTiming";

const REQUESTS = 500;
const USERS = 50;
const WARMUP = 20;
const LEDGER_ROWS = 100_000;
const SEED_BATCH = 5_000;
const QUERY_RUNS = 100;
const MODEL = "claude-sonnet-5-5";

/** Reads an SSE response; times to the first `delta` event and to the end. */
async function timeStream(res: Response, t0: number, onFirstByte?: () => void) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let first: number | undefined;
  let sawFirstByte = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!sawFirstByte) {
      sawFirstByte = true;
      onFirstByte?.();
    }
    text += decoder.decode(value, { stream: true });
    if (first === undefined && text.includes("event: delta")) first = performance.now() - t0;
  }
  if (!text.includes("event: done")) throw new Error(`stream ended without done: ${text.slice(-200)}`);
  return { ttft: first!, total: performance.now() - t0 };
}

async function edgeVsDirect(stack: Stack) {
  const tokens: string[] = [];
  for (let u = 0; u < USERS + 1; u++) tokens.push(await stack.signIn({ id: `user_bench_ai_${u}` }));
  const body = JSON.stringify({ prompt: "A counter component", language: "tsx", model: MODEL });
  const edge = { ttft: [] as number[], total: [] as number[] };
  const beforeFirstByte: string[] = [];
  const once = async (token: string, record: boolean) => {
    const calls = stack.seamCalls.length;
    let atFirstByte = "";
    const t0 = performance.now();
    const res = await fetch(`${stack.edgeUrl}/api/ai/generate`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "text/event-stream" },
      body,
    });
    if (res.status !== 200) throw new Error(`generate answered ${res.status}: ${await res.text()}`);
    const t = await timeStream(res, t0, () => {
      atFirstByte = stack.seamCalls.slice(calls).map((c) => c.path.replace("/edge/ai/", "")).join("+") || "none";
    });
    if (record) {
      edge.ttft.push(t.ttft);
      edge.total.push(t.total);
      beforeFirstByte.push(atFirstByte);
    }
  };
  for (let i = 0; i < WARMUP; i++) await once(tokens[USERS], false);
  const seamFrom = stack.seamCalls.length;
  for (let i = 0; i < REQUESTS; i++) await once(tokens[i % USERS], true);
  const seam = stack.seamCalls.slice(seamFrom);
  const beginMs = stats(seam.filter((c) => c.path === "/edge/ai/begin").map((c) => c.ms));
  const completeMs = stats(seam.filter((c) => c.path === "/edge/ai/settle").map((c) => c.ms));

  const fake = stack.fakes.anthropic;
  const client = new Anthropic({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 });
  const direct = { ttft: [] as number[], total: [] as number[] };
  const sdkOnce = async (record: boolean) => {
    const t0 = performance.now();
    const s = await client.messages.create({
      model: MODEL,
      max_tokens: 8192,
      system: [{ type: "text", text: "You write code.", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "A counter component" }],
      stream: true,
    });
    let first: number | undefined;
    for await (const ev of s) if (first === undefined && ev.type === "content_block_delta") first = performance.now() - t0;
    if (record) {
      direct.ttft.push(first!);
      direct.total.push(performance.now() - t0);
    }
  };
  for (let i = 0; i < WARMUP; i++) await sdkOnce(false);
  for (let i = 0; i < REQUESTS; i++) await sdkOnce(true);

  const [et, eT, dt, dT] = [stats(edge.ttft), stats(edge.total), stats(direct.ttft), stats(direct.total)];
  const deltas = fake.streams.at(-1)!.eventsSent - 5;
  console.log(`POST /api/ai/generate (SSE), ${REQUESTS} sequential requests over ${USERS} users (after ${WARMUP} warm-up); fake answer = ${deltas} text deltas:`);
  console.log(`  through the edge (Clerk → zod → begin → SDK → SSE → complete)  TTFT p50 ${ms(et.p50)} p99 ${ms(et.p99)} | total p50 ${ms(eT.p50)} p99 ${ms(eT.p99)}`);
  console.log(`  the same SDK call straight to the fake                         TTFT p50 ${ms(dt.p50)} p99 ${ms(dt.p99)} | total p50 ${ms(dT.p50)} p99 ${ms(dT.p99)}`);
  console.log(`  edge overhead: TTFT p50 +${ms(et.p50 - dt.p50)}, total p50 +${ms(eT.p50 - dT.p50)}`);
  console.log(`    of which the seam (convex-test in this process): begin p50 ${ms(beginMs.p50)} p99 ${ms(beginMs.p99)}; complete p50 ${ms(completeMs.p50)} p99 ${ms(completeMs.p99)}`);
  const dist = [...new Set(beforeFirstByte)].sort().map((n) => `${n} ${beforeFirstByte.filter((x) => x === n).length}×`);
  console.log(`  Convex round trips finished when the client read its first byte (seam log): ${dist.join(", ")}`);
  console.log("    (begin is the only call before the stream; \"begin+complete\" = the client read its first chunk only after the whole short answer had been sent)");
}

// ---------- usage.stats vs a naive scan of the request log ----------

async function statsAtScale(stack: Stack) {
  const clerkId = "user_bench_ledger";
  const token = await stack.signIn({ id: clerkId });
  const userId = (await userRow(stack.t, clerkId))!._id;
  // 30 whole UTC days, today included.
  const start = Date.parse(`${dayOf(stack.now() - 29 * DAY_MS)}T00:00:00Z`);
  const end = start + 30 * DAY_MS - 1;
  const types = ["generate", "explain", "fix", "refactor", "complete", "chat"] as const;
  const seedStart = performance.now();
  for (let b = 0; b < LEDGER_ROWS / SEED_BATCH; b++) {
    await stack.t.run(async (ctx) => {
      for (let i = 0; i < SEED_BATCH; i++) {
        const n = b * SEED_BATCH + i;
        const startedAt = start + Math.floor((n / LEDGER_ROWS) * 30 * DAY_MS);
        await ctx.db.insert("aiRequests", {
          userId, type: types[n % types.length], model: MODEL, promptExcerpt: "p", status: "completed",
          inputTokens: 100 + (n % 50), outputTokens: 40, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 600 + (n % 50) * 2,
          startedAt, completedAt: startedAt + 900,
        });
      }
    });
  }
  // The rollup those rows produce (what complete() maintains incrementally).
  await stack.t.run(async (ctx) => {
    const byDay = new Map<string, any>();
    for await (const r of ctx.db.query("aiRequests").withIndex("by_userId", (q) => q.eq("userId", userId))) {
      const day = dayOf(r.startedAt);
      const d = byDay.get(day) ?? { requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 0, costMicros: 0, byType: {} };
      d.requests++;
      d.inputTokens += r.inputTokens;
      d.outputTokens += r.outputTokens;
      d.totalTokens += r.inputTokens + r.outputTokens;
      d.costMicros += r.costMicros;
      d.byType[r.type] = (d.byType[r.type] ?? 0) + 1;
      byDay.set(day, d);
    }
    for (const [day, d] of byDay) await ctx.db.insert("usageDaily", { userId, day, ...d });
  });
  console.log(`seeded ${LEDGER_ROWS} ledger rows over 30 days for one user (+ their usageDaily rows) in ${(performance.now() - seedStart).toFixed(0)} ms`);

  const from = dayOf(start);
  const to = dayOf(end);
  const as = stack.convex(token);
  const { result: viaRollup, docs: rollupDocs } = await documentsRead(() => as.query(api.usage.stats, { from, to }));
  const { docs: baseDocs } = await documentsRead(() => as.query(api.users.me, {}));
  const rollup = await time(QUERY_RUNS, () => as.query(api.usage.stats, { from, to }));

  // convex-test copies its whole in-memory store per transaction, so every query's time grows with
  // the 100K seeded rows; a trivial query at the same size is the baseline to subtract.
  const base = await time(QUERY_RUNS, () => as.query(api.users.me, {}));

  const naive = async (id: Id<"users">) =>
    await stack.t.run(async (ctx) => {
      let requests = 0;
      let tokens = 0;
      let cost = 0;
      for await (const r of ctx.db.query("aiRequests").withIndex("by_userId", (q) => q.eq("userId", id))) {
        if (r.startedAt < Date.parse(`${from}T00:00:00Z`) || r.startedAt >= Date.parse(`${to}T00:00:00Z`) + DAY_MS) continue;
        requests++;
        tokens += r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens;
        cost += r.costMicros;
      }
      return { requests, tokens, cost };
    });
  const { result: scan, docs: scanDocs } = await documentsRead(() => naive(userId));
  const scanTime = await time(5, () => naive(userId));
  const same = scan.requests === viaRollup.totalRequests && scan.tokens === viaRollup.totalTokens && scan.cost === viaRollup.costMicros;
  console.log(`usage.stats, 30 days (${from}..${to}), ${LEDGER_ROWS} requests in the ledger:`);
  console.log(`  usage.stats (usageDaily rollup)        documents read ${String(rollupDocs).padStart(6)}; p50 ${ms(rollup.p50)}, p99 ${ms(rollup.p99)} (n=${rollup.n})`);
  console.log(`  baseline: users.me at the same store size   documents read ${String(baseDocs).padStart(6)}; p50 ${ms(base.p50)}, p99 ${ms(base.p99)} (n=${base.n})`);
  console.log(`  naive scan of aiRequests (by_userId)   documents read ${String(scanDocs).padStart(6)}; p50 ${ms(scanTime.p50)}, p99 ${ms(scanTime.p99)} (n=${scanTime.n})`);
  console.log(`  same totals: ${same ? "yes" : "NO"} (${viaRollup.totalRequests} requests, ${viaRollup.totalTokens} tokens, ${viaRollup.costMicros} micro-USD)`);
  console.log("  (a real Convex query could not even do the naive scan: it reads far more than a query's document limit)");
}

export async function run() {
  const stack = await startStack();
  try {
    await edgeVsDirect(stack);
    await statsAtScale(stack);
  } finally {
    await stack.close();
  }
}
