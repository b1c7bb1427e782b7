// Plans, payments and the billing state (docs/billing.md). Part of the validators declared once; import them from convex/validators.ts.
import { v, type Infer } from "convex/values";

export const vPlan = v.union(v.literal("free"), v.literal("starter"), v.literal("pro"), v.literal("business"));

export type Plan = Infer<typeof vPlan>;

// ---------- billing ----------
export const vBillingProvider = v.union(v.literal("stripe"), v.literal("lemonsqueezy"));

export type BillingProvider = Infer<typeof vBillingProvider>;

/** Where the user's plan comes from right now. */
export const vPlanSource = v.union(v.literal("free"), v.literal("subscription"), v.literal("override"));

/**
 * The billing state billing.current() shows, kept on the users row next to `plan` so the live
 * query reads one document besides the daily rollups. Written only by lib/billingPlan.ts.
 */
export const vBillingSummary = v.object({
  source: vPlanSource,
  provider: v.optional(vBillingProvider),
  /** The current billing period [periodStart, periodEnd) for a subscription; absent on free (calendar months). */
  periodStart: v.optional(v.number()),
  periodEnd: v.optional(v.number()),
  /** What happens at periodEnd: the subscription renews, or the user goes back to free. */
  atPeriodEnd: v.union(v.literal("renews"), v.literal("downgrades")),
  /** A failed payment: the plan is kept until then, then free unless a payment succeeds. */
  graceEndsAt: v.optional(v.number()),
  overrideExpiresAt: v.optional(v.number()),
  mock: v.optional(v.boolean()),
});

export type BillingSummary = Infer<typeof vBillingSummary>;

/** Stripe's subscription statuses; Lemon Squeezy's are mapped onto them (lib/billingLemon.ts). */
export const vSubscriptionStatus = v.union(
  v.literal("trialing"),
  v.literal("active"),
  v.literal("past_due"),
  v.literal("canceled"),
  v.literal("incomplete"),
  v.literal("incomplete_expired"),
  v.literal("unpaid"),
  v.literal("paused"),
);

export type SubscriptionStatus = Infer<typeof vSubscriptionStatus>;

/** A `subscriptions` row: the provider's subscription object as last applied. */
export const vSubscription = v.object({
  userId: v.id("users"),
  provider: vBillingProvider,
  customerId: v.string(),
  subscriptionId: v.string(),
  plan: vPlan,
  status: vSubscriptionStatus,
  currentPeriodStart: v.number(),
  currentPeriodEnd: v.number(),
  cancelAtPeriodEnd: v.boolean(),
  /** Monthly price in cents, for revenue per plan. */
  amountCents: v.number(),
  /** Set when a payment failed (at graceSince): entitled until graceEndsAt unless a later payment succeeds. */
  graceSince: v.optional(v.number()),
  graceEndsAt: v.optional(v.number()),
  /**
   * Order of the provider state applied: [period start, event time] (ms). An older state
   * (a late or replayed event) never overwrites a newer one.
   */
  stateVersion: v.array(v.number()),
  mock: v.optional(v.boolean()),
  createdAt: v.number(),
  updatedAt: v.number(),
});

export type Subscription = Infer<typeof vSubscription>;

export const vInvoiceStatus = v.union(v.literal("paid"), v.literal("failed"));

/** A `billingInvoices` row: one provider invoice, as its paid/failed events said. */
export const vInvoice = v.object({
  userId: v.id("users"),
  provider: vBillingProvider,
  invoiceId: v.string(),
  subscriptionId: v.optional(v.string()),
  status: vInvoiceStatus,
  amountCents: v.number(),
  currency: v.string(),
  periodStart: v.optional(v.number()),
  periodEnd: v.optional(v.number()),
  url: v.optional(v.string()),
  mock: v.optional(v.boolean()),
  createdAt: v.number(),
});

/**
 * One verified provider event, normalised (lib/billingStripe.ts, lib/billingLemon.ts) for the
 * one mutation that applies both providers' events (billingWebhooks.apply). `userHint` is the
 * user id we put in the checkout's metadata; `version` orders subscription states.
 */
export const vBillingChange = v.union(
  v.object({
    kind: v.literal("subscription"),
    subscriptionId: v.string(),
    customerId: v.string(),
    userHint: v.optional(v.string()),
    plan: v.optional(vPlan),
    status: vSubscriptionStatus,
    currentPeriodStart: v.number(),
    currentPeriodEnd: v.number(),
    cancelAtPeriodEnd: v.boolean(),
    amountCents: v.number(),
  }),
  v.object({
    kind: v.literal("checkout"),
    customerId: v.string(),
    userHint: v.optional(v.string()),
    subscriptionId: v.optional(v.string()),
    plan: v.optional(vPlan),
  }),
  v.object({
    kind: v.literal("invoice"),
    invoiceId: v.string(),
    customerId: v.string(),
    userHint: v.optional(v.string()),
    subscriptionId: v.optional(v.string()),
    paid: v.boolean(),
    amountCents: v.number(),
    currency: v.string(),
    periodStart: v.optional(v.number()),
    periodEnd: v.optional(v.number()),
    url: v.optional(v.string()),
  }),
);

export type BillingChange = Infer<typeof vBillingChange>;

/** Who changed a plan or an account: a provider's webhook, an administrator, or a scheduled end. */
export const vBillingActor = v.union(
  v.object({ kind: vBillingProvider, eventId: v.string() }),
  v.object({ kind: v.literal("admin"), userId: v.id("users") }),
  v.object({ kind: v.literal("schedule") }),
);

export type BillingActor = Infer<typeof vBillingActor>;

export const vAuditAction = v.union(
  v.literal("plan.changed"),
  v.literal("plan.override_set"),
  v.literal("plan.override_cleared"),
  v.literal("role.changed"),
  v.literal("user.suspended"),
  v.literal("user.unsuspended"),
);
