// The happy paths through the whole stack: a build that succeeds on each provider,
// redeploys that reuse the provider project/site, rollback byte for byte, live reads.
import { describe, expect, test } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import {
  api,
  deployStackForFile,
  logLines,
  providerCalls,
  row,
  setPlan,
  userWithProject,
  PROJECT_FILES,
  notificationsAbout,
} from "./helpers";

const stack = deployStackForFile();

// Vercel and Railway return the build's own lines; Netlify's API has no build log for
// file-digest deploys, so its client reports one line per stage the deploy reaches.
const BUILD_LOG = ["Build queued", "Installing dependencies", 'Running "npm run build"', "Deployment ready"];
const EXPECTED_LOG = { vercel: BUILD_LOG, railway: BUILD_LOG, netlify: ["Deploy created", "Publishing"] };
const polls = (calls: string[]) => [...calls, ...calls, ...calls];
const EXPECTED_CALLS = {
  vercel: [
    "POST /v11/projects",
    "POST /v13/deployments",
    ...polls(["GET /v13/deployments/:id", "GET /v3/deployments/:id/events"]),
  ],
  netlify: [
    "POST /api/v1/sites",
    "POST /api/v1/sites/:id/deploys",
    "GET /api/v1/deploys/:id", // `required` is known once the async deploy is prepared
    ...Array(PROJECT_FILES.length).fill("PUT /api/v1/deploys/:id/files/*"),
    ...polls(["GET /api/v1/deploys/:id"]), // state and the lines synthesized from it, in one read
  ],
  railway: [
    "POST /graphql/v2 projectCreate",
    "POST /graphql/v2 serviceCreate",
    "POST /graphql/v2 serviceDomainCreate",
    "POST /project/:id/environment/:id/up",
    ...polls(["POST /graphql/v2 deployment", "POST /graphql/v2 logs"]),
  ],
};

describe("a build that succeeds", () => {
  for (const provider of ["vercel", "netlify", "railway"] as const) {
    test(`on ${provider}: queued → building → ready, with logs, url, notification and stats`, async () => {
      const user = `user_ok_${provider}`;
      const { as, projectId } = await userWithProject(stack, user);
      const fake = stack.fakes[provider];
      const before = fake.requests.length;
      const id: Id<"deployments"> = await as.mutation(api.deployments.request, {
        projectId,
        provider,
        environment: "production",
      });
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

      // One create (after the site/project on first use), then a status check and a log
      // read per poll, on the backoff schedule: 5 s, 15 s, 35 s (ready at 30 s).
      expect(await row(stack, id)).toMatchObject({ pollCount: 3 });
      expect(providerCalls(stack, provider, before)).toEqual(EXPECTED_CALLS[provider]);

      const notes = await notificationsAbout(stack, id);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ type: "deployment.ready", deploymentId: id, read: false });

      const stats = await as.query(api.deployments.stats, { projectId });
      expect(stats).toEqual({
        total: 1,
        byStatus: { queued: 0, building: 0, ready: 1, error: 0, canceled: 0 },
        successRate: 1,
      });
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
  test("redeploys go to the same Vercel project, Netlify site and Railway service", async () => {
    const { as, projectId } = await userWithProject(stack, "user_redeploy");
    const before = {
      vercel: stack.fakes.vercel.projects().length,
      netlify: stack.fakes.netlify.sites().length,
      railway: stack.fakes.railway.services().length,
    };
    const deploy = async (provider: "vercel" | "netlify" | "railway", version: string) => {
      await as.mutation(api.files.writeMany, { projectId, files: [{ path: "version.txt", content: version }] });
      const since = stack.fakes[provider].requests.length;
      const id = await as.mutation(api.deployments.request, { projectId, provider, environment: "production" });
      await stack.advance(60_000);
      return { d: await row(stack, id), calls: providerCalls(stack, provider, since) };
    };
    for (const provider of ["vercel", "netlify", "railway"] as const) {
      const first = await deploy(provider, `${provider} v1`);
      const second = await deploy(provider, `${provider} v2`);
      expect([first.d, second.d].map((d) => [d.status, d.attempts])).toEqual([
        ["ready", 1],
        ["ready", 1],
      ]);
      // The second deploy creates no project, site or service: it starts with the deployment itself.
      expect(second.calls[0]).toBe(
        {
          vercel: "POST /v13/deployments",
          netlify: "POST /api/v1/sites/:id/deploys",
          railway: "POST /project/:id/environment/:id/up",
        }[provider],
      );
      expect((await logLines(stack, second.d._id)).at(-1)).toBe(`Ready at ${second.d.url}`);
    }
    expect(stack.fakes.vercel.projects().length).toBe(before.vercel + 1);
    expect(stack.fakes.netlify.sites().length).toBe(before.netlify + 1);
    expect(stack.fakes.railway.services().length).toBe(before.railway + 1);

    const refs = (await stack.t.run(async (ctx) => await ctx.db.get("projects", projectId)))!.providerRefs!;
    const all = await as.query(api.deployments.list, { projectId, paginationOpts: { numItems: 10, cursor: null } });
    const byProvider = (p: string) =>
      all.page
        .filter((d: { provider: string }) => d.provider === p)
        .map((d: { providerDeploymentId?: string }) => d.providerDeploymentId!);
    for (const pid of byProvider("vercel"))
      expect(stack.fakes.vercel.deployment(pid)!.projectId).toBe(refs.vercel!.projectId);
    for (const pid of byProvider("netlify")) expect(stack.fakes.netlify.deploy(pid)!.siteId).toBe(refs.netlify!.siteId);
    for (const pid of byProvider("railway"))
      expect(stack.fakes.railway.deployment(pid)!.serviceId).toBe(refs.railway!.serviceId);
  });

  test("rollback redeploys exactly the earlier snapshot, byte for byte", async () => {
    const { as, projectId } = await userWithProject(stack, "user_rollback");
    const first = await as.mutation(api.deployments.request, {
      projectId,
      provider: "vercel",
      environment: "production",
    });
    await stack.advance(60_000);
    await as.mutation(api.files.writeMany, {
      projectId,
      files: [
        { path: "index.html", content: "<h1>Version two</h1>" },
        { path: "new.js", content: "export const x = 2;" },
      ],
    });
    const second = await as.mutation(api.deployments.request, {
      projectId,
      provider: "vercel",
      environment: "production",
    });
    await stack.advance(60_000);
    const rollback = await as.mutation(api.deployments.rollback, { deploymentId: first });
    await stack.advance(60_000);

    const [r1, r2, r3] = await Promise.all([first, second, rollback].map((id) => row(stack, id)));
    expect([r1, r2, r3].map((d) => [d.status, d.attempts])).toEqual([
      ["ready", 1],
      ["ready", 1],
      ["ready", 1],
    ]);
    expect((await logLines(stack, rollback))[0]).toBe(
      `Queued: rollback to the snapshot of deployment ${first} on Vercel (production)`,
    );
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
    const failed = await as.mutation(api.deployments.request, {
      projectId,
      provider: "vercel",
      environment: "preview",
    });
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
    for (let i = 0; i < 3; i++)
      ids.push(await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" }));
    const page1 = await as.query(api.deployments.list, { projectId, paginationOpts: { numItems: 2, cursor: null } });
    expect(page1.page.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    const page2 = await as.query(api.deployments.list, {
      projectId,
      paginationOpts: { numItems: 2, cursor: page1.continueCursor },
    });
    expect(page2.page.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect(await as.query(api.deployments.stats, { projectId })).toMatchObject({ total: 3, byStatus: { queued: 3 } });

    await as.mutation(api.deployments.cancel, { deploymentId: ids[0] });
    await stack.advance(60_000);
    const stats = await as.query(api.deployments.stats, { projectId });
    expect(stats).toEqual({
      total: 3,
      byStatus: { queued: 0, building: 0, ready: 2, error: 0, canceled: 1 },
      successRate: 1,
    });
    const mine = await as.query(api.deployments.stats, {});
    expect(mine.total).toBe(3);

    const all = await logLines(stack, ids[1]);
    const first = await as.query(api.deployments.logs, {
      deploymentId: ids[1],
      paginationOpts: { numItems: 4, cursor: null },
    });
    expect(first.page.map((l: { seq: number }) => l.seq)).toEqual([0, 1, 2, 3]);
    const rest = await as.query(api.deployments.logs, {
      deploymentId: ids[1],
      paginationOpts: { numItems: 100, cursor: first.continueCursor },
    });
    expect([...first.page, ...rest.page].map((l: { text: string }) => l.text)).toEqual(all);
  });
});

describe("queue", () => {
  test("paid plans run in their own pool: a paid deployment starts while free ones still wait", async () => {
    const free = await userWithProject(stack, "user_pool_free");
    const paid = await userWithProject(stack, "user_pool_paid");
    await setPlan(stack, "user_pool_paid", "pro");
    process.env.DEPLOY_MAX_PARALLELISM = "1"; // one start job at a time in each pool
    try {
      const request = (who: typeof free) =>
        who.as.mutation(api.deployments.request, {
          projectId: who.projectId,
          provider: "vercel",
          environment: "preview",
        });
      const frees: Id<"deployments">[] = [];
      for (let i = 0; i < 5; i++) frees.push(await request(free));
      const paidId = await request(paid); // asked for last
      expect((await row(stack, paidId)).pool).toBe("paid");
      expect((await row(stack, frees[0])).pool).toBe("free");

      let waitingFree = 0;
      for (let step = 0; step < 40; step++) {
        await stack.advance(250);
        if ((await row(stack, paidId)).status === "queued") continue;
        waitingFree = (await Promise.all(frees.map((id) => row(stack, id)))).filter(
          (d) => d.status === "queued",
        ).length;
        break;
      }
      // One shared queue would have started the paid deployment after all five free ones.
      expect(waitingFree).toBeGreaterThanOrEqual(2);
      await stack.advance(60_000);
      const rows = await Promise.all([...frees, paidId].map((id) => row(stack, id)));
      expect(rows.map((d) => [d.status, d.attempts])).toEqual(Array(6).fill(["ready", 1]));
      const creates = stack.fakes.vercel.requests.filter(
        (r) => r.method === "POST" && r.path.startsWith("/v13/deployments"),
      );
      const order = creates.map((r) => JSON.parse(r.body).name as string).filter((n) => n.includes("user-pool"));
      expect(order).toHaveLength(6);
      expect(order.indexOf(order.find((n) => n.includes("pool-paid"))!)).toBeLessThan(4);
    } finally {
      delete process.env.DEPLOY_MAX_PARALLELISM;
    }
  });

  test("a provider named in AUTOCREA_MOCK_SERVICES flags the deployment as mock", async () => {
    const { as, projectId } = await userWithProject(stack, "user_mock");
    process.env.AUTOCREA_MOCK_SERVICES = "netlify";
    try {
      const id = await as.mutation(api.deployments.request, { projectId, provider: "netlify", environment: "preview" });
      expect((await row(stack, id)).mock).toBe(true);
      const other = await as.mutation(api.deployments.request, {
        projectId,
        provider: "vercel",
        environment: "preview",
      });
      expect((await row(stack, other)).mock).toBeUndefined();
      await stack.advance(60_000);
      expect(await as.query(api.deployments.get, { deploymentId: id })).toMatchObject({ status: "ready", mock: true });
    } finally {
      delete process.env.AUTOCREA_MOCK_SERVICES;
    }
  });
});
