// Operational figures for the admin dashboard, over a recent window and from a bounded sample
// of the newest rows (through the status-and-time indexes; never a scan). Each answer says
// how many rows it looked at and whether the window held more (`truncated`): the figures
// then describe the newest SAMPLE rows only. Exact all-time counters would need rollups
// written by the AI and deployment code (not there yet).
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

export const SAMPLE = 2_000;

function p50(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

async function newest<T extends "aiRequests" | "deployments">(
  ctx: QueryCtx,
  table: T,
  status: string,
  since: number,
): Promise<{ rows: Doc<T>[]; truncated: boolean }> {
  const index = table === "aiRequests" ? "by_status_and_startedAt" : "by_status_and_createdAt";
  const field = table === "aiRequests" ? "startedAt" : "createdAt";
  const rows = (await ctx.db
    .query(table)
    .withIndex(index as never, (q: any) => q.eq("status", status).gte(field, since))
    .order("desc")
    .take(SAMPLE + 1)) as Doc<T>[];
  return { rows: rows.slice(0, SAMPLE), truncated: rows.length > SAMPLE };
}

const byCode = (rows: { error?: { code: string } }[]) => {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const code = r.error?.code ?? "UNKNOWN";
    out[code] = (out[code] ?? 0) + 1;
  }
  return out;
};

/** AI requests started since `since`: failure rate, failures by code, p50 latency of completed ones. */
export async function aiHealth(ctx: QueryCtx, since: number) {
  const done = await newest(ctx, "aiRequests", "completed", since);
  const failed = await newest(ctx, "aiRequests", "failed", since);
  const total = done.rows.length + failed.rows.length;
  return {
    completed: done.rows.length,
    failed: failed.rows.length,
    failureRate: total ? failed.rows.length / total : null,
    failuresByCode: byCode(failed.rows),
    p50LatencyMs: p50(done.rows.flatMap((r) => (r.latencyMs === undefined ? [] : [r.latencyMs]))),
    truncated: done.truncated || failed.truncated,
  };
}

/** Deployments created since `since`: success rate, p50 build time (start to ready), failures by code. */
export async function deploymentHealth(ctx: QueryCtx, since: number) {
  const ready = await newest(ctx, "deployments", "ready", since);
  const failed = await newest(ctx, "deployments", "error", since);
  const total = ready.rows.length + failed.rows.length;
  return {
    ready: ready.rows.length,
    failed: failed.rows.length,
    successRate: total ? ready.rows.length / total : null,
    failuresByCode: byCode(failed.rows),
    p50BuildMs: p50(
      ready.rows.flatMap((d) => (d.deployedAt === undefined ? [] : [d.deployedAt - (d.startedAt ?? d.createdAt)])),
    ),
    truncated: ready.truncated || failed.truncated,
  };
}

/** Projects by AI cost over the completed requests since `since` (the newest SAMPLE). */
export async function topProjectsByCost(ctx: QueryCtx, since: number, limit: number) {
  const done = await newest(ctx, "aiRequests", "completed", since);
  const cost = new Map<string, { costMicros: number; requests: number }>();
  for (const r of done.rows) {
    if (r.projectId === undefined) continue;
    const c = cost.get(r.projectId) ?? { costMicros: 0, requests: 0 };
    c.costMicros += r.costMicros;
    c.requests++;
    cost.set(r.projectId, c);
  }
  const top = [...cost.entries()].sort((a, b) => b[1].costMicros - a[1].costMicros).slice(0, limit);
  return { projects: top.map(([projectId, c]) => ({ projectId, ...c })), truncated: done.truncated };
}
