// admin.revenue reads counters that every subscription write moves (convex/lib/revenueTotals.ts):
// the figures follow each subscription through its life, whatever order its events arrive in,
// and reading them costs the same whatever the number of subscriptions.
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { billingEnv, DAY, makeAdmin, sendStripe, stripeEvent, subscription, withUser } from "./helpers";
import { newConvexTest } from "../convexTest";

async function setup() {
  billingEnv();
  const t = newConvexTest();
  const alice = await withUser(t, "alice");
  const bob = await withUser(t, "bob");
  const admin = await makeAdmin(t);
  const revenue = async () =>
    Object.fromEntries(
      (await admin.as.query(api.admin.revenue, {}))
        .filter((r) => r.subscriptions !== 0 || r.monthlyCents !== 0)
        .map((r) => [r.plan, { subscriptions: r.subscriptions, monthlyCents: r.monthlyCents }]),
    );
  return { t, alice, bob, revenue };
}

describe("admin.revenue", () => {
  test("follows each subscription: created, changed plan, past due, canceled", async () => {
    const { t, alice, bob, revenue } = await setup();
    const now = Date.now();
    const sub = (userId: string, id: string, extra: Partial<Parameters<typeof subscription>[0]> = {}) =>
      subscription({ userId, id, customer: `cus_${id}`, start: now, end: now + 30 * DAY, ...extra });
    await sendStripe(t, stripeEvent("evt_a1", "customer.subscription.created", sub(alice.userId, "sub_a"), now));
    await sendStripe(t, stripeEvent("evt_b1", "customer.subscription.created", sub(bob.userId, "sub_b"), now));
    expect(await revenue()).toEqual({ pro: { subscriptions: 2, monthlyCents: 9800 } });

    await sendStripe(
      t,
      stripeEvent(
        "evt_a2",
        "customer.subscription.updated",
        sub(alice.userId, "sub_a", { plan: "business" }),
        now + 1000,
      ),
    );
    expect(await revenue()).toEqual({
      pro: { subscriptions: 1, monthlyCents: 4900 },
      business: { subscriptions: 1, monthlyCents: 4900 },
    });

    // An older event of Alice's arriving late changes nothing, here as in her plan.
    await sendStripe(t, stripeEvent("evt_a0", "customer.subscription.updated", sub(alice.userId, "sub_a"), now - 1000));
    expect((await revenue()).business).toEqual({ subscriptions: 1, monthlyCents: 4900 });

    await sendStripe(
      t,
      stripeEvent(
        "evt_b2",
        "customer.subscription.updated",
        sub(bob.userId, "sub_b", { status: "past_due" }),
        now + 2000,
      ),
    );
    expect(await revenue()).toEqual({ business: { subscriptions: 1, monthlyCents: 4900 } });

    await sendStripe(
      t,
      stripeEvent(
        "evt_a3",
        "customer.subscription.deleted",
        sub(alice.userId, "sub_a", { status: "canceled" }),
        now + 3000,
      ),
    );
    expect(await revenue()).toEqual({});
  });

  test("a replayed event counts once", async () => {
    const { t, alice, revenue } = await setup();
    const now = Date.now();
    const payload = stripeEvent(
      "evt_1",
      "customer.subscription.created",
      subscription({ userId: alice.userId, start: now, end: now + 30 * DAY }),
    );
    await sendStripe(t, payload);
    await sendStripe(t, payload);
    expect(await revenue()).toEqual({ pro: { subscriptions: 1, monthlyCents: 4900 } });
  });
});
