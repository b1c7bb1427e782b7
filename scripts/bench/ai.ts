// AI figures, from one offline stack in this process (convex-test in memory, fake Claude on
// loopback); compare within one run, not with a real deployment:
//  - time to first token and total time of POST /api/ai/generate (SSE) vs the same SDK call
//    straight to the fake, p50/p99 over REQUESTS requests, and the Convex round trips made
//    before the first byte (counted at the seam);
//  - usage.stats over 30 days with LEDGER_ROWS requests in the ledger: documents read and time,
//    next to a naive scan of the request log.
// The AI rate limit (20 per 15 min per user) would stop one user after 20 requests, so the
// requests are spread over USERS users (REQUESTS / USERS each); nothing is overridden.
import Anthropic from "@anthropic-ai/sdk";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import * as usage from "../../convex/usage";
import { dayOf, DAY_MS } from "../../convex/lib/usageRollup";
import { startStack, type Stack } from "../../tests/stack";

const REQUESTS = 500;
const USERS = 50;
const WARMUP = 20;
const LEDGER_ROWS = 100_000;
const SEED_BATCH = 5_000;
const QUERY_RUNS = 100;
const MODEL = "claude-sonnet-5-5";

const ms = (x: number) => `${x.toFixed(2)} ms`;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { n: s.length, p50: at(0.5), p99: at(0.99) };
}

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
  const completeMs = stats(seam.filter((c) => c.path === "/edge/ai/complete").map((c) => c.ms));

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

/** Counts the documents the database hands back to a handler (index reads; no .filter()). */
function countingDb(db: any, counter: { n: number }): any {
  const wrapQuery = (q: any): any =>
    new Proxy(q, {
      get(target, prop) {
        const value = target[prop];
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const out = value.apply(target, args);
          if (out && typeof out.then === "function") {
            return out.then((r: any) => {
              counter.n += r == null ? 0 : Array.isArray(r) ? r.length : Array.isArray(r.page) ? r.page.length : 1;
              return r;
            });
          }
          return out && typeof out === "object" ? wrapQuery(out) : out;
        };
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "query") return (table: string) => wrapQuery(target.query(table));
      const value = target[prop];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function statsAtScale(stack: Stack) {
  const clerkId = "user_bench_ledger";
  const token = await stack.signIn({ id: clerkId });
  const userId = await stack.t.run(async (ctx) => (await ctx.db.query("users").withIndex("by_clerkId", (q) => q.eq("clerkId", clerkId)).unique())!._id);
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
  const identity = { subject: clerkId, issuer: "https://clerk.autocrea.test", tokenIdentifier: `https://clerk.autocrea.test|${clerkId}` };
  const handler = (usage.stats as unknown as { _handler: (ctx: unknown, a: unknown) => Promise<any> })._handler;
  const counter = { n: 0 };
  const viaRollup = await stack.t.run(async (ctx) =>
    handler({ ...ctx, db: countingDb(ctx.db, counter), auth: { getUserIdentity: async () => identity } }, { from, to }),
  );
  const as = stack.convex(token);
  const rollupTimes: number[] = [];
  for (let i = 0; i < QUERY_RUNS; i++) {
    const t0 = performance.now();
    await as.query(api.usage.stats, { from, to });
    rollupTimes.push(performance.now() - t0);
  }

  // convex-test copies its whole in-memory store per transaction, so every query's time grows with
  // the 100K seeded rows; a trivial query at the same size is the baseline to subtract.
  const baseTimes: number[] = [];
  for (let i = 0; i < QUERY_RUNS; i++) {
    const t0 = performance.now();
    await as.query(api.users.me, {});
    baseTimes.push(performance.now() - t0);
  }

  const naive = async (id: Id<"users">) =>
    await stack.t.run(async (ctx) => {
      let read = 0;
      let requests = 0;
      let tokens = 0;
      let cost = 0;
      for await (const r of ctx.db.query("aiRequests").withIndex("by_userId", (q) => q.eq("userId", id))) {
        read++;
        if (r.startedAt < Date.parse(`${from}T00:00:00Z`) || r.startedAt >= Date.parse(`${to}T00:00:00Z`) + DAY_MS) continue;
        requests++;
        tokens += r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens;
        cost += r.costMicros;
      }
      return { read, requests, tokens, cost };
    });
  const naiveTimes: number[] = [];
  let scan = await naive(userId);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    scan = await naive(userId);
    naiveTimes.push(performance.now() - t0);
  }
  const r = stats(rollupTimes);
  const base = stats(baseTimes);
  const s = stats(naiveTimes);
  const same = scan.requests === viaRollup.totalRequests && scan.tokens === viaRollup.totalTokens && scan.cost === viaRollup.costMicros;
  console.log(`usage.stats, 30 days (${from}..${to}), ${LEDGER_ROWS} requests in the ledger:`);
  console.log(`  usage.stats (usageDaily rollup)        documents read ${String(counter.n).padStart(6)}; p50 ${ms(r.p50)}, p99 ${ms(r.p99)} (n=${r.n})`);
  console.log(`  baseline: users.me at the same store size   documents read      1; p50 ${ms(base.p50)}, p99 ${ms(base.p99)} (n=${base.n})`);
  console.log(`  naive scan of aiRequests (by_userId)   documents read ${String(scan.read).padStart(6)}; p50 ${ms(s.p50)}, p99 ${ms(s.p99)} (n=${s.n})`);
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
