// Clerk session tokens, verified without a network call (CLERK_JWT_KEY). `requireAuth` is
// the ONE place the edge decides who the caller is; routes read `c.var.caller`.
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

/**
 * Verifies a Clerk session token; throws ApiError UNAUTHENTICATED with a `reason`. The caller
 * is the token's issuer AND subject ("<iss>|<sub>", as Convex's tokenIdentifier), so two
 * issuers' users with the same subject are never the same person.
 */
export async function verifySessionToken(token: string, config: EdgeConfig): Promise<VerifiedCaller> {
  // Development sign-in (never in production, never beside Clerk) only swaps the public key.
  const jwtKey = config.clerkJwtKey || config.devAuth?.publicPem;
  if (!jwtKey) throw new ApiError("UNAVAILABLE", "Sign-in is not configured (CLERK_JWT_KEY)");
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
  return {
    tokenIdentifier: `${claims.iss.trim().replace(/\/+$/, "")}|${claims.sub}`,
    email: typeof extra.email === "string" ? extra.email : undefined,
    name: typeof extra.name === "string" ? extra.name : undefined,
    emailVerified: typeof extra.email_verified === "boolean" ? extra.email_verified : undefined,
  };
}

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (!token) throw unauthenticated("token-missing");
  c.set("caller", await verifySessionToken(token, c.var.deps.config));
  await next();
});
