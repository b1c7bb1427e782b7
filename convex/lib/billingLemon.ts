// Lemon Squeezy: webhook signature (X-Signature = hex HMAC-SHA256 of the raw body with the
// webhook secret), its subscription events mapped onto the same BillingChange as Stripe's,
// and checkout links by variant. Lemon Squeezy sends no event id: the event name, object id
// and the object's updated_at identify a delivery (a replay of the same body is a duplicate).
import type { BillingChange, SubscriptionStatus } from "../validators";
import { PAID_PLANS, planOfPrice, type LemonConfig, type PaidPlan } from "./billingConfig";
import { safeEqual } from "./httpResponses";
import { PLAN_LIMITS } from "./plans";

export const LEMON_EVENTS = [
  "subscription_created",
  "subscription_updated",
  "subscription_cancelled",
  "subscription_expired",
  "subscription_payment_success",
  "subscription_payment_failed",
] as const;

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function lemonSignature(raw: string, secret: string): Promise<string> {
  const utf8 = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return hex(await crypto.subtle.sign("HMAC", key, utf8.encode(raw)));
}

export async function verifyLemonSignature(raw: string, signature: string | null, secret: string): Promise<boolean> {
  if (!signature || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  return await safeEqual((await lemonSignature(raw, secret)).toLowerCase(), signature.toLowerCase());
}

const STATUS: Record<string, SubscriptionStatus> = {
  on_trial: "trialing",
  active: "active",
  paused: "paused",
  past_due: "past_due",
  unpaid: "unpaid",
  // "cancelled" keeps the plan until ends_at (Lemon Squeezy's grace); "expired" is the end.
  cancelled: "active",
  expired: "canceled",
};

/** The same day one month earlier (Lemon Squeezy gives the renewal date, not the period start). */
function monthBefore(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() - 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  );
}

type Loose = Record<string, any>;
export type LemonEvent = { eventId: string; type: string; at: number; change?: BillingChange };

/** A verified body → the event (undefined: not a Lemon Squeezy event shape). */
export function parseLemonEvent(raw: string, cfg: LemonConfig): LemonEvent | undefined {
  let body: Loose;
  try {
    body = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const type = body?.meta?.event_name;
  const data = body?.data;
  const attrs: Loose = data?.attributes ?? {};
  if (typeof type !== "string" || !data || data.id === undefined) return undefined;
  const at = Date.parse(attrs.updated_at ?? attrs.created_at ?? "");
  if (Number.isNaN(at)) return undefined;
  const eventId = `${type}:${data.id}:${attrs.updated_at ?? attrs.created_at}`;
  const userHint = typeof body.meta.custom_data?.user_id === "string" ? body.meta.custom_data.user_id : undefined;
  const customerId = String(attrs.customer_id ?? "");
  if (!(LEMON_EVENTS as readonly string[]).includes(type) || !customerId) return { eventId, type, at };

  if (type === "subscription_payment_success" || type === "subscription_payment_failed") {
    return {
      eventId,
      type,
      at,
      change: {
        kind: "invoice",
        invoiceId: String(data.id),
        customerId,
        userHint,
        subscriptionId: attrs.subscription_id === undefined ? undefined : String(attrs.subscription_id),
        paid: type === "subscription_payment_success",
        amountCents: Number(attrs.total ?? 0),
        currency: String(attrs.currency ?? "USD").toLowerCase(),
        url: attrs.urls?.invoice_url ?? undefined,
      },
    };
  }
  const end = Date.parse(attrs.renews_at ?? attrs.ends_at ?? "");
  const status = STATUS[attrs.status];
  if (Number.isNaN(end) || !status) return { eventId, type, at };
  const plan = planOfPrice(cfg.variants, String(attrs.variant_id));
  return {
    eventId,
    type,
    at,
    change: {
      kind: "subscription",
      subscriptionId: String(data.id),
      customerId,
      userHint,
      plan,
      status,
      currentPeriodStart: monthBefore(end),
      currentPeriodEnd: end,
      cancelAtPeriodEnd: attrs.status === "cancelled" || attrs.cancelled === true,
      amountCents: plan ? PLAN_LIMITS[plan].monthlyPriceCents : 0,
    },
  };
}

/** The hosted checkout of a plan's variant, carrying our user id back in the webhooks' custom data. */
export function lemonCheckoutUrl(cfg: LemonConfig, plan: PaidPlan, userId: string, email: string): string | undefined {
  const variant = cfg.variants[plan];
  if (!variant || !cfg.checkoutUrl || !PAID_PLANS.includes(plan)) return undefined;
  const url = new URL(`${cfg.checkoutUrl}/checkout/buy/${encodeURIComponent(variant)}`);
  url.searchParams.set("checkout[custom][user_id]", userId);
  if (email) url.searchParams.set("checkout[email]", email);
  return url.toString();
}
