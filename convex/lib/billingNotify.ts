// The ONE way billing tells a user something: a plan change or a failed payment, raised as the
// events `subscription.changed` and `payment.failed` through `emit` (the in-app inbox and every
// channel that takes the event; docs/notifications.md). `emit` is passed in because this layer
// imports no feature module.
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { Emit, EmitArgs } from "./notify";

export type BillingEvent = "subscription.changed" | "payment.failed";

export async function notifyBilling(
  ctx: MutationCtx,
  emit: Emit,
  event: BillingEvent,
  args: { userId: Id<"users">; title: string; message: string; data?: EmitArgs["data"] },
): Promise<void> {
  await emit(ctx, { ...args, type: event });
}
