// Raising events and delivering them. `emit` writes the in-app notification and, in the same
// transaction, one `deliveries` row per channel of the user that takes the event type; each
// attempt runs as an action in the `notifyPool` workpool (bounded concurrency). The retry
// policy is ours, not the pool's, because it must honour Retry-After: after each attempt
// `record` logs a `deliveryAttempts` row and either finishes the delivery or enqueues the next
// attempt after backoff with jitter. A channel whose deliveries keep failing is disabled.
import { Workpool, vOnCompleteArgs, type WorkId } from "@convex-dev/workpool";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { components, internal } from "./_generated/api";
import { env, internalAction, internalMutation, internalQuery, type MutationCtx } from "./_generated/server";
import { bumpCounter, counterName } from "./lib/counters";
import { MAX_MESSAGE_LENGTH, MAX_TITLE_LENGTH, notify, type EmitArgs } from "./lib/notify";
import { notifyConfig, retryDelay, sendOnce } from "./lib/notificationSend";
import { vAttemptOutcome, type NotificationEvent, type NotificationType } from "./validators";

/** Channels one user may have (also bounds the fan-out of one event). */
export const MAX_CHANNELS = 20;
export const DEFAULT_POOL_PARALLELISM = 10;

function notifyPool(): Workpool {
  const n = Number(env.NOTIFY_MAX_PARALLELISM);
  return new Workpool(components.notifyPool, {
    maxParallelism: Number.isInteger(n) && n >= 1 && n <= 100 ? n : DEFAULT_POOL_PARALLELISM,
    logLevel: "WARN",
  });
}

export const receives = (c: Doc<"notificationChannels">, type: NotificationType) =>
  c.enabled && c.verified && c.events.includes(type);

/** The in-app notification, plus a delivery to each of the user's channels that takes this type. */
export async function emit(ctx: MutationCtx, args: EmitArgs): Promise<Id<"notifications">> {
  const notificationId = await notify(ctx, args);
  const event: NotificationEvent = {
    type: args.type,
    title: args.title.slice(0, MAX_TITLE_LENGTH),
    message: args.message.slice(0, MAX_MESSAGE_LENGTH),
    projectId: args.projectId,
    deploymentId: args.deploymentId,
    data: args.data,
    occurredAt: Date.now(),
  };
  const channels = await ctx.db
    .query("notificationChannels")
    .withIndex("by_userId", (q) => q.eq("userId", args.userId))
    .take(MAX_CHANNELS);
  for (const c of channels) if (receives(c, args.type)) await enqueueDelivery(ctx, c, event, notificationId);
  return notificationId;
}

/** A new delivery of `event` to `channel`, first attempt queued now. */
export async function enqueueDelivery(
  ctx: MutationCtx,
  channel: Doc<"notificationChannels">,
  event: NotificationEvent,
  notificationId?: Id<"notifications">,
): Promise<Id<"deliveries">> {
  const deliveryId = await ctx.db.insert("deliveries", {
    userId: channel.userId,
    channelId: channel._id,
    kind: channel.kind,
    notificationId,
    event,
    messageId: "",
    status: "pending",
    attempts: 0,
    createdAt: Date.now(),
  });
  // The row's id is unique and never changes: it is the webhook-id on every retry and redelivery.
  await ctx.db.patch("deliveries", deliveryId, { messageId: `msg_${deliveryId}` });
  await bumpCounter(ctx, counterName.deliveriesInFlight(channel.kind));
  await scheduleAttempt(ctx, deliveryId, 0);
  return deliveryId;
}

export async function scheduleAttempt(
  ctx: MutationCtx,
  deliveryId: Id<"deliveries">,
  delayMs: number,
): Promise<WorkId> {
  return await notifyPool().enqueueAction(
    ctx,
    internal.notificationDelivery.attempt,
    { deliveryId },
    { runAfter: delayMs, onComplete: internal.notificationDelivery.attemptDone, context: { deliveryId } },
  );
}

/** What an attempt needs; null when the delivery is not waiting for one. */
export const load = internalQuery({
  args: { deliveryId: v.id("deliveries") },
  handler: async (ctx, { deliveryId }) => {
    const d = await ctx.db.get("deliveries", deliveryId);
    if (!d || (d.status !== "pending" && d.status !== "retrying")) return null;
    const channel = await ctx.db.get("notificationChannels", d.channelId);
    return { delivery: d, channel: channel && channel.enabled && channel.verified ? channel : null };
  },
});

export const attempt = internalAction({
  args: { deliveryId: v.id("deliveries") },
  returns: v.null(),
  handler: async (ctx, { deliveryId }) => {
    const job = await ctx.runQuery(internal.notificationDelivery.load, { deliveryId });
    if (!job) return null;
    const { delivery: d, channel } = job;
    const result = channel
      ? await sendOnce(
          {
            kind: channel.kind,
            target: channel.target,
            secret: channel.secret,
            event: d.event,
            messageId: d.messageId,
          },
          notifyConfig(),
        )
      : { ok: false, retryable: false, latencyMs: 0, error: "the channel was disabled or removed" };
    await ctx.runMutation(internal.notificationDelivery.record, {
      deliveryId,
      countsAgainstChannel: channel !== null,
      ...result,
    });
    return null;
  },
});

/** An attempt that crashed (not one that failed to deliver: those return normally) is recorded as failed. */
export const attemptDone = internalMutation({
  args: vOnCompleteArgs(v.object({ deliveryId: v.id("deliveries") })),
  returns: v.null(),
  handler: async (ctx, { context, result }) => {
    if (result.kind === "success") return null;
    const error = result.kind === "failed" ? `attempt crashed: ${result.error}` : "attempt canceled";
    await finishAttempt(ctx, context.deliveryId, {
      ok: false,
      retryable: false,
      latencyMs: 0,
      error,
      countsAgainstChannel: false,
    });
    return null;
  },
});

const vResult = v.object({
  ok: v.boolean(),
  retryable: v.boolean(),
  status: v.optional(v.number()),
  latencyMs: v.number(),
  excerpt: v.optional(v.string()),
  error: v.optional(v.string()),
  retryAfterMs: v.optional(v.number()),
  countsAgainstChannel: v.boolean(),
});
type Result = Infer<typeof vResult>;

export const record = internalMutation({
  args: { deliveryId: v.id("deliveries"), ...vResult.fields },
  returns: v.union(vAttemptOutcome, v.null()),
  handler: async (ctx, { deliveryId, ...result }) => await finishAttempt(ctx, deliveryId, result),
});

async function finishAttempt(ctx: MutationCtx, deliveryId: Id<"deliveries">, r: Result) {
  const d = await ctx.db.get("deliveries", deliveryId);
  if (!d || (d.status !== "pending" && d.status !== "retrying")) return null;
  const cfg = notifyConfig();
  const now = Date.now();
  const attempt = d.attempts + 1;
  const inRun = attempt - (d.runStart ?? 0);
  const outcome = r.ok ? "sent" : r.retryable && inRun < cfg.maxAttempts ? "retry" : "failed";
  const retryInMs = outcome === "retry" ? retryDelay(inRun + 1, r.retryAfterMs) : undefined;
  await ctx.db.insert("deliveryAttempts", {
    deliveryId,
    attempt,
    outcome,
    responseStatus: r.status,
    latencyMs: Math.round(r.latencyMs),
    responseExcerpt: r.excerpt || undefined,
    error: r.error,
    retryInMs,
    at: now,
  });
  await ctx.db.patch("deliveries", deliveryId, {
    status: outcome === "retry" ? "retrying" : outcome,
    attempts: attempt,
    responseStatus: r.status,
    error: r.ok ? undefined : r.error,
    nextAttemptAt: retryInMs === undefined ? undefined : now + retryInMs,
    sentAt: r.ok ? now : undefined,
  });
  if (outcome === "retry") {
    await scheduleAttempt(ctx, deliveryId, retryInMs!);
    return outcome;
  }
  const channel = await ctx.db.get("notificationChannels", d.channelId);
  await bumpCounter(ctx, counterName.deliveries(d.kind, outcome));
  await bumpCounter(ctx, counterName.deliveriesInFlight(d.kind), -1);
  if (r.countsAgainstChannel && channel)
    await channelOutcome(ctx, channel, outcome === "sent", r.error, cfg.disableAfter);
  return outcome;
}

/** Resets the failure streak on success; disables the channel (and says why in-app) at `limit` failures in a row. */
async function channelOutcome(
  ctx: MutationCtx,
  c: Doc<"notificationChannels">,
  sent: boolean,
  error: string | undefined,
  limit: number,
) {
  if (sent) {
    if (c.consecutiveFailures !== 0) await ctx.db.patch("notificationChannels", c._id, { consecutiveFailures: 0 });
    return;
  }
  const failures = c.consecutiveFailures + 1;
  if (failures < limit || !c.enabled) {
    await ctx.db.patch("notificationChannels", c._id, { consecutiveFailures: failures });
    return;
  }
  const reason = `${failures} deliveries in a row failed (last: ${error ?? "unknown error"})`;
  await ctx.db.patch("notificationChannels", c._id, {
    consecutiveFailures: failures,
    enabled: false,
    disabledReason: reason,
    updatedAt: Date.now(),
  });
  // In-app only: telling the broken channel about itself would fail again.
  await notify(ctx, {
    userId: c.userId,
    type: "system",
    title: `Notification channel "${c.name}" was turned off`,
    message: `${reason}. Fix the ${c.kind} target and turn the channel back on in your notification settings.`,
  });
}
