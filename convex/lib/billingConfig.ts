// Payment providers' settings, read from Convex's environment (see .env.example and
// docs/billing.md). Each provider is real (keys set), mock (listed in AUTOCREA_MOCK_SERVICES:
// checkout is a local confirmation page that sends the provider's own signed webhook) or off.
import type { Plan } from "../validators";
import { fail } from "./errors";
import { paymentMode, type ServiceMode } from "./mockServices";
import { DAY_MS } from "./usageRollup";

type Env = Record<string, string | undefined>;
export type PaidPlan = Exclude<Plan, "free">;
export const PAID_PLANS: PaidPlan[] = ["starter", "pro", "business"];

/** The webhook secret mocked payments sign with when none is set (development only). */
export const MOCK_WEBHOOK_SECRET = "whsec_autocrea_mock_payments";
/** Stripe's default tolerance: events signed more than 5 minutes ago are refused. */
export const STRIPE_TOLERANCE_SEC = 300;
const DEFAULT_GRACE_DAYS = 7;
const DEFAULT_STRIPE_TIMEOUT_MS = 10_000;

const positiveInt = (raw: string | undefined) => {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 ? n : undefined;
};

/** "starter=price_1,pro=price_2" → { starter: "price_1", pro: "price_2" } (unknown plans left out). */
export function planMap(value: string | undefined): Partial<Record<PaidPlan, string>> {
  const out: Partial<Record<PaidPlan, string>> = {};
  for (const pair of (value ?? "").split(",")) {
    const [plan, id] = pair.split("=").map((s) => s.trim());
    if (id && (PAID_PLANS as string[]).includes(plan)) out[plan as PaidPlan] = id;
  }
  return out;
}

/** The plan a provider's price (Stripe) or variant (Lemon Squeezy) id sells, if any. */
export function planOfPrice(map: Partial<Record<PaidPlan, string>>, id: string | undefined): PaidPlan | undefined {
  if (!id) return undefined;
  return PAID_PLANS.find((p) => map[p] === id);
}

export type StripeConfig = {
  mode: ServiceMode;
  secretKey: string;
  webhookSecret: string;
  /** STRIPE_API_URL (a fake in tests): the SDK's host, port and protocol. */
  api?: { host: string; port: number; protocol: "http" | "https" };
  prices: Partial<Record<PaidPlan, string>>;
  /** Per Stripe API call (STRIPE_TIMEOUT_MS, default 10 s). */
  timeoutMs: number;
};

export function stripeConfig(env: Env): StripeConfig {
  const mode = paymentMode("stripe", env);
  let api: StripeConfig["api"];
  if (env.STRIPE_API_URL) {
    const u = new URL(env.STRIPE_API_URL);
    const protocol = u.protocol === "http:" ? "http" : "https";
    api = { host: u.hostname, port: Number(u.port || (protocol === "http" ? 80 : 443)), protocol };
  }
  // A mocked Stripe keeps the prices of the catalogue's own names when none are set.
  const prices = planMap(env.STRIPE_PRICES);
  if (mode === "mock") for (const p of PAID_PLANS) prices[p] ??= `price_mock_${p}`;
  return {
    mode,
    secretKey: env.STRIPE_SECRET_KEY ?? "",
    webhookSecret: env.STRIPE_WEBHOOK_SECRET || (mode === "mock" ? MOCK_WEBHOOK_SECRET : ""),
    api,
    prices,
    timeoutMs: positiveInt(env.STRIPE_TIMEOUT_MS) ?? DEFAULT_STRIPE_TIMEOUT_MS,
  };
}

export type LemonConfig = {
  mode: ServiceMode;
  /** The store's checkout base, e.g. https://autocrea.lemonsqueezy.com */
  checkoutUrl: string;
  webhookSecret: string;
  variants: Partial<Record<PaidPlan, string>>;
};

export function lemonConfig(env: Env): LemonConfig {
  const mode = paymentMode("lemonsqueezy", env);
  const variants = planMap(env.LEMONSQUEEZY_VARIANTS);
  if (mode === "mock") for (const p of PAID_PLANS) variants[p] ??= `mock-${p}`;
  return {
    mode,
    checkoutUrl: (env.LEMONSQUEEZY_CHECKOUT_URL ?? "").replace(/\/+$/, ""),
    webhookSecret: env.LEMONSQUEEZY_WEBHOOK_SECRET || (mode === "mock" ? MOCK_WEBHOOK_SECRET : ""),
    variants,
  };
}

/** How long a user keeps a paid plan after a failed payment (BILLING_GRACE_DAYS, default 7). */
export function graceMs(env: Env): number {
  const days = Number(env.BILLING_GRACE_DAYS);
  return (Number.isFinite(days) && days >= 0 ? days : DEFAULT_GRACE_DAYS) * DAY_MS;
}

/** Where Stripe sends the browser back after checkout/portal (BILLING_RETURN_URL). */
export function returnUrl(env: Env): string {
  return env.BILLING_RETURN_URL || "http://localhost:5173/settings/billing";
}

export function requirePaidPlan(plan: Plan): PaidPlan {
  if (plan === "free") fail("INVALID", "The free plan needs no checkout; cancel the subscription instead");
  return plan;
}
