// A loopback Stripe API for what the product calls: POST /v1/customers, POST
// /v1/checkout/sessions, POST /v1/billing_portal/sessions, POST /v1/billing/meter_events
// (a repeated identifier is refused, as Stripe does). Form-encoded bodies, Bearer secret
// key, Stripe's error shape, and Idempotency-Key honoured (the same key answers the same
// object, as Stripe does), so a test can count customers really created.
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { sendJson, startFakeServer, type RecordedRequest } from "./server";

export type FakeCustomer = { id: string; email?: string; metadata: Record<string, string> };
export type FakeCheckoutSession = {
  id: string;
  url: string;
  customer: string;
  client_reference_id?: string;
  price?: string;
  metadata: Record<string, string>;
  subscription_metadata: Record<string, string>;
  success_url?: string;
};

const stripeError = (message: string, type = "invalid_request_error", param?: string) => ({
  error: { type, message, param },
});

export async function startStripeFake(opts: { secretKey?: string } = {}) {
  const secretKey = opts.secretKey ?? `sk_test_fake_${randomBytes(6).toString("hex")}`;
  const customers = new Map<string, FakeCustomer>();
  const sessions = new Map<string, FakeCheckoutSession>();
  const portalSessions: { id: string; customer: string; url: string }[] = [];
  const meterEvents: { event_name: string; identifier: string; timestamp: number; customer: string; value: string }[] =
    [];
  const idempotent = new Map<string, unknown>();
  let n = 0;
  const id = (prefix: string) => `${prefix}_fake${++n}`;

  const handler = (req: RecordedRequest, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      return sendJson(res, 401, stripeError("Invalid API Key provided", "invalid_request_error"));
    }
    const form = new URLSearchParams(req.body);
    const key = req.headers["idempotency-key"];
    const idemKey = typeof key === "string" ? `${req.method} ${req.path} ${key}` : undefined;
    if (idemKey && idempotent.has(idemKey)) return sendJson(res, 200, idempotent.get(idemKey));
    const answer = (body: unknown) => {
      if (idemKey) idempotent.set(idemKey, body);
      sendJson(res, 200, body);
    };
    const meta = (prefix: string) => {
      const out: Record<string, string> = {};
      for (const [k, v] of form) {
        const m = new RegExp(`^${prefix.replace(/[[\]]/g, "\\$&")}\\[([^\\]]+)\\]$`).exec(k);
        if (m) out[m[1]] = v;
      }
      return out;
    };
    if (req.method === "POST" && req.path === "/v1/customers") {
      const c: FakeCustomer = { id: id("cus"), email: form.get("email") ?? undefined, metadata: meta("metadata") };
      customers.set(c.id, c);
      return answer({ object: "customer", ...c });
    }
    if (req.method === "POST" && req.path === "/v1/checkout/sessions") {
      const customer = form.get("customer") ?? "";
      if (!customers.has(customer))
        return sendJson(res, 400, stripeError(`No such customer: '${customer}'`, "invalid_request_error", "customer"));
      if (form.get("mode") !== "subscription")
        return sendJson(res, 400, stripeError("mode must be subscription here", "invalid_request_error", "mode"));
      const sid = id("cs_test");
      const s: FakeCheckoutSession = {
        id: sid,
        url: `${server.url}/c/pay/${sid}`,
        customer,
        client_reference_id: form.get("client_reference_id") ?? undefined,
        price: form.get("line_items[0][price]") ?? undefined,
        metadata: meta("metadata"),
        subscription_metadata: meta("subscription_data[metadata]"),
        success_url: form.get("success_url") ?? undefined,
      };
      sessions.set(sid, s);
      return answer({
        object: "checkout.session",
        id: sid,
        url: s.url,
        customer,
        mode: "subscription",
        status: "open",
      });
    }
    if (req.method === "POST" && req.path === "/v1/billing/meter_events") {
      const identifier = form.get("identifier") ?? id("mev");
      if (meterEvents.some((e) => e.identifier === identifier))
        return sendJson(
          res,
          400,
          stripeError(`An event already exists with identifier ${identifier}`, "invalid_request_error", "identifier"),
        );
      const e = {
        event_name: form.get("event_name") ?? "",
        identifier,
        timestamp: Number(form.get("timestamp")),
        customer: form.get("payload[stripe_customer_id]") ?? "",
        value: form.get("payload[value]") ?? "",
      };
      meterEvents.push(e);
      return answer({
        object: "billing.meter_event",
        ...e,
        payload: { stripe_customer_id: e.customer, value: e.value },
      });
    }
    if (req.method === "POST" && req.path === "/v1/billing_portal/sessions") {
      const customer = form.get("customer") ?? "";
      if (!customers.has(customer))
        return sendJson(res, 400, stripeError(`No such customer: '${customer}'`, "invalid_request_error", "customer"));
      const p = { id: id("bps"), customer, url: `${server.url}/p/session/${n}` };
      portalSessions.push(p);
      return answer({ object: "billing_portal.session", ...p, return_url: form.get("return_url") });
    }
    sendJson(res, 404, stripeError(`Unrecognized request URL (${req.method}: ${req.path})`));
  };
  const server = await startFakeServer("stripe", handler);
  /** Forgets the meter events and their idempotency keys (as after Stripe's 24-hour window). */
  const clearMeterEvents = () => {
    meterEvents.length = 0;
    for (const k of idempotent.keys()) if (k.startsWith("POST /v1/billing/meter_events ")) idempotent.delete(k);
  };
  return { ...server, secretKey, customers, sessions, portalSessions, meterEvents, clearMeterEvents };
}
export type StripeFake = Awaited<ReturnType<typeof startStripeFake>>;
