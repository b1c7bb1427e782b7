// Delivering Clerk webhook events to POST /clerk/webhook, signed exactly as svix signs them.
import { createHmac, randomBytes } from "node:crypto";
import { afterEach, beforeEach, expect } from "vitest";
import type { ConvexTest } from "../convexTest";
import { dump, expectUnchanged } from "./helpers";

export const SECRET = "whsec_" + randomBytes(24).toString("base64");
/** Sets CLERK_WEBHOOK_SECRET for each test of the calling file (and restores it after). */
export function useWebhookSecret(): void {
  let previousSecret: string | undefined;
  beforeEach(() => {
    previousSecret = process.env.CLERK_WEBHOOK_SECRET;
    process.env.CLERK_WEBHOOK_SECRET = SECRET;
  });
  afterEach(() => {
    if (previousSecret === undefined) delete process.env.CLERK_WEBHOOK_SECRET;
    else process.env.CLERK_WEBHOOK_SECRET = previousSecret;
  });
}

function sign(id: string, timestamp: number, body: string, secret = SECRET): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return "v1," + createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
}

let seq = 0;
export async function deliver(
  t: ConvexTest,
  event: { type: string; data: Record<string, unknown> },
  opts: { id?: string; secret?: string; timestamp?: number; tamper?: boolean; headers?: Record<string, string> } = {},
) {
  const id = opts.id ?? `msg_${++seq}`;
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ object: "event", ...event });
  const headers = opts.headers ?? {
    "content-type": "application/json",
    "svix-id": id,
    "svix-timestamp": String(timestamp),
    "svix-signature": sign(id, timestamp, body, opts.secret),
  };
  return await t.fetch("/clerk/webhook", {
    method: "POST",
    headers,
    body: opts.tamper ? body.replace('"event"', '"event","tampered":true') : body,
  });
}

export const verified = { status: "verified", strategy: "email_code" };
export const userData = (over: Record<string, unknown> = {}) => ({
  id: "user_ada",
  updated_at: 1_700_000_000_000,
  first_name: "Ada",
  last_name: "Lovelace",
  image_url: "https://img.clerk.com/ada.png",
  primary_email_address_id: "idn_2",
  email_addresses: [
    { id: "idn_1", email_address: "old@example.com", verification: verified },
    { id: "idn_2", email_address: "Ada@Example.com", verification: verified },
  ],
  ...over,
});

/** Delivers `event` and expects `status` (and error `code`) with no row changed. */
export async function deliveredWithoutChange(
  t: ConvexTest,
  event: Parameters<typeof deliver>[1],
  opts: Parameters<typeof deliver>[2],
  status: number,
  code?: string,
) {
  const before = await dump(t);
  const res = await deliver(t, event, opts);
  expect(res.status).toBe(status);
  if (code) expect(await res.json()).toMatchObject({ error: { code } });
  await expectUnchanged(t, before);
}
