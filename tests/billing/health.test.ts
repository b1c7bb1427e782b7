// GET /health says how payments run (Convex holds their keys): `mode` is the provider a
// checkout uses (stripe, lemonsqueezy), mock when only mocked ones are there, off with none.
import { expect, test } from "vitest";
import { stackForFile } from "../stackForFile";
import { billingEnv } from "./helpers";

const stack = stackForFile({ env: { EDGE_HEALTH_CACHE_MS: "0" } });

async function payments() {
  const res = await fetch(`${stack.edgeUrl}/health`);
  expect(res.status).toBe(200);
  return (await res.json()).payments;
}

test("payments on /health: mock without keys in the mocked list, the real provider with keys, off with neither", async () => {
  const none = { STRIPE_SECRET_KEY: undefined, STRIPE_WEBHOOK_SECRET: undefined, LEMONSQUEEZY_CHECKOUT_URL: undefined };
  billingEnv({ ...none, AUTOCREA_MOCK_SERVICES: "stripe,lemonsqueezy" });
  expect(await payments()).toEqual({ mode: "mock", stripe: "mock", lemonsqueezy: "mock" });
  billingEnv({ LEMONSQUEEZY_CHECKOUT_URL: undefined });
  expect(await payments()).toEqual({ mode: "stripe", stripe: "real", lemonsqueezy: "off" });
  billingEnv({ STRIPE_SECRET_KEY: undefined, AUTOCREA_MOCK_SERVICES: "stripe" });
  expect(await payments()).toEqual({ mode: "lemonsqueezy", stripe: "mock", lemonsqueezy: "real" });
  billingEnv(none);
  expect(await payments()).toEqual({ mode: "off", stripe: "off", lemonsqueezy: "off" });
  // Never mocked on a production deployment: the mock pages and their public signing secret stay off.
  for (const value of ["production", "Prod ", "typo"]) {
    billingEnv({ ...none, AUTOCREA_MOCK_SERVICES: "stripe,lemonsqueezy", AUTOCREA_ENV: value });
    expect(await payments()).toEqual({ mode: "off", stripe: "off", lemonsqueezy: "off" });
  }
  billingEnv({ ...none, AUTOCREA_MOCK_SERVICES: "stripe", AUTOCREA_ENV: "development" });
  expect((await payments()).stripe).toBe("mock");
});
