import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { withConvexView } from "../services.js";

/**
 * Edge status and Convex reachability (and latency) through the seam; 503 when Convex is down.
 * `services` says which external services are real, mocked or off: the deployment providers
 * as Convex sees them (it holds their tokens), the rest as the edge does; while Convex is
 * down, all as the edge does.
 */
export const health = new Hono<AppEnv>().get("/health", async (c) => {
  const { convex, config } = c.var.deps;
  c.header("Cache-Control", "no-store");
  try {
    const { latencyMs, services } = await convex.health();
    return c.json({
      status: "ok",
      edge: { ok: true },
      convex: { ok: true, latencyMs, services },
      services: withConvexView(config.services, services),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : "unreachable";
    return c.json({ status: "degraded", edge: { ok: true }, convex: { ok: false, error: message }, services: config.services }, 503);
  }
});
