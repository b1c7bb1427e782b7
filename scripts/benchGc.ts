// Garbage-collection pauses and allocations, for the bench's cross-process figures
// (docs/performance.md, "The edge in a process of its own"). Times are epoch milliseconds
// (performance.timeOrigin + performance.now()), so pauses seen in one process can be laid
// over requests timed in another.
import { Session, type HeapProfiler } from "node:inspector/promises";
import { readFileSync } from "node:fs";
import { PerformanceObserver, performance } from "node:perf_hooks";

/** One pause of the JavaScript thread for V8's collector (any kind: scavenge, mark-compact, ...). */
export type Pause = { at: number; ms: number };

export const epochNow = () => performance.timeOrigin + performance.now();

/** Starts recording this process's collector pauses into the returned array. */
export function recordPauses(): Pause[] {
  const pauses: Pause[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ at: performance.timeOrigin + e.startTime, ms: e.duration });
  }).observe({ entryTypes: ["gc"] });
  return pauses;
}

export const pausedDuring = (pauses: Pause[], w: { start: number; end: number }) =>
  pauses.some((p) => p.at < w.end && p.at + p.ms > w.start);

/**
 * Milliseconds the main thread of process `pid` has so far spent ready to run but waiting for a
 * core (Linux's /proc/<pid>/task/<pid>/schedstat, second field); undefined where there is none.
 */
export function waitedForCore(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[1]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Where allocated bytes come from: an npm package, a folder of this repository, or Node and V8 themselves. */
function origin(url: string): string {
  if (!url) return "V8 built-ins (promises, maps, iterators)";
  if (url.includes("undici")) return "Node's fetch (undici)";
  if (url.includes("webstreams")) return "Node's web streams";
  if (url.startsWith("node:")) return "Node's own code (http, net, timers)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const local = /\/(edge|convex|scripts|tests)\/(?:([^/.]+)\/)?/.exec(url);
  return local ? `${local[1]}/${local[2] ? `${local[2]}/` : ""}` : url;
}

type ProfileNode = { id: number; callFrame: { url: string }; children?: ProfileNode[] };
type SamplingProfile = { head: ProfileNode; samples: { size: number; nodeId: number }[] };

/**
 * Starts V8's sampling heap profiler; `stop` answers the bytes allocated since, by origin.
 * `all`: every allocation, freed ones included (what makes scavenges happen). `survivors`:
 * only what outlived a scavenge (what a scavenge must copy, and so what makes it long).
 */
export async function sampleAllocations(which: "all" | "survivors") {
  const session = new Session();
  session.connect();
  // The two include flags are V8's (Node 20 honours them); Node's types do not list them yet.
  const params: HeapProfiler.StartSamplingParameterType = {
    samplingInterval: 4096,
    ...{ includeObjectsCollectedByMinorGC: which === "all", includeObjectsCollectedByMajorGC: true },
  };
  await session.post("HeapProfiler.startSampling", params);
  return {
    async stop(): Promise<Record<string, number>> {
      const { profile } = (await session.post("HeapProfiler.stopSampling")) as unknown as { profile: SamplingProfile };
      session.disconnect();
      const urls = new Map<number, string>();
      const walk = (n: ProfileNode) => {
        urls.set(n.id, n.callFrame.url);
        n.children?.forEach(walk);
      };
      walk(profile.head);
      const bytes: Record<string, number> = {};
      for (const s of profile.samples) {
        const key = origin(urls.get(s.nodeId) ?? "");
        bytes[key] = (bytes[key] ?? 0) + s.size;
      }
      return bytes;
    },
  };
}
