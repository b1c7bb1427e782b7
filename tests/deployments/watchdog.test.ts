// The watchdog: a deployment whose poll chain or start job was lost is ended by the cron's
// sweep as error TIMEOUT, through the same end as any other (stats, notification, cancel at
// the provider); one whose chain is healthy, or still within its deadline, is left alone.
import { getFunctionName } from "convex/server";
import { afterEach, describe, expect, test } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import crons from "../../convex/crons";
import { QUEUE_TIMEOUT_MS, SWEEP_BATCH, WATCHDOG_MARGIN_MS } from "../../convex/deploymentWatchdog";
import {
  api,
  deployStackForFile,
  internal,
  logLines,
  notificationsAbout,
  providerCalls,
  reportLateStart,
  row,
  seedDeployments,
  userWithProject,
} from "./helpers";

const stack = deployStackForFile();

const TIMEOUT_MS = 120_000;

afterEach(() => {
  delete process.env.DEPLOY_TIMEOUT_MS;
  stack.fakes.vercel.setBuildDuration(30_000);
});

/** Breaks the poll chain: the deployment's pending poll is canceled, so nothing polls it again. */
async function losePollChain(id: Id<"deployments">): Promise<number> {
  return await stack.t.run(async (ctx) => {
    const pending = (await ctx.db.system.query("_scheduled_functions").collect()).filter(
      (f) => f.state.kind === "pending" && (f.args[0] as { deploymentId?: string })?.deploymentId === id,
    );
    for (const f of pending) await ctx.scheduler.cancel(f._id);
    return pending.length;
  });
}

const sweep = (status: "queued" | "building", asOf?: number) =>
  stack.t.mutation(internal.deploymentWatchdog.sweep, { status, ...(asOf === undefined ? {} : { asOf }) });

describe("the watchdog sweep", () => {
  test("a building deployment whose poll chain broke ends as error TIMEOUT once past the deadline; a healthy one is untouched", async () => {
    process.env.DEPLOY_TIMEOUT_MS = String(TIMEOUT_MS);
    stack.fakes.vercel.setBuildDuration(60 * 60_000);
    const { as, projectId } = await userWithProject(stack, "user_watchdog_lost");
    const lost = await as.mutation(api.deployments.request, {
      projectId,
      provider: "vercel",
      environment: "production",
    });
    await stack.advance(1_000);
    const pid = (await row(stack, lost)).providerDeploymentId!;
    expect(await losePollChain(lost)).toBe(1);

    // Past the timeout but within the margin: a healthy chain could still be ending it.
    await stack.advance(TIMEOUT_MS + 60_000);
    expect(await sweep("building")).toEqual({ ended: 0 });
    expect(await row(stack, lost)).toMatchObject({ status: "building", pollCount: 0 });

    await stack.advance(WATCHDOG_MARGIN_MS);
    stack.fakes.vercel.setBuildDuration(30_000);
    const other = await userWithProject(stack, "user_watchdog_healthy");
    const healthy = await other.as.mutation(api.deployments.request, {
      projectId: other.projectId,
      provider: "vercel",
      environment: "preview",
    });
    await stack.advance(6_000); // started and polled once: its chain is alive
    const before = await row(stack, healthy);
    expect(before).toMatchObject({ status: "building", pollCount: 1 });
    const since = stack.fakes.vercel.requests.length;

    expect(await sweep("building")).toEqual({ ended: 1 });
    const d = await row(stack, lost);
    expect(d).toMatchObject({
      status: "error",
      error: { code: "TIMEOUT", message: "Still not live after 2 minutes; canceled at the provider" },
    });
    expect(d.finishedAt).toBe(stack.now());
    expect((await notificationsAbout(stack, lost)).map((n) => n.type)).toEqual(["deployment.error"]);
    expect(await as.query(api.deployments.stats, { projectId })).toMatchObject({
      total: 1,
      byStatus: { building: 0, error: 1 },
      successRate: 0,
    });
    expect(await row(stack, healthy)).toEqual(before);

    await stack.advance(60_000);
    expect(stack.fakes.vercel.deployment(pid)!.phase).toBe("canceled");
    expect(providerCalls(stack, "vercel", since)).toContain("PATCH /v12/deployments/:id/cancel");
    const lines = await logLines(stack, lost);
    expect(lines).toContain("Failed (TIMEOUT): Still not live after 2 minutes; canceled at the provider");
    expect(lines.some((l) => /^Still building \d+ minutes after it started; ending it$/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe("Canceled at the provider");
    expect((await row(stack, lost)).status).toBe("error"); // nothing revived it
    // The healthy one went on under its own chain.
    expect(await row(stack, healthy)).toMatchObject({ status: "ready" });
    expect((await notificationsAbout(stack, healthy)).map((n) => n.type)).toEqual(["deployment.ready"]);
    expect(await sweep("building")).toEqual({ ended: 0 });
  });

  test("a healthy chain ends its own timeout; the sweep after it finds nothing", async () => {
    process.env.DEPLOY_TIMEOUT_MS = String(TIMEOUT_MS);
    stack.fakes.vercel.setBuildDuration(60 * 60_000);
    const { as, projectId } = await userWithProject(stack, "user_watchdog_poller");
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(TIMEOUT_MS + WATCHDOG_MARGIN_MS + 60_000);
    const d = await row(stack, id);
    expect(d).toMatchObject({ status: "error", error: { code: "TIMEOUT" } });
    expect(d.pollCount).toBeGreaterThan(0);
    expect(await sweep("building")).toEqual({ ended: 0 });
    expect(await row(stack, id)).toEqual(d);
    expect((await notificationsAbout(stack, id)).map((n) => n.type)).toEqual(["deployment.error"]);
  });

  test("a queued deployment never started: error TIMEOUT, its job leaves the pool, and what a late job creates is canceled", async () => {
    const { as, projectId } = await userWithProject(stack, "user_watchdog_queued");
    const since = stack.fakes.vercel.requests.length;
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    expect(await sweep("queued", stack.now() + QUEUE_TIMEOUT_MS - 1)).toEqual({ ended: 0 });
    expect((await row(stack, id)).status).toBe("queued");

    expect(await sweep("queued", stack.now() + QUEUE_TIMEOUT_MS)).toEqual({ ended: 1 });
    await stack.advance(60_000);
    const d = await row(stack, id);
    expect(d).toMatchObject({
      status: "error",
      attempts: 0,
      error: { code: "TIMEOUT", message: "Never left the queue in 120 minutes" },
    });
    expect(d.providerDeploymentId).toBeUndefined();
    expect(stack.fakes.vercel.requests.length).toBe(since); // the job never ran
    expect((await notificationsAbout(stack, id)).map((n) => n.type)).toEqual(["deployment.error"]);
    expect(await as.query(api.deployments.stats, { projectId })).toMatchObject({
      total: 1,
      byStatus: { queued: 0, error: 1 },
    });

    // A start job that was already creating it reports back late: that provider deployment is canceled.
    const { providerId } = await reportLateStart(stack, id, "late");
    await stack.advance(60_000);
    expect(stack.fakes.vercel.deployment(providerId)!.phase).toBe("canceled");
    expect(await row(stack, id)).toMatchObject({ status: "error", pollCount: 0 });
  });

  test("pages through the index in bounded batches, skipping rows still within their deadline", async () => {
    const { as, projectId } = await userWithProject(stack, "user_watchdog_many");
    const now = stack.now();
    // Every other row waited in the queue 30 minutes before it started: not stuck yet.
    const stuckAt = (i: number) => i % 2 === 0;
    const ids = (
      await seedDeployments(stack, projectId, SWEEP_BATCH + 10, (i) => ({
        status: "building",
        step: "building",
        attempts: 1,
        pollCount: 3,
        createdAt: now - 40 * 60_000,
        startedAt: now - (stuckAt(i) ? 40 : 10) * 60_000,
      }))
    ).map((id, i) => ({ id, stuck: stuckAt(i) }));
    const first = await sweep("building", now);
    expect(first.ended).toBe(SWEEP_BATCH / 2); // one page of SWEEP_BATCH rows, half of them stuck
    await stack.advance(0); // the next page
    for (const { id, stuck } of ids) {
      expect((await row(stack, id)).status).toBe(stuck ? "error" : "building");
    }
    const total = ids.length;
    expect(await as.query(api.deployments.stats, { projectId })).toMatchObject({
      total,
      byStatus: { building: total / 2, error: total / 2 },
    });
  });
});

describe("crons.ts", () => {
  test("sweeps queued and building deployments every 5 minutes", () => {
    const entries = Object.values((crons as unknown as { crons: Record<string, any> }).crons).filter(
      (c) => c.name === getFunctionName(internal.deploymentWatchdog.sweep),
    );
    expect(entries.map((c) => c.args)).toEqual([[{ status: "queued" }], [{ status: "building" }]]);
    for (const c of entries) expect(c.schedule).toMatchObject({ type: "interval", minutes: 5 });
  });
});
