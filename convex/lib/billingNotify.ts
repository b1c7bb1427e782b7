// The ONE way billing tells a user something: a plan change or a failed payment. Today it
// writes an in-app notification (lib/notify.ts); outbound channels (email, webhooks) for the
// events `subscription.changed` and `payment.failed` plug in here, and nowhere else.
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { notify } from "./notify";

export type BillingEvent = "subscription.changed" | "payment.failed";

const NOTIFICATION_TYPE = {
  "subscription.changed": "billing.plan_changed",
  "payment.failed": "billing.payment_failed",
} as const satisfies Record<BillingEvent, string>;

export async function notifyBilling(
  ctx: MutationCtx,
  event: BillingEvent,
  args: { userId: Id<"users">; title: string; message: string },
): Promise<void> {
  await notify(ctx, { ...args, type: NOTIFICATION_TYPE[event] });
}
