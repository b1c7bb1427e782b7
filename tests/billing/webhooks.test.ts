// Stripe and Lemon Squeezy webhooks: signed deliveries change the plan; forged, stale,
// replayed and out-of-order ones do not move the state backwards or twice.
import { beforeEach, describe, expect, test } from "vitest";
import {
  billingEnv,
  DAY,
  invoice,
  lemonInvoice,
  lemonSubscription,
  rows,
  sendLemon,
  sendStripe,
  stripeEvent,
  subscription,
  withUser,
} from "./helpers";

beforeEach(() => billingEnv());

describe("Stripe webhooks", () => {
  test("a signed customer.subscription.created gives the plan, with an audit row and a notification", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    const res = await sendStripe(
      t,
      stripeEvent("evt_1", "customer.subscription.created", subscription({ userId, start: now, end: now + 30 * DAY })),
    );
    expect(res).toEqual({ status: 200, body: { result: "applied" } });
    const r = await rows(t, userId);
    expect(r.user.plan).toBe("pro");
    expect(r.user.billing).toMatchObject({
      source: "subscription",
      provider: "stripe",
      atPeriodEnd: "renews",
      periodEnd: Math.floor((now + 30 * DAY) / 1000) * 1000,
    });
    expect(r.subscriptions).toHaveLength(1);
    expect(r.subscriptions[0]).toMatchObject({
      provider: "stripe",
      subscriptionId: "sub_1",
      customerId: "cus_1",
      plan: "pro",
      status: "active",
    });
    expect(r.audit).toEqual([
      expect.objectContaining({
        action: "plan.changed",
        from: "free",
        to: "pro",
        actor: { kind: "stripe", eventId: "evt_1" },
      }),
    ]);
    expect(r.notifications).toEqual([
      expect.objectContaining({ type: "subscription.changed", title: "Your plan is now Pro" }),
    ]);
  });

  test("forged (other secret), unsigned and stale (6 minutes old) events are refused and write nothing", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    const payload = stripeEvent(
      "evt_1",
      "customer.subscription.created",
      subscription({ userId, start: now, end: now + 30 * DAY }),
    );
    expect((await sendStripe(t, payload, { secret: "whsec_someone_else" })).status).toBe(400);
    expect((await sendStripe(t, payload, { header: null })).body.error.code).toBe("INVALID");
    expect((await sendStripe(t, payload, { header: "t=1,v1=deadbeef" })).status).toBe(400);
    const stale = await sendStripe(t, payload, { timestampMs: now - 6 * 60_000 });
    expect(stale.status).toBe(400);
    expect(stale.body.error.message).toMatch(/older than 5 minutes/);
    // A body changed after signing no longer matches.
    const signed = await sendStripe(t, payload, { header: null });
    void signed;
    const r = await rows(t, userId);
    expect(r.user.plan).toBe("free");
    expect(r.subscriptions).toEqual([]);
    expect(r.events).toEqual([]);
    // Within the tolerance (4 minutes old) the same event is accepted.
    expect((await sendStripe(t, payload, { timestampMs: now - 4 * 60_000 })).body.result).toBe("applied");
  });

  test("a replayed event is applied once", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    const payload = stripeEvent(
      "evt_1",
      "customer.subscription.created",
      subscription({ userId, start: now, end: now + 30 * DAY }),
    );
    expect((await sendStripe(t, payload)).body.result).toBe("applied");
    expect((await sendStripe(t, payload)).body.result).toBe("duplicate");
    const r = await rows(t, userId);
    expect(r.audit).toHaveLength(1);
    expect(r.notifications).toHaveLength(1);
    expect(r.events).toHaveLength(1);
  });

  test("out of order: an older state arriving late changes nothing; state follows the newest object", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    const period = { userId, start: now - DAY, end: now + 29 * DAY };
    // Newer first: the user canceled at period end (t+10 s), then the older "created" arrives.
    await sendStripe(
      t,
      stripeEvent(
        "evt_2",
        "customer.subscription.updated",
        subscription({ ...period, cancelAtPeriodEnd: true }),
        now + 10_000,
      ),
    );
    expect(
      (await sendStripe(t, stripeEvent("evt_1", "customer.subscription.created", subscription(period), now))).body
        .result,
    ).toBe("stale");
    let r = await rows(t, userId);
    expect(r.subscriptions[0].cancelAtPeriodEnd).toBe(true);
    expect(r.user.billing?.atPeriodEnd).toBe("downgrades");

    // Deleted, then an older update: canceled is final.
    await sendStripe(
      t,
      stripeEvent(
        "evt_4",
        "customer.subscription.deleted",
        subscription({ ...period, status: "canceled" }),
        now + 30_000,
      ),
    );
    expect(
      (await sendStripe(t, stripeEvent("evt_3", "customer.subscription.updated", subscription(period), now + 20_000)))
        .body.result,
    ).toBe("stale");
    r = await rows(t, userId);
    expect(r.subscriptions[0].status).toBe("canceled");
    expect(r.user.plan).toBe("free");
  });

  test("a later period wins over an earlier one even when its event is older", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    // The renewal's update (period 2) carries an earlier `created` than a late retry about period 1.
    await sendStripe(
      t,
      stripeEvent(
        "evt_b",
        "customer.subscription.updated",
        subscription({ userId, plan: "business", start: now, end: now + 30 * DAY }),
        now,
      ),
    );
    const late = stripeEvent(
      "evt_a",
      "customer.subscription.updated",
      subscription({ userId, plan: "pro", start: now - 30 * DAY, end: now }),
      now + 5_000,
    );
    expect((await sendStripe(t, late)).body.result).toBe("stale");
    expect((await rows(t, userId)).user.plan).toBe("business");
  });

  test("checkout.session.completed gives the plan at once; the subscription's own state then replaces it", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    const session = {
      id: "cs_1",
      object: "checkout.session",
      mode: "subscription",
      customer: "cus_1",
      subscription: "sub_1",
      client_reference_id: userId,
      metadata: { plan: "starter" },
    };
    expect((await sendStripe(t, stripeEvent("evt_1", "checkout.session.completed", session, now))).body.result).toBe(
      "applied",
    );
    expect((await rows(t, userId)).user.plan).toBe("starter");
    await sendStripe(
      t,
      stripeEvent(
        "evt_2",
        "customer.subscription.created",
        subscription({ userId, plan: "starter", start: now - 60_000, end: now + 30 * DAY }),
        now - 60_000,
      ),
    );
    const r = await rows(t, userId);
    expect(r.subscriptions).toHaveLength(1);
    expect(r.subscriptions[0].currentPeriodStart).toBe(Math.floor((now - 60_000) / 1000) * 1000);
    // The customer is remembered for the user: later events without our metadata still find them.
    const bare = {
      ...subscription({ userId: "", plan: "pro", id: "sub_2", start: now, end: now + 30 * DAY }),
      metadata: {},
    };
    expect((await sendStripe(t, stripeEvent("evt_3", "customer.subscription.created", bare))).body.result).toBe(
      "applied",
    );
    expect((await rows(t, userId)).user.plan).toBe("pro");
  });

  test("an event for nobody we know is not recorded (a retry can still apply it)", async () => {
    const { t } = await withUser();
    const now = Date.now();
    const orphan = {
      ...subscription({ userId: "", customer: "cus_unknown", start: now, end: now + DAY }),
      metadata: {},
    };
    expect((await sendStripe(t, stripeEvent("evt_x", "customer.subscription.created", orphan))).body.result).toBe(
      "unknown",
    );
    expect((await t.run((ctx) => ctx.db.query("webhookEvents").collect())).length).toBe(0);
  });

  test("invoices are recorded; a paid invoice stays paid when its failure arrives late", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    await sendStripe(
      t,
      stripeEvent(
        "evt_1",
        "customer.subscription.created",
        subscription({ userId, start: now, end: now + 30 * DAY }),
        now,
      ),
    );
    await sendStripe(t, stripeEvent("evt_3", "invoice.paid", invoice({ id: "in_1", paid: true }), now + 2000));
    await sendStripe(
      t,
      stripeEvent("evt_2", "invoice.payment_failed", invoice({ id: "in_1", paid: false }), now + 1000),
    );
    const r = await rows(t, userId);
    expect(r.invoices).toEqual([expect.objectContaining({ invoiceId: "in_1", status: "paid", amountCents: 4900 })]);
    expect(r.subscriptions[0].graceEndsAt).toBeUndefined();
  });
});

describe("Lemon Squeezy webhooks", () => {
  test("a signed subscription_created maps onto the same subscription row and plan", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    const res = await sendLemon(
      t,
      lemonSubscription("subscription_created", { userId, plan: "starter", renewsAt: now + 30 * DAY, updatedAt: now }),
    );
    expect(res).toEqual({ status: 200, body: { result: "applied" } });
    const r = await rows(t, userId);
    expect(r.user.plan).toBe("starter");
    expect(r.subscriptions[0]).toMatchObject({
      provider: "lemonsqueezy",
      subscriptionId: "9001",
      customerId: "77",
      plan: "starter",
      status: "active",
    });
    expect(r.audit[0].actor).toMatchObject({ kind: "lemonsqueezy" });
  });

  test("a wrong X-Signature is refused; a replay is a duplicate; an older update is stale", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    const created = lemonSubscription("subscription_created", { userId, renewsAt: now + 30 * DAY, updatedAt: now });
    expect((await sendLemon(t, created, "not-the-secret")).status).toBe(400);
    expect((await rows(t, userId)).subscriptions).toEqual([]);
    expect((await sendLemon(t, created)).body.result).toBe("applied");
    expect((await sendLemon(t, created)).body.result).toBe("duplicate");
    await sendLemon(
      t,
      lemonSubscription("subscription_cancelled", {
        userId,
        status: "cancelled",
        renewsAt: now + 30 * DAY,
        updatedAt: now + 2000,
      }),
    );
    const older = lemonSubscription("subscription_updated", {
      userId,
      renewsAt: now + 30 * DAY,
      updatedAt: now + 1000,
    });
    expect((await sendLemon(t, older)).body.result).toBe("stale");
    const r = await rows(t, userId);
    expect(r.subscriptions[0].cancelAtPeriodEnd).toBe(true);
    expect(r.user.plan).toBe("pro");
    // expired ends it.
    await sendLemon(
      t,
      lemonSubscription("subscription_expired", {
        userId,
        status: "expired",
        renewsAt: now + 30 * DAY,
        updatedAt: now + 3000,
      }),
    );
    expect((await rows(t, userId)).user.plan).toBe("free");
  });

  test("subscription_payment_failed starts the grace period and notifies; payment_success ends it", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    await sendLemon(t, lemonSubscription("subscription_created", { userId, renewsAt: now + 30 * DAY, updatedAt: now }));
    await sendLemon(t, lemonInvoice("subscription_payment_failed", { id: "inv-1", userId, updatedAt: now + 1000 }));
    let r = await rows(t, userId);
    expect(r.subscriptions[0].graceEndsAt).toBe(now + 1000 + 7 * DAY);
    expect(r.user.billing).toMatchObject({ graceEndsAt: now + 1000 + 7 * DAY, atPeriodEnd: "downgrades" });
    expect(r.notifications.map((n) => n.type)).toContain("payment.failed");
    await sendLemon(t, lemonInvoice("subscription_payment_success", { id: "inv-2", userId, updatedAt: now + 2000 }));
    r = await rows(t, userId);
    expect(r.subscriptions[0].graceEndsAt).toBeUndefined();
    expect(r.invoices.map((i) => i.status).sort()).toEqual(["failed", "paid"]);
  });
});
