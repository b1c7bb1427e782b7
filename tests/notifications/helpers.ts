// Shared setup for the notification tests: the offline stack (its clock runs the workpool and
// the retry schedule), loopback receivers for each channel kind, and readers for the log.
import { afterAll, afterEach, beforeAll } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { EmitArgs } from "../../convex/lib/notify";
import { emit } from "../../convex/notificationDelivery";
import { startResendFake, startSlackFake, startWebhookReceiver } from "../fakes/notifications";
import type { Stack, StackOptions } from "../stack";
import { stackForFile } from "../stackForFile";

export const RESEND_KEY = "re_test_key";

/** Convex reads these from process.env: loopback targets allowed, short timeouts, Resend faked. */
function configure(resendUrl: string) {
  Object.assign(process.env, {
    NOTIFY_ALLOW_LOOPBACK: "1",
    NOTIFY_TIMEOUT_MS: "300",
    NOTIFY_MAX_ATTEMPTS: "4",
    NOTIFY_DISABLE_AFTER: "3",
    RESEND_BASE_URL: resendUrl,
    RESEND_API_KEY: RESEND_KEY,
    APP_URL: "https://ide.example",
  });
}

export type Fakes = {
  webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  slack: Awaited<ReturnType<typeof startSlackFake>>;
  resend: Awaited<ReturnType<typeof startResendFake>>;
};

/** The stack plus the three receivers for this test file; `secret.value` is what the webhook receiver verifies with. */
export function notifyStackForFile(opts: StackOptions = {}) {
  const stack = stackForFile(opts);
  const secret = { value: "whsec_" + Buffer.from("placeholder-secret-32-bytes-long").toString("base64") };
  const fakes = {} as Fakes;
  beforeAll(async () => {
    fakes.webhook = await startWebhookReceiver(() => secret.value);
    fakes.slack = await startSlackFake();
    fakes.resend = await startResendFake(RESEND_KEY);
    configure(fakes.resend.url);
  });
  afterEach(() => {
    for (const f of Object.values(fakes)) f.clearFaults();
  });
  afterAll(async () => {
    await Promise.all(Object.values(fakes).map((f) => f.close()));
  });
  return { stack, fakes, secret };
}

export async function signedIn(stack: Stack, id: string) {
  const token = await stack.signIn({ id, email: `${id}@example.com`, name: id });
  const as = stack.convex(token);
  const user = (await stack.t.run((ctx) =>
    ctx.db
      .query("users")
      .withIndex("by_clerkId", (q) => q.eq("clerkId", id))
      .unique(),
  ))!;
  return { as, userId: user._id };
}

/** Lets queued attempts run: the workpool schedules in 100 ms segments; a first retry waits at least 1 s. */
export const SETTLE_MS = 500;

/** Raises an event as a feature would (inside a mutation). */
export async function raise(stack: Stack, args: EmitArgs): Promise<Id<"notifications">> {
  return await stack.t.run((ctx) => emit(ctx, args));
}

export async function deliveriesOf(stack: Stack, channelId: Id<"notificationChannels">) {
  return await stack.t.run((ctx) =>
    ctx.db
      .query("deliveries")
      .withIndex("by_channelId", (q) => q.eq("channelId", channelId))
      .take(1000),
  );
}

export async function attemptsOf(stack: Stack, deliveryId: Id<"deliveries">) {
  return await stack.t.run((ctx) =>
    ctx.db
      .query("deliveryAttempts")
      .withIndex("by_deliveryId_and_attempt", (q) => q.eq("deliveryId", deliveryId))
      .take(100),
  );
}

export async function channelRow(stack: Stack, channelId: Id<"notificationChannels">) {
  return (await stack.t.run((ctx) => ctx.db.get("notificationChannels", channelId)))!;
}

export const PAGE = { numItems: 50, cursor: null };
export { api };
