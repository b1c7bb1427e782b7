import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppDeps, AppEnv } from "../context.js";
import { createEdgeMetrics, type EdgeMetricsRecorder } from "../metrics.js";

/** One recorder per app instance (the stack runs several in one process). */
const recorders = new WeakMap<AppDeps, EdgeMetricsRecorder>();

export function metricsOf(deps: AppDeps): EdgeMetricsRecorder {
  let r = recorders.get(deps);
  if (!r) recorders.set(deps, (r = createEdgeMetrics()));
  return r;
}

/** Counts every request and times it to its response headers, labelled by the matched route. */
export const recordMetrics: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const matched = routePath(c, -1);
  const route = matched === "*" || matched === "/*" ? "unmatched" : matched;
  metricsOf(c.var.deps).observe(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
};
