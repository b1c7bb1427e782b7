// Prometheus metrics (prom-client): this edge instance's request counts and latencies by
// route and status, recorded by a middleware in app.ts, and at scrape time the business
// figures Convex keeps in rollups and counters (GET /edge/metrics through the seam).
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { EdgeMetrics } from "../convex/edge/contract.js";

const LABELS = ["method", "route", "status"] as const;

export function createEdgeMetrics() {
  const registry = new Registry();
  const requests = new Counter({ name: "autocrea_edge_http_requests_total", help: "HTTP requests this edge instance answered.", labelNames: LABELS, registers: [registry] });
  const latency = new Histogram({
    name: "autocrea_edge_http_request_duration_seconds",
    help: "Time to the response's headers on this edge instance (streams: until they start).",
    labelNames: LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    registry,
    /** `route` is the matched route pattern (e.g. /api/deployments/:id), never the raw path. */
    observe(method: string, route: string, status: number, seconds: number) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
  };
}
export type EdgeMetricsRecorder = ReturnType<typeof createEdgeMetrics>;

type Labelled = { labels: Record<string, string>; value: number }[];

function gauge(registry: Registry, name: string, help: string, rows: Labelled) {
  const labelNames = [...new Set(rows.flatMap((r) => Object.keys(r.labels)))];
  const g = new Gauge({ name, help, labelNames, registers: [registry] });
  for (const r of rows) g.set(r.labels, r.value);
}

function counter(registry: Registry, name: string, help: string, rows: Labelled) {
  const labelNames = [...new Set(rows.flatMap((r) => Object.keys(r.labels)))];
  const c = new Counter({ name, help, labelNames, registers: [registry] });
  for (const r of rows) c.inc(r.labels, r.value);
}

/** The exposition text: Convex's figures, then this instance's. */
export async function renderMetrics(edge: EdgeMetricsRecorder, business: EdgeMetrics): Promise<string> {
  const registry = new Registry();
  const { ai } = business;
  gauge(registry, "autocrea_ai_requests_today", "AI requests today (UTC), by operation type.", ai.requestsByType);
  gauge(registry, "autocrea_ai_tokens_today", "AI tokens today (UTC), by kind.", [
    { labels: { kind: "input" }, value: ai.inputTokens },
    { labels: { kind: "output" }, value: ai.outputTokens },
    { labels: { kind: "cache_read" }, value: ai.cacheReadTokens },
    { labels: { kind: "cache_write" }, value: ai.cacheWriteTokens },
  ]);
  gauge(registry, "autocrea_ai_cost_usd_today", "AI cost today (UTC) in US dollars.", [{ labels: {}, value: ai.costMicros / 1e6 }]);
  counter(registry, "autocrea_deployments_finished_total", "Deployments that ended, by provider and status.", business.deploymentsFinished);
  counter(registry, "autocrea_notification_deliveries_total", "Notification deliveries finished, by channel kind and outcome.", business.deliveries);
  gauge(registry, "autocrea_queue_depth", "Jobs waiting or running per queue: deployments queued per pool, notification deliveries not finished.", business.queueDepth);
  gauge(registry, "autocrea_notification_deliveries_in_flight", "Deliveries queued or being retried (the notifyPool's depth), by channel kind.", business.deliveriesInFlight);
  return (await Registry.merge([registry, edge.registry]).metrics()).trimEnd() + "\n";
}

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
