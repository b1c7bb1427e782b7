// The edge's ONE seam to Convex: JSON over HTTP to the HTTP actions under /edge/*,
// authenticated with the shared EDGE_SECRET and carrying the verified Clerk user id.
// The transport is fetch-shaped, so tests run the very same client against convex-test.
import { ApiError, apiErrorFromBody } from "./errors";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export type ConvexSeamOptions = {
  /** The deployment's HTTP actions URL, e.g. https://happy-otter-123.convex.site */
  siteUrl: string;
  secret: string;
  transport?: FetchLike;
  /** Called once per round trip (for metrics and the bench). */
  onCall?: (path: string, ms: number, status: number) => void;
};

export type ConvexSeam = ReturnType<typeof createConvexSeam>;

export function createConvexSeam(opts: ConvexSeamOptions) {
  const transport = opts.transport ?? ((url, init) => fetch(url, init));
  const base = opts.siteUrl.replace(/\/+$/, "");

  async function send(method: "GET" | "POST", path: string, userId: string | null, body?: unknown) {
    const headers: Record<string, string> = { Authorization: `Bearer ${opts.secret}` };
    if (userId) headers["X-User-Id"] = userId;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const started = performance.now();
    let res: Response;
    try {
      res = await transport(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError("UNAVAILABLE", "Convex is unreachable");
    }
    opts.onCall?.(path, performance.now() - started, res.status);
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError("UNAVAILABLE", `Convex answered ${res.status} with a non-JSON body`);
    }
    if (!res.ok) throw apiErrorFromBody(json, res.status);
    return json;
  }

  return {
    /** POST /edge/<path> as the verified user; resolves to the action's JSON result. */
    async call<T>(path: `/edge/${string}`, userId: string | null, body: unknown = {}): Promise<T> {
      return (await send("POST", path, userId, body)) as T;
    },
    /** GET /edge/health; resolves with the round-trip latency. */
    async health(): Promise<{ latencyMs: number }> {
      const started = performance.now();
      await send("GET", "/edge/health", null);
      return { latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    },
  };
}
