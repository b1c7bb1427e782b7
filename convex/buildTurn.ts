// One build turn's steps, run by `build.turn` (convex/build.ts): the turn's tool calls against
// the change set, the next Claude call's ledger row (or why the loop stops), and the closing
// message in the build's conversation.
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { addMessage, checkAiAllowance, openRequest } from "./aiLedger";
import { AI_RESPONSE_CHARS } from "./edge/contract";
import { executeTool, type ToolResult } from "./lib/buildTools";
import { type FileEvent } from "./lib/changeSetTree";
import { errorData } from "./lib/errors";
import { BUILD_LIMITS, OPERATIONS } from "./lib/plans";
import { modelInfo } from "./lib/pricing";
import { vChangeSetFileEvent, vChangeSetProgress } from "./validators";

/** Tool calls executed per turn; more are answered with an error result. */
const MAX_TOOL_CALLS_PER_TURN = 50;
/** Tool result characters per turn (the stored answer must fit one document). */
const TURN_RESULT_BUDGET = 400_000;

export const vTurnAnswer = v.object({
  results: v.array(v.object({ toolUseId: v.string(), content: v.string(), isError: v.boolean() })),
  files: v.array(vChangeSetFileEvent),
  next: v.union(v.object({ requestId: v.id("aiRequests"), maxTokens: v.number() }), v.null()),
  stop: v.union(v.object({ code: v.string(), message: v.string(), retryAfterMs: v.optional(v.number()) }), v.null()),
  changeSet: vChangeSetProgress,
});
export type TurnAnswer = typeof vTurnAnswer.type;
export type Stop = NonNullable<TurnAnswer["stop"]>;

/** Runs the turn's tool calls in order; each is independent (an error result does not stop the next). */
export async function runTools(
  ctx: MutationCtx,
  cs: Doc<"changeSets">,
  project: Doc<"projects">,
  calls: { id: string; name: string; input?: unknown }[],
) {
  const results: ToolResult[] = [];
  const files: FileEvent[] = [];
  let budget = TURN_RESULT_BUDGET;
  for (const [i, call] of calls.entries()) {
    if (i >= MAX_TOOL_CALLS_PER_TURN) {
      results.push({
        toolUseId: call.id,
        content: `Not run: at most ${MAX_TOOL_CALLS_PER_TURN} tool calls per turn.`,
        isError: true,
      });
      continue;
    }
    const { result, event } = await executeTool(ctx, cs, project, { id: call.id, name: call.name, input: call.input });
    if (result.content.length > budget) {
      result.content =
        "Not shown: this turn's tool output is too large. View fewer or smaller ranges in the next turn.";
      result.isError = true;
    }
    budget -= result.content.length;
    results.push(result);
    if (event) files.push(event);
  }
  return { results, files };
}

/** The next Claude call's ledger row, or why the loop stops (quota or rate limit). */
export async function nextRequest(
  ctx: MutationCtx,
  user: Doc<"users">,
  cs: Doc<"changeSets">,
  row: Doc<"aiRequests">,
  now: number,
) {
  try {
    await checkAiAllowance(ctx, user, now, "buildTurn");
  } catch (err) {
    const data = errorData(err);
    if (!data) throw err;
    const stop: Stop = { code: data.code, message: data.message };
    if (typeof data.retryAfterMs === "number") stop.retryAfterMs = data.retryAfterMs;
    return { stop };
  }
  const requestId = await openRequest(ctx, {
    user,
    projectId: cs.projectId,
    conversationId: cs.conversationId,
    type: "build",
    model: row.model,
    prompt: row.promptExcerpt,
    mock: row.mock,
    now,
  });
  const maxOut = modelInfo(row.model)?.maxOutputTokens ?? OPERATIONS.build.maxTokens;
  const budget = BUILD_LIMITS.maxOutputTokens - cs.runOutputTokens;
  return { next: { requestId, maxTokens: Math.max(1, Math.min(OPERATIONS.build.maxTokens, maxOut, budget)) } };
}

export async function closeWithMessage(
  ctx: MutationCtx,
  cs: Doc<"changeSets">,
  text: string,
  requestId: Id<"aiRequests">,
  now: number,
) {
  if (!cs.conversationId || text.trim() === "") return;
  const conversation = await ctx.db.get("conversations", cs.conversationId);
  if (conversation) await addMessage(ctx, conversation, "assistant", text.slice(0, AI_RESPONSE_CHARS), requestId, now);
}
