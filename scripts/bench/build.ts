// Build agent figures, Convex side (convex-test in memory, so times are the Convex-side
// cost, not network latency):
//  1. documents written per tool call (create / str_replace), apart from the fixed cost of a
//     turn (ledger row settled, rollups, stored answer, the next request's row);
//  2. apply of a 100-file change set in one transaction: time and documents written;
//  3. a 20-file build through the offline stack (edge + fake Claude + Convex): seam round trips
//     per Claude turn (goal 1), and the time from the last byte of the Claude turn that made an
//     edit to the SSE `file` event, which the edge sends once the edit is stored (visible to
//     changeSets.get).
// Documents written = rows of the app's tables added, changed or removed (component tables,
// e.g. the rate limiter's, are not visible here and not counted).
import { api, internal } from "../../convex/_generated/api";
import type { Id, TableNames } from "../../convex/_generated/dataModel";
import schema from "../../convex/schema";
import { asUser, newConvexTest, type ConvexTest } from "../../tests/convexTest";
import { callerFor } from "../../tests/keys";
import { ms, spread, stats } from "../benchTiming";
import { startStack } from "../../tests/stack";

const TABLES = Object.keys(schema.tables) as TableNames[];
const CLERK = "user_bench_build";
const CALLER = callerFor(CLERK);

async function rows(t: ConvexTest): Promise<Map<string, string>> {
  const all = await t.run(async (ctx) => {
    const out: Record<string, string> = {};
    for (const table of TABLES)
      for (const doc of await ctx.db.query(table).collect()) out[doc._id] = JSON.stringify(doc);
    return out;
  });
  return new Map(Object.entries(all));
}

function written(before: Map<string, string>, after: Map<string, string>): number {
  let n = 0;
  for (const [id, doc] of after) if (before.get(id) !== doc) n++;
  for (const id of before.keys()) if (!after.has(id)) n++;
  return n;
}

/** Every convex-test instance the measurements made, to drop their pending scheduled work after. */
const instances: ConvexTest[] = [];

/**
 * Cancels what a measured turn left scheduled (the thread's analysis, 10 s later on real timers):
 * it would otherwise run during a later section, against that section's fake Claude.
 */
async function dropScheduled() {
  for (const t of instances.splice(0))
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect())
        if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
    });
}

async function setup() {
  const t = newConvexTest();
  instances.push(t);
  const alice = asUser(t, CLERK, { email: "bench@build.test" });
  const projectId: Id<"projects"> = await alice.mutation(api.projects.create, { name: "Bench", framework: "react" });
  await t.run(async (ctx) => {
    const user = await ctx.db
      .query("users")
      .withIndex("by_clerkId", (q) => q.eq("clerkId", CLERK))
      .unique();
    await ctx.db.patch("users", user!._id, { plan: "business" });
  });
  return { t, alice, projectId };
}

type Call = { id: string; name: string; input: unknown };

/** Documents written by one turn running `calls` (a fresh build each time). */
async function turnWrites(calls: (i: number) => Call[], files: Record<string, string> = {}) {
  const { t, alice, projectId } = await setup();
  const entries = Object.entries(files);
  for (let i = 0; i < entries.length; i += 100) {
    await alice.mutation(api.files.writeMany, {
      projectId,
      files: entries.slice(i, i + 100).map(([path, content]) => ({ path, content })),
    });
  }
  const b = await t.mutation(internal.build.begin, { caller: CALLER, projectId, message: "bench" });
  const before = await rows(t);
  const list = calls(0);
  await t.mutation(internal.build.turn, {
    caller: CALLER,
    requestId: b.requestId,
    changeSetId: b.changeSetId,
    usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 },
    latencyMs: 1,
    stopReason: "tool_use",
    text: "",
    toolCalls: list,
  });
  return { docs: written(before, await rows(t)), calls: list.length, t, alice, b };
}

const create = (i: number): Call => ({
  id: `c${i}`,
  name: "str_replace_based_edit_tool",
  input: { command: "create", path: `src/file${i}.ts`, file_text: `export const n${i} = ${i};\n` },
});
const replace = (i: number): Call => ({
  id: `r${i}`,
  name: "str_replace_based_edit_tool",
  input: { command: "str_replace", path: `src/file${i}.ts`, old_str: `= ${i}`, new_str: `= ${i + 1}` },
});
const existing = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`src/file${i}.ts`, `export const n${i} = ${i};\n`]));

export async function run() {
  // 1. Marginal documents per call: a 20-call turn against a 1-call turn.
  for (const [name, make, files] of [
    ["create (new file)", create, {}],
    ["str_replace (existing file)", replace, existing(20)],
  ] as const) {
    const one = await turnWrites(() => [make(0)], files);
    const twenty = await turnWrites(() => Array.from({ length: 20 }, (_, i) => make(i)), files);
    const perCall = (twenty.docs - one.docs) / 19;
    console.log(
      `${name}: ${perCall.toFixed(1)} documents written per tool call; fixed per turn ${(one.docs - perCall).toFixed(1)}`,
    );
  }

  // 2. Apply of 100 files (all str_replace on existing files) in one transaction.
  const samples: number[] = [];
  let applyDocs = 0;
  for (let r = 0; r < 5; r++) {
    const files = existing(100);
    const first = await turnWrites(() => Array.from({ length: 50 }, (_, i) => replace(i)), files);
    const { t, alice, b } = first;
    const next = await t.run(async (ctx) => (await ctx.db.get("changeSets", b.changeSetId))!.requestId!);
    const second = await t.mutation(internal.build.turn, {
      caller: CALLER,
      requestId: next,
      changeSetId: b.changeSetId,
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      latencyMs: 1,
      stopReason: "tool_use",
      text: "",
      toolCalls: Array.from({ length: 50 }, (_, i) => replace(50 + i)),
    });
    await t.mutation(internal.build.turn, {
      caller: CALLER,
      requestId: second.next!.requestId,
      changeSetId: b.changeSetId,
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      latencyMs: 1,
      stopReason: "end_turn",
      text: "Done",
      toolCalls: [],
    });
    const before = await rows(t);
    const t0 = performance.now();
    const result = await alice.mutation(api.changeSets.apply, { changeSetId: b.changeSetId });
    samples.push(performance.now() - t0);
    applyDocs = written(before, await rows(t));
    if (result.written !== 100) throw new Error(`expected 100 files written, got ${result.written}`);
  }
  const s = stats(samples);
  console.log(
    `apply of 100 files in one transaction: p50 ${ms(s.p50)}, max ${ms(Math.max(...samples))} (n=${s.n}); ${applyDocs} documents written`,
  );

  // 3. A 20-file build through the stack.
  await dropScheduled();
  await runThroughStack();
}

const FILES_PER_TURN = 4;
const EDIT_TURNS = 5;

/** One scripted 20-file build: 5 turns of 4 `create` calls, then Claude's summary. */
function twentyFileBuild(run: number) {
  const turns = Array.from({ length: EDIT_TURNS }, (_, k) => ({
    text: `Writing part ${k + 1}.`,
    toolCalls: Array.from({ length: FILES_PER_TURN }, (_, j) => ({
      name: "str_replace_based_edit_tool",
      input: {
        command: "create",
        path: `src/part${k}/file${j}.ts`,
        file_text: `export const value${run}_${k}_${j} = ${j};\n`.repeat(20),
      },
    })),
  }));
  return [...turns, { text: "Twenty files written." }];
}

/** Reads an SSE response, stamping each event with its arrival time. */
async function timedEvents(res: Response): Promise<{ event: string; data: any; at: number }[]> {
  const out: { event: string; data: any; at: number }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "message";
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      out.push({ event, data: data ? JSON.parse(data) : null, at: performance.now() });
    }
  }
  return out;
}

async function runThroughStack() {
  const stack = await startStack();
  try {
    const token = await stack.signIn({ id: "user_bench_build_stack" });
    const me = stack.convex(token);
    const projectId = await me.mutation(api.projects.create, { name: "Bench", framework: "react" });
    const visible: number[] = [];
    let claudeTurns = 0;
    let turnCalls = 0;
    const RUNS = 5;
    for (let run = 0; run < RUNS; run++) {
      const fake = stack.fakes.anthropic;
      fake.reset();
      fake.script(...twentyFileBuild(run));
      const seamBefore = stack.seamCalls.length;
      const res = await fetch(`${stack.edgeUrl}/api/ai/build`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ projectId, message: `a twenty-file module, run ${run}` }),
      });
      const events = await timedEvents(res);
      const done = events.at(-1);
      if (done?.event !== "done" || done.data.files !== EDIT_TURNS * FILES_PER_TURN) {
        throw new Error(`the build did not finish with 20 files: ${JSON.stringify(done)}`);
      }
      const files = events.filter((e) => e.event === "file");
      files.forEach((e, i) => {
        const endedAt = fake.streams[Math.floor(i / FILES_PER_TURN)].endedAt!;
        visible.push(e.at - endedAt);
      });
      claudeTurns += fake.streams.length;
      turnCalls += stack.seamCalls.slice(seamBefore).filter((c) => c.path === "/edge/ai/build/turn").length;
      const changeSet = await me.query(api.changeSets.get, { changeSetId: done.data.changeSetId });
      if (changeSet.files.length !== EDIT_TURNS * FILES_PER_TURN)
        throw new Error("changeSets.get does not show 20 files");
    }
    const v = stats(visible);
    console.log(
      `20-file build through the stack (${RUNS} builds, ${claudeTurns} Claude turns): ${(turnCalls / claudeTurns).toFixed(2)} seam round trips per Claude turn`,
    );
    console.log(`Claude turn's last byte → its edits stored and announced (SSE file event): ${spread(v)}`);
  } finally {
    await stack.close();
  }
}
