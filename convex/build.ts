// The build agent, Convex side. The edge runs Claude's tool-use loop and makes exactly one
// call before Claude's first byte (`begin`) and one per Claude turn (`turn`, with every
// tool call of the turn). Tools execute here, against the change set, never against the
// project's files (convex/lib/buildTools.ts). Each Claude call is one `aiRequests` row
// (type `build`) metered exactly like any AI request (convex/ai.ts). The seam routes are
// declared in convex/edge/contract.ts and served by convex/edge/router.ts.
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import {
  addMessage,
  checkAiAllowance,
  checkUsage,
  newConversation,
  openRequest,
  recentHistory,
  settleRequest,
  TITLE_CHARS,
} from "./aiLedger";
import { AI_RESPONSE_CHARS, edgeCalls } from "./edge/contract";
import { requireProjectRole } from "./lib/access";
import { emit } from "./notificationDelivery";
import { edgeMutation } from "./lib/auth";
import { type ToolResult } from "./lib/buildTools";
import { workingPaths, type FileEvent } from "./lib/changeSetTree";
import { errorData, fail } from "./lib/errors";
import { BUILD_LIMITS, chooseModel, OPERATIONS } from "./lib/plans";
import { usageOf } from "./lib/usageRollup";
import { vFramework, vMessageRole } from "./validators";
import { vTurnAnswer, TurnAnswer, runTools, nextRequest, closeWithMessage } from "./buildTurn";

export const MAX_MESSAGE_CHARS = 32_000;
/** Working-tree paths sent to Claude at the start of a run. */
export const MAX_CONTEXT_FILES = 1_000;

const OPEN_STATUSES = new Set<Doc<"changeSets">["status"]>(["drafting", "interrupted", "proposed"]);

function emptyTotals() {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 0, turns: 0 };
}

function firstLine(text: string): string {
  return (text.trim().split("\n")[0] ?? "")
    .replace(/^#+\s*/, "")
    .trim()
    .slice(0, TITLE_CHARS);
}

/** The change set's note when the client went away mid-build. */
export const CANCELED_NOTE = "Stopped: the client went away; continue the build to resume";

export const begin = edgeMutation({
  args: edgeCalls["/edge/ai/build/begin"].fields,
  returns: v.object({
    requestId: v.id("aiRequests"),
    changeSetId: v.id("changeSets"),
    conversationId: v.id("conversations"),
    model: v.string(),
    maxTokens: v.number(),
    maxTurns: v.number(),
    turn: v.number(),
    project: v.object({ name: v.string(), framework: vFramework, description: v.optional(v.string()) }),
    files: v.array(v.string()),
    filesTruncated: v.boolean(),
    history: v.array(v.object({ role: vMessageRole, content: v.string() })),
  }),
  handler: async (ctx, args) => {
    const user = ctx.user;
    const projectId = ctx.db.normalizeId("projects", args.projectId);
    if (!projectId) fail("NOT_FOUND", "Project not found");
    const { project } = await requireProjectRole(ctx, user, projectId, "editor");
    const message = args.message.trim();
    if (message === "") fail("INVALID", "message is empty");
    if (message.length > MAX_MESSAGE_CHARS)
      fail("INVALID", `message is longer than ${MAX_MESSAGE_CHARS} characters`, { limit: MAX_MESSAGE_CHARS });
    const model = chooseModel(user.plan, "build", args.model, user.preferences.defaultModel);

    let cs: Doc<"changeSets"> | null = null;
    if (args.changeSetId !== undefined) {
      const id = ctx.db.normalizeId("changeSets", args.changeSetId);
      cs = id ? await ctx.db.get("changeSets", id) : null;
      if (!cs || cs.projectId !== project._id) fail("NOT_FOUND", "Change set not found");
      if (!OPEN_STATUSES.has(cs.status))
        fail("CONFLICT", `This change set is ${cs.status}; start a new one`, { status: cs.status });
    }
    let conversation: Doc<"conversations"> | null = null;
    const conversationRef = args.conversationId ?? cs?.conversationId;
    if (conversationRef !== undefined) {
      const id = ctx.db.normalizeId("conversations", conversationRef);
      const found = id ? await ctx.db.get("conversations", id) : null;
      const usable =
        found && found.userId === user._id && (found.projectId === undefined || found.projectId === project._id);
      // A thread given explicitly must be the caller's; the change set's own (another member's) is just not reused.
      if (!usable && args.conversationId !== undefined) fail("NOT_FOUND", "Conversation not found");
      conversation = usable ? found : null;
    }

    const now = Date.now();
    await checkAiAllowance(ctx, user, now);
    let history: { role: "user" | "assistant"; content: string }[] = [];
    if (conversation) {
      history = await recentHistory(ctx, conversation._id);
    } else {
      conversation = await newConversation(ctx, user._id, project._id, message, now);
    }
    const requestId = await openRequest(ctx, {
      user,
      projectId: project._id,
      conversationId: conversation._id,
      type: "build",
      model: model.id,
      prompt: message,
      mock: args.mock,
      now,
    });
    await addMessage(ctx, conversation, "user", message, requestId, now);
    const run = { status: "drafting" as const, requestId, runOutputTokens: 0, note: undefined, updatedAt: now };
    if (cs) {
      await ctx.db.patch("changeSets", cs._id, {
        ...run,
        runStartTurns: cs.totals.turns,
        conversationId: cs.conversationId ?? conversation._id,
      });
    } else {
      const id = await ctx.db.insert("changeSets", {
        ...run,
        projectId: project._id,
        authorId: user._id,
        conversationId: conversation._id,
        totals: emptyTotals(),
        fileCount: 0,
        fileDelta: 0,
        byteDelta: 0,
        runStartTurns: 0,
        createdAt: now,
      });
      cs = (await ctx.db.get("changeSets", id))!;
    }
    const { paths, truncated } = await workingPaths(ctx, cs, "", MAX_CONTEXT_FILES);
    return {
      requestId,
      changeSetId: cs._id,
      conversationId: conversation._id,
      model: model.id,
      maxTokens: Math.min(OPERATIONS.build.maxTokens, model.maxOutputTokens),
      maxTurns: BUILD_LIMITS.maxTurns,
      turn: cs.totals.turns,
      project: { name: project.name, framework: project.framework, description: project.description },
      files: paths,
      filesTruncated: truncated,
      history,
    };
  },
});

export const turn = edgeMutation({
  args: edgeCalls["/edge/ai/build/turn"].fields,
  returns: vTurnAnswer,
  handler: async (ctx, args): Promise<TurnAnswer> => {
    const user = ctx.user;
    const requestId = ctx.db.normalizeId("aiRequests", args.requestId);
    const row = requestId ? await ctx.db.get("aiRequests", requestId) : null;
    if (!row || row.userId !== user._id || row.type !== "build") fail("NOT_FOUND", "Build request not found");
    const done = await ctx.db
      .query("buildTurns")
      .withIndex("by_requestId", (q) => q.eq("requestId", row._id))
      .unique();
    if (done) return JSON.parse(done.answer) as TurnAnswer; // a retry: nothing runs twice
    const changeSetId = ctx.db.normalizeId("changeSets", args.changeSetId);
    const cs = changeSetId ? await ctx.db.get("changeSets", changeSetId) : null;
    if (!cs || cs.projectId !== row.projectId) fail("NOT_FOUND", "Change set not found");
    checkUsage(args.usage);
    const statusBefore = cs.status;

    // Tokens Claude used are billed whatever happens next.
    const end = args.end;
    const settled = await settleRequest(ctx, row, {
      status: end ? end.status : "completed",
      usage: args.usage,
      response: args.text,
      latencyMs: args.latencyMs,
      firstTokenMs: args.firstTokenMs,
      error: end?.status === "failed" ? end.error : undefined,
    });
    const now = settled.now;
    const t = cs.totals;
    cs.totals = {
      inputTokens: t.inputTokens + settled.usage.inputTokens,
      outputTokens: t.outputTokens + settled.usage.outputTokens,
      cacheReadTokens: t.cacheReadTokens + settled.usage.cacheReadTokens,
      cacheWriteTokens: t.cacheWriteTokens + settled.usage.cacheWriteTokens,
      costMicros: t.costMicros + settled.costMicros,
      turns: t.turns + 1,
    };
    cs.runOutputTokens += settled.usage.outputTokens;

    let results: ToolResult[] = [];
    let files: FileEvent[] = [];
    let next: TurnAnswer["next"] = null;
    let stop: TurnAnswer["stop"] = null;
    const project = await ctx.db.get("projects", cs.projectId);
    let mayWrite = false;
    try {
      await requireProjectRole(ctx, user, cs.projectId, "editor");
      mayWrite = true;
    } catch (err) {
      const data = errorData(err);
      if (!data) throw err;
      stop = { code: data.code, message: data.message };
    }
    const notRun = (content: string) => args.toolCalls.map((c) => ({ toolUseId: c.id, content, isError: true }));
    if (stop) {
      results = notRun("Not run: you no longer have access to this project.");
      if (cs.requestId === row._id && cs.status === "drafting") {
        cs.status = "interrupted";
        cs.note = stop.message;
      }
    } else if (cs.requestId !== row._id || cs.status !== "drafting") {
      // Another run took the change set over (or it was applied / rejected meanwhile): report usage only.
      stop = {
        code: "CONFLICT",
        message: `This change set is ${cs.status === "drafting" ? "being continued by another build" : cs.status}`,
      };
      results = notRun("Not run: the change set was changed by someone else.");
    } else if (end) {
      cs.status = "interrupted";
      cs.note = end.status === "failed" ? end.error.message.slice(0, 500) : CANCELED_NOTE;
    } else if (args.toolCalls.length === 0) {
      cs.status = "proposed";
      cs.summary = args.text.slice(0, AI_RESPONSE_CHARS) || undefined;
      cs.title ??= firstLine(args.text) || firstLine(row.promptExcerpt) || "Change set";
      await closeWithMessage(ctx, cs, args.text, row._id, now);
    } else if (mayWrite && project) {
      ({ results, files } = await runTools(ctx, cs, project, args.toolCalls));
      const turnsThisRun = cs.totals.turns - cs.runStartTurns;
      const outOfTokens = cs.runOutputTokens >= BUILD_LIMITS.maxOutputTokens;
      if (turnsThisRun >= BUILD_LIMITS.maxTurns || outOfTokens) {
        cs.status = "proposed";
        cs.note = outOfTokens
          ? `Stopped after the build's budget of ${BUILD_LIMITS.maxOutputTokens} output tokens`
          : `Stopped after ${turnsThisRun} turns`;
        cs.summary = args.text.slice(0, AI_RESPONSE_CHARS) || undefined;
        cs.title ??= firstLine(row.promptExcerpt) || "Change set";
        await closeWithMessage(ctx, cs, `${args.text}\n\n(${cs.note}.)`.trim(), row._id, now);
      } else {
        const decided = await nextRequest(ctx, user, cs, row, now);
        if (decided.next) {
          next = decided.next;
          cs.requestId = decided.next.requestId;
        } else {
          stop = decided.stop;
          cs.status = "interrupted";
          cs.note = decided.stop.message;
        }
      }
    }
    const patch = {
      totals: cs.totals,
      runOutputTokens: cs.runOutputTokens,
      status: cs.status,
      note: cs.note,
      summary: cs.summary,
      title: cs.title,
      requestId: cs.requestId,
      updatedAt: Math.max(now, cs.updatedAt),
    };
    await ctx.db.patch("changeSets", cs._id, patch);
    if (cs.status === "proposed" && statusBefore !== "proposed") {
      await emit(ctx, {
        userId: user._id,
        type: "ai.build.proposed",
        title: `Changes ready for review: ${cs.title ?? "Change set"}`.slice(0, 200),
        message: `${cs.fileCount} file${cs.fileCount === 1 ? "" : "s"} changed${cs.note ? ` (${cs.note})` : ""}. Review and apply them in the IDE.`,
        projectId: cs.projectId,
        data: { changeSetId: cs._id, files: cs.fileCount },
      });
    }
    const { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, costMicros, turns } = cs.totals;
    const answer: TurnAnswer = {
      results,
      files,
      next,
      stop,
      changeSet: {
        changeSetId: cs._id,
        status: cs.status,
        files: cs.fileCount,
        turns,
        usage: usageOf({ inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens }),
        costMicros,
        ...(cs.note !== undefined ? { note: cs.note } : {}),
      },
    };
    await ctx.db.insert("buildTurns", { requestId: row._id, changeSetId: cs._id, answer: JSON.stringify(answer) });
    return answer;
  },
});
