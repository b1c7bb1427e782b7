// The happy paths through the whole stack: a build that succeeds on each provider,
// redeploys that reuse the provider project/site, rollback byte for byte, live reads.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { api, logLines, row, setPlan, startDeployStack, userWithProject, PROJECT_FILES, type DeployStack } from "./helpers";

let stack: DeployStack;
beforeAll(async () => {
  stack = await startDeployStack({ buildMs: 30_000 });
});
afterAll(async () => {
  await stack?.close();
});

// Vercel and Railway return the build's own lines; Netlify's API has no build log for
// file-digest deploys, so its client reports one line per stage the deploy reaches.
const BUILD_LOG = ["Build queued", "Installing dependencies", 'Running "npm run build"', "Deployment ready"];
const EXPECTED_LOG = { vercel: BUILD_LOG, railway: BUILD_LOG, netlify: ["Deploy created", "Publishing"] };

async function notificationsOf(userClerkId: string) {
  return await stack.t.run(async (ctx) => {
    const u = await ctx.db
      .query("users")
      .withIndex("by_clerkId", (q) => q.eq("clerkId", userClerkId))
      .unique();
    return await ctx.db
      .query("notifications")
      .withIndex("by_userId", (q) => q.eq("userId", u!._id))
      .take(50);
  });
}

describe("a build that succeeds", () => {
  for (const provider of ["vercel", "netlify", "railway"] as const) {
    test(`on ${provider}: queued → building → ready, with logs, url, notification and stats`, async () => {
      const user = `user_ok_${provider}`;
      const { as, projectId } = await userWithProject(stack, user);
      const fake = stack.fakes[provider];
      const before = fake.requests.length;
      const id: Id<"deployments"> = await as.mutation(api.deployments.request, { projectId, provider, environment: "production" });
      const queued = await as.query(api.deployments.get, { deploymentId: id });
      expect(queued).toMatchObject({ status: "queued", step: "queued", attempts: 0, mock: false });

      await stack.advance(1_000); // the workpool starts the job
      const building = await row(stack, id);
      expect(building.status).toBe("building");
      expect(building.providerDeploymentId).toBeTruthy();

      await stack.advance(60_000);
      const done = await as.query(api.deployments.get, { deploymentId: id });
      expect(done).toMatchObject({ status: "ready", step: "ready", attempts: 1 });
      expect(done.url).toMatch(/^https:\/\//);
      expect(done.deployedAt).toBeGreaterThan(done.createdAt);
      expect(done.finishedAt).toBe(done.deployedAt);
      expect(done.error).toBeUndefined();

      const lines = await logLines(stack, id);
      expect(lines[0]).toMatch(/^Queued for /);
      for (const l of EXPECTED_LOG[provider]) expect(lines).toContain(l);
      expect(lines.at(-1)).toBe(`Ready at ${done.url}`);
      expect(new Set(lines).size).toBe(lines.length); // polls never store a line twice

      // Provider calls: one create, then status checks on the backoff schedule (5 s, 15 s, 35 s).
      const calls = fake.requests.slice(before).map((r) => `${r.method} ${new URL(r.path, "http://x").pathname}`);
      expect(calls.length).toBeGreaterThan(2);
      const row1 = await row(stack, id);
      expect(row1.pollCount).toBe(3);

      const notes = await notificationsOf(user);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ type: "deployment.ready", deploymentId: id, read: false });

      const stats = await as.query(api.deployments.stats, { projectId });
      expect(stats).toEqual({ total: 1, byStatus: { queued: 0, building: 0, ready: 1, error: 0, canceled: 0 }, successRate: 1 });
      const latest = await as.query(api.deployments.latestSuccessful, { projectId, environment: "production" });
      expect(latest?.id).toBe(id);
      expect(await as.query(api.deployments.latestSuccessful, { projectId, environment: "preview" })).toBeNull();
    });
  }

  test("vercel: the files the provider received are the project's files", async () => {
    const { as, projectId } = await userWithProject(stack, "user_bytes");
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(60_000);
    const d = await row(stack, id);
    const received = stack.fakes.vercel.deployment(d.providerDeploymentId!)!.files;
    expect(Object.fromEntries([...received].map(([k, b]) => [k, b.toString("utf8")]))).toEqual(
      Object.fromEntries(PROJECT_FILES.map((f) => [f.path, f.content])),
    );
  });
});

describe("redeploys and rollback", () => {
  test("redeploys go to the same Vercel project and Netlify site", async () => {
    const { as, projectId } = await userWithProject(stack, "user_redeploy");
    const vercelProjects = stack.fakes.vercel.projects().length;
    const netlifySites = stack.fakes.netlify.sites().length;
    const ids = [];
    for (const provider of ["vercel", "vercel", "netlify", "netlify"] as const) {
      await as.mutation(api.files.writeMany, { projectId, files: [{ path: "version.txt", content: `v${ids.length}` }] });
      ids.push(await as.mutation(api.deployments.request, { projectId, provider, environment: "production" }));
      await stack.advance(60_000);
    }
    const rows = await Promise.all(ids.map((id) => row(stack, id)));
    expect(rows.map((r) => r.status)).toEqual(["ready", "ready", "ready", "ready"]);
    expect(stack.fakes.vercel.projects().length).toBe(vercelProjects + 1);
    expect(stack.fakes.netlify.sites().length).toBe(netlifySites + 1);
    const [v1, v2] = rows.slice(0, 2).map((r) => stack.fakes.vercel.deployment(r.providerDeploymentId!)!);
    expect(v1.projectId).toBe(v2.projectId);
    const [n1, n2] = rows.slice(2).map((r) => stack.fakes.netlify.deploy(r.providerDeploymentId!)!);
    expect(n1.siteId).toBe(n2.siteId);
    const project = await as.query(api.projects.get, { projectId });
    expect(project).toBeTruthy();
    const refs = await stack.t.run(async (ctx) => (await ctx.db.get("projects", projectId))!.providerRefs);
    expect(refs?.vercel?.projectId).toBe(v1.projectId);
    expect(refs?.netlify?.siteId).toBe(n1.siteId);
  });

  test("rollback redeploys exactly the earlier snapshot, byte for byte", async () => {
    const { as, projectId } = await userWithProject(stack, "user_rollback");
    const first = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "production" });
    await stack.advance(60_000);
    await as.mutation(api.files.writeMany, {
      projectId,
      files: [
        { path: "index.html", content: "<h1>Version two</h1>" },
        { path: "new.js", content: "export const x = 2;" },
      ],
    });
    const second = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "production" });
    await stack.advance(60_000);
    const rollback = await as.mutation(api.deployments.rollback, { deploymentId: first });
    await stack.advance(60_000);

    const [r1, r2, r3] = await Promise.all([first, second, rollback].map((id) => row(stack, id)));
    expect([r1.status, r2.status, r3.status]).toEqual(["ready", "ready", "ready"]);
    expect(r3.snapshotId).toBe(r1.snapshotId);
    expect(r2.snapshotId).not.toBe(r1.snapshotId);
    expect(r3.rollbackOf).toBe(first);
    const bytes = (d: typeof r1) => {
      const files = stack.fakes.vercel.deployment(d.providerDeploymentId!)!.files;
      return Object.fromEntries([...files].map(([k, b]) => [k, b.toString("base64")]));
    };
    expect(bytes(r3)).toEqual(bytes(r1));
    expect(bytes(r3)).not.toEqual(bytes(r2));
    const latest = await as.query(api.deployments.latestSuccessful, { projectId });
    expect(latest?.id).toBe(rollback);
  });

  test("rollback of a deployment that never went live is INVALID", async () => {
    const { as, projectId } = await userWithProject(stack, "user_rollback_bad");
    stack.fakes.vercel.failBuilds(1);
    const failed = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(60_000);
    expect((await row(stack, failed)).status).toBe("error");
    await expect(as.mutation(api.deployments.rollback, { deploymentId: failed })).rejects.toThrow(/ready/);
  });

  test("an unchanged project reuses its snapshot", async () => {
    const { as, projectId } = await userWithProject(stack, "user_same_snapshot");
    const a = await as.mutation(api.deployments.request, { projectId, provider: "netlify", environment: "preview" });
    const b = await as.mutation(api.deployments.request, { projectId, provider: "railway", environment: "preview" });
    expect((await row(stack, a)).snapshotId).toBe((await row(stack, b)).snapshotId);
    await stack.advance(60_000);
  });
});

describe("live reads", () => {
  test("list pages newest first; logs page by seq; stats count every status", async () => {
    const { as, projectId } = await userWithProject(stack, "user_reads");
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" }));
    const page1 = await as.query(api.deployments.list, { projectId, paginationOpts: { numItems: 2, cursor: null } });
    expect(page1.page.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    const page2 = await as.query(api.deployments.list, { projectId, paginationOpts: { numItems: 2, cursor: page1.continueCursor } });
    expect(page2.page.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect(await as.query(api.deployments.stats, { projectId })).toMatchObject({ total: 3, byStatus: { queued: 3 } });

    await as.mutation(api.deployments.cancel, { deploymentId: ids[0] });
    await stack.advance(60_000);
    const stats = await as.query(api.deployments.stats, { projectId });
    expect(stats).toEqual({ total: 3, byStatus: { queued: 0, building: 0, ready: 2, error: 0, canceled: 1 }, successRate: 1 });
    const mine = await as.query(api.deployments.stats, {});
    expect(mine.total).toBe(3);

    const all = await logLines(stack, ids[1]);
    const first = await as.query(api.deployments.logs, { deploymentId: ids[1], paginationOpts: { numItems: 4, cursor: null } });
    expect(first.page.map((l: { seq: number }) => l.seq)).toEqual([0, 1, 2, 3]);
    const rest = await as.query(api.deployments.logs, { deploymentId: ids[1], paginationOpts: { numItems: 100, cursor: first.continueCursor } });
    expect([...first.page, ...rest.page].map((l: { text: string }) => l.text)).toEqual(all);
  });

  test("paid plans run in the paid pool; mock providers are flagged", async () => {
    const user = "user_paid";
    const { as, projectId } = await userWithProject(stack, user);
    await setPlan(stack, user, "pro");
    process.env.AUTOCREA_MOCK_SERVICES = "netlify";
    try {
      const paid = await as.mutation(api.deployments.request, { projectId, provider: "netlify", environment: "preview" });
      const r = await row(stack, paid);
      expect(r.pool).toBe("paid");
      expect(r.mock).toBe(true);
      await stack.advance(60_000);
      expect((await row(stack, paid)).status).toBe("ready");
    } finally {
      delete process.env.AUTOCREA_MOCK_SERVICES;
    }
  });
});
