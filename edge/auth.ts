// Clerk session tokens, verified without a network call (CLERK_JWT_KEY). `requireAuth` is
// the ONE place the edge decides who the caller is; routes read `c.var.caller`.
//
// Verification is Clerk's own (`verifyToken`). It imports the key into WebCrypto on every call
// (about 0.4 ms of CPU, the largest part of the edge's own work per request), so a token that
// verified is remembered until it expires: a browser sends the same session token with every
// request for its short life (Clerk's last 60 s), and only its first request pays.
import { verifyToken } from "@clerk/backend";
import { createMiddleware } from "hono/factory";
import type { EdgeConfig } from "./config.js";
import type { AppEnv } from "./context.js";
import { ApiError } from "./errors.js";

/** Clerk's TokenVerificationError reasons -> our message; the code is always UNAUTHENTICATED. */
const REASONS: Record<string, string> = {
  "token-missing": "Missing bearer token",
  "token-invalid": "Session token is malformed or invalid",
  "token-expired": "Session token expired",
  "token-not-active-yet": "Session token not active yet",
  "token-iat-in-the-future": "Session token issued in the future",
  "token-invalid-signature": "Session token signature is invalid",
  "token-invalid-authorized-parties": "Session token was issued for another origin",
  "token-invalid-algorithm": "Session token algorithm is not accepted",
  "token-invalid-issuer": "Session token issuer is not accepted",
  "token-verification-failed": "Session token could not be verified",
};

export type VerifiedCaller = AppEnv["Variables"]["caller"];

function unauthenticated(reason: string): ApiError {
  return new ApiError(
    "UNAUTHENTICATED",
    REASONS[reason] ?? REASONS["token-invalid"],
    { reason },
    // RFC 6750: tell HTTP clients which scheme to use.
    { "WWW-Authenticate": `Bearer error="invalid_token"` },
  );
}

/** The token from `Authorization: Bearer <token>` (scheme case-insensitive), or "". */
export function bearerToken(header: string | undefined): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1] : "";
}

/** Clerk's allowance for clocks that disagree (its verifyToken default); a remembered token ends with it. */
const CLOCK_SKEW_MS = 5_000;
/** Tokens remembered per configuration; past this the oldest go first. */
const MAX_REMEMBERED = 10_000;

type Remembered = { caller: VerifiedCaller; expiresAtMs: number };
/** Per configuration object, since the key and the authorized parties decide what verifies. */
const verifiedTokens = new WeakMap<EdgeConfig, Map<string, Remembered>>();

function rememberedFor(config: EdgeConfig): Map<string, Remembered> {
  let tokens = verifiedTokens.get(config);
  if (!tokens) verifiedTokens.set(config, (tokens = new Map()));
  return tokens;
}

/**
 * Verifies a Clerk session token; throws ApiError UNAUTHENTICATED with a `reason`. The caller
 * is the token's issuer AND subject ("<iss>|<sub>", as Convex's tokenIdentifier), so two
 * issuers' users with the same subject are never the same person.
 */
export async function verifySessionToken(token: string, config: EdgeConfig): Promise<VerifiedCaller> {
  // Development sign-in (never in production, never beside Clerk) only swaps the public key.
  const jwtKey = config.clerkJwtKey || config.devAuth?.publicPem;
  if (!jwtKey) throw new ApiError("UNAVAILABLE", "Sign-in is not configured (CLERK_JWT_KEY)");
  const tokens = rememberedFor(config);
  const known = tokens.get(token);
  if (known && Date.now() < known.expiresAtMs) return known.caller;
  if (known) tokens.delete(token); // expired: Clerk says so with its reason below
  let claims: Awaited<ReturnType<typeof verifyToken>>;
  try {
    claims = await verifyToken(token, {
      jwtKey,
      authorizedParties: config.authorizedParties.length ? config.authorizedParties : undefined,
    });
  } catch (err) {
    throw unauthenticated((err as { reason?: string }).reason ?? "token-invalid");
  }
  const extra = claims as Record<string, unknown>;
  if (typeof claims.sub !== "string" || !claims.sub || typeof claims.iss !== "string" || !claims.iss) {
    throw unauthenticated("token-invalid");
  }
  const caller: VerifiedCaller = {
    tokenIdentifier: `${claims.iss.trim().replace(/\/+$/, "")}|${claims.sub}`,
    email: typeof extra.email === "string" ? extra.email : undefined,
    name: typeof extra.name === "string" ? extra.name : undefined,
    emailVerified: typeof extra.email_verified === "boolean" ? extra.email_verified : undefined,
  };
  if (tokens.size >= MAX_REMEMBERED) tokens.delete(tokens.keys().next().value!);
  tokens.set(token, { caller, expiresAtMs: claims.exp * 1000 + CLOCK_SKEW_MS });
  return caller;
}

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (!token) throw unauthenticated("token-missing");
  c.set("caller", await verifySessionToken(token, c.var.deps.config));
  await next();
});
