// The events billing raises. Billing code calls these from its (internal) mutations, e.g. when
// a Stripe subscription webhook changes a user's plan or an invoice payment fails; they go to
// the in-app inbox and to every channel that takes the event type (docs/notifications.md).
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import type { Plan } from "./validators";
import { emit } from "./notificationDelivery";

export async function notifySubscriptionChanged(
  ctx: MutationCtx,
  e: { userId: Id<"users">; plan: Plan; previousPlan: Plan; status: string },
): Promise<Id<"notifications">> {
  const moved = e.plan === e.previousPlan ? `is now ${e.status}` : `changed from ${e.previousPlan} to ${e.plan}`;
  return await emit(ctx, {
    userId: e.userId,
    type: "subscription.changed",
    title: `Your subscription ${moved}`,
    message: `Your AUTOCREA subscription ${moved} (status: ${e.status}). Your limits follow the ${e.plan} plan from now on.`,
    data: { plan: e.plan, previousPlan: e.previousPlan, status: e.status },
  });
}

export async function notifyPaymentFailed(
  ctx: MutationCtx,
  e: { userId: Id<"users">; amountDueCents: number; currency: string; nextAttemptAt?: number },
): Promise<Id<"notifications">> {
  const amount = `${(e.amountDueCents / 100).toFixed(2)} ${e.currency.toUpperCase()}`;
  const retry = e.nextAttemptAt ? ` We will try again on ${new Date(e.nextAttemptAt).toISOString().slice(0, 10)}.` : "";
  return await emit(ctx, {
    userId: e.userId,
    type: "payment.failed",
    title: `Payment of ${amount} failed`,
    message: `We could not charge ${amount} for your AUTOCREA subscription.${retry} Update your payment method to keep your plan.`,
    data: { amountDueCents: e.amountDueCents, currency: e.currency, ...(e.nextAttemptAt ? { nextAttemptAt: e.nextAttemptAt } : {}) },
  });
}
