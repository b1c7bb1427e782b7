// Checkout and portal through the real stripe SDK, pointed at a fake Stripe on 127.0.0.1;
// Lemon Squeezy checkout links by variant.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { newConvexTest } from "../convexTest";
import { expectCode } from "../convex/helpers";
import { startStripeFake, type StripeFake } from "../fakes/stripe";
import { billingEnv, DAY, rows, sendStripe, stripeEvent, subscription, withUser } from "./helpers";

let fake: StripeFake;
beforeAll(async () => {
  fake = await startStripeFake();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  billingEnv({
    STRIPE_API_URL: fake.url,
    STRIPE_SECRET_KEY: fake.secretKey,
    BILLING_RETURN_URL: "https://app.autocrea.test/billing",
  });
  fake.clearFaults();
});

describe("billing.checkout (Stripe)", () => {
  test("creates the customer once, remembers it, and returns Stripe's checkout URL for the plan's price", async () => {
    const { t, userId, as } = await withUser(newConvexTest(), "buyer");
    const before = fake.customers.size;
    const first = await as.action(api.billing.checkout, { plan: "pro" });
    const second = await as.action(api.billing.checkout, { plan: "starter" });
    expect(second.url).not.toBe(first.url);
    expect(first).toMatchObject({ provider: "stripe", mock: false });
    expect(first.url).toMatch(new RegExp(`^${fake.url}/c/pay/cs_test_`));
    expect(fake.customers.size - before).toBe(1);
    const sessions = [...fake.sessions.values()].slice(-2);
    expect(sessions[0]).toMatchObject({
      price: "price_pro",
      client_reference_id: userId,
      metadata: { userId, plan: "pro" },
      subscription_metadata: { userId, plan: "pro" },
    });
    expect(sessions[1]).toMatchObject({ price: "price_starter", customer: sessions[0].customer });
    expect(sessions[0].success_url).toBe("https://app.autocrea.test/billing?checkout=success");
    const stored = await t.run((ctx) => ctx.db.query("billingCustomers").collect());
    expect(stored).toEqual([expect.objectContaining({ userId, provider: "stripe", customerId: sessions[0].customer })]);
  });

  test("Stripe failing (500) is UPSTREAM and stores no customer; free needs no checkout", async () => {
    const { t, as } = await withUser(newConvexTest(), "unlucky");
    fake.failNext({ kind: "status", status: 500 }, 2);
    await expectCode(as.action(api.billing.checkout, { plan: "pro" }), "UPSTREAM");
    expect(await t.run((ctx) => ctx.db.query("billingCustomers").collect())).toEqual([]);
    await expectCode(as.action(api.billing.checkout, { plan: "free" }), "INVALID");
  });

  test("Stripe rate-limiting (429) is UPSTREAM_OVERLOADED and not retried; a Stripe that never answers is TIMEOUT; neither stores a customer", async () => {
    const { t, as } = await withUser(newConvexTest(), "throttled");
    const calls = fake.requests.length;
    fake.failNext({
      kind: "status",
      status: 429,
      body: { error: { type: "rate_limit_error", message: "Too many requests" } },
    });
    await expectCode(as.action(api.billing.checkout, { plan: "pro" }), "UPSTREAM_OVERLOADED");
    expect(fake.requests.length - calls).toBe(1);
    billingEnv({ STRIPE_API_URL: fake.url, STRIPE_SECRET_KEY: fake.secretKey, STRIPE_TIMEOUT_MS: "200" });
    fake.failNext({ kind: "stall" }, 2);
    await expectCode(as.action(api.billing.checkout, { plan: "pro" }), "TIMEOUT");
    expect(await t.run((ctx) => ctx.db.query("billingCustomers").collect())).toEqual([]);
    // The same call once Stripe answers again: one customer, one session.
    expect((await as.action(api.billing.checkout, { plan: "pro" })).url).toMatch(new RegExp(`^${fake.url}/c/pay/`));
  });

  test("an active subscriber is sent to the portal instead of a second subscription", async () => {
    const { t, userId, as } = await withUser(newConvexTest(), "subscriber");
    fake.customers.set("cus_1", { id: "cus_1", metadata: {} }); // made at Stripe by an earlier checkout
    const now = Date.now();
    await sendStripe(
      t,
      stripeEvent("evt_1", "customer.subscription.created", subscription({ userId, start: now, end: now + 30 * DAY })),
    );
    await expectCode(as.action(api.billing.checkout, { plan: "business" }), "CONFLICT");
    const portal = await as.action(api.billing.portal, {});
    expect(portal.url).toMatch(new RegExp(`^${fake.url}/p/session/`));
    expect(fake.portalSessions.at(-1)).toMatchObject({ customer: "cus_1" });
    expect((await rows(t, userId)).user.plan).toBe("pro");
  });

  test("portal before any checkout is NOT_FOUND; signed-out callers are refused; without settings it is UNAVAILABLE", async () => {
    const { t, as } = await withUser(newConvexTest(), "newcomer");
    await expectCode(as.action(api.billing.portal, {}), "NOT_FOUND");
    await expectCode(t.action(api.billing.checkout, { plan: "pro" }), "UNAUTHENTICATED");
    billingEnv({
      STRIPE_SECRET_KEY: undefined,
      STRIPE_WEBHOOK_SECRET: undefined,
      LEMONSQUEEZY_CHECKOUT_URL: undefined,
    });
    await expectCode(as.action(api.billing.checkout, { plan: "pro" }), "UNAVAILABLE");
  });
});

describe("billing.checkout (Lemon Squeezy)", () => {
  test("a checkout link by variant, carrying the user id back in custom data", async () => {
    const { userId, as } = await withUser(newConvexTest(), "lemon");
    const res = await as.action(api.billing.checkout, { plan: "business", provider: "lemonsqueezy" });
    const url = new URL(res.url);
    expect(url.origin + url.pathname).toBe("https://autocrea.lemonsqueezy.test/checkout/buy/103");
    expect(url.searchParams.get("checkout[custom][user_id]")).toBe(userId);
    expect(url.searchParams.get("checkout[email]")).toBe("lemon@example.com");
  });
});

describe("billing.plans", () => {
  test("the catalogue, public: price and every limit per plan", async () => {
    const plans = await newConvexTest().query(api.billing.plans, {});
    expect(plans.map((p) => p.plan)).toEqual(["free", "starter", "pro", "business"]);
    expect(plans[2]).toMatchObject({
      name: "Pro",
      monthlyPriceCents: 4900,
      dailyRequests: 10_000,
      deployPool: "paid",
      maxProjects: 200,
      maxStoredBytes: 10 * 1024 ** 3,
    });
    expect(plans[0]).toMatchObject({
      monthlyPriceCents: 0,
      deployPool: "free",
      maxProjects: 10,
      maxStoredBytes: 100 * 1024 ** 2,
    });
    expect(plans[0].models).not.toContain("claude-opus-5-5");
  });
});
