// GET /api/metrics: Prometheus text, parsed with a Prometheus-format parser.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, test } from "vitest";
import { createEdgeMetrics } from "../../edge/metrics";
import { createApp } from "../../edge/app";
import { loadConfig } from "../../edge/config";
import { createConvexSeam } from "../../edge/convex";
import { settleCompletions } from "../../edge/ai/run";
import { aiCall } from "../ai/helpers";
import { api, notifyStackForFile, raise, SETTLE_MS, signedIn } from "./helpers";

const TOKEN = "metrics-test-token";
const { stack, fakes, secret } = notifyStackForFile({ env: { METRICS_TOKEN: TOKEN } });

type Family = {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[];
};

async function scrape(token = TOKEN) {
  return await fetch(`${stack.edgeUrl}/api/metrics`, { headers: { Authorization: `Bearer ${token}` } });
}

async function families(): Promise<Map<string, Family>> {
  const res = await scrape();
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const parsed: Family[] = parsePrometheusTextFormat(await res.text());
  return new Map(parsed.map((f) => [f.name, f]));
}

const valueOf = (f: Family | undefined, labels: Record<string, string>) =>
  Number(f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);

describe("GET /api/metrics", () => {
  test("AI requests, tokens and cost by model, and users by plan, from counters", async () => {
    const base = await families();
    const users = (f: Map<string, Family>, plan: string) => valueOf(f.get("autocrea_users"), { plan }) || 0;
    const model = "claude-haiku-5-5";
    const completed = (f: Map<string, Family>) =>
      valueOf(f.get("autocrea_ai_requests_total"), { model, status: "completed" }) || 0;
    const cost = (f: Map<string, Family>) => valueOf(f.get("autocrea_ai_cost_usd_total"), { model }) || 0;

    const token = await stack.signIn({ id: "user_metrics_ai", email: "ai@example.com" });
    const admin = stack.convex(await stack.signIn({ id: "user_metrics_admin", role: "admin" }));
    const res = await aiCall(stack, token, "explain", { code: "x", language: "js", model });
    expect(res.status).toBe(200);
    const { usage, costMicros } = await res.json();
    await settleCompletions();
    const { userId } = await signedIn(stack, "user_metrics_ai");
    await admin.mutation(api.admin.setPlanOverride, {
      userId,
      plan: "pro",
      expiresAt: stack.now() + 86_400_000,
      reason: "metrics test",
    });

    const after = await families();
    expect(completed(after)).toBe(completed(base) + 1);
    expect(valueOf(after.get("autocrea_ai_tokens_total"), { model, kind: "input" })).toBeGreaterThanOrEqual(
      usage.inputTokens,
    );
    expect(cost(after)).toBeCloseTo(cost(base) + costMicros / 1e6, 9);
    expect(users(after, "free")).toBe(users(base, "free") + 1); // two new users, one of them now on pro
    expect(users(after, "pro")).toBe(users(base, "pro") + 1);
  });

  test("deployment queue depth per pool and deployments finished, from counters", async () => {
    const { as } = await signedIn(stack, "user_metrics_deploy");
    const projectId = await as.mutation(api.projects.create, { name: "Queue", framework: "static" });
    await as.mutation(api.files.writeMany, { projectId, files: [{ path: "index.html", content: "<h1>q</h1>" }] });
    const base = await families();
    const queued = (f: Map<string, Family>) => valueOf(f.get("autocrea_queue_depth"), { pool: "deploy-free" });
    const canceled = (f: Map<string, Family>) =>
      valueOf(f.get("autocrea_deployments_finished_total"), { provider: "netlify", status: "canceled" });
    const deploymentId = await as.mutation(api.deployments.request, {
      projectId,
      provider: "netlify",
      environment: "preview",
    });
    const during = await families();
    expect(queued(during)).toBe(queued(base) + 1);
    await as.mutation(api.deployments.cancel, { deploymentId });
    const after = await families();
    expect(queued(after)).toBe(queued(base));
    expect(canceled(after)).toBe(canceled(base) + 1);
  });

  test("refused without the bearer token, or with a wrong one", async () => {
    expect((await fetch(`${stack.edgeUrl}/api/metrics`)).status).toBe(401);
    const wrong = await scrape("nope");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { code: "UNAUTHENTICATED", message: "Missing or wrong metrics token" },
    });
  });

  test("does not exist without METRICS_TOKEN", async () => {
    const app = createApp({
      config: loadConfig({}),
      convex: createConvexSeam({ siteUrl: "", secret: "" }),
      log: () => {},
    });
    expect((await app.request("/api/metrics", { headers: { Authorization: "Bearer x" } })).status).toBe(404);
  });

  test("business figures from Convex and this instance's requests by route and status", async () => {
    const { as, userId } = await signedIn(stack, "user_metrics");
    const { secret: s } = await as.mutation(api.notificationChannels.create, {
      kind: "webhook",
      name: "Hook",
      target: fakes.webhook.url,
    });
    secret.value = s!;
    const before = await families();
    const sentBefore = valueOf(before.get("autocrea_notification_deliveries_total"), {
      kind: "webhook",
      outcome: "sent",
    });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(SETTLE_MS);
    fakes.webhook.failNext({ kind: "status", status: 400 });
    await raise(stack, { userId, type: "deployment.ready", title: "Live", message: "ok" });
    await stack.advance(SETTLE_MS);
    await fetch(`${stack.edgeUrl}/health`);
    await fetch(`${stack.edgeUrl}/no/such/route`);

    const after = await families();
    const deliveries = after.get("autocrea_notification_deliveries_total")!;
    expect(deliveries.type).toBe("COUNTER");
    expect(valueOf(deliveries, { kind: "webhook", outcome: "sent" })).toBe(
      (Number.isNaN(sentBefore) ? 0 : sentBefore) + 1,
    );
    expect(valueOf(deliveries, { kind: "webhook", outcome: "failed" })).toBeGreaterThanOrEqual(1);
    expect(valueOf(after.get("autocrea_notification_deliveries_in_flight"), { kind: "webhook" })).toBe(0);
    for (const name of [
      "autocrea_ai_tokens_today",
      "autocrea_ai_cost_usd_today",
      "autocrea_deployments_finished_total",
    ]) {
      expect(after.has(name)).toBe(true);
    }
    expect(valueOf(after.get("autocrea_queue_depth"), { pool: "notify" })).toBe(0);

    const requests = after.get("autocrea_edge_http_requests_total")!;
    expect(valueOf(requests, { method: "GET", route: "/health", status: "200" })).toBeGreaterThanOrEqual(1);
    expect(valueOf(requests, { method: "GET", route: "unmatched", status: "404" })).toBeGreaterThanOrEqual(1);
    expect(valueOf(requests, { method: "GET", route: "/api/metrics", status: "401" })).toBeGreaterThanOrEqual(2);
    const latency = after.get("autocrea_edge_http_request_duration_seconds")!;
    expect(latency.type).toBe("HISTOGRAM");
    // The parser keeps a histogram's buckets but not its per-series labels: check those in the text.
    expect(Number(latency.metrics[0].buckets?.["+Inf"])).toBeGreaterThanOrEqual(1);
    const text = await (await scrape()).text();
    expect(text).toMatch(
      /^autocrea_edge_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} [1-9]/m,
    );
  });

  test("label values are escaped and histogram buckets are cumulative", () => {
    const m = createEdgeMetrics();
    m.observe("GET", 'a"b\\c\nd', 200, 0.02);
    m.observe("GET", 'a"b\\c\nd', 200, 3);
    const parsed: Family[] = parsePrometheusTextFormat(m.render() + "\n");
    const requests = parsed.find((f) => f.name === "autocrea_edge_http_requests_total")!;
    expect(requests.metrics).toEqual([{ labels: { method: "GET", route: 'a"b\\c\nd', status: "200" }, value: "2" }]);
    const buckets = parsed.find((f) => f.name === "autocrea_edge_http_request_duration_seconds")!.metrics[0].buckets!;
    expect([buckets["0.01"], buckets["0.025"], buckets["2.5"], buckets["5"], buckets["+Inf"]].map(Number)).toEqual([
      0, 1, 1, 2, 2,
    ]);
  });
});
