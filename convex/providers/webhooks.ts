// Provider webhook signatures, Web Crypto only (runs in Convex HTTP actions).
// - Vercel: `x-vercel-signature` = hex HMAC-SHA1 of the raw body with the webhook secret.
// - Netlify: `X-Webhook-Signature` = a JWS (HS256) whose payload is
//   `{ iss: "netlify", sha256: <hex SHA-256 of the raw body> }`.
// Verification compares MACs with crypto.subtle.verify (constant time). The sign* functions
// exist for the fakes and tests.
import { netlifyDeployment, type NetlifyDeploy } from "./netlify";
import {
  asBufferSource,
  fromBase64Url,
  fromHex,
  httpsUrl,
  jsonOrUndefined,
  sha256Hex,
  toBase64Url,
  toHex,
} from "./http";
import type { ProviderState } from "./types";
import { vercelStateOf } from "./vercel";

type Raw = string | Uint8Array;
const enc = new TextEncoder();
const bytesOf = (raw: Raw) => (typeof raw === "string" ? enc.encode(raw) : raw);

async function hmacKey(secret: string, hash: "SHA-1" | "SHA-256") {
  return crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash }, false, ["sign", "verify"]);
}

// ---------- Vercel ----------

export async function signVercelWebhook(rawBody: Raw, secret: string): Promise<string> {
  const key = await hmacKey(secret, "SHA-1");
  return toHex(await crypto.subtle.sign("HMAC", key, asBufferSource(bytesOf(rawBody))));
}

export async function verifyVercelSignature(
  rawBody: Raw,
  signatureHeader: string | null | undefined,
  secret: string,
): Promise<boolean> {
  if (!secret || !signatureHeader) return false;
  const mac = fromHex(signatureHeader.trim());
  if (!mac || mac.length !== 20) return false;
  const key = await hmacKey(secret, "SHA-1");
  return crypto.subtle.verify("HMAC", key, mac, asBufferSource(bytesOf(rawBody)));
}

// ---------- Netlify ----------

const JWS_HEADER = toBase64Url(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));

export async function signNetlifyWebhook(rawBody: Raw, secret: string): Promise<string> {
  const payload = toBase64Url(
    enc.encode(JSON.stringify({ iss: "netlify", sha256: await sha256Hex(bytesOf(rawBody)) })),
  );
  const key = await hmacKey(secret, "SHA-256");
  const sig = await crypto.subtle.sign("HMAC", key, enc.encode(`${JWS_HEADER}.${payload}`));
  return `${JWS_HEADER}.${payload}.${toBase64Url(new Uint8Array(sig))}`;
}

export async function verifyNetlifySignature(
  rawBody: Raw,
  jwsHeader: string | null | undefined,
  secret: string,
): Promise<boolean> {
  if (!secret || !jwsHeader) return false;
  const parts = jwsHeader.trim().split(".");
  if (parts.length !== 3) return false;
  const [h, p, s] = parts;
  const header = parseJson(fromBase64Url(h));
  if (header?.alg !== "HS256") return false; // never "none", never another algorithm
  const sig = fromBase64Url(s);
  if (!sig || sig.length !== 32) return false;
  const key = await hmacKey(secret, "SHA-256");
  if (!(await crypto.subtle.verify("HMAC", key, sig, enc.encode(`${h}.${p}`)))) return false;
  const payload = parseJson(fromBase64Url(p));
  return payload?.iss === "netlify" && payload.sha256 === (await sha256Hex(bytesOf(rawBody)));
}

function parseJson(bytes: Uint8Array | undefined): Record<string, unknown> | undefined {
  const v = bytes && jsonOrUndefined(new TextDecoder().decode(bytes));
  return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
}

// ---------- payloads ----------

/** What a verified webhook says about one deployment; `state` is undefined for events we ignore. */
export type ProviderWebhookEvent = {
  /** Idempotency key: the same delivery twice has the same id. */
  eventId: string;
  type: string;
  deploymentId: string;
  state?: ProviderState;
  url?: string;
  errorMessage?: string;
};

const VERCEL_EVENTS: Record<string, ProviderState> = {
  "deployment.created": "queued",
  "deployment.succeeded": "ready",
  "deployment.ready": "ready",
  "deployment.error": "error",
  "deployment.canceled": "canceled",
};

/** A Vercel webhook body (`{ id, type, createdAt, payload: { deployment: { id, url } } }`); undefined if malformed. */
export function parseVercelWebhook(rawBody: string): ProviderWebhookEvent | undefined {
  const b = jsonOrUndefined(rawBody) as
    | { id?: unknown; type?: unknown; payload?: { deployment?: { id?: unknown; url?: unknown; readyState?: unknown } } }
    | undefined;
  const dep = b?.payload?.deployment;
  if (typeof b?.id !== "string" || typeof b.type !== "string" || typeof dep?.id !== "string") return undefined;
  const state =
    VERCEL_EVENTS[b.type] ?? (typeof dep.readyState === "string" ? vercelStateOf(dep.readyState) : undefined);
  const url = typeof dep.url === "string" ? httpsUrl(dep.url) : undefined;
  return { eventId: b.id, type: b.type, deploymentId: dep.id, state, url };
}

/**
 * A Netlify deploy notification: the body is the deploy object itself. Netlify sends no
 * event id, so the id is `<deploy id>:<state>` — one event per state change.
 */
export function parseNetlifyWebhook(rawBody: string): ProviderWebhookEvent | undefined {
  const d = jsonOrUndefined(rawBody) as NetlifyDeploy | undefined;
  if (typeof d?.id !== "string" || typeof d.state !== "string") return undefined;
  const dep = netlifyDeployment(d);
  return {
    eventId: `${d.id}:${d.state}`,
    type: `deploy_${d.state}`,
    deploymentId: d.id,
    state: dep.state,
    url: dep.url,
    errorMessage: dep.errorMessage,
  };
}
