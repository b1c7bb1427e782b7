// Canceling: a queued job leaves the workpool and never reaches the provider; a building one
// ends `canceled` at once and is canceled at the provider right after.
import { describe, expect, test } from "vitest";
import { providerClientFromEnv } from "../../edge/providers/index";
import { api, deployStackForFile, expectCode, internal, logLines, notificationsAbout, providerCalls, row, userWithProject } from "./helpers";

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
    expect(await as.query(api.deployments.stats, { projectId })).toMatchObject({ total: 1, byStatus: { canceled: 1, queued: 0 } });
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
    const created = await providerClientFromEnv("vercel", process.env).createDeployment({
      name: "race",
      environment: "preview",
      files: [{ path: "index.html", sha256: "", size: 2, read: async () => new TextEncoder().encode("hi") }],
    });
    const since = stack.fakes.vercel.requests.length;
    await stack.t.mutation(internal.deploymentJobs.recordStarted, {
      deploymentId: id,
      providerDeploymentId: created.deployment.id,
      observed: { state: created.deployment.state, rawState: created.deployment.rawState },
      target: created.target,
    });
    await stack.advance(60_000);
    expect(stack.fakes.vercel.deployment(created.deployment.id)!.phase).toBe("canceled");
    expect(providerCalls(stack, "vercel", since)).toEqual(["PATCH /v12/deployments/:id/cancel"]); // and no polls
    expect(await row(stack, id)).toMatchObject({ status: "canceled", pollCount: 0, providerDeploymentId: created.deployment.id });
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
