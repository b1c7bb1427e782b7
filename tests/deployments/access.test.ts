// Authorization for every public deployment and provider-token function: another user gets
// NOT_FOUND (nothing revealed, nothing changed); a viewer reads but cannot deploy, cancel
// or roll back (FORBIDDEN); a caller without a session is UNAUTHENTICATED.
import { callerFor } from "../keys";
import { beforeAll, describe, expect, test } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import {
  api,
  addMember,
  deployStackForFile,
  expectCode,
  providerCalls,
  row,
  userWithProject,
  type Caller,
} from "./helpers";

const stack = deployStackForFile();
let owner: Awaited<ReturnType<typeof userWithProject>>;
let stranger: Caller;
let viewer: Caller;
let editor: Caller;
let ready: Id<"deployments">;
let running: Id<"deployments">;

beforeAll(async () => {
  owner = await userWithProject(stack, "user_owner");
  stranger = (await userWithProject(stack, "user_stranger")).as;
  viewer = await addMember(stack, owner.as, owner.projectId, "user_viewer", "viewer");
  editor = await addMember(stack, owner.as, owner.projectId, "user_editor", "editor");
  ready = await owner.as.mutation(api.deployments.request, {
    projectId: owner.projectId,
    provider: "vercel",
    environment: "production",
  });
  await stack.advance(60_000);
  running = await owner.as.mutation(api.deployments.request, {
    projectId: owner.projectId,
    provider: "vercel",
    environment: "preview",
  });
  await stack.advance(1_000);
});

const page = { numItems: 10, cursor: null };

/** Every deployment and log row, to prove a refused call changed nothing. */
async function everything() {
  return await stack.t.run(async (ctx) => ({
    deployments: await ctx.db.query("deployments").take(1_000),
    logs: await ctx.db.query("deploymentLogs").take(10_000),
    snapshots: await ctx.db.query("snapshots").take(1_000),
    notifications: await ctx.db.query("notifications").take(1_000),
  }));
}

describe.each([
  ["another user", () => stranger, "NOT_FOUND"],
  ["a viewer", () => viewer, "FORBIDDEN"],
] as const)("%s cannot deploy, cancel or roll back", (_who, caller, code) => {
  test(`request / requestMany / cancel / rollback are ${code}, nothing written`, async () => {
    const before = await everything();
    const p = owner.projectId;
    await expectCode(
      caller().mutation(api.deployments.request, { projectId: p, provider: "vercel", environment: "preview" }),
      code,
    );
    const many = await caller().mutation(api.deployments.requestMany, {
      items: [{ projectId: p, provider: "netlify", environment: "preview" }],
    });
    expect(many).toEqual([{ ok: false, error: expect.objectContaining({ code }) }]);
    await expectCode(caller().mutation(api.deployments.cancel, { deploymentId: running }), code);
    await expectCode(caller().mutation(api.deployments.rollback, { deploymentId: ready }), code);
    expect(await everything()).toEqual(before);
    expect((await row(stack, running)).status).toBe("building");
  });
});

describe("reads", () => {
  test("another user: list / get / logs / latestSuccessful / stats are NOT_FOUND", async () => {
    const p = owner.projectId;
    await expectCode(stranger.query(api.deployments.list, { projectId: p, paginationOpts: page }), "NOT_FOUND");
    await expectCode(stranger.query(api.deployments.get, { deploymentId: ready }), "NOT_FOUND");
    await expectCode(stranger.query(api.deployments.logs, { deploymentId: ready, paginationOpts: page }), "NOT_FOUND");
    await expectCode(stranger.query(api.deployments.latestSuccessful, { projectId: p }), "NOT_FOUND");
    await expectCode(stranger.query(api.deployments.stats, { projectId: p }), "NOT_FOUND");
    // Their own stats do not include the owner's deployments.
    expect((await stranger.query(api.deployments.stats, {})).total).toBe(0);
  });

  test("a viewer reads everything", async () => {
    const p = owner.projectId;
    expect((await viewer.query(api.deployments.list, { projectId: p, paginationOpts: page })).page).toHaveLength(2);
    expect((await viewer.query(api.deployments.get, { deploymentId: ready })).status).toBe("ready");
    expect(
      (await viewer.query(api.deployments.logs, { deploymentId: ready, paginationOpts: page })).page.length,
    ).toBeGreaterThan(0);
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
  test("every function is UNAUTHENTICATED and writes nothing", async () => {
    const anon = stack.t;
    const p = owner.projectId;
    const before = await everything();
    const calls: Promise<unknown>[] = [
      anon.mutation(api.deployments.request, { projectId: p, provider: "vercel", environment: "preview" }),
      anon.mutation(api.deployments.requestMany, {
        items: [{ projectId: p, provider: "vercel", environment: "preview" }],
      }),
      anon.mutation(api.deployments.cancel, { deploymentId: running }),
      anon.mutation(api.deployments.rollback, { deploymentId: ready }),
      anon.query(api.deployments.list, { projectId: p, paginationOpts: page }),
      anon.query(api.deployments.get, { deploymentId: ready }),
      anon.query(api.deployments.logs, { deploymentId: ready, paginationOpts: page }),
      anon.query(api.deployments.latestSuccessful, { projectId: p }),
      anon.query(api.deployments.stats, {}),
      anon.mutation(api.providerTokens.connect, { provider: "vercel", token: "a-token-of-nobody" }),
      anon.mutation(api.providerTokens.disconnect, { provider: "vercel" }),
      anon.query(api.providerTokens.list, {}),
    ];
    for (const call of calls) await expectCode(call, "UNAUTHENTICATED");
    expect(await everything()).toEqual(before);
    expect(await stack.t.run(async (ctx) => await ctx.db.query("providerTokens").take(10))).toEqual([]);
  });
});

describe("deleted account", () => {
  test("a deleted member's edge reads and cancel are FORBIDDEN, as in the browser; nothing changes", async () => {
    await addMember(stack, owner.as, owner.projectId, "user_deleted_member", "editor");
    await stack.t.run(async (ctx) => {
      const u = await ctx.db
        .query("users")
        .withIndex("by_clerkId", (q) => q.eq("clerkId", "user_deleted_member"))
        .unique();
      await ctx.db.patch("users", u!._id, { deletedAt: stack.now() });
    });
    const before = await everything();
    const seam = (path: string, body: unknown) =>
      stack.t.fetch(path, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${process.env.EDGE_SECRET}`,
          "X-User-Id": callerFor("user_deleted_member").tokenIdentifier,
          "Content-Type": "application/json",
        },
        body: JSON.stringify(body),
      });
    for (const [path, body] of [
      ["/edge/deploy/get", { deploymentId: ready }],
      ["/edge/deploy/logs", { deploymentId: ready, afterSeq: -1, limit: 10 }],
      ["/edge/deploy/cancel", { deploymentId: running }],
      ["/edge/deploy/request", { projectId: owner.projectId, provider: "vercel", environment: "preview" }],
    ] as const) {
      const res = await seam(path, body);
      expect(res.status, path).toBe(403);
      expect((await res.json()).error.code).toBe("FORBIDDEN");
    }
    expect(await everything()).toEqual(before);
  });
});

describe("provider tokens", () => {
  test("stored encrypted, listed without the secret, each user sees and removes only their own", async () => {
    const secret = "my-own-vercel-token-1234";
    const info = await owner.as.mutation(api.providerTokens.connect, { provider: "vercel", token: secret });
    expect(info).toMatchObject({ provider: "vercel", hint: "1234" });
    expect(JSON.stringify(info)).not.toContain(secret);
    const rows = await stack.t.run(async (ctx) => await ctx.db.query("providerTokens").take(10));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(await owner.as.query(api.providerTokens.list, {})).toEqual([
      expect.objectContaining({ provider: "vercel", hint: "1234" }),
    ]);
    expect(await stranger.query(api.providerTokens.list, {})).toEqual([]);
    // The stranger can only ever remove their own (there is none): the owner's row is untouched.
    expect(await stranger.mutation(api.providerTokens.disconnect, { provider: "vercel" })).toBe(false);
    expect(await stack.t.run(async (ctx) => await ctx.db.query("providerTokens").take(10))).toEqual(rows);
    await expectCode(owner.as.mutation(api.providerTokens.connect, { provider: "vercel", token: "short" }), "INVALID");
    await expectCode(
      owner.as.mutation(api.providerTokens.connect, { provider: "vercel", token: "has a space in it" }),
      "INVALID",
    );
    expect(await stack.t.run(async (ctx) => await ctx.db.query("providerTokens").take(10))).toEqual(rows);
    expect(await owner.as.mutation(api.providerTokens.disconnect, { provider: "vercel" })).toBe(true);
    expect(await owner.as.query(api.providerTokens.list, {})).toEqual([]);
  });

  test("a token that no longer opens (PROVIDER_TOKEN_KEY rotated) ends the deployment as PROVIDER_NOT_CONFIGURED", async () => {
    const user = await userWithProject(stack, "user_rotated_key");
    await user.as.mutation(api.providerTokens.connect, { provider: "vercel", token: stack.fakes.vercel.token });
    const saved = process.env.PROVIDER_TOKEN_KEY;
    process.env.PROVIDER_TOKEN_KEY = Buffer.alloc(32, 7).toString("base64");
    const since = stack.fakes.vercel.requests.length;
    try {
      const id = await user.as.mutation(api.deployments.request, {
        projectId: user.projectId,
        provider: "vercel",
        environment: "preview",
      });
      await stack.advance(5_000);
      const d = await row(stack, id);
      expect(d).toMatchObject({ status: "error", attempts: 1, error: { code: "PROVIDER_NOT_CONFIGURED" } });
      expect(d.error!.message).toMatch(/^Your Vercel token could not be read; connect it again$/);
      // Never fell back to the platform token: nothing was created.
      expect(providerCalls(stack, "vercel", since).filter((c) => c.startsWith("POST"))).toEqual([]);
    } finally {
      process.env.PROVIDER_TOKEN_KEY = saved;
    }
  });

  test("a connected token is what the provider receives (a wrong one is rejected there)", async () => {
    const user = await userWithProject(stack, "user_own_token");
    await user.as.mutation(api.providerTokens.connect, { provider: "netlify", token: "someone-elses-netlify-token" });
    const bad = await user.as.mutation(api.deployments.request, {
      projectId: user.projectId,
      provider: "netlify",
      environment: "preview",
    });
    await stack.advance(5_000);
    expect(await row(stack, bad)).toMatchObject({ status: "error", attempts: 1, error: { code: "PROVIDER_REJECTED" } });
    const sent = stack.fakes.netlify.requests.filter(
      (r) => r.headers.authorization === "Bearer someone-elses-netlify-token",
    );
    expect(sent).toHaveLength(1); // the site creation, refused: never retried

    await user.as.mutation(api.providerTokens.connect, { provider: "netlify", token: stack.fakes.netlify.token });
    const saved = process.env.NETLIFY_TOKEN;
    delete process.env.NETLIFY_TOKEN; // only the user's token can work now
    try {
      const good = await user.as.mutation(api.deployments.request, {
        projectId: user.projectId,
        provider: "netlify",
        environment: "preview",
      });
      await stack.advance(60_000);
      expect((await row(stack, good)).status).toBe("ready");
    } finally {
      process.env.NETLIFY_TOKEN = saved;
    }
  });
});
