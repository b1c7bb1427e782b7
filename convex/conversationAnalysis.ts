// Chat threads keep a short AI summary, a priority and tags. After each message the
// analysis is (re)scheduled ANALYSIS_DELAY_MS later, replacing any pending run, so a burst
// of messages triggers one analysis once the thread settles. It calls a small Claude model
// through the SDK, honouring ANTHROPIC_BASE_URL (tests and dev point it at a fake).
import Anthropic from "@anthropic-ai/sdk";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { env, internalAction, internalMutation, internalQuery, type MutationCtx } from "./_generated/server";
import { isMocked } from "./lib/mockServices";
import { ANALYSIS_MODEL } from "./lib/plans";
import { vMessageRole, vPriority } from "./validators";

export const ANALYSIS_DELAY_MS = 10_000;
const TRANSCRIPT_MESSAGES = 20;
const MESSAGE_CHARS = 2_000;
const SUMMARY_CHARS = 200;
const MAX_TAGS = 5;

/** Cancels the thread's analysis if it has not started yet. */
export async function cancelAnalysis(ctx: MutationCtx, conversation: Doc<"conversations">) {
  if (!conversation.analysisJobId) return;
  const job = await ctx.db.system.get("_scheduled_functions", conversation.analysisJobId);
  if (job?.state.kind === "pending") await ctx.scheduler.cancel(conversation.analysisJobId);
}

/** Replaces the thread's pending analysis by one ANALYSIS_DELAY_MS from now (the debounce). */
export async function scheduleAnalysis(ctx: MutationCtx, conversation: Doc<"conversations">, lastMessageAt: number) {
  await cancelAnalysis(ctx, conversation);
  const analysisJobId = await ctx.scheduler.runAfter(ANALYSIS_DELAY_MS, internal.conversationAnalysis.analyze, {
    conversationId: conversation._id,
    lastMessageAt,
  });
  await ctx.db.patch("conversations", conversation._id, { analysisJobId });
}

/** The thread's recent messages, or null when it is gone or changed since scheduling. */
export const load = internalQuery({
  args: { conversationId: v.id("conversations"), lastMessageAt: v.number() },
  returns: v.union(v.null(), v.array(v.object({ role: vMessageRole, content: v.string() }))),
  handler: async (ctx, { conversationId, lastMessageAt }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation || conversation.lastMessageAt !== lastMessageAt) return null;
    const recent = await ctx.db
      .query("messages")
      .withIndex("by_conversationId", (q) => q.eq("conversationId", conversationId))
      .order("desc")
      .take(TRANSCRIPT_MESSAGES);
    return recent.reverse().map((m) => ({ role: m.role, content: m.content.slice(0, MESSAGE_CHARS) }));
  },
});

export const save = internalMutation({
  args: {
    conversationId: v.id("conversations"),
    lastMessageAt: v.number(),
    summary: v.string(),
    priority: vPriority,
    tags: v.array(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { conversationId, lastMessageAt, summary, priority, tags }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    // A newer message arrived while Claude was thinking: its own analysis will follow.
    if (!conversation || conversation.lastMessageAt !== lastMessageAt) return null;
    await ctx.db.patch("conversations", conversationId, {
      summary: summary.slice(0, SUMMARY_CHARS),
      priority,
      tags: tags.slice(0, MAX_TAGS),
      analyzedAt: Date.now(),
      analysisJobId: undefined,
    });
    return null;
  },
});

const SYSTEM = [
  "You label support threads between a developer and an AI coding assistant.",
  'Answer with one JSON object only: {"summary": string (at most 200 characters),',
  '"priority": "high" | "medium" | "low", "tags": string[] (at most 5 short lowercase tags)}.',
  "High priority: the developer is blocked (broken build, failing deploy, data loss). Low: curiosity.",
].join(" ");

type Analysis = { summary: string; priority: "high" | "medium" | "low"; tags: string[] };

/** Reads Claude's answer leniently: the first {...} in it, with fields checked one by one. */
export function parseAnalysis(text: string): Analysis | null {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return null;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text.slice(start, end + 1));
  } catch {
    return null;
  }
  const summary = typeof raw.summary === "string" ? raw.summary.trim().slice(0, SUMMARY_CHARS) : "";
  if (!summary) return null;
  const priority = raw.priority === "high" || raw.priority === "low" ? raw.priority : "medium";
  const tags = Array.isArray(raw.tags)
    ? [
        ...new Set(
          raw.tags.filter((t): t is string => typeof t === "string").map((t) => t.trim().toLowerCase().slice(0, 32)),
        ),
      ]
        .filter(Boolean)
        .slice(0, MAX_TAGS)
    : [];
  return { summary, priority, tags };
}

function anthropicClient(): Anthropic | null {
  const mocked = isMocked("anthropic", env.AUTOCREA_MOCK_SERVICES);
  const apiKey = env.ANTHROPIC_API_KEY || (mocked ? "mock-anthropic-key" : "");
  if (!apiKey) return null;
  return new Anthropic({ apiKey, baseURL: env.ANTHROPIC_BASE_URL || undefined, maxRetries: 2, timeout: 30_000 });
}

export const analyze = internalAction({
  args: { conversationId: v.id("conversations"), lastMessageAt: v.number() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const messages = await ctx.runQuery(internal.conversationAnalysis.load, args);
    if (!messages || messages.length === 0) return null;
    const client = anthropicClient();
    if (!client) {
      console.warn("conversation analysis skipped: ANTHROPIC_API_KEY is not set");
      return null;
    }
    const transcript = messages
      .map((m) => `${m.role === "user" ? "Developer" : "Assistant"}: ${m.content}`)
      .join("\n\n");
    let text: string;
    try {
      const answer = await client.messages.create({
        model: ANALYSIS_MODEL,
        max_tokens: 300,
        system: SYSTEM,
        messages: [{ role: "user", content: `<thread>\n${transcript}\n</thread>` }],
      });
      text = answer.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    } catch (err) {
      // The next message schedules another attempt; nothing else depends on this one.
      console.warn("conversation analysis failed", err instanceof Error ? err.message : String(err));
      return null;
    }
    const analysis = parseAnalysis(text);
    if (!analysis) {
      console.warn("conversation analysis: answer was not the expected JSON");
      return null;
    }
    await ctx.runMutation(internal.conversationAnalysis.save, { ...args, ...analysis });
    return null;
  },
});
