// The payment customer of a user, written only here (internal functions): billing.checkout and
// billing.portal (actions: they call the providers) read the caller and their customer through
// prepareCheckout, and store a customer Stripe created through saveCustomer.
import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import { edgeMutation } from "./lib/auth";
import { entitles, subscriptionsOf } from "./lib/billingPlan";
import { fail } from "./lib/errors";
import { vBillingProvider, vPlan } from "./validators";

const vCheckoutPrep = v.object({
  userId: v.id("users"),
  email: v.string(),
  customerId: v.union(v.string(), v.null()),
});

/**
 * The caller (created on first use; suspended and deleted accounts refused by the wrapper) and
 * their customer at `provider`. Internal: the checkout/portal actions pass the identity Convex
 * verified, in the same `caller` shape the edge uses.
 */
export const prepareCheckout = edgeMutation({
  args: { provider: vBillingProvider, plan: v.optional(vPlan) },
  returns: vCheckoutPrep,
  handler: async (ctx, { provider, plan }) => {
    const user = ctx.user;
    if (plan !== undefined) {
      const subs = await subscriptionsOf(ctx, user._id);
      const now = Date.now();
      if (subs.some((s) => s.provider === provider && entitles(s, now) && !s.cancelAtPeriodEnd)) {
        fail("CONFLICT", "You already have a subscription: change plans in the billing portal", { field: "plan" });
      }
    }
    const customer = await ctx.db
      .query("billingCustomers")
      .withIndex("by_userId_and_provider", (q) => q.eq("userId", user._id).eq("provider", provider))
      .first();
    return { userId: user._id, email: user.email, customerId: customer?.customerId ?? null };
  },
});

/** Stores the customer created for `userId`; when one exists already (a concurrent checkout), that one is kept and returned. */
export const saveCustomer = internalMutation({
  args: { userId: v.id("users"), provider: vBillingProvider, customerId: v.string(), mock: v.boolean() },
  returns: v.string(),
  handler: async (ctx, { userId, provider, customerId, mock }) => {
    const existing = await ctx.db
      .query("billingCustomers")
      .withIndex("by_userId_and_provider", (q) => q.eq("userId", userId).eq("provider", provider))
      .first();
    if (existing) return existing.customerId;
    await ctx.db.insert("billingCustomers", {
      userId,
      provider,
      customerId,
      mock: mock || undefined,
      createdAt: Date.now(),
    });
    return customerId;
  },
});
