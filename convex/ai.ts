// The AI request path, Convex side. The edge makes ONE call before Claude's first byte
// (`/edge/ai/begin`: rate limit, plan quota, access, context estimate, ledger row, chat
// history — one mutation) and one after the last (`/edge/ai/settle`: real usage → cost
// from the price table, ledger row closed, rollups updated — one mutation). The seam routes
// are in convex/edge/router.ts; nothing here is reachable from a browser. The helpers below
// (allowance, ledger row, settling, conversation) are shared with the build agent's seam
// (convex/build.ts), so both paths meter and limit the same way.
import { bumpCounter, counterName } from "./lib/counters";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { AI_RESPONSE_CHARS, edgeCalls } from "./edge/contract";
import { scheduleAnalysis } from "./conversationAnalysis";
import { requireProjectRole } from "./lib/access";
import { raiseQuotaAlerts } from "./quotaAlerts";
import { edgeMutation, edgeQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import {
  AI_RATE,
  BUILD_TURN_RATE,
  chooseModel,
  enforceDailyQuota,
  estimateTokens,
  OPERATIONS,
  planModels,
  rateLimiter,
} from "./lib/plans";
import { costMicros, totalTokens } from "./lib/pricing";
import { applyUsage, dayOf, requestsDelta, usageOf } from "./lib/usageRollup";
import {
  readAiStatus,
  vAiRequestStatus,
  type vAiSettleStatus,
  vFramework,
  vMessageRole,
  vPlan,
  vUsage,
  type AiRequestStatus,
  type AiRequestType,
  type Usage,
} from "./validators";

export const HISTORY_MESSAGES = 30;
const PROMPT_EXCERPT_CHARS = 500;
export const TITLE_CHARS = 80;

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

/** Plan quota, then the rate limit (`aiRequest`, or `buildTurn` for a build's later turns): throws QUOTA_EXCEEDED / RATE_LIMITED. */
export async function checkAiAllowance(
  ctx: MutationCtx,
  user: Doc<"users">,
  now: number,
  limit: "aiRequest" | "buildTurn" = "aiRequest",
): Promise<void> {
  await enforceDailyQuota(ctx, user, now);
  const rate = await rateLimiter.limit(ctx, limit, { key: user._id });
  if (!rate.ok) {
    const { rate: max, period } = limit === "aiRequest" ? AI_RATE : BUILD_TURN_RATE;
    fail(
      "RATE_LIMITED",
      `At most ${max} ${limit === "aiRequest" ? "AI requests" : "build turns"} per ${period / 60_000} minutes`,
      {
        retryAfterMs: Math.ceil(rate.retryAfter),
      },
    );
  }
}

/** The thread's latest messages (text only), oldest first, leaving room for the new one. */
export async function recentHistory(ctx: MutationCtx, conversationId: Id<"conversations">) {
  const recent = await ctx.db
    .query("messages")
    .withIndex("by_conversationId", (q) => q.eq("conversationId", conversationId))
    .order("desc")
    .take(HISTORY_MESSAGES - 1);
  return recent.reverse().map((m) => ({ role: m.role, content: m.content }));
}

/** A new thread titled after its first message. */
export async function newConversation(
  ctx: MutationCtx,
  userId: Id<"users">,
  projectId: Id<"projects"> | undefined,
  firstMessage: string,
  now: number,
): Promise<Doc<"conversations">> {
  const id = await ctx.db.insert("conversations", {
    userId,
    projectId,
    title: firstMessage.trim().replace(/\s+/g, " ").slice(0, TITLE_CHARS) || "New chat",
    tags: [],
    messageCount: 0,
    lastMessageAt: now,
    createdAt: now,
  });
  return (await ctx.db.get("conversations", id))!;
}

/** The ledger row of one Claude call (status streaming), counted toward today's quota while it runs. */
export async function openRequest(
  ctx: MutationCtx,
  r: {
    user: Doc<"users">;
    projectId?: Id<"projects">;
    conversationId?: Id<"conversations">;
    type: AiRequestType;
    model: string;
    prompt: string;
    mock?: boolean;
    now: number;
  },
): Promise<Id<"aiRequests">> {
  const requestId = await ctx.db.insert("aiRequests", {
    userId: r.user._id,
    projectId: r.projectId,
    conversationId: r.conversationId,
    type: r.type,
    model: r.model,
    promptExcerpt: r.prompt.slice(0, PROMPT_EXCERPT_CHARS),
    status: "streaming",
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costMicros: 0,
    mock: r.mock || undefined,
    startedAt: r.now,
  });
  // The request counts toward today's quota while it runs; settleRequest() releases it if nothing was consumed.
  await applyUsage(ctx, r.user._id, dayOf(r.now), requestsDelta(r.type, 1));
  await raiseQuotaAlerts(ctx, r.user._id, dayOf(r.now));
  return requestId;
}

export function checkUsage(usage: Usage): void {
  for (const n of Object.values(usage)) {
    if (!Number.isSafeInteger(n) || n < 0) fail("INVALID", "Token counts must be non-negative integers");
  }
}

/**
 * Closes a ledger row with the usage Claude reported: cost from the price table, rollups
 * updated in the same transaction. A row already closed is returned as it is (a retry must
 * not count twice); a row the stale sweep abandoned is still accounted.
 */
export async function settleRequest(
  ctx: MutationCtx,
  row: Doc<"aiRequests">,
  s: {
    status: Infer<typeof vAiSettleStatus>;
    usage: Usage;
    response?: string;
    latencyMs: number;
    firstTokenMs?: number;
    error?: { code: string; message: string };
  },
): Promise<{ settled: boolean; status: AiRequestStatus; usage: Usage; costMicros: number; now: number }> {
  const now = Date.now();
  const lateAfterSweep = row.status === "failed" && row.error?.code === ABANDONED;
  if (row.status !== "streaming" && !lateAfterSweep) {
    return { settled: false, status: readAiStatus(row.status), usage: usageOf(row), costMicros: row.costMicros, now };
  }
  const usage = s.usage;
  const charged = totalTokens(usage) > 0;
  const cost = charged ? costMicros(row.model, usage) : 0;
  await ctx.db.patch("aiRequests", row._id, {
    status: s.status,
    ...usage,
    costMicros: cost,
    latencyMs: Math.max(0, Math.round(s.latencyMs)),
    firstTokenMs: s.firstTokenMs === undefined ? undefined : Math.max(0, Math.round(s.firstTokenMs)),
    response: s.response?.slice(0, AI_RESPONSE_CHARS),
    error: s.error,
    completedAt: now,
  });
  // The reservation made by openRequest() stays when tokens were consumed and is released otherwise
  // (the sweep already released it for an abandoned row).
  const requests = lateAfterSweep ? (charged ? 1 : 0) : charged ? 0 : -1;
  if (charged || requests !== 0) {
    await applyUsage(ctx, row.userId, dayOf(row.startedAt), { ...usage, requests, costMicros: cost, type: row.type });
    if (charged) await raiseQuotaAlerts(ctx, row.userId, dayOf(row.startedAt));
  }
  await countSettled(ctx, row.model, s.status, usage, cost);
  return { settled: true, status: s.status, usage, costMicros: cost, now };
}

/** The metrics endpoint's per-model counters (requests by outcome, tokens by kind, cost). */
async function countSettled(ctx: MutationCtx, model: string, status: string, usage: Usage, cost: number) {
  await bumpCounter(ctx, counterName.aiRequests(model, status));
  const tokens = {
    input: usage.inputTokens,
    output: usage.outputTokens,
    cache_read: usage.cacheReadTokens,
    cache_write: usage.cacheWriteTokens,
  };
  for (const [kind, n] of Object.entries(tokens))
    if (n > 0) await bumpCounter(ctx, counterName.aiTokens(model, kind), n);
  if (cost > 0) await bumpCounter(ctx, counterName.aiCostMicros(model), cost);
}

export async function addMessage(
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
