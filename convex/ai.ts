// The AI request path, Convex side. The edge makes ONE call before Claude's first byte
// (`/edge/ai/begin`: rate limit, plan quota, access, context estimate, ledger row, chat
// history — one mutation) and one after the last (`/edge/ai/settle`: real usage → cost
// from the price table, ledger row closed, rollups updated — one mutation). The seam routes
// are in convex/edge/router.ts; nothing here is reachable from a browser. The ledger steps
// (allowance, ledger row, settling, conversation) are in convex/aiLedger.ts, shared with the
// build agent's seam (convex/build.ts), so both paths meter and limit the same way.
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { AI_RESPONSE_CHARS, edgeCalls } from "./edge/contract";
import { requireProjectRole } from "./lib/access";
import { edgeMutation, edgeQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import { chooseModel, estimateTokens, OPERATIONS, planModels } from "./lib/plans";
import { vAiRequestStatus, vFramework, vMessageRole, vPlan, vUsage } from "./validators";
import {
  checkAiAllowance,
  recentHistory,
  newConversation,
  openRequest,
  checkUsage,
  settleRequest,
  addMessage,
  ABANDONED,
} from "./aiLedger";

const vHistory = v.array(v.object({ role: vMessageRole, content: v.string() }));

export const begin = edgeMutation({
  args: edgeCalls["/edge/ai/begin"].fields,
  returns: v.object({
    requestId: v.id("aiRequests"),
    model: v.string(),
    maxTokens: v.number(),
    startedAt: v.number(),
    conversationId: v.optional(v.id("conversations")),
    history: v.optional(vHistory),
    project: v.optional(v.object({ name: v.string(), framework: vFramework, description: v.optional(v.string()) })),
  }),
  handler: async (ctx, args) => {
    // A build runs through /edge/ai/build/begin (convex/build.ts), with its change set.
    if (args.type === "build") fail("INVALID", "Builds start with /edge/ai/build/begin");
    const user = ctx.user;
    const model = chooseModel(user.plan, args.type, args.model, user.preferences.defaultModel);
    const maxTokens = Math.min(OPERATIONS[args.type].maxTokens, model.maxOutputTokens);

    let conversation: Doc<"conversations"> | null = null;
    if (args.conversationId !== undefined) {
      const id = ctx.db.normalizeId("conversations", args.conversationId);
      conversation = id ? await ctx.db.get("conversations", id) : null;
      if (!conversation || conversation.userId !== user._id) {
        fail("NOT_FOUND", "Conversation not found");
      }
    }
    let project: Doc<"projects"> | undefined;
    const projectRef = args.projectId ?? conversation?.projectId;
    if (projectRef !== undefined) {
      const projectId = ctx.db.normalizeId("projects", projectRef);
      if (!projectId) fail("NOT_FOUND", "Project not found");
      // A thread stays in its project: another projectId must not bypass the check of the thread's own.
      if (conversation?.projectId !== undefined && conversation.projectId !== projectId) {
        fail("INVALID", "This conversation belongs to another project");
      }
      // Chat may read a project; an operation that writes code into it needs an editor.
      ({ project } = await requireProjectRole(ctx, user, projectId, args.type === "chat" ? "viewer" : "editor"));
    }
    let history: { role: "user" | "assistant"; content: string }[] | undefined;
    if (args.type === "chat" && conversation) history = await recentHistory(ctx, conversation._id);

    const historyChars = (history ?? []).reduce((n, m) => n + m.content.length, 0);
    const promptTokens = estimateTokens(args.promptChars + historyChars);
    const over = promptTokens + maxTokens - model.contextWindow;
    if (over > 0) {
      fail(
        "CONTEXT_TOO_LARGE",
        `The prompt is about ${over} tokens over ${model.id}'s ${model.contextWindow}-token context window`,
        {
          estimatedTokens: promptTokens,
          maxOutputTokens: maxTokens,
          contextWindow: model.contextWindow,
          overByTokens: over,
        },
      );
    }

    const now = Date.now();
    await checkAiAllowance(ctx, user, now);

    if (args.type === "chat" && !conversation) {
      conversation = await newConversation(ctx, user._id, project?._id, args.prompt, now);
      history = [];
    }
    const requestId = await openRequest(ctx, {
      user,
      projectId: project?._id,
      conversationId: conversation?._id,
      type: args.type,
      model: model.id,
      prompt: args.prompt,
      mock: args.mock,
      now,
    });
    if (args.type === "chat" && conversation) {
      await addMessage(ctx, conversation, "user", args.prompt, requestId, now);
      history = [...(history ?? []), { role: "user", content: args.prompt }];
    }
    return {
      requestId,
      model: model.id,
      maxTokens,
      startedAt: now,
      conversationId: conversation?._id,
      history,
      project: project
        ? { name: project.name, framework: project.framework, description: project.description }
        : undefined,
    };
  },
});

/** Closes the request `begin` opened: prices the usage Claude reported and updates the rollups. */
export const settle = edgeMutation({
  args: edgeCalls["/edge/ai/settle"].fields,
  returns: v.object({
    requestId: v.id("aiRequests"),
    status: vAiRequestStatus,
    usage: vUsage,
    costMicros: v.number(),
  }),
  handler: async (ctx, args) => {
    const requestId = ctx.db.normalizeId("aiRequests", args.requestId);
    const row = requestId ? await ctx.db.get("aiRequests", requestId) : null;
    // A build's calls are closed by its turn reports (convex/build.ts), never here.
    if (!row || row.userId !== ctx.user._id || row.type === "build") fail("NOT_FOUND", "AI request not found");
    checkUsage(args.usage);
    // The sweep's mark re-opens a row once (see settleRequest); no report may forge it.
    if (args.error?.code === ABANDONED) fail("INVALID", `${ABANDONED} is set by the stale-request sweep only`);
    const settled = await settleRequest(ctx, row, args);
    // Already closed: a retried settle() returns the row as it is and counts nothing twice.
    if (!settled.settled)
      return { requestId: row._id, status: settled.status, usage: settled.usage, costMicros: settled.costMicros };
    if (row.type === "chat" && row.conversationId && args.status !== "failed" && args.response) {
      const conversation = await ctx.db.get("conversations", row.conversationId);
      if (conversation) {
        await addMessage(
          ctx,
          conversation,
          "assistant",
          args.response.slice(0, AI_RESPONSE_CHARS),
          row._id,
          settled.now,
        );
      }
    }
    return { requestId: row._id, status: args.status, usage: args.usage, costMicros: settled.costMicros };
  },
});

const vPrices = {
  inputPerMTok: v.number(),
  outputPerMTok: v.number(),
  cacheWritePerMTok: v.number(),
  cacheReadPerMTok: v.number(),
};

/** The models the caller's plan may use, with prices (USD per million tokens). */
export const models = edgeQuery({
  args: {},
  returns: v.object({
    plan: vPlan,
    defaultModel: v.string(),
    pricesAsOf: v.string(),
    quotas: v.object({ dailyRequests: v.union(v.number(), v.null()), dailyTokens: v.union(v.number(), v.null()) }),
    models: v.array(
      v.object({
        id: v.string(),
        label: v.string(),
        contextWindow: v.number(),
        maxOutputTokens: v.number(),
        legacy: v.boolean(),
        prices: v.object(vPrices),
        longPromptPrices: v.optional(v.object({ overTokens: v.number(), ...vPrices })),
      }),
    ),
  }),
  handler: async (ctx) => planModels(ctx.user?.plan ?? "free"),
});
