// The in-app inbox. Rows are written by features through `notify` (convex/lib/notify.ts);
// users only read them and mark them read.
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalMutation, type MutationCtx } from "./_generated/server";
import { userMutation, userQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import { boundedPage, EMPTY_PAGE } from "./lib/pagination";
import { vNotification } from "./validators";

/** unreadCount counts up to this many; the UI shows "99+" beyond. */
export const UNREAD_COUNT_CAP = 100;
const MARK_BATCH = 200;
const MAX_LIST_PAGE = 100;

/** The caller's notifications (whole rows: they are all the caller's own), newest first. */
export const list = userQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vNotification.extend({ _id: v.id("notifications"), _creationTime: v.number() })),
  handler: async (ctx, args) => {
    const user = ctx.user;
    if (!user) return EMPTY_PAGE;
    return await ctx.db
      .query("notifications")
      .withIndex("by_userId", (q) => q.eq("userId", user._id))
      .order("desc")
      .paginate(boundedPage(args.paginationOpts, MAX_LIST_PAGE));
  },
});

/** Unread notifications, counted up to UNREAD_COUNT_CAP (100 means "100 or more"). */
export const unreadCount = userQuery({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const user = ctx.user;
    if (!user) return 0;
    const rows = await ctx.db
      .query("notifications")
      .withIndex("by_userId_and_read", (q) => q.eq("userId", user._id).eq("read", false))
      .take(UNREAD_COUNT_CAP);
    return rows.length;
  },
});

export const markRead = userMutation({
  args: { notificationId: v.id("notifications") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const n = await ctx.db.get("notifications", args.notificationId);
    if (!n || n.userId !== ctx.user._id) fail("NOT_FOUND", "Notification not found");
    if (!n.read) await ctx.db.patch("notifications", n._id, { read: true });
    return null;
  },
});

/** Marks one batch unread → read; true when none are left. */
async function markBatch(ctx: MutationCtx, userId: Id<"users">): Promise<{ marked: number; done: boolean }> {
  const rows = await ctx.db
    .query("notifications")
    .withIndex("by_userId_and_read", (q) => q.eq("userId", userId).eq("read", false))
    .take(MARK_BATCH + 1);
  const batch = rows.slice(0, MARK_BATCH);
  for (const n of batch) await ctx.db.patch("notifications", n._id, { read: true });
  return { marked: batch.length, done: rows.length <= MARK_BATCH };
}

/** Marks every unread notification read: one batch now, the rest in scheduled batches. */
export const markAllRead = userMutation({
  args: {},
  returns: v.object({ marked: v.number(), done: v.boolean() }),
  handler: async (ctx) => {
    const result = await markBatch(ctx, ctx.user._id);
    if (!result.done)
      await ctx.scheduler.runAfter(0, internal.notifications.markAllReadContinue, { userId: ctx.user._id });
    return result;
  },
});

export const markAllReadContinue = internalMutation({
  args: { userId: v.id("users") },
  returns: v.null(),
  handler: async (ctx, { userId }) => {
    const result = await markBatch(ctx, userId);
    if (!result.done) await ctx.scheduler.runAfter(0, internal.notifications.markAllReadContinue, { userId });
    return null;
  },
});
