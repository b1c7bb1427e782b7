// The events that exist today reach the user's channels through the real code paths.
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { notifyBilling } from "../../convex/lib/billingNotify";
import { emit } from "../../convex/notificationDelivery";
import { PLAN_LIMITS } from "../../convex/lib/plans";
import { dayOf, emptyTotals } from "../../convex/lib/usageRollup";
import { markEmailVerified, expectCode } from "../convex/helpers";
import { callerFor } from "../keys";
import { api, deliveriesOf, notifyStackForFile, PAGE, SETTLE_MS, signedIn } from "./helpers";

process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
const { stack, fakes, secret } = notifyStackForFile();

async function withHook(clerkId: string) {
  const u = await signedIn(stack, clerkId);
  const { channelId, secret: s } = await u.as.mutation(api.notificationChannels.create, {
    kind: "webhook",
    name: "Hook",
    target: fakes.webhook.url,
  });
  secret.value = s!;
  return { ...u, channelId };
}

describe("deployment events", () => {
  test("a deployment going ready is delivered as deployment.ready with its ids", async () => {
    const { as, channelId } = await withHook("user_ev1");
    const projectId = await as.mutation(api.projects.create, { name: "Shop", framework: "static" });
    await as.mutation(api.files.writeMany, { projectId, files: [{ path: "index.html", content: "<h1>hi</h1>" }] });
    const deploymentId: Id<"deployments"> = await as.mutation(api.deployments.request, {
      projectId,
      provider: "vercel",
      environment: "preview",
    });
    await stack.advance(120_000);
    const got = fakes.webhook.verified.find((w) => w.data.deploymentId === deploymentId);
    expect(got).toMatchObject({ type: "deployment.ready", data: { projectId, title: "Shop is live on Vercel" } });
    expect((await deliveriesOf(stack, channelId)).map((d) => d.status)).toEqual(["sent"]);
    const inbox = (await as.query(api.notifications.list, { paginationOpts: PAGE })).page;
    expect(inbox.map((n) => n.type)).toEqual(["deployment.ready"]);
  });

  test("canceling a queued deployment is delivered as deployment.canceled", async () => {
    const { as } = await withHook("user_ev2");
    const projectId = await as.mutation(api.projects.create, { name: "Blog", framework: "static" });
    await as.mutation(api.files.writeMany, { projectId, files: [{ path: "index.html", content: "<h1>hi</h1>" }] });
    const deploymentId: Id<"deployments"> = await as.mutation(api.deployments.request, {
      projectId,
      provider: "netlify",
      environment: "preview",
    });
    await as.mutation(api.deployments.cancel, { deploymentId });
    await stack.advance(SETTLE_MS);
    expect(fakes.webhook.verified.find((w) => w.data.deploymentId === deploymentId)).toMatchObject({
      type: "deployment.canceled",
    });
  });
});

describe("project.invited", () => {
  test("the invitee (verified address) is told on their channels; the inviter's channels are not", async () => {
    const owner = await signedIn(stack, "user_ev_owner");
    const invitee = await withHook("user_ev_invitee");
    await markEmailVerified(stack.t, "user_ev_invitee");
    const projectId = await owner.as.mutation(api.projects.create, { name: "Team app", framework: "react" });
    await owner.as.mutation(api.invitations.create, {
      projectId,
      email: "user_ev_invitee@example.com",
      role: "editor",
    });
    await stack.advance(SETTLE_MS);
    expect(fakes.webhook.verified.at(-1)).toMatchObject({
      type: "project.invited",
      data: { projectId, title: "You were invited to Team app" },
    });
    expect((await deliveriesOf(stack, invitee.channelId)).map((d) => d.event.type)).toEqual(["project.invited"]);
  });
});

describe("quota.warning and quota.exceeded (from the usage rollup)", () => {
  async function seedRequests(userId: Id<"users">, requests: number) {
    await stack.t.run(async (ctx) => {
      await ctx.db.insert("usageDaily", {
        userId,
        day: dayOf(Date.now()),
        ...emptyTotals(),
        requests,
        byType: { explain: requests },
      });
    });
  }
  const begin = (clerkId: string) =>
    stack.t.mutation(internal.ai.begin, { caller: callerFor(clerkId), type: "explain", prompt: "x", promptChars: 1 });

  test("80 % raises one warning per day; 100 % raises one exceeded; the next request is refused", async () => {
    const { as, userId, channelId } = await withHook("user_ev_quota");
    const max = PLAN_LIMITS.free.dailyRequests!;
    await seedRequests(userId, max * 0.8 - 2);
    await begin("user_ev_quota"); // 79 %
    await begin("user_ev_quota"); // 80 % → warning
    await begin("user_ev_quota"); // 81 %: already warned today
    await stack.advance(SETTLE_MS);
    let types = (await deliveriesOf(stack, channelId)).map((d) => d.event.type);
    expect(types).toEqual(["quota.warning"]);
    const warning = fakes.webhook.verified.at(-1)!;
    expect(warning).toMatchObject({
      type: "quota.warning",
      data: { limit: "requests", used: max * 0.8, max, plan: "free" },
    });

    await stack.t.run(async (ctx) => {
      const row = (await ctx.db
        .query("usageDaily")
        .withIndex("by_userId_and_day", (q) => q.eq("userId", userId).eq("day", dayOf(Date.now())))
        .unique())!;
      await ctx.db.patch("usageDaily", row._id, { requests: max - 1 });
    });
    await begin("user_ev_quota"); // 100 % → exceeded
    await expectCode(begin("user_ev_quota"), "QUOTA_EXCEEDED");
    await stack.advance(SETTLE_MS);
    types = (await deliveriesOf(stack, channelId)).map((d) => d.event.type);
    expect(types.sort()).toEqual(["quota.exceeded", "quota.warning"]);
    const inbox = (await as.query(api.notifications.list, { paginationOpts: PAGE })).page.map((n) => n.type);
    expect(inbox).toEqual(["quota.exceeded", "quota.warning"]);
  });
});

describe("billing's events (raised by billing code through notifyBilling)", () => {
  test("subscription.changed and payment.failed reach the channels with their figures", async () => {
    const { userId, channelId } = await withHook("user_ev_billing");
    await stack.t.run((ctx) =>
      notifyBilling(ctx, emit, "subscription.changed", {
        userId,
        title: "Your plan is now Pro",
        message: "Upgraded",
        data: { plan: "pro", previousPlan: "free" },
      }),
    );
    await stack.t.run((ctx) =>
      notifyBilling(ctx, emit, "payment.failed", {
        userId,
        title: "Payment failed",
        message: "We could not charge your Pro subscription.",
      }),
    );
    await stack.advance(SETTLE_MS);
    const got = fakes.webhook.verified.slice(-2).sort((a, b) => a.type.localeCompare(b.type));
    expect(got[0]).toMatchObject({ type: "payment.failed", data: { title: "Payment failed" } });
    expect(got[1]).toMatchObject({
      type: "subscription.changed",
      data: { title: "Your plan is now Pro", plan: "pro", previousPlan: "free" },
    });
    expect((await deliveriesOf(stack, channelId)).map((d) => d.status)).toEqual(["sent", "sent"]);
  });
});
