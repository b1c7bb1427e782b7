import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.js";
import { withConvexView } from "../services.js";

type ConvexHealth = Awaited<ReturnType<AppDeps["convex"]["health"]>>;
type Checked = { at: number; answer: Promise<ConvexHealth> };

/** Per app instance: the last Convex check (or the one in flight), reused for config.healthCacheMs. */
const lastCheck = new WeakMap<AppDeps, Checked>();

function convexHealth(deps: AppDeps): Promise<ConvexHealth> {
  const now = performance.now();
  const last = lastCheck.get(deps);
  if (last && now - last.at < deps.config.healthCacheMs) return last.answer;
  const answer = deps.convex.health();
  lastCheck.set(deps, { at: now, answer });
  answer.catch(() => {}); // a failure is reported to each caller below, never unhandled
  return answer;
}

/**
 * Edge status and Convex reachability (and latency) through the seam; 503 when Convex is down.
 * Convex's answer (either way) is reused for a few seconds (EDGE_HEALTH_CACHE_MS), so hammering
 * /health costs Convex one call per instance per interval.
 * `services` says which external services are real, mocked or off: the deployment providers
 * as Convex sees them (it holds their tokens), the rest as the edge does; while Convex is
 * down, all as the edge does. `payments` is Convex's (it holds the payment keys): `mode` is
 * stripe, lemonsqueezy, mock or off, with each provider's real/mock/off beside it.
 */
export const health = new Hono<AppEnv>().get("/health", async (c) => {
  const { config } = c.var.deps;
  c.header("Cache-Control", "no-store");
  try {
    const { latencyMs, services, payments } = await convexHealth(c.var.deps);
    return c.json({
      status: "ok",
      edge: { ok: true },
      convex: { ok: true, latencyMs, services },
      services: withConvexView(config.services, services),
      payments,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : "unreachable";
    return c.json(
      { status: "degraded", edge: { ok: true }, convex: { ok: false, error: message }, services: config.services },
      503,
    );
  }
});
