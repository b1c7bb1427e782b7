// Clerk session tokens, verified without a network call (CLERK_JWT_KEY). `requireAuth` is
// the ONE place the edge decides who the caller is; routes read `c.var.caller`.
//
// The checks are those @clerk/backend's verifyToken makes with a PEM key, in its order and with
// its reasons, and Clerk parses the token (decodeJwt). What differs is the key: verifyToken
// imports it into WebCrypto on every call (about 0.4 ms of CPU, the largest part of the edge's
// own work per request); here it is parsed once per PEM. Every token is still verified in full.
import { decodeJwt } from "@clerk/backend/jwt";
import { createPublicKey, verify, type KeyObject } from "node:crypto";
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

/** Clerk's allowance for clocks that disagree (its verifyToken default). */
const CLOCK_SKEW_MS = 5_000;
/** Clerk's header category of machine-to-machine tokens, which are never session tokens. */
const M2M_CATEGORY = "cl_B7d4PD222AAA";

const publicKeys = new Map<string, KeyObject>();

/** The PEM's RSA public key, parsed once (a PEM that does not parse, or is not RSA, throws, and is tried again next time). */
function verificationKey(pem: string): KeyObject {
  let key = publicKeys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    if (key.asymmetricKeyType !== "rsa") throw new Error("CLERK_JWT_KEY is not an RSA public key");
    publicKeys.set(pem, key);
  }
  return key;
}

type Claims = Record<string, unknown>;

/** Clerk's header, signature and claim checks (its verifyJwt), with the parsed key. */
function verifiedClaims(token: string, pem: string, authorizedParties: string[]): Claims {
  let decoded: ReturnType<typeof decodeJwt>;
  try {
    decoded = decodeJwt(token);
  } catch {
    throw unauthenticated("token-invalid");
  }
  const { header, raw, signature } = decoded;
  const claims = decoded.payload as Claims;
  if (header.cat === M2M_CATEGORY) throw unauthenticated("token-invalid");
  if (header.typ !== undefined && header.typ !== "JWT") throw unauthenticated("token-invalid");
  if (header.alg !== "RS256") throw unauthenticated("token-invalid-algorithm");
  let valid: boolean;
  try {
    // RS256 = RSASSA-PKCS1-v1_5 with SHA-256. node:crypto's one-shot verify is synchronous and
    // costs about half of WebCrypto's (docs/performance.md, "The edge's own work").
    valid = verify("RSA-SHA256", Buffer.from(`${raw.header}.${raw.payload}`), verificationKey(pem), signature);
  } catch {
    throw unauthenticated("token-invalid"); // the configured key does not parse: nothing verifies
  }
  if (!valid) throw unauthenticated("token-invalid-signature");
  if (typeof claims.sub !== "string") throw unauthenticated("token-invalid");
  if (authorizedParties.length && (typeof claims.azp !== "string" || !authorizedParties.includes(claims.azp))) {
    throw unauthenticated("token-invalid-authorized-parties");
  }
  const now = Date.now();
  const { exp, nbf, iat } = claims;
  if (typeof exp !== "number") throw unauthenticated("token-invalid");
  if (exp * 1000 <= now - CLOCK_SKEW_MS) throw unauthenticated("token-expired");
  if (nbf !== undefined && typeof nbf !== "number") throw unauthenticated("token-invalid");
  if (typeof nbf === "number" && nbf * 1000 > now + CLOCK_SKEW_MS) throw unauthenticated("token-not-active-yet");
  if (iat !== undefined && typeof iat !== "number") throw unauthenticated("token-invalid");
  if (typeof iat === "number" && iat * 1000 > now + CLOCK_SKEW_MS) throw unauthenticated("token-iat-in-the-future");
  return claims;
}

/**
 * Verifies a Clerk session token; throws ApiError UNAUTHENTICATED with a `reason`. The caller
 * is the token's issuer AND subject ("<iss>|<sub>", as Convex's tokenIdentifier), so two
 * issuers' users with the same subject are never the same person.
 */
export function verifySessionToken(token: string, config: EdgeConfig): VerifiedCaller {
  // Development sign-in (never in production, never beside Clerk) only swaps the public key.
  const jwtKey = config.clerkJwtKey || config.devAuth?.publicPem;
  if (!jwtKey) throw new ApiError("UNAVAILABLE", "Sign-in is not configured (CLERK_JWT_KEY)");
  const claims = verifiedClaims(token, jwtKey, config.authorizedParties);
  if (typeof claims.sub !== "string" || !claims.sub || typeof claims.iss !== "string" || !claims.iss) {
    throw unauthenticated("token-invalid");
  }
  return {
    tokenIdentifier: `${claims.iss.trim().replace(/\/+$/, "")}|${claims.sub}`,
    email: typeof claims.email === "string" ? claims.email : undefined,
    name: typeof claims.name === "string" ? claims.name : undefined,
    emailVerified: typeof claims.email_verified === "boolean" ? claims.email_verified : undefined,
  };
}

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (!token) throw unauthenticated("token-missing");
  c.set("caller", verifySessionToken(token, c.var.deps.config));
  await next();
});
