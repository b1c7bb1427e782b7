// The per-address limit of unauthenticated requests (no Authorization header: /health, the
// development sign-in routes, unknown paths), per edge instance. Requests that carry a token
// are limited per user in Convex instead; CORS preflights are answered before this runs.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { limitsOf } from "../limits.js";

type NodeBindings = { incoming?: { socket?: { remoteAddress?: string } } };

/** Who is asking: the proxy's view when it is trusted, else the socket's peer. */
export function clientAddress(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("X-Real-IP") ?? c.req.header("X-Forwarded-For")?.split(",")[0];
    if (forwarded?.trim()) return forwarded.trim();
  }
  return (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress ?? "unknown";
}

export const unauthenticatedLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header("Authorization") !== undefined) return next();
  const { config } = c.var.deps;
  const waitMs = limitsOf(c.var.deps).unauthenticated.take(clientAddress(c, config.limits.trustProxy));
  if (waitMs > 0) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new ApiError(
      "RATE_LIMITED",
      `Too many requests without sign-in from this address (${config.limits.unauthenticatedPerMinute} a minute); retry in ${seconds} s`,
      { retryAfterMs: waitMs, limit: "address" },
      { "Retry-After": String(seconds) },
    );
  }
  return next();
};
