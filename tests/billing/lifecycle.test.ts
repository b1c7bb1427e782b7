// Time moves the plan: cancel at period end keeps the plan until the period ends; a failed
// payment keeps it through the grace period, then free unless a payment succeeds; an
// administrator's override lasts until its expiry. Fake timers drive the scheduled refreshes.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { ConvexTest } from "../convexTest";
import { expectCode } from "../convex/helpers";
import { billingEnv, DAY, invoice, makeAdmin, rows, sendStripe, stripeEvent, subscription, withUser } from "./helpers";

beforeEach(() => {
  billingEnv();
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 2, 12) });
});
afterEach(() => vi.useRealTimers());

/** Moves the fake clock a day at a time, running the scheduled functions that fall due. */
async function advance(t: ConvexTest, ms: number) {
  for (let left = ms; left > 0; left -= DAY) {
    vi.advanceTimersByTime(Math.min(DAY, left));
    await t.finishInProgressScheduledFunctions();
  }
}

describe("plan lifecycle", () => {
  test("cancel at period end: the plan stays until the period ends, then free (audited, notified)", async () => {
    const { t, userId, as } = await withUser();
    const now = Date.now();
    const period = { userId, start: now - 10 * DAY, end: now + 20 * DAY };
    await sendStripe(
      t,
      stripeEvent("evt_1", "customer.subscription.created", subscription(period), now - 10 * DAY + 1000),
      {
        timestampMs: now,
      },
    );
    await sendStripe(
      t,
      stripeEvent("evt_2", "customer.subscription.updated", subscription({ ...period, cancelAtPeriodEnd: true })),
    );
    let current = await as.query(api.billing.current, { today: "2026-11-02" });
    expect(current.plan.plan).toBe("pro");
    expect(current.billing).toMatchObject({ atPeriodEnd: "downgrades", periodEnd: period.end });
    // Today (Nov 2) through the period's last usage day (Nov 21; Nov 22 counts in the next period).
    expect(current.daysLeft).toBe(20);

    await advance(t, 19 * DAY);
    expect((await rows(t, userId)).user.plan).toBe("pro");
    await advance(t, 2 * DAY);
    const r = await rows(t, userId);
    expect(r.user.plan).toBe("free");
    expect(r.audit.at(-1)).toMatchObject({
      action: "plan.changed",
      from: "pro",
      to: "free",
      actor: { kind: "schedule" },
    });
    expect(r.notifications.at(-1)).toMatchObject({ type: "subscription.changed", title: "Your plan is now Free" });
    current = await as.query(api.billing.current, { today: "2026-11-23" });
    expect(current.billing.source).toBe("free");
  });

  test("payment failed: grace period visible to the user and notified, then free", async () => {
    const { t, userId, as } = await withUser();
    const now = Date.now();
    await sendStripe(
      t,
      stripeEvent("evt_1", "customer.subscription.created", subscription({ userId, start: now, end: now + 30 * DAY })),
    );
    await sendStripe(t, stripeEvent("evt_2", "invoice.payment_failed", invoice({ id: "in_1", paid: false })));
    await sendStripe(
      t,
      stripeEvent(
        "evt_3",
        "customer.subscription.updated",
        subscription({ userId, start: now, end: now + 30 * DAY, status: "past_due" }),
      ),
    );
    const current = await as.query(api.billing.current, {});
    expect(current.plan.plan).toBe("pro");
    expect(current.billing).toMatchObject({ graceEndsAt: now + 7 * DAY, atPeriodEnd: "downgrades" });
    const r = await rows(t, userId);
    expect(r.notifications.filter((n) => n.type === "payment.failed")).toHaveLength(1);

    await advance(t, 6 * DAY);
    expect((await rows(t, userId)).user.plan).toBe("pro");
    await advance(t, 2 * DAY);
    expect((await rows(t, userId)).user.plan).toBe("free");
  });

  test("payment failed, then paid within the grace period: the plan stays", async () => {
    const { t, userId } = await withUser();
    const now = Date.now();
    await sendStripe(
      t,
      stripeEvent("evt_1", "customer.subscription.created", subscription({ userId, start: now, end: now + 30 * DAY })),
    );
    await sendStripe(t, stripeEvent("evt_2", "invoice.payment_failed", invoice({ id: "in_1", paid: false })));
    await advance(t, 2 * DAY);
    await sendStripe(t, stripeEvent("evt_3", "invoice.paid", invoice({ id: "in_1", paid: true })));
    await advance(t, 10 * DAY);
    const r = await rows(t, userId);
    expect(r.user.plan).toBe("pro");
    expect(r.user.billing?.graceEndsAt).toBeUndefined();
    expect(r.user.billing?.atPeriodEnd).toBe("renews");
  });

  test("an administrator's override wins until it expires, then the subscription (or free) again", async () => {
    const { t, userId } = await withUser();
    const admin = await makeAdmin(t);
    const now = Date.now();
    await sendStripe(
      t,
      stripeEvent(
        "evt_1",
        "customer.subscription.created",
        subscription({ userId, plan: "starter", start: now, end: now + 60 * DAY }),
      ),
    );
    expect(
      await admin.as.mutation(api.admin.setPlanOverride, {
        userId,
        plan: "business",
        expiresAt: now + 3 * DAY,
        reason: "conference demo",
      }),
    ).toBe("business");
    let r = await rows(t, userId);
    expect(r.user.billing).toMatchObject({ source: "override", overrideExpiresAt: now + 3 * DAY });
    expect(r.audit.map((a) => a.action)).toEqual(["plan.changed", "plan.override_set", "plan.changed"]);
    expect(r.audit[2].actor).toEqual({ kind: "admin", userId: admin.userId });

    await advance(t, 4 * DAY);
    r = await rows(t, userId);
    expect(r.user.plan).toBe("starter");
    expect(r.user.billing?.source).toBe("subscription");
    await expectCode(
      admin.as.mutation(api.admin.setPlanOverride, { userId, plan: "pro", expiresAt: now, reason: "x" }),
      "INVALID",
    );
  });
});
