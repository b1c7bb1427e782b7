// Shared by the edge and end-to-end build tests: the stack for the file, a project to build
// in, POST /api/ai/build as SSE or JSON, and reads of the change set and its requests.
import { beforeEach } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { Framework } from "../../convex/validators";
import { blobByHash } from "../../convex/lib/blobs";
import { settleCompletions } from "../../edge/ai/run";
import { parseSse, type SseEvent } from "../ai/helpers";
import type { Stack, StackOptions } from "../stack";
import { stackForFile } from "../stackForFile";

export const MODEL = "claude-sonnet-5-5";

/** One stack for the test file; the fake Claude is reset and tracked loops settled before each test. */
export function buildTestStack(userPrefix: string, opts: StackOptions = {}) {
  const stack = stackForFile(opts);
  let n = 0;
  beforeEach(async () => {
    await settleCompletions();
    stack.fakes.anthropic.reset();
  });
  return {
    stack,
    /** A new user (rate limits and quotas are per user) owning a new, empty React project. */
    async freshOwner(framework: Framework = "react") {
      const clerkId = `${userPrefix}_${++n}`;
      const token = await stack.signIn({ id: clerkId, email: `${clerkId}@example.com` });
      const projectId: Id<"projects"> = await stack
        .convex(token)
        .mutation(api.projects.create, { name: `App ${n}`, framework });
      return { token, clerkId, projectId };
    },
  };
}

export function buildCall(
  stack: Stack,
  token: string,
  body: unknown,
  opts: { sse?: boolean; signal?: AbortSignal } = {},
) {
  return fetch(`${stack.edgeUrl}/api/ai/build`, {
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

/** POST /api/ai/build as SSE, read to the end. */
export async function buildSse(
  stack: Stack,
  token: string,
  body: unknown,
): Promise<{ status: number; events: SseEvent[] }> {
  const res = await buildCall(stack, token, body, { sse: true });
  const text = await res.text();
  return {
    status: res.status,
    events: res.headers.get("content-type")?.includes("text/event-stream")
      ? parseSse(text)
      : [{ event: "http", data: JSON.parse(text) }],
  };
}

export const names = (events: SseEvent[]) => events.map((e) => e.event);

export async function changeSetRow(stack: Stack, id: string) {
  return await stack.t.run(async (ctx) => await ctx.db.get("changeSets", id as Id<"changeSets">));
}

export async function changeSetFiles(stack: Stack, id: string) {
  return await stack.t.run(async (ctx) =>
    ctx.db
      .query("changeSetFiles")
      .withIndex("by_changeSetId_and_path", (q) => q.eq("changeSetId", id as Id<"changeSets">))
      .collect(),
  );
}

/** Every build request row of a user, oldest first. */
export async function buildRequests(stack: Stack, clerkId: string) {
  return await stack.t.run(async (ctx) => {
    const user = await ctx.db
      .query("users")
      .withIndex("by_clerkId", (q) => q.eq("clerkId", clerkId))
      .unique();
    const rows = await ctx.db.query("aiRequests").collect();
    return rows.filter((r) => r.userId === user!._id && r.type === "build");
  });
}

export { settleCompletions };

/** The change set's new content of `path` (null: deleted or absent). */
export async function changeSetContent(stack: Stack, id: string, path: string): Promise<string | null> {
  const file = (await changeSetFiles(stack, id)).find((f) => f.path === path);
  if (!file?.hash) return null;
  const blob = await stack.t.run(async (ctx) => await blobByHash(ctx, file.hash!));
  return blob?.content ?? null;
}
