// Asking for deployments: rate limit (10/hour/user), queue limit (5 queued/user),
// idempotency keys, batches where each item stands alone, and refusals that write nothing.
import { describe, expect, test } from "vitest";
import { api, addMember, countRows, expectCode, row, deployStackForFile, userWithProject } from "./helpers";

const stack = deployStackForFile();

describe("limits", () => {
  test("rate limit: the 11th request in an hour is RATE_LIMITED with retryAfterMs, nothing written", async () => {
    const { as, projectId } = await userWithProject(stack, "user_rate");
    for (let i = 0; i < 10; i++) {
      await as.mutation(api.deployments.request, { projectId, provider: "railway", environment: "preview" });
      if (i % 4 === 3) await stack.advance(1_000); // let jobs start so the queue limit stays out of the way
    }
    await stack.advance(1_000);
    const before = await countRows(stack, "deployments");
    const data = await expectCode(
      as.mutation(api.deployments.request, { projectId, provider: "railway", environment: "preview" }),
      "RATE_LIMITED",
    );
    expect(data.retryAfterMs).toBeGreaterThan(0);
    expect(data.retryAfterMs).toBeLessThanOrEqual(6 * 60_000);
    expect(await countRows(stack, "deployments")).toBe(before);
    await stack.advance(6 * 60_000 + 1_000); // the bucket refills one request every 6 minutes
    await as.mutation(api.deployments.request, { projectId, provider: "railway", environment: "preview" });
    expect(await countRows(stack, "deployments")).toBe(before + 1);
    await stack.advance(60_000);
  });

  test("queue limit: a 6th queued deployment is QUEUE_FULL until one starts", async () => {
    const { as, projectId } = await userWithProject(stack, "user_queue");
    for (let i = 0; i < 5; i++)
      await as.mutation(api.deployments.request, { projectId, provider: "netlify", environment: "preview" });
    const before = await countRows(stack, "deployments");
    await expectCode(
      as.mutation(api.deployments.request, { projectId, provider: "netlify", environment: "preview" }),
      "QUEUE_FULL",
    );
    expect(await countRows(stack, "deployments")).toBe(before);
    await stack.advance(1_000); // the workpool starts them: no longer queued
    await as.mutation(api.deployments.request, { projectId, provider: "netlify", environment: "preview" });
    await stack.advance(60_000);
  });

  test("the same idempotency key returns the same deployment; with other arguments it is CONFLICT", async () => {
    const { as, projectId } = await userWithProject(stack, "user_idem");
    const args = { projectId, provider: "vercel", environment: "production", idempotencyKey: "deploy-42" } as const;
    const a = await as.mutation(api.deployments.request, args);
    const before = await countRows(stack, "deployments");
    const b = await as.mutation(api.deployments.request, args);
    expect(b).toBe(a);
    expect(await countRows(stack, "deployments")).toBe(before);
    await expectCode(as.mutation(api.deployments.request, { ...args, environment: "preview" }), "CONFLICT");
    await expectCode(as.mutation(api.deployments.request, { ...args, idempotencyKey: "" }), "INVALID");
    // Another user's identical key is theirs alone.
    const other = await userWithProject(stack, "user_idem_2");
    const c = await other.as.mutation(api.deployments.request, { ...args, projectId: other.projectId });
    expect(c).not.toBe(a);
    await stack.advance(60_000);
    expect((await row(stack, a)).status).toBe("ready");
  });

  test("a project without files is INVALID and nothing is written", async () => {
    const token = await stack.signIn({ id: "user_empty" });
    const as = stack.convex(token);
    const projectId = await as.mutation(api.projects.create, { name: "Empty", framework: "static" });
    const before = await countRows(stack, "deployments");
    await expectCode(
      as.mutation(api.deployments.request, { projectId, provider: "vercel", environment: "preview" }),
      "INVALID",
    );
    expect(await countRows(stack, "deployments")).toBe(before);
    const snapshots = await stack.t.run(async (ctx) =>
      (await ctx.db.query("snapshots").take(1_000)).filter((s) => s.projectId === projectId),
    );
    expect(snapshots).toHaveLength(0);
  });
});

describe("requestMany", () => {
  test("each item succeeds or fails on its own", async () => {
    const owner = await userWithProject(stack, "user_batch");
    const other = await userWithProject(stack, "user_batch_other");
    const viewer = await addMember(stack, other.as, other.projectId, "user_batch", "viewer");
    expect(viewer).toBeTruthy();
    const emptyId = await owner.as.mutation(api.projects.create, { name: "Nothing yet", framework: "static" });
    const before = await countRows(stack, "deployments");
    const results = await owner.as.mutation(api.deployments.requestMany, {
      items: [
        { projectId: owner.projectId, provider: "vercel", environment: "preview" },
        { projectId: other.projectId, provider: "vercel", environment: "preview" }, // viewer there
        { projectId: emptyId, provider: "vercel", environment: "preview" },
        { projectId: owner.projectId, provider: "netlify", environment: "production" },
      ],
    });
    expect(results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error!.code))).toEqual([
      "ok",
      "FORBIDDEN",
      "INVALID",
      "ok",
    ]);
    expect(await countRows(stack, "deployments")).toBe(before + 2);
    await stack.advance(60_000);
    for (const r of results) if (r.ok) expect((await row(stack, r.deploymentId)).status).toBe("ready");
  });

  test("a batch snapshots at most MAX_BATCH_FILES files (one transaction); an item past it is PAYLOAD_TOO_LARGE, the rest go on", async () => {
    const big = await userWithProject(stack, "user_batch_big");
    const second = await big.as.mutation(api.projects.create, { name: "Big two", framework: "static" });
    await big.as.mutation(api.files.write, { projectId: second, path: "index.html", content: "<h1>two</h1>" });
    const small = await big.as.mutation(api.projects.create, { name: "Small", framework: "static" });
    await big.as.mutation(api.files.write, { projectId: small, path: "index.html", content: "<h1>small</h1>" });
    // The budget reads the projects' file counters: stand in for two projects of 4,500 files each.
    await stack.t.run(async (ctx) => {
      for (const id of [big.projectId, second]) await ctx.db.patch("projects", id, { fileCount: 4_500 });
    });
    const before = await countRows(stack, "deployments");
    const results = await big.as.mutation(api.deployments.requestMany, {
      items: [
        { projectId: big.projectId, provider: "vercel", environment: "preview" },
        { projectId: second, provider: "vercel", environment: "preview" },
        { projectId: small, provider: "vercel", environment: "preview" },
      ],
    });
    expect(results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error!.code))).toEqual([
      "ok",
      "PAYLOAD_TOO_LARGE",
      "ok",
    ]);
    expect(await countRows(stack, "deployments")).toBe(before + 2);
    const snapshots = await stack.t.run(async (ctx) =>
      (await ctx.db.query("snapshots").take(1_000)).filter((s) => s.projectId === second),
    );
    expect(snapshots).toEqual([]);
    // On its own the same project deploys.
    await big.as.mutation(api.deployments.request, { projectId: second, provider: "vercel", environment: "preview" });
    await stack.advance(60_000);
  });

  test("the queue limit applies across the batch; none or more than 10 items is INVALID", async () => {
    const { as, projectId } = await userWithProject(stack, "user_batch_queue");
    const item = { projectId, provider: "railway", environment: "preview" } as const;
    const results = await as.mutation(api.deployments.requestMany, { items: Array(7).fill(item) });
    expect(results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error!.code))).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "QUEUE_FULL",
      "QUEUE_FULL",
    ]);
    const before = await countRows(stack, "deployments");
    await expectCode(as.mutation(api.deployments.requestMany, { items: Array(11).fill(item) }), "INVALID");
    await expectCode(as.mutation(api.deployments.requestMany, { items: [] }), "INVALID");
    expect(await countRows(stack, "deployments")).toBe(before);
    await stack.advance(60_000);
  });
});
