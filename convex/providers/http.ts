// What the three provider clients share: one fetch wrapper that turns every failure into a
// ProviderError (transient for network errors, timeouts, 5xx, 408 and 429; permanent
// otherwise, with the provider's own message), and the byte helpers (SHA-1, base64).
// Web APIs only: this runs in Convex's default runtime, on the edge and in Node.
import { PROVIDER_LABEL } from "../validators";
import { ProviderError, type FetchLike, type ProviderLogLine, type Provider } from "./types";

export const DEFAULT_TIMEOUT_MS = 30_000;

export type HttpCall = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  /** Large uploads: this many times the client's timeout. */
  timeoutFactor?: number;
};

export type HttpClient = ReturnType<typeof createHttp>;

/**
 * @param messageOf extracts the provider's own error message from a parsed error body.
 */
export function createHttp(opts: {
  provider: Provider;
  fetch?: FetchLike;
  timeoutMs?: number;
  messageOf: (body: unknown) => string | undefined;
}) {
  const doFetch: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init));
  const defaultTimeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /** Sends the request; resolves to the parsed JSON body (or null) of a 2xx answer. */
  async function send(call: HttpCall): Promise<{ status: number; json: unknown; headers: Headers }> {
    refuseUnsendableHeaders(opts.provider, call.headers);
    const timeoutMs = defaultTimeout * (call.timeoutFactor ?? 1);
    const abort = new AbortController();
    // A plain timer rather than AbortSignal.timeout: it exists in every runtime we run in.
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await doFetch(call.url, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal: abort.signal,
      });
      text = await res.text();
    } catch (err) {
      const what = abort.signal.aborted
        ? `timed out after ${timeoutMs} ms`
        : `failed: ${(err as Error)?.message ?? err}`;
      throw new ProviderError(
        opts.provider,
        `${opts.provider} ${call.method} ${pathOf(call.url)} ${what}`,
        undefined,
        true,
      );
    } finally {
      clearTimeout(timer);
    }
    const parsed = text ? jsonOrUndefined(text) : null;
    const json = parsed === undefined ? text : parsed; // a non-JSON error page keeps its text
    if (res.status >= 200 && res.status < 300) return { status: res.status, json, headers: res.headers };
    throw errorFromResponse(opts.provider, res.status, res.headers, json, opts.messageOf);
  }

  return {
    send,
    async json<T>(call: HttpCall): Promise<T> {
      return (await send(call)).json as T;
    },
  };
}

/** Printable ASCII without spaces: what a bearer token in an HTTP header may hold. */
export const isHeaderSafeToken = (token: string) => /^[\x21-\x7e]+$/.test(token);

/**
 * A header value fetch cannot send (beyond Latin-1, or control characters such as DEL) fails
 * the same way on every try: a permanent error, raised before any request (fetch would throw
 * a TypeError that looks like a network failure).
 */
function refuseUnsendableHeaders(provider: Provider, headers: Record<string, string> | undefined) {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (/^[\t\x20-\x7e]*$/.test(value)) continue;
    const what =
      name.toLowerCase() === "authorization" ? `The ${PROVIDER_LABEL[provider]} token` : `The ${name} header`;
    throw new ProviderError(
      provider,
      `${what} holds characters an HTTP header cannot carry; connect a valid token`,
      undefined,
      false,
    );
  }
}

/**
 * A 2xx answer we could not read (empty, not JSON, missing or mistyped fields): transient, so
 * it is retried, and the user's log says only that (never what our code made of it).
 */
export function notUnderstood(provider: Provider, what?: string): ProviderError {
  return new ProviderError(
    provider,
    `${PROVIDER_LABEL[provider]}'s answer${what ? ` to ${what}` : ""} was not understood`,
    undefined,
    true,
  );
}

/** A plain object (not null, not an array), else an answer we do not understand. */
export function requireObject<T extends object>(provider: Provider, body: unknown, what: string): Partial<T> {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw notUnderstood(provider, what);
  return body as Partial<T>;
}

export function errorFromResponse(
  provider: Provider,
  status: number,
  headers: Headers,
  body: unknown,
  messageOf: (body: unknown) => string | undefined,
): ProviderError {
  const transient = status >= 500 || status === 429 || status === 408;
  const message =
    messageOf(body) ??
    (typeof body === "string" && body.trim() ? body.trim().slice(0, 300) : `${provider} answered HTTP ${status}`);
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers) : undefined;
  return new ProviderError(provider, message, status, transient, retryAfterMs, body);
}

/** `Retry-After` (seconds or an HTTP date), else `X-RateLimit-Reset` (epoch seconds), in ms from now. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ra = headers.get("retry-after")?.trim();
  if (ra) {
    if (/^\d+(\.\d+)?$/.test(ra)) return Math.round(Number(ra) * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d+$/.test(reset)) {
    const n = Number(reset);
    // Epoch seconds (Vercel, Netlify, Railway) — a small number would be a delta.
    return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000;
  }
  return undefined;
}

function pathOf(url: string) {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** The parsed JSON, or undefined when `text` is not JSON. */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A host or URL as an https URL ("x.vercel.app" → "https://x.vercel.app"). */
export function httpsUrl(host: string | null | undefined): string | undefined {
  if (!host) return undefined;
  return host.startsWith("http") ? host : `https://${host}`;
}

/** A 2xx body that lacks the id we need is the provider misbehaving: transient, worth a retry. */
export function requireId<T extends { id?: unknown }>(
  provider: Provider,
  body: T | null | undefined,
  what: string,
): T & { id: string } {
  if (!body || typeof body !== "object" || typeof body.id !== "string" || !body.id) throw notUnderstood(provider, what);
  return body as T & { id: string };
}

/** `value` when it is a string (or absent); anything else is an answer we do not understand. */
export function optionalString(provider: Provider, value: unknown, what: string): string | undefined {
  if (value === undefined || value === null || typeof value === "string") return value ?? undefined;
  throw notUnderstood(provider, what);
}

// ---------- bytes ----------

/** TypeScript's DOM types want ArrayBuffer-backed views; ours may come from anywhere. */
export const asBufferSource = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

export function toHex(buf: ArrayBuffer | Uint8Array): string {
  const b = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

export function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export async function sha1Hex(bytes: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-1", asBufferSource(bytes)));
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", asBufferSource(bytes)));
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Standard base64 → bytes; throws on invalid input (as `atob` does). */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return fromBase64(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

/** The text, if the bytes are valid UTF-8 (so they can travel as-is inside JSON). */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, in order of start. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Lines after the one with `sinceId` (all of them when it is absent or no longer listed). */
export function afterId(lines: ProviderLogLine[], sinceId: string | undefined): ProviderLogLine[] {
  if (!sinceId) return lines;
  const i = lines.findIndex((l) => l.id === sinceId);
  return i < 0 ? lines : lines.slice(i + 1);
}
