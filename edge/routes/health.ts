import { Hono } from "hono";
import type { AppEnv } from "../context.js";

/** Edge status and Convex reachability (and latency) through the seam; 503 when Convex is down. */
export const health = new Hono<AppEnv>().get("/health", async (c) => {
  const { convex, config } = c.var.deps;
  // Which external services are real and which are answered by loopback fakes.
  const services = config.services;
  c.header("Cache-Control", "no-store");
  try {
    const { latencyMs } = await convex.health();
    return c.json({ status: "ok", edge: { ok: true }, convex: { ok: true, latencyMs }, services });
  } catch (err) {
    const message = err instanceof Error ? err.message : "unreachable";
    return c.json({ status: "degraded", edge: { ok: true }, convex: { ok: false, error: message }, services }, 503);
  }
});
