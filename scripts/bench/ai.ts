// AI figures. Compare within one run, not with a real deployment (everything shares this
// process and its event loop). Each figure: docs/performance.md, "ai".
//  - The edge's own work: the real edge with Convex answered instantly in-process
//    (scripts/benchEdge.ts) vs a bare Hono pass-through vs the same SDK call straight to the
//    fake Claude, sending the exact body the edge sent; interleaved request by request, paired
//    per-request differences (p50/p99). Time to first token with the fake spacing its events
//    EVENT_GAP_MS apart; total time and process CPU with no spacing. Then the same with the
//    edge in a process of its own (scripts/benchCrossProcess.ts), with what its tail is made of.
//  - The full path: the edge on the offline stack (convex-test behind the seam) vs direct, the
//    same way; Convex calls started before Claude received the request, counted at the fake.
//  - usage.stats over 30 days with LEDGER_ROWS requests in the ledger vs a naive scan.
// The AI rate limit (20 per 15 min per user) would stop one user after 20 requests, so the
// full path's requests are spread over USERS users; nothing is overridden.
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { internal } from "../../convex/_generated/api";
import { dayOf, DAY_MS } from "../../convex/lib/usageRollup";
import { callerFor } from "../../tests/keys";
import { loadConfig } from "../../edge/config";
import { claudeClient } from "../../edge/providers/anthropic";
import { userRow } from "../../tests/convexTest";
import { startStack, type Stack } from "../../tests/stack";
import { startEdgeAlone, timedDirectRequest, timedEdgeRequest } from "../benchEdge";
import { documentsRead } from "../benchReads";
import { seedAiRequests } from "../benchReadsSeed";
import { diffLine, interleaved, ms, pairedDiff, spread, stats, time } from "../benchTiming";
import { HARNESS_NODE_FLAGS } from "../benchCrossProcess";
import { spawn } from "node:child_process";

/** Requests per variant for the edge alone (p99 of 1,000 = the 10th largest). */
const EDGE_REQUESTS = Number(process.env.BENCH_AI_REQUESTS ?? 1_000);
const REQUESTS = 500;
const USERS = 50;
const WARMUP = 20;
const EVENT_GAP_MS = 2;
const LEDGER_ROWS = 100_000;
const SMALL_LEDGER = 1_000;
const QUERY_RUNS = 100;
const MODEL = "claude-sonnet-5-5";
const REQUEST_BODY = JSON.stringify({ prompt: "A counter component", language: "tsx", model: MODEL });

const line = diffLine;

export async function edgeOwnWork() {
  const e = await startEdgeAlone();
  try {
    const url = `${e.edgeUrl}/api/ai/generate`;
    await timedEdgeRequest(url, e.token, REQUEST_BODY);
    const body = e.anthropic.bodies().at(-1) as Record<string, unknown>;
    const bodyText = JSON.stringify(body);
    // When the fake received each request, and the Convex calls started before it did.
    let edgeStartedAt = -1;
    let receivedAt = 0;
    const beforeClaude: string[] = [];
    e.anthropic.configure({
      reply: () => {
        receivedAt = performance.now();
        if (edgeStartedAt >= 0)
          beforeClaude.push(
            e.started
              .slice(edgeStartedAt)
              .map((p) => p.replace("/edge/ai/", ""))
              .join("+") || "none",
          );
        edgeStartedAt = -1;
        return "Here you go:\n```ts\nexport const answer = 42;\n```\nThat is all.";
      },
    });
    /** Adds `upstream`: ms from sending the request until the fake Claude received its call. */
    const withUpstream = (run: () => Promise<{ ttft: number; total: number; cpu: number }>) => async () => {
      const t0 = performance.now();
      const timed = await run();
      return { ...timed, upstream: receivedAt - t0 };
    };
    const fns = {
      edge: withUpstream(() => {
        edgeStartedAt = e.started.length;
        return timedEdgeRequest(url, e.token, REQUEST_BODY);
      }),
      bare: withUpstream(() => timedEdgeRequest(e.bareUrl, null, bodyText)),
      direct: withUpstream(() => timedDirectRequest(e.client, body)),
    };
    e.anthropic.configure({ eventDelayMs: EVENT_GAP_MS });
    const spaced = await interleaved(EDGE_REQUESTS, 50, fns);
    e.anthropic.configure({ eventDelayMs: 0 });
    const packed = await interleaved(EDGE_REQUESTS, 50, fns);
    const deltas = e.anthropic.streams.at(-1)!.eventsSent - 5;
    console.log(
      `The edge's own work: POST /api/ai/generate (SSE) with Convex answered instantly in this process; ${EDGE_REQUESTS} rounds of`,
    );
    console.log(
      `edge, bare pass-through and direct SDK call, interleaved; the same ${bodyText.length}-byte Claude body each time; ${deltas} text deltas.`,
    );
    console.log(`Per-request paired differences:`);
    console.log(` until Claude receives the request (token, validation, begin, building the Claude call):`);
    console.log(line("edge − direct", pairedDiff(packed, "upstream", "edge", "direct")));
    console.log(line("edge − bare pass-through", pairedDiff(packed, "upstream", "edge", "bare")));
    console.log(` time to first token (fake spaces its events ${EVENT_GAP_MS} ms apart):`);
    console.log(line("edge − direct", pairedDiff(spaced, "ttft", "edge", "direct")));
    console.log(line("edge − bare pass-through", pairedDiff(spaced, "ttft", "edge", "bare")));
    console.log(line("bare pass-through − direct", pairedDiff(spaced, "ttft", "bare", "direct")));
    console.log(` total time (no spacing):`);
    console.log(line("edge − direct", pairedDiff(packed, "total", "edge", "direct")));
    console.log(line("edge − bare pass-through", pairedDiff(packed, "total", "edge", "bare")));
    console.log(
      ` process CPU per request (client, edge and fake share the process; their parts cancel in the difference):`,
    );
    console.log(line("edge − direct", pairedDiff(packed, "cpu", "edge", "direct")));
    console.log(line("edge − bare pass-through", pairedDiff(packed, "cpu", "edge", "bare")));
    console.log(line("bare pass-through − direct", pairedDiff(packed, "cpu", "bare", "direct")));
    console.log(`  Convex calls started before Claude received the request: ${distribution(beforeClaude)}`);
  } finally {
    await e.close();
  }
}

/** The edge in a process of its own, its client and fake Claude in another (scripts/benchCrossProcess.ts). */
async function edgeOwnProcess() {
  const opts = JSON.stringify({ requests: EDGE_REQUESTS, eventGapMs: EVENT_GAP_MS, requestBody: REQUEST_BODY });
  const child = spawn(
    process.execPath,
    [...HARNESS_NODE_FLAGS, "--import", "tsx", "scripts/benchCrossProcess.ts", opts],
    { stdio: "inherit" },
  );
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`the cross-process bench exited with code ${code}`);
}

const distribution = (xs: string[]) =>
  [...new Set(xs)]
    .sort()
    .map((n) => `${n} ${xs.filter((x) => x === n).length}×`)
    .join(", ");

export async function fullPath(stack: Stack) {
  const tokens: string[] = [];
  for (let u = 0; u < USERS + 1; u++) tokens.push(await stack.signIn({ id: `user_bench_ai_${u}` }));
  const url = `${stack.edgeUrl}/api/ai/generate`;
  await timedEdgeRequest(url, tokens[USERS - 1], REQUEST_BODY);
  const fake = stack.fakes.anthropic;
  const body = fake.bodies().at(-1) as Record<string, unknown>;
  // Seam calls are counted when they start (the transport calls t.fetch), not when they end.
  const started: string[] = [];
  const tFetch = stack.t.fetch.bind(stack.t);
  stack.t.fetch = ((path: string, init?: RequestInit) => {
    started.push(path);
    return tFetch(path, init);
  }) as typeof stack.t.fetch;
  let edgeStartedAt = -1;
  const beforeClaude: string[] = [];
  fake.configure({
    eventDelayMs: EVENT_GAP_MS,
    reply: () => {
      if (edgeStartedAt >= 0)
        beforeClaude.push(
          started
            .slice(edgeStartedAt)
            .map((p) => p.replace("/edge/ai/", ""))
            .join("+") || "none",
        );
      edgeStartedAt = -1;
      return "Here you go:\n```ts\nexport const answer = 42;\n```\nThat is all.";
    },
  });
  // The client settings the stack's edge has (tests/stack.ts): one retry, 1.5 s timeouts.
  const env = {
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: fake.apiKey,
    ANTHROPIC_MAX_RETRIES: "1",
    ANTHROPIC_TIMEOUT_MS: "1500",
  };
  const client = claudeClient(loadConfig(env).anthropic);
  let n = 0;
  const rows = await interleaved(REQUESTS, WARMUP, {
    edge: () => {
      edgeStartedAt = started.length;
      const i = n++;
      return timedEdgeRequest(url, i < WARMUP ? tokens[USERS] : tokens[i % USERS], REQUEST_BODY);
    },
    direct: () => timedDirectRequest(client, body),
  });
  const seam = stack.seamCalls.slice(-2 * REQUESTS);
  const beginMs = stats(seam.filter((c) => c.path === "/edge/ai/begin").map((c) => c.ms));
  const settleMs = stats(seam.filter((c) => c.path === "/edge/ai/settle").map((c) => c.ms));
  console.log(
    `\nThe full path: the same request through the edge on the offline stack (convex-test behind the seam, the stack's`,
  );
  console.log(
    `clock installed) vs direct, ${REQUESTS} interleaved pairs over ${USERS} users; events ${EVENT_GAP_MS} ms apart:`,
  );
  console.log(line("TTFT edge − direct", pairedDiff(rows, "ttft", "edge", "direct")));
  console.log(line("total edge − direct", pairedDiff(rows, "total", "edge", "direct")));
  console.log(
    `  of which the seam (convex-test): begin p50 ${ms(beginMs.p50)} p99 ${ms(beginMs.p99)}; settle p50 ${ms(settleMs.p50)} p99 ${ms(settleMs.p99)}`,
  );
  console.log(
    `  Convex calls started before Claude received the request: ${distribution(beforeClaude.slice(-REQUESTS))}`,
  );
}

// ---------- usage.stats vs a naive scan of the request log ----------

async function statsAtScale(stack: Stack) {
  const clerkId = "user_bench_ledger";
  const token = await stack.signIn({ id: clerkId });
  const userId = (await userRow(stack.t, clerkId))!._id;
  // 30 whole UTC days, today included.
  const start = Date.parse(`${dayOf(stack.now() - 29 * DAY_MS)}T00:00:00Z`);
  const end = start + 30 * DAY_MS - 1;
  const seedStart = performance.now();
  // Completed requests only: the naive scan below counts every row of the window.
  await seedAiRequests(stack, { userId }, LEDGER_ROWS, end, false);
  console.log(
    `seeded ${LEDGER_ROWS} ledger rows over 30 days for one user (rollups through applyUsage) in ${(performance.now() - seedStart).toFixed(0)} ms`,
  );

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
        if (r.startedAt < Date.parse(`${from}T00:00:00Z`) || r.startedAt >= Date.parse(`${to}T00:00:00Z`) + DAY_MS)
          continue;
        requests++;
        tokens += r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens;
        cost += r.costMicros;
      }
      return { requests, tokens, cost };
    });
  const { result: scan, docs: scanDocs } = await documentsRead(() => naive(userId));
  const scanTime = await time(5, () => naive(userId));
  // The plan quota check inside begin reads today's rollup row, whatever the ledger holds:
  // documents read by one begin for users with 0, SMALL_LEDGER and LEDGER_ROWS requests.
  const small = "user_bench_ledger_small";
  await stack.signIn({ id: small });
  await seedAiRequests(stack, { userId: (await userRow(stack.t, small))!._id }, SMALL_LEDGER, end, false);
  const fresh = "user_bench_ledger_fresh";
  await stack.signIn({ id: fresh });
  const beginArgs = { type: "generate" as const, prompt: "p", promptChars: 1 };
  // A user over the free plan's daily limit is refused, after the same reads.
  const beginReads = async (id: string) => {
    const { docs, result } = await documentsRead(() =>
      stack.t.mutation(internal.ai.begin, { caller: callerFor(id), ...beginArgs }).then(
        () => "began",
        (err: { data?: { code?: string } }) => `refused ${err.data?.code ?? err}`,
      ),
    );
    return `${docs} (${result})`;
  };
  const beginFigures = [await beginReads(fresh), await beginReads(small), await beginReads(clerkId)];
  const same =
    scan.requests === viaRollup.totalRequests &&
    scan.tokens === viaRollup.totalTokens &&
    scan.cost === viaRollup.costMicros;
  console.log(`usage.stats, 30 days (${from}..${to}), ${LEDGER_ROWS} requests in the ledger:`);
  console.log(
    `  usage.stats (usageDaily rollup)        documents read ${String(rollupDocs).padStart(6)}; ${spread(rollup)}`,
  );
  console.log(
    `  baseline: users.me at the same store size   documents read ${String(baseDocs).padStart(6)}; ${spread(base)}`,
  );
  console.log(
    `  naive scan of aiRequests (by_userId)   documents read ${String(scanDocs).padStart(6)}; ${spread(scanTime)}`,
  );
  console.log(
    `  same totals: ${same ? "yes" : "NO"} (${viaRollup.totalRequests} requests, ${viaRollup.totalTokens} tokens, ${viaRollup.costMicros} micro-USD)`,
  );
  console.log(
    `  ai.begin (plan quota check on today's usageDaily row)  documents read at 0 / ${SMALL_LEDGER} / ${LEDGER_ROWS} ledger rows: ${beginFigures.join(" / ")}`,
  );
  console.log(
    "  (a real Convex query could not even do the naive scan: it reads far more than a query's document limit)",
  );
}

export async function run() {
  await edgeOwnWork();
  await edgeOwnProcess();
  const stack = await startStack();
  try {
    await fullPath(stack);
    await statsAtScale(stack);
  } finally {
    await stack.close();
  }
}
