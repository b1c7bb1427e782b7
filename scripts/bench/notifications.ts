// Notification figures, through one offline stack and a Standard Webhooks receiver on loopback
// that verifies every delivery and fails 1 % of them on purpose (503):
//  1. deliveries per second for a burst of events, none lost (wall clock: convex-test in memory
//     plus real loopback HTTP; the Convex-side cost, not a deployment's);
//  2. time from a deployment going ready (endDeployment, as a poll or webhook calls it) to the
//     signed webhook arriving: wall clock, and on the stack's virtual clock (the workpool's
//     scheduling granularity).
import { Webhook } from "standardwebhooks";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { endDeployment } from "../../convex/lib/deploymentLifecycle";
import { statsInsert } from "../../convex/lib/deploymentStats";
import { emit } from "../../convex/notificationDelivery";
import { startFakeServer } from "../../tests/fakes/server";
import { startStack } from "../../tests/stack";
import { spread, stats } from "../benchTiming";

const BURST = Number(process.env.BENCH_NOTIFY_BURST) || 500;
const READY_RUNS = 100;

export async function run(): Promise<void> {
  Object.assign(process.env, { NOTIFY_ALLOW_LOOPBACK: "1", NOTIFY_TIMEOUT_MS: "2000" });
  const stack = await startStack();
  let secret = "";
  let served = 0;
  const arrived = new Map<string, number>();
  const receiver = await startFakeServer("bench receiver", (req, res) => {
    if (++served % 100 === 0) return void res.writeHead(503).end("busy");
    const payload = new Webhook(secret).verify(req.body, req.headers as Record<string, string>) as {
      data: { title: string };
    };
    if (!arrived.has(payload.data.title)) arrived.set(payload.data.title, performance.now());
    res.writeHead(204).end();
  });
  try {
    const token = await stack.signIn({ id: "user_bench_notify", email: "bench@notify.test" });
    const as = stack.convex(token);
    const created = await as.mutation(api.notificationChannels.create, {
      kind: "webhook",
      name: "Bench",
      target: receiver.url,
    });
    secret = created.secret!;
    const user = (await stack.t.run((ctx) =>
      ctx.db
        .query("users")
        .withIndex("by_clerkId", (q) => q.eq("clerkId", "user_bench_notify"))
        .unique(),
    ))!;

    // ---------- 1. burst ----------
    const t0 = performance.now();
    for (let i = 0; i < BURST; i += 50) {
      await stack.t.run(async (ctx) => {
        for (let j = i; j < Math.min(BURST, i + 50); j++)
          await emit(ctx, { userId: user._id, type: "deployment.ready", title: `burst ${j}`, message: "ok" });
      });
    }
    while ([...arrived.keys()].filter((k) => k.startsWith("burst ")).length < BURST && performance.now() - t0 < 600_000)
      await stack.advance(1_000);
    const seconds = (performance.now() - t0) / 1000;
    const rows = await stack.t.run((ctx) =>
      ctx.db
        .query("deliveries")
        .withIndex("by_channelId", (q) => q.eq("channelId", created.channelId))
        .take(BURST + 10),
    );
    const attempts = rows.reduce((n, d) => n + d.attempts, 0);
    console.log(
      `burst of ${BURST} events, 1 % answered 503: ${(BURST / seconds).toFixed(0)} deliveries/s (${seconds.toFixed(1)} s wall),`,
    );
    console.log(
      `  sent ${rows.filter((d) => d.status === "sent").length}, lost ${BURST - arrived.size}, attempts ${attempts} (${attempts - BURST} retries)`,
    );

    // ---------- 2. deployment ready → webhook received ----------
    const { projectId } = {
      projectId: await as.mutation(api.projects.create, { name: "Bench ready", framework: "static" }),
    };
    const wall: number[] = [];
    const virtual: number[] = [];
    for (let i = 0; i < READY_RUNS; i++) {
      const id: Id<"deployments"> = await stack.t.run(async (ctx) => {
        const snapshotId = await ctx.db.insert("snapshots", {
          projectId,
          fileCount: 0,
          totalBytes: 0,
          createdAt: Date.now(),
          createdBy: user._id,
        });
        const d = await ctx.db.insert("deployments", {
          projectId,
          userId: user._id,
          provider: "vercel",
          environment: "preview",
          snapshotId,
          status: "building",
          step: "building",
          attempts: 1,
          pollCount: 0,
          logCount: 0,
          pool: "free",
          createdAt: Date.now(),
        });
        await statsInsert(ctx, (await ctx.db.get("deployments", d))!);
        return d;
      });
      const start = performance.now();
      const vStart = stack.now();
      await stack.t.run((ctx) => endDeployment(ctx, id, { status: "ready", url: `https://ready-${i}.example` }, emit));
      const title = "Bench ready is live on Vercel";
      arrived.delete(title);
      while (!arrived.has(title)) await stack.advance(10);
      wall.push(arrived.get(title)! - start);
      virtual.push(stack.now() - vStart);
    }
    const w = stats(wall);
    const v = stats(virtual);
    console.log(
      `deployment ready → webhook received (${READY_RUNS} runs): wall ${spread(w)}; virtual clock ${spread(v)}`,
    );
  } finally {
    await receiver.close();
    await stack.close();
  }
}
