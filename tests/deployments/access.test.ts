// Authorization for every public deployment and provider-token function: another user gets
// NOT_FOUND (nothing revealed, nothing changed); a viewer reads but cannot deploy, cancel
// or roll back (FORBIDDEN); a caller without a session is UNAUTHENTICATED.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { api, addMember, countRows, expectCode, row, startDeployStack, userWithProject, type DeployStack } from "./helpers";

let stack: DeployStack;
let owner: Awaited<ReturnType<typeof userWithProject>>;
let stranger: ReturnType<DeployStack["convex"]>;
let viewer: ReturnType<DeployStack["convex"]>;
let editor: ReturnType<DeployStack["convex"]>;
let ready: Id<"deployments">;
let running: Id<"deployments">;

beforeAll(async () => {
  stack = await startDeployStack({ buildMs: 30_000 });
  owner = await userWithProject(stack, "user_owner");
  stranger = (await userWithProject(stack, "user_stranger")).as;
  viewer = await addMember(stack, owner.as, owner.projectId, "user_viewer", "viewer");
  editor = await addMember(stack, owner.as, owner.projectId, "user_editor", "editor");
  ready = await owner.as.mutation(api.deployments.request, { projectId: owner.projectId, provider: "vercel", environment: "production" });
  await stack.advance(60_000);
  running = await owner.as.mutation(api.deployments.request, { projectId: owner.projectId, provider: "vercel", environment: "preview" });
  await stack.advance(1_000);
});
afterAll(async () => {
  await stack?.close();
});

const page = { numItems: 10, cursor: null };

describe("another user: NOT_FOUND, nothing changed", () => {
  test("request / requestMany / cancel / rollback", async () => {
    const before = await countRows(stack, "deployments");
    const p = owner.projectId;
    await expectCode(stranger.mutation(api.deployments.request, { projectId: p, provider: "vercel", environment: "preview" }), "NOT_FOUND");
    const many = await stranger.mutation(api.deployments.requestMany, { items: [{ projectId: p, provider: "vercel", environment: "preview" }] });
    expect(many[0]).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    await expectCode(stranger.mutation(api.deployments.cancel, { deploymentId: running }), "NOT_FOUND");
    await expectCode(stranger.mutation(api.deployments.rollback, { deploymentId: ready }), "NOT_FOUND");
    expect(await countRows(stack, "deployments")).toBe(before);
    expect((await row(stack, running)).status).toBe("building");
  });

  test("list / get / logs / latestSuccessful / stats", async () => {
    const p = owner.projectId;
    await expectCode(stranger.query(api.deployments.list, { projectId: p, paginationOpts: page }), "NOT_FOUND");
    await expectCode(stranger.query(api.deployments.get, { deploymentId: ready }), "NOT_FOUND");
    await expectCode(stranger.query(api.deployments.logs, { deploymentId: ready, paginationOpts: page }), "NOT_FOUND");
    await expectCode(stranger.query(api.deployments.latestSuccessful, { projectId: p }), "NOT_FOUND");
    await expectCode(stranger.query(api.deployments.stats, { projectId: p }), "NOT_FOUND");
    // Their own stats do not include the owner's deployments.
    expect((await stranger.query(api.deployments.stats, {})).total).toBe(0);
  });
});

describe("viewer: reads, cannot deploy, cancel or roll back", () => {
  test("writes are FORBIDDEN and change nothing", async () => {
    const before = await countRows(stack, "deployments");
    const p = owner.projectId;
    await expectCode(viewer.mutation(api.deployments.request, { projectId: p, provider: "vercel", environment: "preview" }), "FORBIDDEN");
    const many = await viewer.mutation(api.deployments.requestMany, { items: [{ projectId: p, provider: "netlify", environment: "preview" }] });
    expect(many[0]).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    await expectCode(viewer.mutation(api.deployments.cancel, { deploymentId: running }), "FORBIDDEN");
    await expectCode(viewer.mutation(api.deployments.rollback, { deploymentId: ready }), "FORBIDDEN");
    expect(await countRows(stack, "deployments")).toBe(before);
    expect((await row(stack, running)).status).toBe("building");
  });

  test("reads are allowed", async () => {
    const p = owner.projectId;
    expect((await viewer.query(api.deployments.list, { projectId: p, paginationOpts: page })).page).toHaveLength(2);
    expect((await viewer.query(api.deployments.get, { deploymentId: ready })).status).toBe("ready");
    expect((await viewer.query(api.deployments.logs, { deploymentId: ready, paginationOpts: page })).page.length).toBeGreaterThan(0);
    expect((await viewer.query(api.deployments.latestSuccessful, { projectId: p }))?.id).toBe(ready);
    expect((await viewer.query(api.deployments.stats, { projectId: p })).total).toBe(2);
  });

  test("an editor may deploy, roll back and cancel", async () => {
    const id = await editor.mutation(api.deployments.rollback, { deploymentId: ready });
    expect((await editor.mutation(api.deployments.cancel, { deploymentId: id })).status).toBe("canceled");
    expect((await row(stack, id)).userId).not.toBe((await row(stack, ready)).userId);
  });
});

describe("no session", () => {
  test("every function is UNAUTHENTICATED", async () => {
    const anon = stack.t;
    const p = owner.projectId;
    await expectCode(anon.mutation(api.deployments.request, { projectId: p, provider: "vercel", environment: "preview" }), "UNAUTHENTICATED");
    await expectCode(anon.query(api.deployments.get, { deploymentId: ready }), "UNAUTHENTICATED");
    await expectCode(anon.query(api.deployments.stats, {}), "UNAUTHENTICATED");
    await expectCode(anon.query(api.providerTokens.list, {}), "UNAUTHENTICATED");
  });
});

describe("provider tokens", () => {
  test("stored encrypted, listed without the secret, each user sees only their own", async () => {
    const secret = "my-own-vercel-token-1234";
    const info = await owner.as.mutation(api.providerTokens.connect, { provider: "vercel", token: secret });
    expect(info).toMatchObject({ provider: "vercel", hint: "1234" });
    expect(JSON.stringify(info)).not.toContain(secret);
    const rows = await stack.t.run(async (ctx) => await ctx.db.query("providerTokens").take(10));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(await owner.as.query(api.providerTokens.list, {})).toEqual([expect.objectContaining({ provider: "vercel", hint: "1234" })]);
    expect(await stranger.query(api.providerTokens.list, {})).toEqual([]);
    // The stranger can only ever remove their own (there is none).
    expect(await stranger.mutation(api.providerTokens.disconnect, { provider: "vercel" })).toBe(false);
    expect(await owner.as.query(api.providerTokens.list, {})).toHaveLength(1);
    await expectCode(owner.as.mutation(api.providerTokens.connect, { provider: "vercel", token: "short" }), "INVALID");
    expect(await owner.as.mutation(api.providerTokens.disconnect, { provider: "vercel" })).toBe(true);
    expect(await owner.as.query(api.providerTokens.list, {})).toEqual([]);
  });

  test("a connected token is what the provider receives (a wrong one is rejected there)", async () => {
    const user = await userWithProject(stack, "user_own_token");
    await user.as.mutation(api.providerTokens.connect, { provider: "netlify", token: "someone-elses-netlify-token" });
    const bad = await user.as.mutation(api.deployments.request, { projectId: user.projectId, provider: "netlify", environment: "preview" });
    await stack.advance(5_000);
    expect(await row(stack, bad)).toMatchObject({ status: "error", error: { code: "PROVIDER_REJECTED" } });

    await user.as.mutation(api.providerTokens.connect, { provider: "netlify", token: stack.fakes.netlify.token });
    const saved = process.env.NETLIFY_TOKEN;
    delete process.env.NETLIFY_TOKEN; // only the user's token can work now
    try {
      const good = await user.as.mutation(api.deployments.request, { projectId: user.projectId, provider: "netlify", environment: "preview" });
      await stack.advance(60_000);
      expect((await row(stack, good)).status).toBe("ready");
    } finally {
      process.env.NETLIFY_TOKEN = saved;
    }
  });
});
