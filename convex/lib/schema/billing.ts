// The billing tables (docs/billing.md). Spread into convex/schema.ts.
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vAuditAction, vBillingActor, vBillingProvider, vInvoice, vPlan, vSubscription } from "../../validators";

export const billingTables = {
  /** One row per provider subscription; written only by the providers' verified webhooks. */
  subscriptions: defineTable(vSubscription)
    .index("by_userId_and_updatedAt", ["userId", "updatedAt"])
    .index("by_provider_and_subscriptionId", ["provider", "subscriptionId"])
    .index("by_status_and_updatedAt", ["status", "updatedAt"])
    .index("by_plan_and_status", ["plan", "status"]),

  /** The provider customer of a user, created once (Stripe) and reused by every checkout. */
  billingCustomers: defineTable({
    userId: v.id("users"),
    provider: vBillingProvider,
    customerId: v.string(),
    mock: v.optional(v.boolean()),
    createdAt: v.number(),
  })
    .index("by_userId_and_provider", ["userId", "provider"])
    .index("by_provider_and_customerId", ["provider", "customerId"]),

  billingInvoices: defineTable(vInvoice)
    .index("by_userId_and_createdAt", ["userId", "createdAt"])
    .index("by_provider_and_invoiceId", ["provider", "invoiceId"]),

  /** An administrator's plan for a user, winning over any subscription until it expires. */
  planOverrides: defineTable({
    userId: v.id("users"),
    plan: vPlan,
    expiresAt: v.number(),
    reason: v.string(),
    setBy: v.id("users"),
    createdAt: v.number(),
  }).index("by_userId", ["userId"]),

  /** Every plan, role and suspension change: who or what caused it. */
  billingAudit: defineTable({
    userId: v.id("users"),
    action: vAuditAction,
    actor: vBillingActor,
    from: v.optional(v.string()),
    to: v.optional(v.string()),
    reason: v.optional(v.string()),
    at: v.number(),
  })
    .index("by_userId_and_at", ["userId", "at"])
    .index("by_at", ["at"]),

  /** What each user's AI tokens of a UTC day reported to Stripe's meter (billingMeters.ts): the running total sent. */
  meterReports: defineTable({
    userId: v.id("users"),
    day: v.string(),
    tokens: v.number(),
    reportedAt: v.number(),
  }).index("by_userId_and_day", ["userId", "day"]),

  /** Mock payments: a checkout waiting for its local confirmation page (stripeMock.ts). */
  mockCheckouts: defineTable({
    userId: v.id("users"),
    provider: vBillingProvider,
    plan: vPlan,
    customerId: v.string(),
    confirmedAt: v.optional(v.number()),
    createdAt: v.number(),
  }),
};
