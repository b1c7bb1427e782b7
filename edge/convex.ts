// The edge's ONE seam to Convex: JSON over HTTP to the routes under /edge/* declared in
// convex/edge/contract.ts (bodies and answers typed by it), authenticated with the shared
// EDGE_SECRET and carrying the caller the edge verified. The transport is fetch-shaped, so
// tests run the very same client against convex-test.
import {
  FOLLOW_UP_HEADER,
  PROFILE_HEADER,
  USER_HEADER,
  type ConvexServiceModes,
  type PaymentsHealth,
  type EdgeAnswer,
  type EdgeBody,
  type EdgeMetrics,
  type EdgePath,
} from "../convex/edge/contract.js";
import type { Caller } from "./context.js";
import { ApiError, apiErrorFromBody, withRetryAfter } from "./errors.js";
import { reportedModes, reportedPayments } from "./services.js";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export type ConvexSeamOptions = {
  /** The deployment's HTTP actions URL, e.g. https://happy-otter-123.convex.site */
  siteUrl: string;
  secret: string;
  transport?: FetchLike;
  /** Per round trip, body included (default 15 s); over it the call fails with TIMEOUT. */
  timeoutMs?: number;
  /** Called once per round trip (for metrics and the bench). */
  onCall?: (path: string, ms: number, status: number) => void;
};

export type ConvexSeam = ReturnType<typeof createConvexSeam>;

const HEALTH_TIMEOUT_MS = 3_000;

export function createConvexSeam(opts: ConvexSeamOptions) {
  const transport = opts.transport ?? ((url, init) => fetch(url, init));
  const base = opts.siteUrl.replace(/\/+$/, "");
  const defaultTimeout = opts.timeoutMs ?? 15_000;

  async function send(
    method: "GET" | "POST",
    path: string,
    caller: Caller | null,
    body: unknown,
    timeoutMs: number,
    followUp = false,
  ) {
    if (!base) throw new ApiError("UNAVAILABLE", "Convex is not configured (CONVEX_SITE_URL)");
    const headers: Record<string, string> = { Authorization: `Bearer ${opts.secret}` };
    if (caller) {
      const { tokenIdentifier, ...profile } = caller;
      headers[USER_HEADER] = tokenIdentifier;
      headers[PROFILE_HEADER] = encodeURIComponent(JSON.stringify(profile));
    }
    if (followUp) headers[FOLLOW_UP_HEADER] = "1";
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const started = performance.now();
    const abort = new AbortController();
    // Races the transport too: a fetch-shaped function may ignore the signal.
    const timedOut = new Promise<never>((_, reject) =>
      abort.signal.addEventListener(
        "abort",
        () => reject(new ApiError("TIMEOUT", `Convex did not answer within ${timeoutMs} ms`)),
        { once: true },
      ),
    );
    timedOut.catch(() => {});
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await Promise.race([
        transport(`${base}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: abort.signal,
        }),
        timedOut,
      ]);
      text = await Promise.race([res.text(), timedOut]);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError("UNAVAILABLE", "Convex is unreachable");
    } finally {
      clearTimeout(timer);
    }
    opts.onCall?.(path, performance.now() - started, res.status);
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError("UNAVAILABLE", `Convex answered ${res.status} with a non-JSON body`);
    }
    // 401 here means Convex refused the EDGE's credentials, not the caller's: a deployment
    // problem (EDGE_SECRET differs), so it must not sign the browser out.
    if (res.status === 401)
      throw new ApiError("UNAVAILABLE", "Convex refused the edge (check EDGE_SECRET on both sides)");
    if (!res.ok) throw withRetryAfter(apiErrorFromBody(json, res.status));
    return json;
  }

  return {
    /**
     * POST one declared call as the verified caller; resolves to its declared answer. `followUp`
     * marks a call that continues a request already counted against the caller's API limit.
     */
    async call<P extends EdgePath>(
      path: P,
      caller: Caller,
      body: EdgeBody<P>,
      opts: { followUp?: boolean } = {},
    ): Promise<EdgeAnswer<P>> {
      return (await send("POST", path, caller, body, defaultTimeout, opts.followUp)) as EdgeAnswer<P>;
    },
    /** GET /edge/health; resolves with the round-trip latency and the service modes Convex reports. */
    async health(): Promise<{
      latencyMs: number;
      services: Partial<ConvexServiceModes>;
      payments: PaymentsHealth | null;
    }> {
      const started = performance.now();
      const body = await send("GET", "/edge/health", null, undefined, Math.min(HEALTH_TIMEOUT_MS, defaultTimeout));
      return {
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
        services: reportedModes(body),
        payments: reportedPayments(body),
      };
    },
    /** GET /edge/metrics: business figures from Convex's rollups and counters. */
    async metrics(): Promise<EdgeMetrics> {
      return (await send("GET", "/edge/metrics", null, undefined, defaultTimeout)) as EdgeMetrics;
    },
  };
}
