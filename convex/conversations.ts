// Chat threads with Claude. Threads and their messages are written by the AI request path
// (ai.begin / ai.complete); here the owner lists, reads, renames and deletes them.
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, type QueryCtx } from "./_generated/server";
import { cancelAnalysis } from "./conversationAnalysis";
import { userMutation, userQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import { boundedPage, EMPTY_PAGE } from "./lib/pagination";
import { vMessageRole, vPriority } from "./validators";

const DELETE_BATCH = 200;
const TITLE_MAX = 120;
export const MAX_LIST_PAGE = 100;
export const MAX_MESSAGE_PAGE = 200;

const vConversation = v.object({
  id: v.id("conversations"),
  title: v.string(),
  projectId: v.optional(v.id("projects")),
  summary: v.optional(v.string()),
  priority: v.optional(vPriority),
  tags: v.array(v.string()),
  messageCount: v.number(),
  lastMessageAt: v.number(),
  analyzedAt: v.optional(v.number()),
  createdAt: v.number(),
});

const vMessage = v.object({
  id: v.id("messages"),
  role: vMessageRole,
  content: v.string(),
  requestId: v.optional(v.id("aiRequests")),
  createdAt: v.number(),
});

function view(c: Doc<"conversations">) {
  return {
    id: c._id,
    title: c.title,
    projectId: c.projectId,
    summary: c.summary,
    priority: c.priority,
    tags: c.tags,
    messageCount: c.messageCount,
    lastMessageAt: c.lastMessageAt,
    analyzedAt: c.analyzedAt,
    createdAt: c.createdAt,
  };
}

/** The caller's own thread, or NOT_FOUND (another user's thread is indistinguishable from none). */
async function ownConversation(ctx: QueryCtx, user: Doc<"users"> | null, id: Id<"conversations">) {
  const c = await ctx.db.get("conversations", id);
  if (!c || !user || c.userId !== user._id) fail("NOT_FOUND", "Conversation not found");
  return c;
}

/** The caller's threads, most recently active first. */
export const list = userQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vConversation),
  handler: async (ctx, { paginationOpts }) => {
    const user = ctx.user;
    if (!user) return EMPTY_PAGE;
    const page = await ctx.db
      .query("conversations")
      .withIndex("by_userId_and_lastMessageAt", (q) => q.eq("userId", user._id))
      .order("desc")
      .paginate(boundedPage(paginationOpts, MAX_LIST_PAGE));
    return { ...page, page: page.page.map(view) };
  },
});

export const get = userQuery({
  args: { conversationId: v.id("conversations") },
  returns: vConversation,
  handler: async (ctx, { conversationId }) => view(await ownConversation(ctx, ctx.user, conversationId)),
});

/** A thread's messages, newest first (the chat panel loads upwards). */
export const messages = userQuery({
  args: { conversationId: v.id("conversations"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vMessage),
  handler: async (ctx, { conversationId, paginationOpts }) => {
    await ownConversation(ctx, ctx.user, conversationId);
    const page = await ctx.db
      .query("messages")
      .withIndex("by_conversationId", (q) => q.eq("conversationId", conversationId))
      .order("desc")
      .paginate(boundedPage(paginationOpts, MAX_MESSAGE_PAGE));
    return {
      ...page,
      page: page.page.map((m) => ({
        id: m._id,
        role: m.role,
        content: m.content,
        requestId: m.requestId,
        createdAt: m.createdAt,
      })),
    };
  },
});

export const rename = userMutation({
  args: { conversationId: v.id("conversations"), title: v.string() },
  returns: v.null(),
  handler: async (ctx, { conversationId, title }) => {
    const c = await ownConversation(ctx, ctx.user, conversationId);
    const clean = title.trim().replace(/\s+/g, " ");
    if (!clean) fail("INVALID", "A title cannot be empty");
    if (clean.length > TITLE_MAX) fail("INVALID", `A title has at most ${TITLE_MAX} characters`, { max: TITLE_MAX });
    await ctx.db.patch("conversations", c._id, { title: clean });
    return null;
  },
});

/** Deletes the thread now and its messages in the background. The AI ledger keeps its rows (billing). */
export const remove = userMutation({
  args: { conversationId: v.id("conversations") },
  returns: v.null(),
  handler: async (ctx, { conversationId }) => {
    const c = await ownConversation(ctx, ctx.user, conversationId);
    await cancelAnalysis(ctx, c);
    await ctx.db.delete("conversations", c._id);
    await ctx.scheduler.runAfter(0, internal.conversations.deleteMessages, { conversationId });
    return null;
  },
});

export const deleteMessages = internalMutation({
  args: { conversationId: v.id("conversations") },
  returns: v.null(),
  handler: async (ctx, { conversationId }) => {
    const batch = await ctx.db
      .query("messages")
      .withIndex("by_conversationId", (q) => q.eq("conversationId", conversationId))
      .take(DELETE_BATCH);
    for (const m of batch) await ctx.db.delete("messages", m._id);
    if (batch.length === DELETE_BATCH)
      await ctx.scheduler.runAfter(0, internal.conversations.deleteMessages, { conversationId });
    return null;
  },
});
