// Shared by the AI tests: one stack per file, calling the AI routes through it, reading SSE.
import { callerFor } from "../keys";
import { beforeEach, expect } from "vitest";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { totalTokens } from "../../convex/lib/pricing";
import { dayOf, emptyTotals } from "../../convex/lib/usageRollup";
import { settleCompletions } from "../../edge/ai/run";
import { userRow } from "../convexTest";
import type { Stack, StackOptions } from "../stack";
import { stackForFile } from "../stackForFile";

/**
 * One stack for the test file; before each test the fake Claude is reset and completions
 * still in flight are settled. `freshUser()` signs in a new user: the AI rate limit
 * (20 / 15 min) and the quotas are per user, so tests that count should not share one.
 */
export function aiTestStack(userPrefix: string, opts: StackOptions = {}) {
  const stack = stackForFile(opts);
  let n = 0;
  beforeEach(async () => {
    await settleCompletions();
    stack.fakes.anthropic.reset();
  });
  return {
    stack,
    async freshUser() {
      const clerkId = `${userPrefix}_${++n}`;
      const token = await stack.signIn({ id: clerkId });
      return { token, clerkId, userId: await userIdOf(stack, clerkId) };
    },
  };
}

export type SseEvent = { event: string; data: any };

/** Parses a complete text/event-stream body into events (data lines are JSON). */
export function parseSse(body: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of body.split("\n\n")) {
    if (!block.trim()) continue;
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    const raw = data.join("\n");
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // not JSON: keep the text
    }
    out.push({ event, data: parsed });
  }
  return out;
}

export function aiCall(
  stack: Stack,
  token: string,
  path: string,
  body: unknown,
  opts: { sse?: boolean; signal?: AbortSignal } = {},
) {
  return fetch(`${stack.edgeUrl}/api/ai/${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      ...(opts.sse ? { Accept: "text/event-stream" } : {}),
    },
    body: JSON.stringify(body),
    signal: opts.signal,
  });
}

export async function sse(stack: Stack, token: string, path: string, body: unknown) {
  const res = await aiCall(stack, token, path, body, { sse: true });
  const text = await res.text();
  return { res, events: res.headers.get("content-type")?.includes("text/event-stream") ? parseSse(text) : [], text };
}

/** Reads an SSE body until `n` delta events have arrived; the rest stays unread. */
export async function readDeltas(res: Response, n: number): Promise<SseEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let events: SseEvent[] = [];
  while (events.filter((e) => e.event === "delta").length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    events = parseSse(text.slice(0, text.lastIndexOf("\n\n") + 2));
  }
  return events;
}

/**
 * Calls a Convex HTTP action of the edge seam directly, as the edge would (with EDGE_SECRET)
 * or, with `secret: null`, as a browser that found the URL.
 */
export async function seamCall(
  stack: Stack,
  path: string,
  clerkId: string,
  body: unknown,
  secret: string | null = process.env.EDGE_SECRET!,
) {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-User-Id": callerFor(clerkId).tokenIdentifier,
  };
  if (secret !== null) headers.Authorization = `Bearer ${secret}`;
  const res = await stack.t.fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

export async function requestRow(stack: Stack, requestId: string) {
  return await stack.t.run(async (ctx) => await ctx.db.get("aiRequests", requestId as Id<"aiRequests">));
}

export async function allRequests(stack: Stack) {
  return await stack.t.run(async (ctx) => await ctx.db.query("aiRequests").collect());
}

export async function userIdOf(stack: Stack, clerkId: string): Promise<Id<"users">> {
  return (await userRow(stack.t, clerkId))!._id;
}

export async function usageRows(stack: Stack, userId: Id<"users">) {
  return await stack.t.run(async (ctx) =>
    ctx.db
      .query("usageDaily")
      .withIndex("by_userId_and_day", (q) => q.eq("userId", userId))
      .collect(),
  );
}

export async function setPlan(stack: Stack, userId: Id<"users">, plan: "free" | "starter" | "pro" | "business") {
  await stack.t.run(async (ctx) => {
    await ctx.db.patch("users", userId, { plan });
  });
}

export const today = (stack: Stack) => new Date(stack.now()).toISOString().slice(0, 10);

// ---------- the billing invariant: rollups equal the ledger ----------

const FIELDS = [
  "requests",
  "inputTokens",
  "outputTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "totalTokens",
  "costMicros",
] as const;
type Totals = Record<(typeof FIELDS)[number], number> & { byType: Record<string, number> };

function addTo(into: Totals, r: Totals) {
  for (const f of FIELDS) into[f] += r[f];
  for (const [k, n] of Object.entries(r.byType)) if (n) into.byType[k] = (into.byType[k] ?? 0) + n;
}

/** What one ledger row must contribute: one request with its tokens and cost exactly when it consumed tokens. */
function expectedOf(r: Doc<"aiRequests">): Totals {
  const tokens = totalTokens(r);
  if (r.status === "streaming") return { ...emptyTotals(), requests: 1, byType: { [r.type]: 1 } }; // reserved while it runs
  if (tokens === 0) return emptyTotals();
  const { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, costMicros } = r;
  return {
    requests: 1,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    totalTokens: tokens,
    costMicros,
    byType: { [r.type]: 1 },
  };
}

/** Per user and UTC day, every rollup field equals the ledger's sum; the all-users rollup equals the per-user one per day. */
export async function expectRollupsMatchLedger(stack: Stack) {
  const { daily, totals, ledger } = await stack.t.run(async (ctx) => ({
    daily: await ctx.db.query("usageDaily").collect(),
    totals: await ctx.db.query("usageDailyTotals").collect(),
    ledger: await ctx.db.query("aiRequests").collect(),
  }));
  const fromLedger = new Map<string, Totals>();
  for (const r of ledger) {
    const key = `${r.userId} ${dayOf(r.startedAt)}`;
    addTo(fromLedger.get(key) ?? fromLedger.set(key, emptyTotals()).get(key)!, expectedOf(r));
  }
  const fromRollup = new Map<string, Totals>();
  for (const d of daily)
    addTo(
      fromRollup.get(`${d.userId} ${d.day}`) ??
        fromRollup.set(`${d.userId} ${d.day}`, emptyTotals()).get(`${d.userId} ${d.day}`)!,
      d,
    );
  for (const key of new Set([...fromLedger.keys(), ...fromRollup.keys()])) {
    expect(fromRollup.get(key) ?? emptyTotals(), key).toEqual(fromLedger.get(key) ?? emptyTotals());
  }
  const perDay = (rows: (Totals & { day: string })[]) => {
    const m = new Map<string, Totals>();
    for (const r of rows) addTo(m.get(r.day) ?? m.set(r.day, emptyTotals()).get(r.day)!, r);
    return m;
  };
  expect(perDay(totals)).toEqual(perDay(daily));
  return ledger;
}
