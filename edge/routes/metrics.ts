import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { METRICS_CONTENT_TYPE, renderMetrics } from "../metrics.js";
import { metricsOf } from "../middleware/metrics.js";

/** Constant-time comparison of two strings (the bearer token). */
function sameToken(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Prometheus text exposition, for a scraper holding METRICS_TOKEN (Authorization: Bearer).
 * Without METRICS_TOKEN the route does not exist (404).
 */
export const metrics = new Hono<AppEnv>().get("/api/metrics", async (c) => {
  const { config, convex } = c.var.deps;
  if (!config.metricsToken) throw new ApiError("NOT_FOUND", "Metrics are not enabled (METRICS_TOKEN)");
  const auth = c.req.header("Authorization") ?? "";
  const given = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
  if (!given || !sameToken(given, config.metricsToken))
    throw new ApiError("UNAUTHENTICATED", "Missing or wrong metrics token");
  const text = renderMetrics(metricsOf(c.var.deps), await convex.metrics());
  c.header("Cache-Control", "no-store");
  return c.body(text, 200, { "Content-Type": METRICS_CONTENT_TYPE });
});
