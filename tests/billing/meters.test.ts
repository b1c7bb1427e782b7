// Metered usage to Stripe Billing Meters through the real stripe SDK, pointed at the fake
// Stripe: one event per subscribed user and day from the daily rollup, only the difference on
// a rerun, nothing for mock subscriptions or users without one, and a failed call retried.
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { emptyTotals } from "../../convex/lib/usageRollup";
import crons from "../../convex/crons";
import { newConvexTest, type ConvexTest } from "../convexTest";
import { startStripeFake, type StripeFake } from "../fakes/stripe";
import { billingEnv, DAY, sendStripe, stripeEvent, subscription, withUser } from "./helpers";

const DAY_ID = "2026-11-20";
let fake: StripeFake;
beforeAll(async () => {
  fake = await startStripeFake();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  billingEnv({ STRIPE_API_URL: fake.url, STRIPE_SECRET_KEY: fake.secretKey, STRIPE_METER_EVENT: "autocrea_ai_tokens" });
  fake.clearFaults();
  fake.clearMeterEvents();
});

async function setTokens(t: ConvexTest, userId: Id<"users">, totalTokens: number) {
  await t.run(async (ctx) => {
    const row = await ctx.db
      .query("usageDaily")
      .withIndex("by_userId_and_day", (q) => q.eq("userId", userId).eq("day", DAY_ID))
      .unique();
    if (row) await ctx.db.patch("usageDaily", row._id, { totalTokens });
    else await ctx.db.insert("usageDaily", { userId, day: DAY_ID, ...emptyTotals(), requests: 1, totalTokens });
  });
}

async function setup() {
  const t = newConvexTest();
  const alice = await withUser(t, "alice");
  const bob = await withUser(t, "bob");
  const carol = await withUser(t, "carol");
  const now = Date.now();
  await sendStripe(
    t,
    stripeEvent(
      "evt_a",
      "customer.subscription.created",
      subscription({ userId: alice.userId, start: now, end: now + 30 * DAY }),
    ),
  );
  // Carol's subscription came from mocked payments: never reported.
  await t.run((ctx) =>
    ctx.db.insert("subscriptions", {
      userId: carol.userId,
      provider: "stripe",
      customerId: "cus_mock",
      subscriptionId: "sub_mock",
      plan: "pro",
      status: "active",
      currentPeriodStart: now,
      currentPeriodEnd: now + 30 * DAY,
      cancelAtPeriodEnd: false,
      amountCents: 4900,
      stateVersion: [now, now],
      mock: true,
      createdAt: now,
      updatedAt: now,
    }),
  );
  for (const u of [alice, bob, carol]) await setTokens(t, u.userId, 1_000);
  const report = () => t.action(internal.billingMeters.report, { days: [DAY_ID] });
  return { t, alice, report };
}

test("one event per subscribed user and day, then only the difference; the identifier carries the running total", async () => {
  const { t, alice, report } = await setup();
  expect(await report()).toEqual({ sent: 1, failed: 0, continued: false });
  expect(fake.meterEvents).toEqual([
    {
      event_name: "autocrea_ai_tokens",
      identifier: `${alice.userId}:${DAY_ID}:1000`,
      timestamp: Date.parse("2026-11-20T23:59:59Z") / 1000,
      customer: "cus_1",
      value: "1000",
    },
  ]);
  expect(await report()).toEqual({ sent: 0, failed: 0, continued: false });
  await setTokens(t, alice.userId, 1_500); // a request settled after the first run
  expect(await report()).toEqual({ sent: 1, failed: 0, continued: false });
  expect(fake.meterEvents.map((e) => e.value)).toEqual(["1000", "500"]);
});

test("Stripe failing (500 twice: the SDK's retry too) records nothing; the next run sends it", async () => {
  const { t, alice, report } = await setup();
  fake.failNext({ kind: "status", status: 500 }, 2);
  expect(await report()).toEqual({ sent: 0, failed: 1, continued: false });
  expect(await t.run((ctx) => ctx.db.query("meterReports").collect())).toEqual([]);
  expect(await report()).toEqual({ sent: 1, failed: 0, continued: false });
  expect(fake.meterEvents).toEqual([
    expect.objectContaining({ customer: "cus_1", value: "1000", identifier: `${alice.userId}:${DAY_ID}:1000` }),
  ]);
});

test("a send whose record was lost is sent again with the same idempotency key: still one event at Stripe", async () => {
  const { t, report } = await setup();
  expect(await report()).toEqual({ sent: 1, failed: 0, continued: false });
  await t.run(async (ctx) => {
    for (const r of await ctx.db.query("meterReports").collect()) await ctx.db.delete("meterReports", r._id);
  });
  expect(await report()).toEqual({ sent: 1, failed: 0, continued: false });
  expect(fake.meterEvents).toHaveLength(1);
  expect(await t.run((ctx) => ctx.db.query("meterReports").collect())).toEqual([
    expect.objectContaining({ day: DAY_ID, tokens: 1_000 }),
  ]);
});

test("past 2,000 subscriptions a run schedules its continuation, which reports the rest", async () => {
  const { t, alice, report } = await setup();
  const bob = (await t.run((ctx) => ctx.db.query("users").collect())).find((u) => u.clerkId === "bob")!;
  const now = Date.now();
  await t.run(async (ctx) => {
    // Alice's old canceled-and-renewed rows fill the first pages; Bob's, changed last, is on the last page.
    for (let i = 0; i < 2_050; i++) {
      await ctx.db.insert("subscriptions", {
        userId: alice.userId,
        provider: "stripe",
        customerId: "cus_1",
        subscriptionId: `sub_old_${i}`,
        plan: "pro",
        status: "active",
        currentPeriodStart: now,
        currentPeriodEnd: now + 30 * DAY,
        cancelAtPeriodEnd: false,
        amountCents: 4900,
        stateVersion: [now, now],
        createdAt: now,
        updatedAt: now - 10_000 + i,
      });
    }
    await ctx.db.insert("subscriptions", {
      userId: bob._id,
      provider: "stripe",
      customerId: "cus_bob",
      subscriptionId: "sub_bob",
      plan: "pro",
      status: "active",
      currentPeriodStart: now,
      currentPeriodEnd: now + 30 * DAY,
      cancelAtPeriodEnd: false,
      amountCents: 4900,
      stateVersion: [now, now],
      createdAt: now,
      updatedAt: now + 60_000,
    });
  });
  expect(await report()).toEqual({ sent: 1, failed: 0, continued: true });
  expect(fake.meterEvents.map((e) => e.customer)).toEqual(["cus_1"]);
  // The continuation is scheduled at once (runAfter 0) and runs by itself: wait for it to end.
  const continuation = () =>
    t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).find((f) => f.name.includes("billingMeters")),
    );
  expect((await continuation())?.args[0]).toMatchObject({ days: [DAY_ID], cursor: expect.any(String) });
  for (let i = 0; i < 500 && (await continuation())?.state.kind !== "success"; i++)
    await new Promise((r) => setTimeout(r, 10));
  expect((await continuation())?.state.kind).toBe("success");
  expect(fake.meterEvents.map((e) => e.customer)).toEqual(["cus_1", "cus_bob"]);
});

test("off without STRIPE_METER_EVENT or with mocked payments; a daily cron runs it", async () => {
  const { report } = await setup();
  billingEnv({ STRIPE_API_URL: fake.url, STRIPE_SECRET_KEY: fake.secretKey });
  expect(await report()).toEqual({ sent: 0, failed: 0, continued: false });
  billingEnv({
    STRIPE_METER_EVENT: "autocrea_ai_tokens",
    STRIPE_SECRET_KEY: undefined,
    AUTOCREA_MOCK_SERVICES: "stripe",
  });
  expect(await report()).toEqual({ sent: 0, failed: 0, continued: false });
  expect(fake.meterEvents).toEqual([]);
  const entry = Object.entries((crons as unknown as { crons: Record<string, { name: string }> }).crons).find(([name]) =>
    name.includes("metered"),
  );
  expect(entry?.[1].name).toBe("billingMeters:report");
});
