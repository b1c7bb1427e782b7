// Notification events, channels and deliveries (docs/notifications.md). Part of the validators declared once; import them from convex/validators.ts.
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";

/** Every event a user can be told about; the in-app inbox gets all of them, channels what they subscribe to. */
export const NOTIFICATION_TYPES = [
  "deployment.ready",
  "deployment.error",
  "deployment.canceled",
  "ai.build.proposed",
  "quota.warning",
  "quota.exceeded",
  "subscription.changed",
  "payment.failed",
  "project.invited",
  "system",
] as const;

export const vNotificationType = literals(...NOTIFICATION_TYPES);

export type NotificationType = Infer<typeof vNotificationType>;

/** A `notifications` row (the in-app inbox). */
export const vNotification = v.object({
  userId: v.id("users"),
  type: vNotificationType,
  title: v.string(),
  message: v.string(),
  projectId: v.optional(v.id("projects")),
  deploymentId: v.optional(v.id("deployments")),
  read: v.boolean(),
  createdAt: v.number(),
});

export const NOTIFICATION_CHANNEL_KINDS = ["webhook", "slack", "email"] as const;

export const vChannelKind = literals(...NOTIFICATION_CHANNEL_KINDS);

export type ChannelKind = Infer<typeof vChannelKind>;

/** pending: first attempt not made yet; retrying: an attempt failed and another is scheduled. */
export const vDeliveryStatus = literals("pending", "retrying", "sent", "failed");

export type DeliveryStatus = Infer<typeof vDeliveryStatus>;

/** One attempt's result: sent, failed but retried later, or failed for good. */
export const vAttemptOutcome = literals("sent", "retry", "failed");

/** One try of a delivery: a `deliveryAttempts` row. */
export const vDeliveryAttempt = v.object({
  deliveryId: v.id("deliveries"),
  attempt: v.number(),
  outcome: vAttemptOutcome,
  responseStatus: v.optional(v.number()),
  latencyMs: v.number(),
  /** The first bytes of the receiver's answer. */
  responseExcerpt: v.optional(v.string()),
  error: v.optional(v.string()),
  /** Wait before the next attempt (backoff with jitter, at least the receiver's Retry-After). */
  retryInMs: v.optional(v.number()),
  at: v.number(),
});

/** What a delivery carries (copied from the event, so a redelivery sends the same thing). */
export const vNotificationEvent = v.object({
  type: vNotificationType,
  title: v.string(),
  message: v.string(),
  projectId: v.optional(v.id("projects")),
  deploymentId: v.optional(v.id("deployments")),
  /** Event-specific figures (e.g. a quota's limit and usage), sent in the webhook payload's data. */
  data: v.optional(v.record(v.string(), v.union(v.string(), v.number(), v.boolean()))),
  occurredAt: v.number(),
});

export type NotificationEvent = Infer<typeof vNotificationEvent>;

/** The daily AI quotas that raise quota.warning / quota.exceeded. */
export const vQuotaLimit = literals("requests", "tokens");

export const vQuotaLevel = literals("warning", "exceeded");

/** One event to one channel: retried as a unit, with one deliveryAttempts row per try. */
export const vDelivery = v.object({
  userId: v.id("users"),
  channelId: v.id("notificationChannels"),
  kind: vChannelKind,
  notificationId: v.optional(v.id("notifications")),
  event: vNotificationEvent,
  /** The Standard Webhooks `webhook-id` (and Resend idempotency key): the same on every retry. */
  messageId: v.string(),
  status: vDeliveryStatus,
  attempts: v.number(),
  /** Attempts made before the current run (a manual redelivery starts a new run of retries). */
  runStart: v.optional(v.number()),
  responseStatus: v.optional(v.number()),
  error: v.optional(v.string()),
  nextAttemptAt: v.optional(v.number()),
  createdAt: v.number(),
  sentAt: v.optional(v.number()),
});
