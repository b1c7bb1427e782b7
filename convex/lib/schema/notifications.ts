// The notification tables (docs/notifications.md). Spread into convex/schema.ts.
import { defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vChannelKind,
  vDelivery,
  vDeliveryAttempt,
  vNotification,
  vNotificationType,
  vQuotaLevel,
  vQuotaLimit,
} from "../../validators";

export const notificationTables = {
  notifications: defineTable(vNotification)
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- the inbox lists in creation order
    .index("by_userId", ["userId"])
    .index("by_userId_and_read", ["userId", "read"]),

  notificationChannels: defineTable({
    userId: v.id("users"),
    kind: vChannelKind,
    name: v.string(),
    target: v.string(), // https URL (webhook, Slack) or email address
    /** Standard Webhooks signing secret (whsec_…) of webhook channels; shown to the owner once. */
    secret: v.optional(v.string()),
    events: v.array(vNotificationType),
    enabled: v.boolean(),
    /** Email channels receive nothing until the address is proven with the code sent to it. */
    verified: v.boolean(),
    verification: v.optional(v.object({ codeHash: v.string(), expiresAt: v.number(), attemptsLeft: v.number() })),
    consecutiveFailures: v.number(),
    disabledReason: v.optional(v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_userId", ["userId"]),

  /** One event to one channel: retried as a unit, with one deliveryAttempts row per try. */
  deliveries: defineTable(vDelivery)
    .index("by_notificationId", ["notificationId"])
    .index("by_channelId", ["channelId"])
    .index("by_userId", ["userId"]),

  deliveryAttempts: defineTable(vDeliveryAttempt).index("by_deliveryId_and_attempt", ["deliveryId", "attempt"]),

  /** quota.warning / quota.exceeded already raised for a user's limit on a UTC day (once each). */
  quotaAlerts: defineTable({
    userId: v.id("users"),
    day: v.string(),
    limit: vQuotaLimit,
    level: vQuotaLevel,
  }).index("by_userId_and_day", ["userId", "day"]),

  /** Counters for metrics (convex/lib/counters.ts): a few shards per name, read by name, never scanned. */
  counters: defineTable({
    name: v.string(),
    shard: v.number(),
    value: v.number(),
  }).index("by_name_and_shard", ["name", "shard"]),
};
