// Mocked payments (no keys; AUTOCREA_MOCK_SERVICES lists stripe / lemonsqueezy): checkout is
// a local page whose confirmation sends the provider's own signed webhooks through the real
// webhook path, and everything it creates says mock.
import { beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { ConvexTest } from "../convexTest";
import { billingEnv, rows, withUser } from "./helpers";

beforeEach(() =>
  billingEnv({
    AUTOCREA_MOCK_SERVICES: "stripe,lemonsqueezy",
    STRIPE_SECRET_KEY: undefined,
    STRIPE_WEBHOOK_SECRET: undefined,
    STRIPE_PRICES: undefined,
    LEMONSQUEEZY_CHECKOUT_URL: undefined,
    LEMONSQUEEZY_WEBHOOK_SECRET: undefined,
    LEMONSQUEEZY_VARIANTS: undefined,
  }),
);

async function post(t: ConvexTest, path: string, form: Record<string, string>) {
  const res = await t.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe.each(["stripe", "lemonsqueezy"] as const)("mocked %s", (provider) => {
  test("checkout → local page → confirm: the signed webhooks change the plan, all marked mock", async () => {
    const { t, userId, as } = await withUser();
    const checkout = await as.action(api.billing.checkout, { plan: "pro", provider });
    expect(checkout).toMatchObject({ provider, mock: true });
    const url = new URL(checkout.url, "http://convex.local");
    expect(url.pathname).toBe("/billing/mock/checkout");
    const page = await t.fetch(url.pathname + url.search);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("MOCK PAYMENTS");

    const confirmed = await post(t, "/billing/mock/confirm", { id: url.searchParams.get("id")! });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ ok: true, mock: true, plan: "pro" });
    // Every event went through signature verification and was applied.
    expect(confirmed.body.results.every((r: { result: string }) => r.result === "applied")).toBe(true);
    const r = await rows(t, userId);
    expect(r.user.plan).toBe("pro");
    expect(r.user.billing).toMatchObject({ source: "subscription", provider, mock: true });
    expect(r.subscriptions).toEqual([expect.objectContaining({ provider, mock: true, status: "active" })]);
    expect(r.invoices).toEqual([expect.objectContaining({ provider, status: "paid", mock: true })]);
    expect(r.events.map((e) => e.source)).toEqual(expect.arrayContaining([provider]));

    // Confirmed once only.
    expect((await post(t, "/billing/mock/confirm", { id: url.searchParams.get("id")! })).status).toBe(409);

    // The mock portal: cancel at period end keeps the plan and says it downgrades; a failed payment starts the grace period.
    const portal = await as.action(api.billing.portal, { provider });
    const portalUrl = new URL(portal.url, "http://convex.local");
    expect((await t.fetch(portalUrl.pathname + portalUrl.search)).status).toBe(200);
    const user = portalUrl.searchParams.get("user")!;
    expect((await post(t, "/billing/mock/portal", { user, provider, action: "cancel" })).status).toBe(200);
    let after = await rows(t, userId);
    expect(after.user.plan).toBe("pro");
    expect(after.user.billing?.atPeriodEnd).toBe("downgrades");
    await post(t, "/billing/mock/portal", { user, provider, action: "fail_payment" });
    after = await rows(t, userId);
    expect(after.user.billing?.graceEndsAt).toBeGreaterThan(Date.now());
    expect(after.notifications.map((n) => n.type)).toContain("payment.failed");
  });
});

test("a malformed body or an unknown checkout is a client error, never a 500", async () => {
  const { t } = await withUser();
  const bad = await t.fetch("/billing/mock/confirm", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{",
  });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as any).error.code).toBe("INVALID");
  expect((await post(t, "/billing/mock/confirm", { id: "nope" })).body.error.code).toBe("NOT_FOUND");
  expect(
    (await post(t, "/billing/mock/portal", { user: "x", provider: "stripe", action: "explode" })).body.error.code,
  ).toBe("INVALID");
});

test("the mock pages refuse when payments are real", async () => {
  billingEnv();
  const { t } = await withUser();
  const res = await post(t, "/billing/mock/portal", { user: "x", provider: "stripe", action: "cancel" });
  expect(res.body.error.code).toBe("UNAVAILABLE");
});
