// The AI request path, Convex side. The edge makes ONE call before Claude's first byte
// (`/edge/ai/begin`: rate limit, plan quota, access, context estimate, ledger row, chat
// history — one mutation) and one after the last (`/edge/ai/settle`: real usage → cost
// from the price table, ledger row closed, rollups updated — one mutation). The seam routes
// are in convex/edge/router.ts; nothing here is reachable from a browser.
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { AI_RESPONSE_CHARS, edgeCalls } from "./edge/contract";
import { scheduleAnalysis } from "./conversationAnalysis";
import { requireProjectRole } from "./lib/access";
import { edgeMutation, edgeQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import { AI_RATE, chooseModel, enforceDailyQuota, estimateTokens, OPERATIONS, planModels, rateLimiter } from "./lib/plans";
import { costMicros, totalTokens } from "./lib/pricing";
import { applyUsage, dayOf, requestsDelta, usageOf } from "./lib/usageRollup";
import { readAiStatus, vAiRequestStatus, vFramework, vMessageRole, vPlan, vUsage } from "./validators";

export const HISTORY_MESSAGES = 30;
const PROMPT_EXCERPT_CHARS = 500;
const TITLE_CHARS = 80;

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
    if (args.type === "chat" && conversation) {
      const conversationId = conversation._id;
      const recent = await ctx.db
        .query("messages")
        .withIndex("by_conversationId", (q) => q.eq("conversationId", conversationId))
        .order("desc")
        .take(HISTORY_MESSAGES - 1);
      history = recent.reverse().map((m) => ({ role: m.role, content: m.content }));
    }

    const historyChars = (history ?? []).reduce((n, m) => n + m.content.length, 0);
    const promptTokens = estimateTokens(args.promptChars + historyChars);
    const over = promptTokens + maxTokens - model.contextWindow;
    if (over > 0) {
      fail("CONTEXT_TOO_LARGE", `The prompt is about ${over} tokens over ${model.id}'s ${model.contextWindow}-token context window`, {
        estimatedTokens: promptTokens,
        maxOutputTokens: maxTokens,
        contextWindow: model.contextWindow,
        overByTokens: over,
      });
    }

    const now = Date.now();
    const today = dayOf(now);
    await enforceDailyQuota(ctx, user, now);
    const rate = await rateLimiter.limit(ctx, "aiRequest", { key: user._id });
    if (!rate.ok) {
      fail("RATE_LIMITED", `At most ${AI_RATE.rate} AI requests per ${AI_RATE.period / 60_000} minutes`, {
        retryAfterMs: Math.ceil(rate.retryAfter),
      });
    }

    if (args.type === "chat" && !conversation) {
      const id = await ctx.db.insert("conversations", {
        userId: user._id,
        projectId: project?._id,
        title: args.prompt.trim().replace(/\s+/g, " ").slice(0, TITLE_CHARS) || "New chat",
        tags: [],
        messageCount: 0,
        lastMessageAt: now,
        createdAt: now,
      });
      conversation = (await ctx.db.get("conversations", id))!;
      history = [];
    }
    const requestId = await ctx.db.insert("aiRequests", {
      userId: user._id,
      projectId: project?._id,
      conversationId: conversation?._id,
      type: args.type,
      model: model.id,
      promptExcerpt: args.prompt.slice(0, PROMPT_EXCERPT_CHARS),
      status: "streaming",
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costMicros: 0,
      mock: args.mock || undefined,
      startedAt: now,
    });
    // The request counts toward today's quota while it runs; settle() releases it if nothing was consumed.
    await applyUsage(ctx, user._id, today, requestsDelta(args.type, 1));
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
      project: project ? { name: project.name, framework: project.framework, description: project.description } : undefined,
    };
  },
});

async function addMessage(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  role: "user" | "assistant",
  content: string,
  requestId: Id<"aiRequests">,
  now: number,
) {
  await ctx.db.insert("messages", { conversationId: conversation._id, role, content, requestId, createdAt: now });
  // Strictly increasing, so a scheduled analysis can tell whether it is still current.
  const lastMessageAt = Math.max(now, conversation.lastMessageAt + 1);
  await ctx.db.patch("conversations", conversation._id, { messageCount: conversation.messageCount + 1, lastMessageAt });
  await scheduleAnalysis(ctx, conversation, lastMessageAt);
}

/** Set by the stale-request sweep; a late settle() for such a row is still accounted. */
export const ABANDONED = "ABANDONED";

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
    if (!row || row.userId !== ctx.user._id) fail("NOT_FOUND", "AI request not found");
    for (const n of Object.values(args.usage)) {
      if (!Number.isSafeInteger(n) || n < 0) fail("INVALID", "Token counts must be non-negative integers");
    }
    // The sweep's mark re-opens a row once (see below); no report may forge it.
    if (args.error?.code === ABANDONED) fail("INVALID", `${ABANDONED} is set by the stale-request sweep only`);
    const lateAfterSweep = row.status === "failed" && row.error?.code === ABANDONED;
    if (row.status !== "streaming" && !lateAfterSweep) {
      // Already closed: a retried settle() must not count twice.
      return { requestId: row._id, status: readAiStatus(row.status), usage: usageOf(row), costMicros: row.costMicros };
    }
    const usage = args.usage;
    const charged = totalTokens(usage) > 0;
    const cost = charged ? costMicros(row.model, usage) : 0;
    const now = Date.now();
    await ctx.db.patch("aiRequests", row._id, {
      status: args.status,
      ...usage,
      costMicros: cost,
      latencyMs: Math.max(0, Math.round(args.latencyMs)),
      firstTokenMs: args.firstTokenMs === undefined ? undefined : Math.max(0, Math.round(args.firstTokenMs)),
      response: args.response?.slice(0, AI_RESPONSE_CHARS),
      error: args.error,
      completedAt: now,
    });
    // The reservation made by begin() stays when tokens were consumed and is released otherwise
    // (the sweep already released it for an abandoned row).
    const requests = lateAfterSweep ? (charged ? 1 : 0) : charged ? 0 : -1;
    if (charged || requests !== 0) {
      await applyUsage(ctx, row.userId, dayOf(row.startedAt), { ...usage, requests, costMicros: cost, type: row.type });
    }
    if (row.type === "chat" && row.conversationId && args.status !== "failed" && args.response) {
      const conversation = await ctx.db.get("conversations", row.conversationId);
      if (conversation) await addMessage(ctx, conversation, "assistant", args.response.slice(0, AI_RESPONSE_CHARS), row._id, now);
    }
    return { requestId: row._id, status: args.status, usage, costMicros: cost };
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
