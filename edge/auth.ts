// Clerk session tokens, verified without a network call (CLERK_JWT_KEY).
import { verifyToken } from "@clerk/backend";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

/** Clerk's TokenVerificationError reasons -> our message; the code is always UNAUTHENTICATED. */
const REASONS: Record<string, string> = {
  "token-expired": "Session token expired",
  "token-not-active-yet": "Session token not active yet",
  "token-iat-in-the-future": "Session token issued in the future",
  "token-invalid-signature": "Session token signature is invalid",
  "token-invalid-authorized-parties": "Session token was issued for another origin",
  "token-invalid-algorithm": "Session token algorithm is not accepted",
  "token-invalid-issuer": "Session token issuer is not accepted",
};

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const { config } = c.var.deps;
  const header = c.req.header("Authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!token) throw new ApiError("UNAUTHENTICATED", "Missing bearer token", { reason: "token-missing" });
  if (!config.clerkJwtKey) throw new ApiError("UNAVAILABLE", "Sign-in is not configured (CLERK_JWT_KEY)");
  let claims: Awaited<ReturnType<typeof verifyToken>>;
  try {
    claims = await verifyToken(token, {
      jwtKey: config.clerkJwtKey,
      authorizedParties: config.authorizedParties.length ? config.authorizedParties : undefined,
    });
  } catch (err) {
    const reason = (err as { reason?: string }).reason ?? "token-invalid";
    throw new ApiError("UNAUTHENTICATED", REASONS[reason] ?? "Session token is invalid", { reason });
  }
  const c2 = claims as Record<string, unknown>;
  c.set("userId", claims.sub);
  c.set("claims", {
    sub: claims.sub,
    sid: typeof c2.sid === "string" ? c2.sid : undefined,
    email: typeof c2.email === "string" ? c2.email : undefined,
    name: typeof c2.name === "string" ? c2.name : undefined,
  });
  await next();
});
