// In-app notifications. Features call `notify` from their (internal) mutations; the
// notifications panel is a live query over the user's rows.
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { NotificationType } from "../validators";

export const MAX_TITLE_LENGTH = 200;
export const MAX_MESSAGE_LENGTH = 2000;

export type NotifyArgs = {
  userId: Id<"users">;
  type: NotificationType;
  title: string;
  message: string;
  projectId?: Id<"projects">;
  deploymentId?: Id<"deployments">;
};

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
