// A chatty build can print thousands of lines between two polls. Each stored line costs an
// index read and a write, so one mutation stores at most MAX_PROVIDER_LINES_PER_WRITE and
// moves the log cursor to the last one stored; the next poll (or, once the deployment has
// ended, a log drain) continues from there. Nothing is lost and no line is stored twice.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { MAX_PROVIDER_LINES_PER_WRITE } from "../../convex/lib/deploymentLifecycle";
import { statsInsert } from "../../convex/lib/deploymentStats";
import { newConvexTest, type ConvexTest } from "../convexTest";

let t: ConvexTest;
beforeEach(() => {
  vi.useFakeTimers();
  t = newConvexTest();
});
afterEach(() => {
  vi.useRealTimers();
});

const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    id: `line-${String(from + i).padStart(5, "0")}`,
    at: 1,
    level: "info" as const,
    text: `step ${from + i}`,
  }));

async function buildingDeployment(): Promise<Id<"deployments">> {
  return await t.run(async (ctx) => {
    const now = Date.now();
    const userId = await ctx.db.insert("users", {
      clerkId: "user_logs",
      email: "logs@example.com",
      role: "user",
      plan: "free",
      preferences: { theme: "system", editorFontSize: 14, tabSize: 2, defaultModel: "claude-sonnet-5-5" },
      createdAt: now,
      updatedAt: now,
    });
    const projectId = await ctx.db.insert("projects", {
      ownerId: userId,
      name: "Chatty",
      framework: "static",
      fileCount: 1,
      totalBytes: 1,
      createdAt: now,
      updatedAt: now,
    });
    const snapshotId = await ctx.db.insert("snapshots", {
      projectId,
      fileCount: 1,
      totalBytes: 1,
      createdAt: now,
      createdBy: userId,
    });
    const id = await ctx.db.insert("deployments", {
      projectId,
      userId,
      provider: "vercel",
      environment: "preview",
      status: "building",
      step: "building",
      snapshotId,
      providerDeploymentId: "dpl_chatty",
      attempts: 1,
      pollCount: 0,
      pool: "free",
      logCount: 0,
      createdAt: now,
      startedAt: now,
    });
    await statsInsert(ctx, (await ctx.db.get("deployments", id))!);
    return id;
  });
}

async function stored(id: Id<"deployments">) {
  return await t.run(async (ctx) => ({
    deployment: (await ctx.db.get("deployments", id))!,
    lines: await ctx.db
      .query("deploymentLogs")
      .withIndex("by_deploymentId_and_seq", (q) => q.eq("deploymentId", id))
      .take(10_000),
    drains: (await ctx.db.system.query("_scheduled_functions").take(100)).filter((j) => j.name.includes("drainLogs")),
  }));
}

test("a poll stores a bounded batch of lines and the next one continues after it", async () => {
  const id = await buildingDeployment();
  const max = MAX_PROVIDER_LINES_PER_WRITE;
  await t.mutation(internal.deploymentWatch.recordPoll, {
    deploymentId: id,
    n: 0,
    observed: { state: "building" },
    lines: lines(1, max + 1),
  });
  let now = await stored(id);
  expect(now.lines.filter((l) => l.providerEventId)).toHaveLength(max);
  expect(now.deployment.logCursor).toBe(lines(max, max)[0].id);
  expect(now.deployment.logCount).toBe(now.lines.length);

  // The provider answers from the cursor: the line left over, and more.
  await t.mutation(internal.deploymentWatch.recordPoll, {
    deploymentId: id,
    n: 1,
    observed: { state: "building" },
    lines: lines(max + 1, max + 10),
  });
  now = await stored(id);
  const provider = now.lines.filter((l) => l.providerEventId).map((l) => l.providerEventId);
  expect(provider).toEqual(lines(1, max + 10).map((l) => l.id));
  expect(now.drains).toEqual([]);
});

test("a poll that ends the deployment with lines left over schedules a drain for the rest", async () => {
  const id = await buildingDeployment();
  const max = MAX_PROVIDER_LINES_PER_WRITE;
  await t.mutation(internal.deploymentWatch.recordPoll, {
    deploymentId: id,
    n: 0,
    observed: { state: "ready", url: "https://x.vercel.app" },
    lines: lines(1, max + 1),
  });
  const now = await stored(id);
  expect(now.deployment.status).toBe("ready");
  expect(now.lines.filter((l) => l.providerEventId)).toHaveLength(max);
  expect(now.drains).toHaveLength(1);
});

test("note (the drain's write) stores a bounded batch and says whether lines were left", async () => {
  const id = await buildingDeployment();
  const max = MAX_PROVIDER_LINES_PER_WRITE;
  expect(
    await t.mutation(internal.deploymentWatch.appendLog, {
      deploymentId: id,
      level: "info",
      text: "",
      lines: lines(1, max + 1),
    }),
  ).toEqual({ more: true });
  expect(
    await t.mutation(internal.deploymentWatch.appendLog, {
      deploymentId: id,
      level: "info",
      text: "",
      lines: lines(max + 1, max + 1),
    }),
  ).toEqual({ more: false });
  const now = await stored(id);
  expect(now.lines.map((l) => l.providerEventId)).toEqual(lines(1, max + 1).map((l) => l.id));
});
