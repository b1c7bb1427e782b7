import { Hono } from "hono";
import type { AppEnv } from "../context";

/** Edge status and Convex reachability through the seam; 503 when Convex is down. */
export const health = new Hono<AppEnv>().get("/health", async (c) => {
  const { convex } = c.var.deps;
  try {
    const { latencyMs } = await convex.health();
    return c.json({ status: "ok", edge: { ok: true }, convex: { ok: true, latencyMs } });
  } catch (err) {
    const message = err instanceof Error ? err.message : "unreachable";
    return c.json({ status: "degraded", edge: { ok: true }, convex: { ok: false, error: message } }, 503);
  }
});
