// The AI ledger's shared steps, used by the AI request path (convex/ai.ts) and the build
// agent's seam (convex/build.ts), so both meter and limit the same way: the allowance (plan
// quota, rate limit), the chat history, the ledger row a Claude call opens, and settling it
// (cost from the price table, rollups, per-model counters, the assistant's message).
import { bumpCounter, counterName } from "./lib/counters";
import { type Infer } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { AI_RESPONSE_CHARS } from "./edge/contract";
import { scheduleAnalysis } from "./conversationAnalysis";
import { raiseQuotaAlerts } from "./quotaAlerts";
import { fail } from "./lib/errors";
import { AI_RATE, BUILD_TURN_RATE, enforceDailyQuota, rateLimiter } from "./lib/plans";
import { costMicros, totalTokens } from "./lib/pricing";
import { applyUsage, dayOf, requestsDelta, usageOf } from "./lib/usageRollup";
import { readAiStatus, type vAiSettleStatus, type AiRequestStatus, type AiRequestType, type Usage } from "./validators";

export const HISTORY_MESSAGES = 30;
const PROMPT_EXCERPT_CHARS = 500;
export const TITLE_CHARS = 80;
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
