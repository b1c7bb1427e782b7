// Provider failures through the stack: transient errors retried by the workpool (at most
// 3 attempts, with backoff), permanent ones ending the deployment at once, failed builds,
// the overall timeout, flaky status checks and a missing token.
import { describe, expect, test } from "vitest";
import { captureConsole } from "../console";
import { api, logLines, row, deployStackForFile, userWithProject, notificationsAbout, providerCalls } from "./helpers";

const stack = deployStackForFile();

const CREATE = /^POST \/v13\/deployments/;
const creates = (since: number) =>
  stack.fakes.vercel.requests.slice(since).filter((r) => CREATE.test(`${r.method} ${r.path}`)).length;

describe("the start job", () => {
  test("create fails twice with 503, then succeeds: 3 attempts, ready", async () => {
    const logged = captureConsole("error"); // the workpool logs each failed attempt, as Convex's logs would
    const { as, projectId } = await userWithProject(stack, "user_flaky");
    const since = stack.fakes.vercel.requests.length;
    stack.fakes.vercel.fail("5xx", { times: 2, match: CREATE, message: "Vercel is having a moment" });
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "production" });
    await stack.advance(20_000); // two retries: ~2 s and ~4 s (± jitter)
    expect(creates(since)).toBe(3);
    await stack.advance(60_000);
    const d = await row(stack, id);
    expect(d).toMatchObject({ status: "ready", attempts: 3 });
    const lines = await logLines(stack, id);
    expect(lines).toContain("Attempt 1 failed: Vercel is having a moment — retrying");
    expect(lines).toContain("Attempt 2 failed: Vercel is having a moment — retrying");
    expect(lines).toContain("Attempt 3 of 3: uploading 3 files to Vercel");
    expect(creates(since)).toBe(3);
    expect(logged.messages()).toEqual(["Vercel is having a moment", "Vercel is having a moment"]);
  });

  test("a 429 is transient too: retried, then ready", async () => {
    const logged = captureConsole("error");
    const { as, projectId } = await userWithProject(stack, "user_429");
    const since = stack.fakes.vercel.requests.length;
    stack.fakes.vercel.fail("429", { times: 1, match: CREATE, retryAfterSec: 1 });
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(90_000);
    expect(await row(stack, id)).toMatchObject({ status: "ready", attempts: 2 });
    expect(creates(since)).toBe(2);
    expect(await logLines(stack, id)).toContain("Attempt 1 failed: Too many requests — retrying");
    expect(logged.messages()).toEqual(["Too many requests"]);
  });

  test("a create call that never answers times out and is retried", async () => {
    const logged = captureConsole("error");
    const { as, projectId } = await userWithProject(stack, "user_stalled");
    const since = stack.fakes.vercel.requests.length;
    const saved = process.env.PROVIDER_TIMEOUT_MS;
    process.env.PROVIDER_TIMEOUT_MS = "300";
    try {
      stack.fakes.vercel.fail("stall", { times: 1, match: CREATE });
      const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
      await stack.advance(60_000);
      expect(await row(stack, id)).toMatchObject({ status: "ready", attempts: 2 });
      expect(creates(since)).toBe(2);
      expect(await logLines(stack, id)).toContain(
        "Attempt 1 failed: vercel POST /v13/deployments timed out after 300 ms — retrying",
      );
      expect(logged.messages()).toEqual(["vercel POST /v13/deployments timed out after 300 ms"]);
    } finally {
      process.env.PROVIDER_TIMEOUT_MS = saved;
    }
  });

  test("503 on every attempt: error UPSTREAM after exactly 3 attempts", async () => {
    const logged = captureConsole("error");
    const { as, projectId } = await userWithProject(stack, "user_down");
    const since = stack.fakes.vercel.requests.length;
    stack.fakes.vercel.fail("5xx", { times: 3, match: CREATE });
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "production" });
    await stack.advance(120_000);
    const d = await row(stack, id);
    expect(d.status).toBe("error");
    expect(d.attempts).toBe(3);
    expect(d.error?.code).toBe("UPSTREAM");
    expect(d.error?.message).toMatch(/3 attempts/);
    expect(d.providerDeploymentId).toBeUndefined();
    expect(d.finishedAt).toBeDefined();
    expect(creates(since)).toBe(3);
    expect(logged.messages()).toEqual(Array(3).fill("Service temporarily unavailable"));
    expect((await notificationsAbout(stack, id)).map((n) => n.type)).toEqual(["deployment.error"]);
    const stats = await as.query(api.deployments.stats, { projectId });
    expect(stats).toMatchObject({ total: 1, byStatus: { error: 1 }, successRate: 0 });
  });

  test("a permanent 400 ends it at once with the provider's message, no retry", async () => {
    const { as, projectId } = await userWithProject(stack, "user_rejected");
    const since = stack.fakes.vercel.requests.length;
    stack.fakes.vercel.fail("400", { match: CREATE, message: "Project name is reserved" });
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "production" });
    await stack.advance(60_000);
    const d = await row(stack, id);
    expect(d).toMatchObject({
      status: "error",
      attempts: 1,
      error: { code: "PROVIDER_REJECTED", message: "Project name is reserved" },
    });
    expect(creates(since)).toBe(1);
    expect(d.pollCount).toBe(0);
    expect((await logLines(stack, id)).at(-1)).toBe("Failed (PROVIDER_REJECTED): Project name is reserved");
  });

  test("a missing platform token ends it as PROVIDER_NOT_CONFIGURED", async () => {
    const { as, projectId } = await userWithProject(stack, "user_no_token");
    const saved = process.env.RAILWAY_TOKEN;
    delete process.env.RAILWAY_TOKEN;
    const since = stack.fakes.railway.requests.length;
    try {
      const id = await as.mutation(api.deployments.request, { projectId, provider: "railway", environment: "preview" });
      await stack.advance(5_000);
      const message = "No railway token: set RAILWAY_TOKEN in Convex or connect your own token";
      expect(await row(stack, id)).toMatchObject({
        status: "error",
        attempts: 1,
        error: { code: "PROVIDER_NOT_CONFIGURED", message },
      });
      expect(stack.fakes.railway.requests.length).toBe(since);
      expect((await logLines(stack, id)).at(-1)).toBe(`Failed (PROVIDER_NOT_CONFIGURED): ${message}`);
    } finally {
      process.env.RAILWAY_TOKEN = saved;
    }
  });
});

describe("polling", () => {
  test("a build that fails: error BUILD_FAILED with the provider's message and the build log", async () => {
    const { as, projectId } = await userWithProject(stack, "user_build_fails");
    stack.fakes.vercel.failBuilds(1);
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(60_000);
    const d = await row(stack, id);
    expect(d).toMatchObject({ status: "error", attempts: 1, error: { code: "BUILD_FAILED" } });
    expect(d.error?.message).toMatch(/npm run build/);
    expect(await logLines(stack, id)).toContain('Error: Command "npm run build" exited with 1');
  });

  test("status checks that fail with 503 are retried by the next poll", async () => {
    const { as, projectId } = await userWithProject(stack, "user_poll_flaky");
    const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
    await stack.advance(1_000);
    stack.fakes.vercel.fail("5xx", { times: 1, match: /^GET \/v13\/deployments\// });
    await stack.advance(60_000);
    const d = await row(stack, id);
    expect(d.status).toBe("ready");
    expect(d.pollCount).toBe(3);
    expect((await logLines(stack, id)).some((l) => l.startsWith("Status check failed (will retry)"))).toBe(true);
  });

  test("a build that outlives DEPLOY_TIMEOUT_MS ends as error TIMEOUT and is canceled at the provider", async () => {
    const { as, projectId } = await userWithProject(stack, "user_slow");
    process.env.DEPLOY_TIMEOUT_MS = "120000";
    stack.fakes.vercel.setBuildDuration(10 * 60_000);
    try {
      const since = stack.fakes.vercel.requests.length;
      const id = await as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" });
      await stack.advance(119_000);
      expect((await row(stack, id)).status).toBe("building");
      await stack.advance(2_000);
      const d = await row(stack, id);
      expect(d).toMatchObject({ status: "error", attempts: 1, error: { code: "TIMEOUT" } });
      // Polls at 5, 15, 35, 75 s, then the deadline (120 s).
      expect(d.pollCount).toBe(5);
      expect(stack.fakes.vercel.deployment(d.providerDeploymentId!)!.phase).toBe("canceled");
      await stack.advance(120_000);
      expect((await row(stack, id)).pollCount).toBe(5); // nothing polls a finished deployment
      const poll = ["GET /v13/deployments/:id", "GET /v3/deployments/:id/events"];
      expect(providerCalls(stack, "vercel", since)).toEqual([
        "POST /v11/projects",
        "POST /v13/deployments",
        ...Array(5).fill(poll).flat(),
        "PATCH /v12/deployments/:id/cancel",
      ]);
      const lines = await logLines(stack, id);
      expect(lines).toContain("Failed (TIMEOUT): Still not live after 2 minutes; canceled at the provider");
      expect(lines.at(-1)).toBe("Canceled at the provider");
    } finally {
      delete process.env.DEPLOY_TIMEOUT_MS;
      stack.fakes.vercel.setBuildDuration(30_000);
    }
  });
});
