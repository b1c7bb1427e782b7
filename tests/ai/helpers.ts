// Shared by the AI tests: calling the AI routes through the stack and reading SSE.
import type { Id } from "../../convex/_generated/dataModel";
import type { Stack } from "../stack";

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

export function aiCall(stack: Stack, token: string, path: string, body: unknown, opts: { sse?: boolean; signal?: AbortSignal } = {}) {
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

export async function requestRow(stack: Stack, requestId: string) {
  return await stack.t.run(async (ctx) => await ctx.db.get("aiRequests", requestId as Id<"aiRequests">));
}

export async function allRequests(stack: Stack) {
  return await stack.t.run(async (ctx) => await ctx.db.query("aiRequests").collect());
}

export async function userIdOf(stack: Stack, clerkId: string): Promise<Id<"users">> {
  return await stack.t.run(async (ctx) => {
    const u = await ctx.db
      .query("users")
      .withIndex("by_clerkId", (q) => q.eq("clerkId", clerkId))
      .unique();
    return u!._id;
  });
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
