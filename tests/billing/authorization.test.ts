// Who may call what: every billing read is the caller's own, every admin function refuses
// non-administrators and signed-out callers, and a suspended account is refused everywhere.
import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { newConvexTest } from "../convexTest";
import { expectCode, PAGE } from "../convex/helpers";
import { billingEnv, DAY, invoice, makeAdmin, rows, sendStripe, stripeEvent, subscription, withUser } from "./helpers";
import { callerFor } from "../keys";

async function setup() {
  billingEnv();
  const t = newConvexTest();
  const alice = await withUser(t, "alice");
  const bob = await withUser(t, "bob");
  const admin = await makeAdmin(t);
  const now = Date.now();
  await sendStripe(
    t,
    stripeEvent(
      "evt_1",
      "customer.subscription.created",
      subscription({ userId: alice.userId, start: now, end: now + 30 * DAY }),
    ),
  );
  await sendStripe(t, stripeEvent("evt_2", "invoice.paid", invoice({ id: "in_1", paid: true })));
  return { t, alice, bob, admin };
}

describe("billing reads are the caller's own", () => {
  test("invoices, current and usage: a second user sees none of the first's; signed out is refused", async () => {
    const { t, alice, bob } = await setup();
    expect((await alice.as.query(api.billing.invoices, { paginationOpts: PAGE })).page).toEqual([
      expect.objectContaining({ invoiceId: "in_1", status: "paid", amountCents: 4900, mock: false }),
    ]);
    expect((await bob.as.query(api.billing.invoices, { paginationOpts: PAGE })).page).toEqual([]);
    expect((await alice.as.query(api.billing.current, {})).plan.plan).toBe("pro");
    expect((await bob.as.query(api.billing.current, {})).plan.plan).toBe("free");
    await expectCode(t.query(api.billing.current, {}), "UNAUTHENTICATED");
    await expectCode(t.query(api.billing.usage, { period: "2026-10" }), "UNAUTHENTICATED");
    await expectCode(t.query(api.billing.invoices, { paginationOpts: PAGE }), "UNAUTHENTICATED");
    await expectCode(alice.as.query(api.billing.usage, { period: "2026-13" }), "INVALID");
    await expectCode(alice.as.query(api.billing.current, { today: "yesterday" }), "INVALID");
  });
});

describe("checkout and portal are the caller's own", () => {
  test("a second user gets no portal on the first's customer; their checkout makes their own; signed out is refused", async () => {
    billingEnv({
      AUTOCREA_MOCK_SERVICES: "stripe",
      STRIPE_SECRET_KEY: undefined,
      STRIPE_WEBHOOK_SECRET: undefined,
      LEMONSQUEEZY_CHECKOUT_URL: undefined,
    });
    const t = newConvexTest();
    const alice = await withUser(t, "alice");
    const bob = await withUser(t, "bob");
    await alice.as.action(api.billing.checkout, { plan: "pro" });
    await expectCode(bob.as.action(api.billing.portal, {}), "NOT_FOUND");
    await expectCode(t.action(api.billing.portal, {}), "UNAUTHENTICATED");
    await bob.as.action(api.billing.checkout, { plan: "starter" });
    const customers = await t.run((ctx) => ctx.db.query("billingCustomers").collect());
    expect(new Set(customers.map((c) => c.userId))).toEqual(new Set([alice.userId, bob.userId]));
    expect(new Set(customers.map((c) => c.customerId)).size).toBe(2);
    const aliceUser = new URL((await alice.as.action(api.billing.portal, {})).url, "http://x").searchParams.get("user");
    const bobUser = new URL((await bob.as.action(api.billing.portal, {})).url, "http://x").searchParams.get("user");
    expect([aliceUser, bobUser]).toEqual([alice.userId, bob.userId]);
  });
});

describe("admin functions", () => {
  test("every one refuses a non-administrator and a signed-out caller, and writes nothing", async () => {
    const { t, alice, bob } = await setup();
    const id = alice.userId;
    const calls = [
      (as: typeof bob.as) => as.query(api.admin.users, { paginationOpts: PAGE }),
      (as: typeof bob.as) => as.query(api.admin.userUsage, { userId: id, period: "2026-11" }),
      (as: typeof bob.as) => as.query(api.admin.subscriptions, { status: "active", paginationOpts: PAGE }),
      (as: typeof bob.as) => as.query(api.admin.revenue, {}),
      (as: typeof bob.as) => as.query(api.admin.auditLog, { userId: id, paginationOpts: PAGE }),
      (as: typeof bob.as) => as.query(api.operations.aiHealthStats, { since: 0 }),
      (as: typeof bob.as) => as.query(api.operations.deploymentHealthStats, { since: 0 }),
      (as: typeof bob.as) => as.query(api.operations.topProjects, { since: 0 }),
      (as: typeof bob.as) =>
        as.mutation(api.admin.setPlanOverride, {
          userId: id,
          plan: "business",
          expiresAt: Date.now() + DAY,
          reason: "x",
        }),
      (as: typeof bob.as) => as.mutation(api.admin.clearPlanOverride, { userId: id, reason: "x" }),
      (as: typeof bob.as) => as.mutation(api.admin.setRole, { userId: bob.userId, role: "admin", reason: "x" }),
      (as: typeof bob.as) => as.mutation(api.admin.setSuspended, { userId: id, suspended: true, reason: "x" }),
    ];
    const before = await rows(t, id);
    for (const call of calls) {
      await expectCode(call(bob.as), "FORBIDDEN");
      await expectCode(call(t as unknown as typeof bob.as), "UNAUTHENTICATED");
    }
    const after = await rows(t, id);
    expect(after.user).toEqual(before.user);
    expect(after.audit).toEqual(before.audit);
    expect((await t.run((ctx) => ctx.db.get("users", bob.userId)))!.role).toBe("user");
  });

  test("reads: users by email prefix and by plan, subscriptions by state, revenue per plan, a user's period usage", async () => {
    const { alice, admin } = await setup();
    const byEmail = await admin.as.query(api.admin.users, { paginationOpts: PAGE, emailPrefix: "ALI" });
    expect(byEmail.page.map((u) => u.email)).toEqual(["alice@example.com"]);
    const pro = await admin.as.query(api.admin.users, { paginationOpts: PAGE, plan: "pro" });
    expect(pro.page.map((u) => u.id)).toEqual([alice.userId]);
    expect(
      (await admin.as.query(api.admin.users, { paginationOpts: { numItems: 2, cursor: null } })).page,
    ).toHaveLength(2);
    const active = await admin.as.query(api.admin.subscriptions, { status: "active", paginationOpts: PAGE });
    expect(active.page).toEqual([expect.objectContaining({ userId: alice.userId, plan: "pro", mock: false })]);
    const revenue = await admin.as.query(api.admin.revenue, {});
    expect(revenue.find((r) => r.plan === "pro")).toEqual({
      plan: "pro",
      subscriptions: 1,
      monthlyCents: 4900,
    });
    expect(revenue.find((r) => r.plan === "business")?.subscriptions).toBe(0);
    const usage = await admin.as.query(api.admin.userUsage, { userId: alice.userId, period: "2026-11" });
    expect(usage).toMatchObject({ requests: 0, costMicros: 0 });
  });

  test("grant admin and suspend are audited; a suspended user is refused everywhere with ACCOUNT_SUSPENDED", async () => {
    const { t, alice, bob, admin } = await setup();
    await admin.as.mutation(api.admin.setRole, { userId: bob.userId, role: "admin", reason: "new operator" });
    expect((await bob.as.query(api.admin.users, { paginationOpts: PAGE })).page.length).toBeGreaterThan(0);

    await admin.as.mutation(api.admin.setSuspended, {
      userId: alice.userId,
      suspended: true,
      reason: "chargeback fraud",
    });
    await expectCode(alice.as.query(api.billing.current, {}), "ACCOUNT_SUSPENDED");
    await expectCode(alice.as.query(api.users.me, {}), "ACCOUNT_SUSPENDED");
    await expectCode(alice.as.action(api.billing.checkout, { plan: "business" }), "ACCOUNT_SUSPENDED");
    await expectCode(
      t.mutation(internal.ai.begin, { caller: callerFor("alice"), type: "explain", prompt: "x", promptChars: 1 }),
      "ACCOUNT_SUSPENDED",
    );
    await expectCode(
      admin.as.mutation(api.admin.setSuspended, { userId: admin.userId, suspended: true, reason: "oops" }),
      "INVALID",
    );

    await admin.as.mutation(api.admin.setSuspended, { userId: alice.userId, suspended: false, reason: "resolved" });
    expect((await alice.as.query(api.billing.current, {})).plan.plan).toBe("pro");
    const log = await admin.as.query(api.admin.auditLog, { userId: alice.userId, paginationOpts: PAGE });
    expect(log.page.map((a) => a.action)).toEqual(["user.unsuspended", "user.suspended", "plan.changed"]);
    expect(log.page[1]).toMatchObject({ reason: "chargeback fraud", actor: { kind: "admin", userId: admin.userId } });
    const bobLog = await admin.as.query(api.admin.auditLog, { userId: bob.userId, paginationOpts: PAGE });
    expect(bobLog.page).toEqual([expect.objectContaining({ action: "role.changed", from: "user", to: "admin" })]);
  });
});
