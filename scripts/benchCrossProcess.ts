// The edge's own work with the edge in a process of its own (docs/performance.md, "The edge in
// a process of its own"). Three processes: the edge and the bare pass-through
// (scripts/benchEdgeProcess.ts, Node's defaults, as deployed), and this one, the harness: the
// client and the fake Claude. `npm run bench -- ai` starts this file as a process of its own with
// a large young generation (HARNESS_NODE_FLAGS), so that the harness's own collections, which
// would add to whatever request is in flight, are rare. Beside the paired differences it prints
// what the tail is made of: both processes' collector pauses and their main threads' waits for a
// core laid over each request, and what the edge's process allocates per request, by origin.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { loadConfig } from "../edge/config";
import { claudeClient } from "../edge/providers/anthropic";
import { startAnthropicFake } from "../tests/fakes/anthropic";
import { timedDirectRequest, timedEdgeRequest } from "./benchEdge";
import { epochNow, pausedDuring, recordPauses, waitedForCore, type Pause } from "./benchGc";
import { diffLine, interleaved, ms, pairedDiff, stats } from "./benchTiming";

/** The harness's young generation, in MB (Node's default is 16): its collections become rare. */
export const HARNESS_NODE_FLAGS = ["--max-semi-space-size=128"];
const PROFILED_REQUESTS = 200;
/** A request during which a main thread waited this long for a core was slowed by the machine. */
const WAIT_MS = 1;

type Window = { start: number; end: number; edgeWait: number; harnessWait: number };
type Round = Record<"edge" | "bare" | "direct", Window & { ttft: number; total: number }>;

/** Starts the edge's process and returns its addresses and its command channel. */
async function startEdgeProcess(claude: { url: string; apiKey: string }) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/benchEdgeProcess.ts", claude.url, claude.apiKey], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the edge process ended (exit code ${child.exitCode})`);
    return JSON.parse(value);
  };
  const ready = (await next()) as { edgeUrl: string; bareUrl: string; token: string };
  const command = async (name: string) => {
    child.stdin!.write(`${name}\n`);
    return await next();
  };
  return { ...ready, pid: child.pid!, command, close: () => child.kill() };
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

export async function edgeOwnProcess(opts: { requests: number; eventGapMs: number; requestBody: string }) {
  const anthropic = await startAnthropicFake();
  const edge = await startEdgeProcess(anthropic);
  const harnessPauses = recordPauses();
  try {
    const url = `${edge.edgeUrl}/api/ai/generate`;
    await timedEdgeRequest(url, edge.token, opts.requestBody);
    const body = anthropic.bodies().at(-1) as Record<string, unknown>;
    const bodyText = JSON.stringify(body);
    const client = claudeClient(
      loadConfig({ ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: anthropic.apiKey }).anthropic,
    );
    // Each request's window, and how long the two main threads waited for a core during it.
    const windowed = (run: () => Promise<{ ttft: number; total: number }>) => async () => {
      const [edgeWait, harnessWait] = [waitedForCore(edge.pid) ?? NaN, waitedForCore(process.pid) ?? NaN];
      const start = epochNow();
      const { ttft, total } = await run();
      const end = epochNow();
      return {
        ttft,
        total,
        start,
        end,
        edgeWait: (waitedForCore(edge.pid) ?? NaN) - edgeWait,
        harnessWait: (waitedForCore(process.pid) ?? NaN) - harnessWait,
      };
    };
    const fns = {
      edge: windowed(() => timedEdgeRequest(url, edge.token, opts.requestBody)),
      bare: windowed(() => timedEdgeRequest(edge.bareUrl, null, bodyText)),
      direct: windowed(() => timedDirectRequest(client, body)),
    };
    anthropic.configure({ eventDelayMs: opts.eventGapMs });
    const spaced = await interleaved(opts.requests, 50, fns);
    anthropic.configure({ eventDelayMs: 0 });
    const packed = await interleaved(opts.requests, 50, fns);
    const edgePauses = ((await edge.command("pauses")) as { pauses: Pause[] }).pauses;

    console.log(
      `\nThe same with the edge and the bare pass-through in a process of their own (${opts.requests} rounds):`,
    );
    console.log(` time to first token (fake spaces its events ${opts.eventGapMs} ms apart):`);
    console.log(diffLine("edge − bare pass-through", pairedDiff(spaced, "ttft", "edge", "bare")));
    console.log(diffLine("bare pass-through − direct", pairedDiff(spaced, "ttft", "bare", "direct")));
    console.log(` total time (no spacing):`);
    console.log(diffLine("edge − bare pass-through", pairedDiff(packed, "total", "edge", "bare")));
    console.log(diffLine("bare pass-through − direct", pairedDiff(packed, "total", "bare", "direct")));
    tailOf({ spaced, packed, edgePauses, harnessPauses });

    // What makes the edge's process collect, and what makes each collection long.
    const profile = async (which: "all" | "survivors", side: "edge" | "bare") => {
      await edge.command(`sample ${which}`);
      for (let i = 0; i < PROFILED_REQUESTS; i++) await fns[side]();
      return ((await edge.command("stop")) as { bytes: Record<string, number> }).bytes;
    };
    for (const which of ["all", "survivors"] as const) {
      const [e, b] = [await profile(which, "edge"), await profile(which, "bare")];
      const per = (bytes = 0) => `${(bytes / PROFILED_REQUESTS / 1024).toFixed(0)} KB`.padStart(7);
      const sum = (x: Record<string, number>) => Object.values(x).reduce((a, n) => a + n, 0);
      console.log(
        which === "all"
          ? ` allocated per request in the edge's process (sampled heap profile, ${PROFILED_REQUESTS} requests each), edge / bare:`
          : ` of which outlived a scavenge (what each scavenge has to copy), edge / bare:`,
      );
      console.log(`   ${"in all".padEnd(42)} ${per(sum(e))} / ${per(sum(b))}`);
      const origins = [...new Set([...Object.keys(e), ...Object.keys(b)])].sort((x, y) => (e[y] ?? 0) - (e[x] ?? 0));
      for (const o of origins.slice(0, 8)) console.log(`   ${o.padEnd(42)} ${per(e[o])} / ${per(b[o])}`);
    }
  } finally {
    edge.close();
    await anthropic.close();
  }
}

/** What the tail is made of: collector pauses and waits for a core, laid over each request. */
function tailOf(o: { spaced: Round[]; packed: Round[]; edgePauses: Pause[]; harnessPauses: Pause[] }) {
  const rows = [...o.spaced, ...o.packed];
  const first = rows[0].edge.start;
  const paused = (w: Window) => pausedDuring(o.edgePauses, w) || pausedDuring(o.harnessPauses, w);
  const waited = (w: Window) => w.edgeWait >= WAIT_MS || w.harnessWait >= WAIT_MS;
  const describe = (pauses: Pause[], sides: (keyof Round)[]) => {
    const during = pauses.filter((p) => p.at >= first);
    if (!during.length) return "no pauses";
    const s = stats(during.map((p) => p.ms));
    const touched = sides
      .map((side) => `${percent(rows.filter((r) => pausedDuring(pauses, r[side])).length, rows.length)} of ${side}`)
      .join(", ");
    return `${during.length} pauses, p50 ${ms(s.p50)}, max ${ms(s.max)}; during ${touched} requests`;
  };
  console.log(` collector pauses (V8 garbage collection, every kind) during the ${rows.length} rounds:`);
  console.log(`  edge's process:    ${describe(o.edgePauses, ["edge", "bare"])}`);
  console.log(`  harness's process: ${describe(o.harnessPauses, ["edge", "bare", "direct"])}`);
  const measurable = !rows.some((r) => Number.isNaN(r.edge.edgeWait));
  if (measurable) {
    const share = (side: keyof Round) => percent(rows.filter((r) => waited(r[side])).length, rows.length);
    console.log(
      `  a main thread waited ≥ ${WAIT_MS} ms for a core during ${share("edge")} of edge, ${share("bare")} of bare, ${share("direct")} of direct requests`,
    );
  } else console.log(`  waits for a core: not measurable on this system (no /proc/<pid>/task/<pid>/schedstat)`);
  // The slowest 1 % of the differences, and what was going on while they ran.
  const causes = (rs: Round[], key: "ttft" | "total") => {
    const top = [...rs]
      .sort((x, y) => y.edge[key] - y.bare[key] - (x.edge[key] - x.bare[key]))
      .slice(0, Math.ceil(rs.length / 100));
    const p = top.filter((r) => paused(r.edge) || paused(r.bare)).length;
    const w = measurable
      ? top.filter((r) => !(paused(r.edge) || paused(r.bare)) && (waited(r.edge) || waited(r.bare))).length
      : 0;
    return `the slowest ${top.length}: ${p} with a collector pause, ${w} more waiting for a core, ${top.length - p - w} neither`;
  };
  console.log(`  TTFT edge − bare pass-through, ${causes(o.spaced, "ttft")}`);
  console.log(`  total edge − bare pass-through, ${causes(o.packed, "total")}`);
  const unpaused = (rs: Round[]) => rs.filter((r) => !paused(r.edge) && !paused(r.bare));
  const [calmSpaced, calmPacked] = [unpaused(o.spaced), unpaused(o.packed)];
  console.log(
    ` the rounds no collector pause touched (${calmSpaced.length} of ${o.spaced.length} spaced, ${calmPacked.length} of ${o.packed.length} packed):`,
  );
  console.log(diffLine("TTFT edge − bare pass-through", pairedDiff(calmSpaced, "ttft", "edge", "bare")));
  console.log(diffLine("total edge − bare pass-through", pairedDiff(calmPacked, "total", "edge", "bare")));
}

// Run as a process of its own by scripts/bench/ai.ts: node <HARNESS_NODE_FLAGS> benchCrossProcess.ts <json options>.
if (process.argv[1]?.endsWith("benchCrossProcess.ts") && process.argv[2]) {
  await edgeOwnProcess(JSON.parse(process.argv[2]));
  process.exit(0);
}
