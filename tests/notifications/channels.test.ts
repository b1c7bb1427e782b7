import { describe, expect, test } from "vitest";
import { expectCode } from "../convex/helpers";
import {
  api,
  SETTLE_MS,
  attemptsOf,
  channelRow,
  deliveriesOf,
  notifyStackForFile,
  PAGE,
  raise,
  signedIn,
} from "./helpers";

const { stack, fakes, secret } = notifyStackForFile();

async function hook(clerkId: string) {
  const { as, userId } = await signedIn(stack, clerkId);
  const { channelId, secret: s } = await as.mutation(api.notificationChannels.create, {
    kind: "webhook",
    name: "Hook",
    target: fakes.webhook.url,
  });
  secret.value = s!;
  return { as, userId, channelId };
}

describe("auto-disable and redeliver", () => {
  test("NOTIFY_DISABLE_AFTER (3) failed deliveries in a row turn the channel off, with an in-app notification saying why", async () => {
    const { as, userId, channelId } = await hook("user_ch1");
    fakes.webhook.failNext({ kind: "status", status: 410, body: { error: "gone" } }, 3);
    for (let i = 0; i < 3; i++) {
      await raise(stack, { userId, type: "deployment.ready", title: `Live ${i}`, message: "ok" });
      await stack.advance(SETTLE_MS);
    }
    const c = await channelRow(stack, channelId);
    expect(c).toMatchObject({ enabled: false, consecutiveFailures: 3 });
    expect(c.disabledReason).toMatch(/3 deliveries in a row failed \(last: HTTP 410\)/);
    const inbox = (await as.query(api.notifications.list, { paginationOpts: PAGE })).page;
    expect(inbox[0]).toMatchObject({ type: "system", title: 'Notification channel "Hook" was turned off' });
    // Off: a new event reaches the inbox only.
    const sent = fakes.webhook.requests.length;
    await raise(stack, { userId, type: "deployment.ready", title: "Live again", message: "ok" });
    await stack.advance(60_000);
    expect(fakes.webhook.requests.length).toBe(sent);
    expect(await deliveriesOf(stack, channelId)).toHaveLength(3);
    // Turned back on: the streak is cleared and deliveries flow.
    await as.mutation(api.notificationChannels.update, { channelId, enabled: true });
    const back = await channelRow(stack, channelId);
    expect(back).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    expect(back.disabledReason).toBeUndefined();
    await raise(stack, { userId, type: "deployment.ready", title: "Live once more", message: "ok" });
    await stack.advance(SETTLE_MS);
    expect(fakes.webhook.verified.at(-1)).toMatchObject({ data: { title: "Live once more" } });
  });

  test("a success resets the failure streak", async () => {
    const { userId, channelId } = await hook("user_ch2");
    fakes.webhook.failNext({ kind: "status", status: 404 }, 2);
    for (let i = 0; i < 3; i++) {
      await raise(stack, { userId, type: "deployment.ready", title: `Live ${i}`, message: "ok" });
      await stack.advance(SETTLE_MS);
    }
    expect(await channelRow(stack, channelId)).toMatchObject({ enabled: true, consecutiveFailures: 0 });
  });

  test("redeliver sends a failed delivery again with the same webhook-id; the log continues", async () => {
    const { as, userId, channelId } = await hook("user_ch3");
    fakes.webhook.failNext({ kind: "status", status: 400 });
    await raise(stack, { userId, type: "deployment.error", title: "Failed", message: "x" });
    await stack.advance(SETTLE_MS);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d.status).toBe("failed");
    await as.mutation(api.deliveries.redeliver, { deliveryId: d._id });
    await stack.advance(SETTLE_MS);
    const [again] = await deliveriesOf(stack, channelId);
    expect(again).toMatchObject({ status: "sent", attempts: 2 });
    expect(fakes.webhook.verified.at(-1)!.id).toBe(d.messageId);
    expect((await attemptsOf(stack, d._id)).map((a) => a.outcome)).toEqual(["failed", "sent"]);
    const shown = await as.query(api.deliveries.attempts, { deliveryId: d._id });
    expect(shown.map((a) => a.attempt)).toEqual([2, 1]);
    const listed = await as.query(api.deliveries.list, { channelId, paginationOpts: PAGE });
    expect(listed.page.map((x) => x._id)).toEqual([d._id]);
    expect(listed.page[0]).not.toHaveProperty("userId");
  });

  test("redeliver refuses a delivery still in flight", async () => {
    const { as, userId, channelId } = await hook("user_ch4");
    fakes.webhook.failNext({ kind: "status", status: 500 });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(SETTLE_MS);
    const [d] = await deliveriesOf(stack, channelId);
    expect(d.status).toBe("retrying");
    await expectCode(as.mutation(api.deliveries.redeliver, { deliveryId: d._id }), "CONFLICT");
  });
});

describe("channel settings", () => {
  test("list never shows the secret; update/remove; preferences route event types to channels", async () => {
    const { as, userId, channelId } = await hook("user_ch5");
    const slack = await as.mutation(api.notificationChannels.create, {
      kind: "slack",
      name: "Team",
      target: `${fakes.slack.url}/services/T/B/X`,
      events: ["deployment.error"],
    });
    expect(slack.secret).toBeNull();
    const listed = await as.query(api.notificationChannels.list, {});
    expect(listed.map((c) => c.name).sort()).toEqual(["Hook", "Team"]);
    for (const c of listed) expect(c).not.toHaveProperty("secret");
    await as.mutation(api.notificationChannels.setPreference, {
      type: "deployment.ready",
      channelIds: [slack.channelId],
    });
    const prefs = await as.query(api.notificationChannels.preferences, {});
    expect(prefs.find((p) => p.type === "deployment.ready")!.channelIds).toEqual([slack.channelId]);
    expect(prefs.find((p) => p.type === "deployment.error")!.channelIds.sort()).toEqual(
      [channelId, slack.channelId].sort(),
    );
    const slackBefore = fakes.slack.messages.length;
    const hookBefore = fakes.webhook.requests.length;
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(SETTLE_MS);
    expect(fakes.slack.messages.length).toBe(slackBefore + 1);
    expect(fakes.webhook.requests.length).toBe(hookBefore);
    await as.mutation(api.notificationChannels.update, { channelId, name: "Renamed", events: [] });
    expect((await channelRow(stack, channelId)).name).toBe("Renamed");
    await as.mutation(api.notificationChannels.remove, { channelId });
    expect((await as.query(api.notificationChannels.list, {})).map((c) => c.name)).toEqual(["Team"]);
  });

  test("rotateSecret: deliveries are signed with the new secret only", async () => {
    const { as, userId, channelId } = await hook("user_ch8");
    const old = secret.value;
    const fresh = await as.mutation(api.notificationChannels.rotateSecret, { channelId });
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    await raise(stack, { userId, type: "deployment.ready", title: "Signed anew", message: "ok" });
    await stack.advance(SETTLE_MS);
    expect(fakes.webhook.rejected.at(-1)).toMatch(/signature/i); // the receiver still holds the old secret
    secret.value = fresh;
    const [d] = await deliveriesOf(stack, channelId);
    await as.mutation(api.deliveries.redeliver, { deliveryId: d._id });
    await stack.advance(SETTLE_MS);
    expect(fakes.webhook.verified.at(-1)).toMatchObject({ data: { title: "Signed anew" } });
    const { channelId: slackId } = await as.mutation(api.notificationChannels.create, {
      kind: "slack",
      name: "S",
      target: fakes.slack.url,
    });
    await expectCode(as.mutation(api.notificationChannels.rotateSecret, { channelId: slackId }), "CONFLICT");
  });

  test("test sends to that channel only and not to the inbox", async () => {
    const { as, channelId } = await hook("user_ch6");
    const deliveryId = await as.mutation(api.notificationChannels.test, { channelId });
    await stack.advance(SETTLE_MS);
    expect(fakes.webhook.verified.at(-1)).toMatchObject({
      type: "system",
      data: { title: "Test notification", test: true },
    });
    expect((await deliveriesOf(stack, channelId))[0]).toMatchObject({ _id: deliveryId, status: "sent" });
    expect((await as.query(api.notifications.list, { paginationOpts: PAGE })).page).toHaveLength(0);
  });

  test("bad input is INVALID and writes nothing", async () => {
    const { as } = await signedIn(stack, "user_ch7");
    await expectCode(
      as.mutation(api.notificationChannels.create, { kind: "webhook", name: " ", target: fakes.webhook.url }),
      "INVALID",
    );
    await expectCode(
      as.mutation(api.notificationChannels.create, { kind: "email", name: "Me", target: "not-an-address" }),
      "INVALID",
    );
    await expectCode(
      as.mutation(api.notificationChannels.create, { kind: "slack", name: "S", target: "ftp://example.com/x" }),
      "INVALID",
    );
    expect(await as.query(api.notificationChannels.list, {})).toEqual([]);
  });
});

describe("authorization: another user's channels and deliveries are NOT_FOUND", () => {
  test("bob cannot read, change, test, remove or redeliver alice's", async () => {
    const { userId, channelId } = await hook("user_alice_n");
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(SETTLE_MS);
    const [d] = await deliveriesOf(stack, channelId);
    const { as: bob } = await signedIn(stack, "user_bob_n");
    await expectCode(bob.mutation(api.notificationChannels.update, { channelId, enabled: false }), "NOT_FOUND");
    await expectCode(bob.mutation(api.notificationChannels.remove, { channelId }), "NOT_FOUND");
    await expectCode(bob.mutation(api.notificationChannels.rotateSecret, { channelId }), "NOT_FOUND");
    await expectCode(bob.mutation(api.notificationChannels.test, { channelId }), "NOT_FOUND");
    await expectCode(bob.mutation(api.notificationChannels.verifyEmail, { channelId, code: "000000" }), "NOT_FOUND");
    await expectCode(bob.mutation(api.notificationChannels.resendVerification, { channelId }), "NOT_FOUND");
    await expectCode(
      bob.mutation(api.notificationChannels.setPreference, { type: "deployment.ready", channelIds: [channelId] }),
      "NOT_FOUND",
    );
    await expectCode(bob.query(api.deliveries.list, { channelId, paginationOpts: PAGE }), "NOT_FOUND");
    await expectCode(bob.query(api.deliveries.attempts, { deliveryId: d._id }), "NOT_FOUND");
    await expectCode(bob.mutation(api.deliveries.redeliver, { deliveryId: d._id }), "NOT_FOUND");
    expect(await bob.query(api.notificationChannels.list, {})).toEqual([]);
    expect((await bob.query(api.deliveries.list, { paginationOpts: PAGE })).page).toEqual([]);
    expect(await channelRow(stack, channelId)).toMatchObject({ enabled: true });
  });

  test("anonymous callers are refused", async () => {
    await expectCode(stack.t.query(api.notificationChannels.list, {}), "UNAUTHENTICATED");
    await expectCode(
      stack.t.mutation(api.notificationChannels.create, { kind: "webhook", name: "x", target: fakes.webhook.url }),
      "UNAUTHENTICATED",
    );
  });
});
