// An edge app for `app.request()` tests: real middleware and routes, a fake seam transport
// (a function answering like Convex's /edge/* HTTP actions), recorded log lines and seam calls.
import { createApp } from "../../edge/app";
import { loadConfig, type Env } from "../../edge/config";
import { createConvexSeam, type FetchLike } from "../../edge/convex";
import { makeKeyPair, signSessionToken, type KeyPair, type SessionClaims } from "../keys";

export const ORIGIN = "http://localhost:5173";
export const SECRET = "edge-secret-for-tests";

export type SeamRequest = { path: string; method: string; headers: Headers; body: unknown };
/** Answers a seam request; return a Response or a JSON value (sent with 200). */
export type FakeConvex = (req: SeamRequest) => unknown;

export const json = (status: number, body: unknown) => Response.json(body, { status });

/** Answers /edge/health and /edge/me like the real Convex actions do. */
export const healthyConvex: FakeConvex = (req) => {
  if (req.path === "/edge/health") return { ok: true };
  if (req.path === "/edge/me") {
    // As convex/edge/router.ts reads them: "<issuer>|<subject>" and the URI-encoded profile claims.
    const profile = JSON.parse(decodeURIComponent(req.headers.get("X-User-Profile") ?? "%7B%7D")) as {
      email?: string;
      name?: string;
    };
    const clerkId = req.headers.get("X-User-Id")?.split("|").pop();
    return { clerkId, email: profile.email ?? "", name: profile.name, plan: "free", role: "user" };
  }
  return json(404, { error: { code: "NOT_FOUND", message: "no such action" } });
};

let sharedKeys: Promise<KeyPair> | undefined;
const keysOnce = () => (sharedKeys ??= makeKeyPair());

export async function edgeApp(
  opts: { convex?: FakeConvex; transport?: FetchLike; env?: Env; timeoutMs?: number } = {},
) {
  const keys = await keysOnce();
  const logs: Record<string, unknown>[] = [];
  const seamRequests: SeamRequest[] = [];
  const fake = opts.convex ?? healthyConvex;
  const transport: FetchLike =
    opts.transport ??
    (async (url, init) => {
      const text = typeof init?.body === "string" ? init.body : "";
      const req = {
        path: new URL(url).pathname,
        method: init?.method ?? "GET",
        headers: new Headers(init?.headers),
        body: text ? JSON.parse(text) : undefined,
      };
      seamRequests.push(req);
      const out = await fake(req);
      return out instanceof Response ? out : Response.json(out);
    });
  const config = loadConfig({
    CONVEX_SITE_URL: "https://fake.convex.site",
    EDGE_SECRET: SECRET,
    CLERK_JWT_KEY: keys.publicPem,
    CLERK_AUTHORIZED_PARTIES: ORIGIN,
    CORS_ORIGINS: ORIGIN,
    ...opts.env,
  });
  const convex = createConvexSeam({
    siteUrl: config.convexSiteUrl,
    secret: config.edgeSecret,
    transport,
    timeoutMs: opts.timeoutMs,
  });
  const app = createApp({ config, convex, log: (line) => logs.push(line) });
  return {
    app,
    logs,
    seamRequests,
    keys,
    /** A valid Clerk-shaped token for `sub` (override any claim). */
    token: (sub = "user_test", claims: Partial<SessionClaims> = {}) =>
      signSessionToken(keys, { sub, azp: ORIGIN, ...claims }),
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
