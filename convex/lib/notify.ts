// In-app notifications. Features call `notify` from their (internal) mutations; the
// notifications panel is a live query over the user's rows.
import type { Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { vNotification } from "../validators";

export const MAX_TITLE_LENGTH = 200;
export const MAX_MESSAGE_LENGTH = 2000;

/** { userId, type, title, message, projectId?, deploymentId? } */
export type NotifyArgs = Omit<Infer<typeof vNotification>, "read" | "createdAt">;

/** Inserts an unread notification for `userId` (title/message are cut to their limits). */
export async function notify(ctx: MutationCtx, args: NotifyArgs): Promise<Id<"notifications">> {
  return await ctx.db.insert("notifications", {
    userId: args.userId,
    type: args.type,
    title: args.title.slice(0, MAX_TITLE_LENGTH),
    message: args.message.slice(0, MAX_MESSAGE_LENGTH),
    projectId: args.projectId,
    deploymentId: args.deploymentId,
    read: false,
    createdAt: Date.now(),
  });
}
