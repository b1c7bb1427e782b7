// One attempt to deliver one event to one channel over HTTP, and the retry policy around it.
// Webhooks are signed per Standard Webhooks (`standardwebhooks`); Slack gets a Block Kit
// incoming-webhook message; email goes through Resend's REST API (RESEND_BASE_URL points it
// at a fake in tests and mock mode). Nothing here writes to the database.
import { Webhook } from "standardwebhooks";
import { env } from "../_generated/server";
import type { ChannelKind, NotificationEvent } from "../validators";
import { environmentMarkers, switchOn } from "./environment";
import { emailMessage, slackMessage, webhookPayload } from "./notificationTemplates";
import { checkTarget, type TargetPolicy } from "./ssrf";

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_ATTEMPTS = 6;
/** Consecutive failed deliveries (each after all its retries) that disable a channel. */
export const DEFAULT_DISABLE_AFTER = 5;
const FIRST_BACKOFF_MS = 2_000;
const BACKOFF_BASE = 4;
/** Longest wait before a retry, even when a receiver asks for more with Retry-After. */
export const MAX_RETRY_WAIT_MS = 60 * 60_000;
const EXCERPT_CHARS = 512;

const intEnv = (raw: string | undefined, fallback: number, min: number, max: number) => {
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
};

export function notifyConfig() {
  const production = environmentMarkers(env, ["AUTOCREA_ENV"]).production !== undefined;
  return {
    policy: {
      production,
      allowLoopback: !production && switchOn("NOTIFY_ALLOW_LOOPBACK", env.NOTIFY_ALLOW_LOOPBACK),
    } satisfies TargetPolicy,
    timeoutMs: intEnv(env.NOTIFY_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, 100, 60_000),
    maxAttempts: intEnv(env.NOTIFY_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS, 1, 20),
    disableAfter: intEnv(env.NOTIFY_DISABLE_AFTER, DEFAULT_DISABLE_AFTER, 1, 1000),
    appUrl: (env.APP_URL ?? "https://autocrea.app").replace(/\/+$/, ""),
    resend: {
      baseUrl: (env.RESEND_BASE_URL ?? "https://api.resend.com").replace(/\/+$/, ""),
      apiKey: env.RESEND_API_KEY,
      from: env.NOTIFY_EMAIL_FROM ?? "AUTOCREA <notifications@autocrea.app>",
    },
  };
}
export type NotifyConfig = ReturnType<typeof notifyConfig>;

export type AttemptResult = {
  ok: boolean;
  /** Worth another attempt: network error, timeout, 408, 429 or 5xx. */
  retryable: boolean;
  status?: number;
  latencyMs: number;
  excerpt?: string;
  error?: string;
  retryAfterMs?: number;
};

/** Retry-After as seconds or an HTTP date → ms (undefined when absent or unreadable). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Wait before attempt `next` (2, 3, …): 2 s × 4^(next-2) × [0.5, 1.5), at least Retry-After, at most an hour. */
export function retryDelay(next: number, retryAfterMs: number | undefined, random: number = Math.random()): number {
  const backoff = FIRST_BACKOFF_MS * BACKOFF_BASE ** Math.max(0, next - 2) * (0.5 + random);
  return Math.round(Math.min(MAX_RETRY_WAIT_MS, Math.max(backoff, retryAfterMs ?? 0)));
}

export const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return "whsec_" + btoa(String.fromCharCode(...bytes));
}

export type Outbound = {
  kind: ChannelKind;
  target: string;
  secret?: string;
  event: NotificationEvent;
  messageId: string;
};

type HttpRequest = { url: string; headers: Record<string, string>; body: string };

function buildRequest(o: Outbound, cfg: NotifyConfig): HttpRequest | string {
  const json = { "content-type": "application/json", "user-agent": "AUTOCREA-Notifications/1" };
  if (o.kind === "email") {
    if (!cfg.resend.apiKey) return "email is not configured on this deployment (RESEND_API_KEY)";
    const mail = emailMessage(o.event, cfg.appUrl);
    return {
      url: `${cfg.resend.baseUrl}/emails`,
      headers: { ...json, authorization: `Bearer ${cfg.resend.apiKey}`, "idempotency-key": o.messageId },
      body: JSON.stringify({ from: cfg.resend.from, to: [o.target], ...mail }),
    };
  }
  const verdict = checkTarget(o.target, cfg.policy);
  if (!verdict.ok) return `refused target: ${verdict.reason}`;
  if (o.kind === "slack")
    return { url: verdict.url.href, headers: json, body: JSON.stringify(slackMessage(o.event, cfg.appUrl)) };
  if (!o.secret) return "webhook channel has no signing secret";
  const body = JSON.stringify(webhookPayload(o.event, o.messageId));
  const sentAt = new Date();
  const signature = new Webhook(o.secret).sign(o.messageId, sentAt, body);
  return {
    url: verdict.url.href,
    headers: {
      ...json,
      "webhook-id": o.messageId,
      "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
      "webhook-signature": signature,
    },
    body,
  };
}

async function readExcerpt(res: Response): Promise<string> {
  try {
    return (await res.text()).slice(0, EXCERPT_CHARS);
  } catch {
    return "";
  }
}

/** Makes one attempt; never throws. */
export async function sendOnce(o: Outbound, cfg: NotifyConfig): Promise<AttemptResult> {
  const started = Date.now();
  const latency = () => Math.max(0, Date.now() - started);
  const req = buildRequest(o, cfg);
  if (typeof req === "string") return { ok: false, retryable: false, latencyMs: 0, error: req };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), cfg.timeoutMs);
  try {
    const res = await fetch(req.url, {
      method: "POST",
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: abort.signal,
    });
    const excerpt = await readExcerpt(res);
    const base = { status: res.status, latencyMs: latency(), excerpt };
    if (res.status >= 200 && res.status < 300) return { ...base, ok: true, retryable: false };
    if (res.status >= 300 && res.status < 400)
      return { ...base, ok: false, retryable: false, error: "redirects are not followed" };
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), Date.now());
    return { ...base, ok: false, retryable: isRetryableStatus(res.status), retryAfterMs, error: `HTTP ${res.status}` };
  } catch (err) {
    const timedOut = abort.signal.aborted;
    return {
      ok: false,
      retryable: true,
      latencyMs: latency(),
      error: timedOut ? `timed out after ${cfg.timeoutMs} ms` : `network error: ${(err as Error).message}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a plain email (the address-verification code), outside the delivery log. */
export async function sendEmail(
  to: string,
  mail: { subject: string; html: string; text: string },
  cfg: NotifyConfig,
): Promise<AttemptResult> {
  if (!cfg.resend.apiKey)
    return {
      ok: false,
      retryable: false,
      latencyMs: 0,
      error: "email is not configured on this deployment (RESEND_API_KEY)",
    };
  const started = Date.now();
  try {
    const res = await fetch(`${cfg.resend.baseUrl}/emails`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${cfg.resend.apiKey}` },
      body: JSON.stringify({
        from: cfg.resend.from,
        to: [to],
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
      }),
      signal: AbortSignal.timeout(cfg.timeoutMs),
    });
    const excerpt = await readExcerpt(res);
    return {
      ok: res.ok,
      retryable: isRetryableStatus(res.status),
      status: res.status,
      latencyMs: Date.now() - started,
      excerpt,
      error: res.ok ? undefined : `HTTP ${res.status}`,
    };
  } catch (err) {
    return { ok: false, retryable: true, latencyMs: Date.now() - started, error: (err as Error).message };
  }
}
