// The admin's operational reads: AI and deployment health and top projects by cost, over a window.
import { expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { makeAdmin, withUser } from "./helpers";

test("AI health, deployment health and top projects by cost, counted over the window only", async () => {
  const { t, userId } = await withUser();
  const admin = await makeAdmin(t);
  const now = Date.now();
  await t.run(async (ctx) => {
    const project = (name: string) =>
      ctx.db.insert("projects", {
        ownerId: userId,
        name,
        framework: "react",
        fileCount: 0,
        totalBytes: 0,
        createdAt: now,
        updatedAt: now,
      });
    const [a, b] = [await project("a"), await project("b")];
    const req = (
      projectId: Id<"projects">,
      status: "completed" | "failed",
      costMicros: number,
      latencyMs: number,
      startedAt: number,
      code?: string,
    ) =>
      ctx.db.insert("aiRequests", {
        userId,
        projectId,
        type: "explain",
        model: "claude-sonnet-5-5",
        promptExcerpt: "",
        status,
        inputTokens: 1,
        outputTokens: 1,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costMicros,
        latencyMs,
        startedAt,
        error: code ? { code, message: "x" } : undefined,
      });
    await req(a, "completed", 500, 100, now);
    await req(a, "completed", 700, 300, now);
    await req(b, "completed", 2000, 200, now);
    await req(b, "failed", 0, 50, now, "UPSTREAM");
    await req(b, "completed", 99_999, 1, now - 10 * 86_400_000); // outside the window
    const snapshotId = await ctx.db.insert("snapshots", {
      projectId: a,
      fileCount: 0,
      totalBytes: 0,
      createdAt: now,
      createdBy: userId,
    });
    const dep = (status: "ready" | "error", startedAt: number, deployedAt?: number, code?: "BUILD_FAILED") =>
      ctx.db.insert("deployments", {
        projectId: a,
        userId,
        provider: "vercel",
        environment: "preview",
        status,
        step: status === "ready" ? "ready" : "building",
        snapshotId,
        attempts: 1,
        pollCount: 0,
        pool: "free",
        logCount: 0,
        createdAt: startedAt,
        startedAt,
        deployedAt,
        finishedAt: deployedAt ?? startedAt,
        error: code ? { code, message: "x" } : undefined,
      });
    await dep("ready", now, now + 30_000);
    await dep("ready", now, now + 90_000);
    await dep("ready", now, now + 60_000);
    await dep("error", now, undefined, "BUILD_FAILED");
  });
  const since = now - 86_400_000;
  expect(await admin.as.query(api.operations.aiHealthStats, { since })).toEqual({
    completed: 3,
    failed: 1,
    failureRate: 0.25,
    failuresByCode: { UPSTREAM: 1 },
    p50LatencyMs: 200,
    truncated: false,
  });
  expect(await admin.as.query(api.operations.deploymentHealthStats, { since })).toEqual({
    ready: 3,
    failed: 1,
    successRate: 0.75,
    failuresByCode: { BUILD_FAILED: 1 },
    p50BuildMs: 60_000,
    truncated: false,
  });
  const top = await admin.as.query(api.operations.topProjects, { since, limit: 5 });
  expect(top.projects.map((p) => [p.costMicros, p.requests])).toEqual([
    [2000, 1],
    [1200, 2],
  ]);
});
