// Monthly recurring revenue per plan, kept in counters beside the subscription rows. Every write
// of a row's plan, status, amount or mock flag reports its row before and after to
// `subscriptionWritten`, which moves the row's share from its old plan and amount to its new
// ones. admin.revenue then reads a fixed number of counter rows, never the subscriptions.
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { bumpCounter, counterName, readCounter } from "./counters";
import { PLANS } from "./plans";
import type { Plan } from "../validators";

/** Paying rows count: active or trialing, and not made by the mock checkout. */
const paying = (s: Doc<"subscriptions"> | null) =>
  s !== null && !s.mock && (s.status === "active" || s.status === "trialing") ? s : null;

export async function subscriptionWritten(
  ctx: MutationCtx,
  before: Doc<"subscriptions"> | null,
  after: Doc<"subscriptions"> | null,
): Promise<void> {
  const [was, is] = [paying(before), paying(after)];
  if (was?.plan === is?.plan && was?.amountCents === is?.amountCents) return;
  if (was) {
    await bumpCounter(ctx, counterName.paidSubscriptions(was.plan), -1);
    await bumpCounter(ctx, counterName.monthlyRevenueCents(was.plan), -was.amountCents);
  }
  if (is) {
    await bumpCounter(ctx, counterName.paidSubscriptions(is.plan), 1);
    await bumpCounter(ctx, counterName.monthlyRevenueCents(is.plan), is.amountCents);
  }
}

/** Paying subscriptions and their monthly amount per plan. */
export async function revenueByPlan(
  ctx: QueryCtx,
): Promise<{ plan: Plan; subscriptions: number; monthlyCents: number }[]> {
  return await Promise.all(
    PLANS.map(async (plan) => ({
      plan,
      subscriptions: await readCounter(ctx, counterName.paidSubscriptions(plan)),
      monthlyCents: await readCounter(ctx, counterName.monthlyRevenueCents(plan)),
    })),
  );
}
