// Canceling: a queued job leaves the workpool and never reaches the provider; a building one
// ends `canceled` at once and is canceled at the provider right after. Deleting a project
// cancels its active deployments the same way.
import { describe, expect, test } from "vitest";
import { MAX_CANCELED_PER_CALL } from "../../convex/deploymentWatchdog";
import {
  api,
  deployStackForFile,
  expectCode,
  logLines,
  notificationsAbout,
  providerCalls,
  reportLateStart,
  row,
  seedDeployments,
  userWithProject,
} from "./helpers";

const stack = deployStackForFile();

describe("cancel", () => {
  test("while queued: removed from the queue, the provider is never called", async () => {
    const { as, projectId } = await userWithProject(stack, "user_cancel_queued");
    const since = stack.fakes.vercel.requests.length;
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "production" });
    const view = await as.mutation(api.deployments.cancel, { deploymentId: id });
    expect(view).toMatchObject({ status: "canceled", attempts: 0 });
    await stack.advance(60_000);
    const d = await row(stack, id);
    expect(d).toMatchObject({ status: "canceled", attempts: 0, pollCount: 0 });
    expect(d.providerDeploymentId).toBeUndefined();
    expect(d.finishedAt).toBeDefined();
    expect(stack.fakes.vercel.requests.length).toBe(since);
    expect((await logLines(stack, id)).at(-1)).toBe("Canceled: Canceled before it reached the provider");
    expect((await notificationsAbout(stack, id)).map((n) => n.type)).toEqual(["deployment.canceled"]);
    expect(await as.query(api.deployments.stats, { projectId })).toMatchObject({
      total: 1,
      byStatus: { canceled: 1, queued: 0 },
    });
  });

  for (const provider of ["vercel", "netlify", "railway"] as const) {
    test(`while building on ${provider}: canceled at once, then at the provider; polling stops`, async () => {
      const { as, projectId } = await userWithProject(stack, `user_cancel_building_${provider}`);
      const id = await as.mutation(api.deployments.request, { projectId, provider, environment: "production" });
      await stack.advance(1_000);
      const building = await row(stack, id);
      expect(building.status).toBe("building");
      const pid = building.providerDeploymentId!;
      const since = stack.fakes[provider].requests.length;

      const view = await as.mutation(api.deployments.cancel, { deploymentId: id });
      expect(view.status).toBe("canceled");
      await stack.advance(60_000);

      const d = await row(stack, id);
      expect(d).toMatchObject({ status: "canceled", attempts: 1, pollCount: 0 });
      const phase =
        provider === "vercel"
          ? stack.fakes.vercel.deployment(pid)!.phase
          : provider === "netlify"
            ? stack.fakes.netlify.deploy(pid)!.phase
            : stack.fakes.railway.deployment(pid)!.phase;
      expect(phase).toBe("canceled");
      expect(stack.fakes[provider].requests.length - since).toBe(1); // the cancel call, no status polls
      expect(await logLines(stack, id)).toContain("Canceled at the provider");
    });
  }

  test("canceled while the start job was creating it: what the job created is canceled at the provider", async () => {
    const { as, projectId } = await userWithProject(stack, "user_cancel_race");
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await as.mutation(api.deployments.cancel, { deploymentId: id });
    // The job's create call was already on its way: the provider made a deployment.
    const { providerId, requestsBefore: since } = await reportLateStart(stack, id, "race");
    await stack.advance(60_000);
    expect(stack.fakes.vercel.deployment(providerId)!.phase).toBe("canceled");
    expect(providerCalls(stack, "vercel", since)).toEqual(["PATCH /v12/deployments/:id/cancel"]); // and no polls
    expect(await row(stack, id)).toMatchObject({ status: "canceled", pollCount: 0, providerDeploymentId: providerId });
    expect((await logLines(stack, id)).at(-1)).toBe("Canceled at the provider");
  });

  test("canceling again is a no-op; canceling a finished deployment is CONFLICT", async () => {
    const { as, projectId } = await userWithProject(stack, "user_cancel_done");
    const a = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await as.mutation(api.deployments.cancel, { deploymentId: a });
    expect((await as.mutation(api.deployments.cancel, { deploymentId: a })).status).toBe("canceled");
    const b = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(60_000);
    expect((await row(stack, b)).status).toBe("ready");
    await expectCode(as.mutation(api.deployments.cancel, { deploymentId: b }), "CONFLICT");
    expect((await row(stack, b)).status).toBe("ready");
  });
});

describe("deleting the project (projects.remove)", () => {
  test("cancels its queued and building deployments, at the provider too; finished ones and other projects are untouched", async () => {
    const { as, projectId } = await userWithProject(stack, "user_remove_active");
    const done = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(60_000);
    const building = await as.mutation(api.deployments.request, {
      projectId,
      provider: "vercel",
      environment: "production",
    });
    await stack.advance(1_000);
    const pid = (await row(stack, building)).providerDeploymentId!;
    const otherProject = await as.mutation(api.projects.create, { name: "Another shop", framework: "static" });
    await as.mutation(api.files.writeMany, {
      projectId: otherProject,
      files: [{ path: "index.html", content: "<p>other</p>" }],
    });
    const elsewhere = await as.mutation(api.deployments.request, {
      projectId: otherProject,
      provider: "netlify",
      environment: "preview",
    });
    await stack.advance(1_000);
    const queued = await as.mutation(api.deployments.request, {
      projectId,
      provider: "railway",
      environment: "preview",
    });
    const railwayCalls = stack.fakes.railway.requests.length;

    await as.mutation(api.projects.remove, { projectId });
    expect(await row(stack, building)).toMatchObject({ status: "canceled" });
    expect(await row(stack, queued)).toMatchObject({ status: "canceled", attempts: 0 });
    await stack.advance(60_000);

    expect(stack.fakes.vercel.deployment(pid)!.phase).toBe("canceled");
    expect((await logLines(stack, building)).slice(-2)).toEqual([
      "Canceled: The project was deleted",
      "Canceled at the provider",
    ]);
    expect(await row(stack, building)).toMatchObject({ status: "canceled", pollCount: 0 });
    expect(await row(stack, queued)).toMatchObject({ status: "canceled", attempts: 0 });
    expect((await row(stack, queued)).providerDeploymentId).toBeUndefined();
    expect(stack.fakes.railway.requests.length).toBe(railwayCalls); // its job left the pool
    for (const id of [building, queued]) {
      expect((await notificationsAbout(stack, id)).map((n) => n.type)).toEqual(["deployment.canceled"]);
      expect((await row(stack, id)).finishedAt).toBeDefined();
    }
    expect((await row(stack, done)).status).toBe("ready");
    expect((await row(stack, elsewhere)).status).toBe("ready");
    expect(await as.query(api.deployments.stats, {})).toMatchObject({
      total: 4,
      byStatus: { queued: 0, building: 0, ready: 2, canceled: 2 },
    });
  });

  test("more active deployments than one transaction cancels: the rest by a scheduled follow-up", async () => {
    const { as, projectId } = await userWithProject(stack, "user_remove_many");
    const count = MAX_CANCELED_PER_CALL + 5;
    const ids = await seedDeployments(stack, projectId, count, () => ({ status: "queued", step: "queued" }));
    await as.mutation(api.projects.remove, { projectId });
    const canceledAtOnce = (await Promise.all(ids.map((id) => row(stack, id)))).filter(
      (d) => d.status === "canceled",
    ).length;
    expect(canceledAtOnce).toBe(MAX_CANCELED_PER_CALL);
    await stack.advance(0);
    for (const id of ids) expect((await row(stack, id)).status).toBe("canceled");
    expect(await as.query(api.deployments.stats, {})).toMatchObject({
      total: count,
      byStatus: { queued: 0, canceled: count },
    });
  });
});
