// Deployment figures, from the polling schedule and measured through one offline stack:
//  1. provider requests per deployment for a 3-minute build: the polling schedule next to a fixed
//     30 s and 2 s poll, then every request each provider's fake received (setup, status, logs),
//     without and with webhooks (and when each sees "ready");
//  2. time from a provider webhook to the status visible in deployments.get (wall clock,
//     convex-test in memory: the Convex-side cost, not network latency);
//  3. documents read by deployments.stats with 100 and 10,000 deployments, next to a scan.
// Documents read: scripts/benchReads.ts (every document any function reads, components
// included), so the aggregate's reads count too.
import { randomBytes } from "node:crypto";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { pollDelay } from "../../convex/lib/deploymentLifecycle";
import { userRow } from "../../tests/convexTest";
import { startStack, type Stack } from "../../tests/stack";
import { documentsRead } from "../benchReads";
import { seedDeployments } from "../benchReadsSeed";
import { spread, stats } from "../benchTiming";

const BUILD_MS = 3 * 60_000;
const WEBHOOK_RUNS = 200;
/**
 * BENCH_DEPLOYMENTS overrides the large size. Seeding 10,000 takes about a minute and a half:
 * every aggregate insert is a component call, and convex-test answers each index lookup by
 * scanning every document of the component (so the cost grows with the tree); batching the
 * inserts into fewer transactions does not change that (measured: 10 to 250 per transaction).
 */
const LARGE = Number(process.env.BENCH_DEPLOYMENTS) || 10_000;

// ---------- 1. status calls ----------
/** Status calls made before the build is seen ready, and when it is seen. */
function schedule(delay: (n: number) => number, buildMs: number, webhook: boolean) {
  let t = 0;
  let calls = 0;
  for (let n = 0; ; n++) {
    t += delay(n);
    if (webhook && t > buildMs) return { calls, seenAfterMs: 0 };
    calls++;
    if (t >= buildMs) return { calls, seenAfterMs: t - buildMs };
  }
}

async function projectFor(stack: Stack, id: string) {
  const token = await stack.signIn({ id, email: `${id}@bench.test` });
  const as = stack.convex(token);
  const projectId: Id<"projects"> = await as.mutation(api.projects.create, {
    name: `Bench ${id}`,
    framework: "static",
  });
  await as.mutation(api.files.writeMany, { projectId, files: [{ path: "index.html", content: `<h1>${id}</h1>` }] });
  return { as, projectId };
}

type ProviderName = "vercel" | "netlify" | "railway";
const WEBHOOK_EVENT = { vercel: "deployment.succeeded", netlify: "deploy_succeeded" } as const;

/** A watch request's kind: the log read, or the status read (Netlify's one read carries both). */
function watchKind(provider: ProviderName, r: { method: string; path: string; body: string }): "status" | "logs" {
  if (provider === "vercel") return r.path.includes("/events") ? "logs" : "status";
  if (provider === "railway") return /query\s+logs\b/.test(r.body) ? "logs" : "status";
  return "status";
}

/**
 * Every request the provider fake received for one deployment, from the request to long after
 * ready: setup (project/site/service, uploads, the create call) and the watch (status, logs).
 */
async function measuredCalls(stack: Stack, provider: ProviderName, user: string, webhook: boolean) {
  const fake = stack.fakes[provider];
  const { as, projectId } = await projectFor(stack, user);
  const first = fake.requests.length;
  const id: Id<"deployments"> = await as.mutation(api.deployments.request, {
    projectId,
    provider,
    environment: "production",
  });
  await stack.advance(1_000); // the start job runs; the first poll comes 5 s later
  const setup = fake.requests.length - first;
  const pid = (await as.query(api.deployments.get, { deploymentId: id })).providerDeploymentId!;
  const phase = () =>
    provider === "vercel"
      ? stack.fakes.vercel.deployment(pid)!.phase
      : provider === "netlify"
        ? stack.fakes.netlify.deploy(pid)!.phase
        : stack.fakes.railway.deployment(pid)!.phase;
  let readyAt = 0;
  while (phase() !== "ready") {
    await stack.advance(500);
    readyAt = stack.now();
  }
  if (webhook && provider !== "railway") await stack.fakes[provider].sendWebhook(pid, WEBHOOK_EVENT[provider] as never);
  let seenAt = 0;
  for (let i = 0; i < 240 && !seenAt; i++) {
    if ((await as.query(api.deployments.get, { deploymentId: id })).status === "ready") seenAt = stack.now();
    else await stack.advance(500);
  }
  await stack.advance(10 * 60_000);
  const watch = fake.requests.slice(first + setup);
  const status = watch.filter((r) => watchKind(provider, r) === "status").length;
  return { setup, status, logs: watch.length - status, total: setup + watch.length, seenAfterMs: seenAt - readyAt };
}

// ---------- 2. webhook → visible ----------
async function webhookLatency(stack: Stack) {
  const samples: number[] = [];
  for (let i = 0; i < WEBHOOK_RUNS; i++) {
    const { as, projectId } = await projectFor(stack, `user_bench_hook_${i}`);
    const id: Id<"deployments"> = await as.mutation(api.deployments.request, {
      projectId,
      provider: "vercel",
      environment: "preview",
    });
    await stack.advance(1_000);
    const pid = (await as.query(api.deployments.get, { deploymentId: id })).providerDeploymentId!;
    const t0 = performance.now();
    const { response } = await stack.fakes.vercel.sendWebhook(pid, "deployment.succeeded");
    const status = (await as.query(api.deployments.get, { deploymentId: id })).status;
    samples.push(performance.now() - t0);
    if (response.status !== 200 || status !== "ready")
      throw new Error(`webhook run ${i}: ${response.status} ${status}`);
  }
  await stack.advance(10 * 60_000);
  return samples;
}

// ---------- 3. stats at scale ----------
async function statsReads(stack: Stack, count: number) {
  const { as, projectId } = await projectFor(stack, `user_bench_stats_${count}`);
  const t0 = performance.now();
  const userId = (await userRow(stack.t, `user_bench_stats_${count}`))!._id;
  await seedDeployments(stack, { userId, projectId }, count, Date.now());
  const seedMs = performance.now() - t0;
  const stats = await documentsRead(() => as.query(api.deployments.stats, { projectId }));
  const mine = await documentsRead(() => as.query(api.deployments.stats, {}));
  const scan = await documentsRead(() =>
    stack.t.run(async (ctx) => {
      const rows = await ctx.db
        .query("deployments")
        .withIndex("by_projectId", (q) => q.eq("projectId", projectId))
        .take(count + 1);
      return rows.length;
    }),
  );
  if (stats.result.total !== count) throw new Error(`stats total ${stats.result.total} != ${count}`);
  return { count, seedMs, project: stats.docs, user: mine.docs, scan: scan.docs, total: stats.result.total };
}

export async function run() {
  process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
  console.log(`\n### Provider status calls per deployment, ${BUILD_MS / 60_000}-minute build`);
  const ours = schedule(pollDelay, BUILD_MS, false);
  const oursHooked = schedule(pollDelay, BUILD_MS, true);
  const fixed30 = schedule(() => 30_000, BUILD_MS, false);
  const fixed2 = schedule(() => 2_000, BUILD_MS, false);
  console.log("(from the schedule: status calls, and how long after the build ended its status is seen)");
  console.log(`  backoff 5 s → 60 s, no webhooks   ${ours.calls} calls, seen after ${ours.seenAfterMs / 1000} s`);
  console.log(`  backoff 5 s → 60 s, with webhooks ${oursHooked.calls} calls, seen at the webhook`);
  console.log(
    `  fixed 30 s poll                   ${fixed30.calls} calls, seen after ${fixed30.seenAfterMs / 1000} s (up to 30 s)`,
  );
  console.log(
    `  fixed 2 s poll                    ${fixed2.calls} calls, seen after ${fixed2.seenAfterMs / 1000} s (up to 2 s)`,
  );

  const stack = await startStack();
  try {
    console.log("(measured through the stack: every request the provider's fake received for one deployment)");
    for (const provider of ["vercel", "netlify", "railway"] as const) {
      stack.fakes[provider].setBuildDuration(BUILD_MS);
      for (const webhook of provider === "railway" ? [false] : [false, true]) {
        const m = await measuredCalls(stack, provider, `user_bench_${provider}_${webhook ? "hook" : "poll"}`, webhook);
        console.log(
          `  ${provider.padEnd(7)} ${webhook ? "with webhooks" : "no webhooks  "}  ${String(m.total).padStart(3)} requests: ` +
            `${m.setup} setup + ${m.status} status + ${m.logs} logs${provider === "netlify" ? " (state and lines come from one read)" : ""}; ` +
            `ready seen ${(m.seenAfterMs / 1000).toFixed(1)} s after the build ended`,
        );
      }
      stack.fakes[provider].setBuildDuration(30_000);
    }

    stack.fakes.vercel.setBuildDuration(30_000);
    console.log(`\n### Provider webhook → status visible in deployments.get (${WEBHOOK_RUNS} runs, wall clock)`);
    const lat = stats(await webhookLatency(stack));
    console.log(`  ${spread(lat)} (sign + verify + one mutation + one query, in memory)`);
    console.log(`  without webhooks the same 3-minute build is seen ${ours.seenAfterMs / 1000} s late (next poll)`);

    console.log("\n### deployments.stats: documents read (all functions and components, auth included)");
    for (const n of [100, LARGE]) {
      const r = await statsReads(stack, n);
      console.log(
        `  ${String(n).padStart(6)} deployments: stats({projectId}) ${r.project} docs, stats({}) ${r.user} docs; ` +
          `a scan of the project's deployments reads ${r.scan} (seeded in ${(r.seedMs / 1000).toFixed(1)} s)`,
      );
    }
  } finally {
    await stack.close();
  }
}
