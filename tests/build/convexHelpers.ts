// Shared by the build agent's Convex tests: Alice's project (Bob editor, Carol viewer,
// Dave a stranger), seam calls as the edge makes them, and readers of what was stored.
import { randomBytes } from "node:crypto";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { EdgeBody } from "../../convex/edge/contract";
import { asUser } from "../convexTest";
import { callerFor, TEST_ISSUER } from "../keys";
import { setupProject } from "../convex/helpers";

process.env.EDGE_SECRET ??= randomBytes(24).toString("hex");

export const CLERK = { alice: "user_alice", bob: "user_bob", carol: "user_carol", dave: "user_dave" } as const;

export async function buildSetup() {
  const s = await setupProject();
  await s.t.mutation(internal.users.meForEdge, {
    caller: callerFor(CLERK.dave, { email: "dave@example.com", name: "Dave" }),
  });
  const dave = asUser(s.t, CLERK.dave, { email: "dave@example.com", name: "Dave" });
  return { ...s, dave };
}
export type BuildSetup = Awaited<ReturnType<typeof buildSetup>>;

export const NO_USAGE = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
export const USAGE = { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 800, cacheWriteTokens: 400 };

export async function writeFiles(s: BuildSetup, files: Record<string, string>) {
  await s.alice.mutation(api.files.writeMany, {
    projectId: s.projectId,
    files: Object.entries(files).map(([path, content]) => ({ path, content })),
  });
}

export async function begin(
  s: BuildSetup,
  args: { message?: string; changeSetId?: string; clerkId?: string; model?: string; conversationId?: string } = {},
) {
  const { clerkId = CLERK.alice, message = "Build a small app", ...rest } = args;
  return await s.t.mutation(internal.build.begin, {
    caller: callerFor(clerkId),
    projectId: s.projectId,
    message,
    ...rest,
  });
}

type Call = { id?: string; name?: string; input: unknown };
let callSeq = 0;

export function editor(input: Record<string, unknown>): Call {
  return { name: "str_replace_based_edit_tool", input };
}

export async function turn(
  s: BuildSetup,
  b: { requestId: string; changeSetId: string },
  calls: Call[],
  opts: { usage?: typeof USAGE; text?: string; clerkId?: string; end?: EdgeBody<"/edge/ai/build/turn">["end"] } = {},
) {
  return await s.t.mutation(internal.build.turn, {
    caller: callerFor(opts.clerkId ?? CLERK.alice),
    requestId: b.requestId,
    changeSetId: b.changeSetId,
    usage: opts.usage ?? NO_USAGE,
    latencyMs: 100,
    stopReason: calls.length ? "tool_use" : "end_turn",
    text: opts.text ?? "",
    toolCalls: calls.map((c) => ({
      id: c.id ?? `toolu_${++callSeq}`,
      name: c.name ?? "str_replace_based_edit_tool",
      input: c.input,
    })),
    end: opts.end,
  });
}

/** One begin and one turn running `calls`, then a closing turn with no tools (the change set is proposed). */
export async function build(s: BuildSetup, calls: Call[], opts: { message?: string; changeSetId?: string } = {}) {
  const b = await begin(s, opts);
  const first = await turn(s, b, calls);
  const closing = await turn(s, { requestId: first.next!.requestId, changeSetId: b.changeSetId }, [], {
    text: "Done: the app is ready.",
  });
  return { ...b, first, closing, changeSetId: b.changeSetId as Id<"changeSets"> };
}

export async function projectFiles(s: BuildSetup): Promise<Record<string, string>> {
  return await s.t.run(async (ctx) => {
    const rows = await ctx.db
      .query("files")
      .withIndex("by_projectId_and_path", (q) => q.eq("projectId", s.projectId))
      .collect();
    const out: Record<string, string> = {};
    for (const f of rows) {
      const blob = await ctx.db
        .query("blobs")
        .withIndex("by_hash", (q) => q.eq("hash", f.hash))
        .first();
      out[f.path] = blob?.content ?? "<missing>";
    }
    return out;
  });
}

export async function projectRow(s: BuildSetup) {
  return (await s.t.run(async (ctx) => await ctx.db.get("projects", s.projectId)))!;
}

export function seam(s: BuildSetup, path: string, clerkId: string, body: unknown) {
  return s.t.fetch(path, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${process.env.EDGE_SECRET}`,
      "X-User-Id": `${TEST_ISSUER}|${clerkId}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify(body),
  });
}
