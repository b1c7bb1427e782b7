// Prometheus metrics in the text exposition format (version 0.0.4): this edge instance's
// request counts and latencies by route and status, recorded by a middleware in app.ts, and
// at scrape time the business figures Convex keeps in rollups and counters (GET /edge/metrics
// through the seam). Rendered here rather than with prom-client, which with the OpenTelemetry
// API it pulls in would add a quarter to the edge bundle for a handful of series.
import type { EdgeMetrics } from "../convex/edge/contract.js";

type Labels = Record<string, string>;
type Labelled = { labels: Labels; value: number }[];

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};
const family = (name: string, type: "counter" | "gauge" | "histogram", help: string, lines: string[]) =>
  [`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`, ...lines].join(
    "\n",
  );
const series = (name: string, type: "counter" | "gauge", help: string, rows: Labelled) =>
  family(
    name,
    type,
    help,
    rows.map((r) => `${name}${labelText(r.labels)} ${r.value}`),
  );

type RouteSeries = { labels: Labels; count: number; sum: number; buckets: number[] };

export function createEdgeMetrics() {
  const routes = new Map<string, RouteSeries>();
  return {
    /** `route` is the matched route pattern (e.g. /api/deployments/:id), never the raw path. */
    observe(method: string, route: string, status: number, seconds: number) {
      const key = `${method} ${route} ${status}`;
      let s = routes.get(key);
      if (!s)
        routes.set(
          key,
          (s = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }),
        );
      s.count++;
      s.sum += seconds;
      BUCKETS.forEach((le, i) => {
        if (seconds <= le) s.buckets[i]++;
      });
    },
    render(): string {
      const all = [...routes.values()];
      const requests = series(
        "autocrea_edge_http_requests_total",
        "counter",
        "HTTP requests this edge instance answered.",
        all.map((s) => ({ labels: s.labels, value: s.count })),
      );
      const name = "autocrea_edge_http_request_duration_seconds";
      const lines = all.flatMap((s) => [
        ...BUCKETS.map((le, i) => `${name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.buckets[i]}`),
        `${name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`,
        `${name}_sum${labelText(s.labels)} ${s.sum}`,
        `${name}_count${labelText(s.labels)} ${s.count}`,
      ]);
      const latency = family(
        name,
        "histogram",
        "Time to the response's headers on this edge instance (streams: until they start).",
        lines,
      );
      return [requests, latency].join("\n");
    },
  };
}
export type EdgeMetricsRecorder = ReturnType<typeof createEdgeMetrics>;

/** The exposition text: Convex's figures, then this instance's. */
export function renderMetrics(edge: EdgeMetricsRecorder, business: EdgeMetrics): string {
  const { ai } = business;
  return (
    [
      series("autocrea_ai_requests_today", "gauge", "AI requests today (UTC), by operation type.", ai.requestsByType),
      series("autocrea_ai_tokens_today", "gauge", "AI tokens today (UTC), by kind.", [
        { labels: { kind: "input" }, value: ai.inputTokens },
        { labels: { kind: "output" }, value: ai.outputTokens },
        { labels: { kind: "cache_read" }, value: ai.cacheReadTokens },
        { labels: { kind: "cache_write" }, value: ai.cacheWriteTokens },
      ]),
      series("autocrea_ai_cost_usd_today", "gauge", "AI cost today (UTC) in US dollars.", [
        { labels: {}, value: ai.costMicros / 1e6 },
      ]),
      series(
        "autocrea_ai_requests_total",
        "counter",
        "AI requests settled, by model and outcome.",
        business.aiByModel.requests,
      ),
      series("autocrea_ai_tokens_total", "counter", "AI tokens settled, by model and kind.", business.aiByModel.tokens),
      series(
        "autocrea_ai_cost_usd_total",
        "counter",
        "AI cost settled in US dollars, by model.",
        business.aiByModel.costMicros.map((r) => ({ labels: r.labels, value: r.value / 1e6 })),
      ),
      series("autocrea_users", "gauge", "Users by plan (deleted users not counted).", business.usersByPlan),
      series(
        "autocrea_deployments_finished_total",
        "counter",
        "Deployments that ended, by provider and status.",
        business.deploymentsFinished,
      ),
      series(
        "autocrea_notification_deliveries_total",
        "counter",
        "Notification deliveries finished, by channel kind and outcome.",
        business.deliveries,
      ),
      series(
        "autocrea_queue_depth",
        "gauge",
        "Jobs waiting or running per queue: deployments queued per pool, notification deliveries not finished.",
        business.queueDepth,
      ),
      series(
        "autocrea_notification_deliveries_in_flight",
        "gauge",
        "Deliveries queued or being retried (the notifyPool's depth), by channel kind.",
        business.deliveriesInFlight,
      ),
      edge.render(),
    ].join("\n") + "\n"
  );
}

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
