// In-app notifications. `notify` writes only the inbox row; features raise events with
// `emit` (convex/notificationDelivery.ts), which calls `notify` and also queues deliveries to
// the user's channels. Helpers in convex/lib/ that raise events take `emit` as an argument
// (type `Emit` below), so this layer never imports a feature module.
import type { Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { NotificationEvent, vNotification } from "../validators";

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

/** What a feature says when it raises an event; `data` rides along in the webhook payload. */
export type EmitArgs = NotifyArgs & { data?: NotificationEvent["data"] };
export type Emit = (ctx: MutationCtx, args: EmitArgs) => Promise<Id<"notifications">>;
