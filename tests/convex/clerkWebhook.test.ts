// POST /clerk/webhook with svix signatures made here exactly as svix makes them.
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { callerFor } from "../keys";
import { api, internal } from "../../convex/_generated/api";
import { asUser, newConvexTest, userRow } from "../convexTest";
import { deliver, deliveredWithoutChange, useWebhookSecret, userData } from "./clerkDelivery";
import { expectCode } from "./helpers";

useWebhookSecret();

describe("POST /clerk/webhook: user events", () => {
  test("user.created inserts the user with the primary email, name and image", async () => {
    const t = newConvexTest();
    const res = await deliver(t, { type: "user.created", data: userData() }, { id: "msg_created" });
    expect(res.status).toBe(200);
    expect(await userRow(t, "user_ada")).toMatchObject({
      email: "ada@example.com",
      name: "Ada Lovelace",
      imageUrl: "https://img.clerk.com/ada.png",
      role: "user",
      plan: "free",
    });
    const events = await t.run((ctx) => ctx.db.query("webhookEvents").collect());
    expect(events).toMatchObject([{ source: "clerk", eventId: "msg_created", type: "user.created" }]);
  });

  test("user.updated changes the profile of an existing user (and creates one we never saw)", async () => {
    const t = newConvexTest();
    await asUser(t, "user_ada").mutation(api.users.updatePreferences, { tabSize: 4 });
    await deliver(t, { type: "user.updated", data: userData({ first_name: "Augusta", image_url: null }) });
    const row = await userRow(t, "user_ada");
    expect(row).toMatchObject({ email: "ada@example.com", name: "Augusta Lovelace" });
    expect(row!.imageUrl).toBeUndefined();
    expect(row!.preferences.tabSize).toBe(4); // preferences are ours, not Clerk's
  });

  test("the same svix id twice is processed once", async () => {
    const t = newConvexTest();
    await deliver(t, { type: "user.created", data: userData() }, { id: "msg_a" });
    await deliver(t, { type: "user.updated", data: userData({ first_name: "Augusta" }) }, { id: "msg_b" });
    const replay = await deliver(t, { type: "user.created", data: userData() }, { id: "msg_a" });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ result: "duplicate" });
    expect((await userRow(t, "user_ada"))!.name).toBe("Augusta Lovelace");
    expect(await t.run(async (ctx) => (await ctx.db.query("webhookEvents").collect()).length)).toBe(2);
  });

  test("user.deleted marks the user deleted, drops their profile, and the auth wrapper refuses them", async () => {
    const t = newConvexTest();
    const ada = asUser(t, "user_ada");
    await deliver(t, { type: "user.created", data: userData() });
    await ada.mutation(api.projects.create, { name: "Shop", framework: "react" });
    const res = await deliver(t, { type: "user.deleted", data: { id: "user_ada", deleted: true, object: "user" } });
    expect(res.status).toBe(200);
    const row = await userRow(t, "user_ada");
    expect(row).toMatchObject({ deletedAt: expect.any(Number), email: "" });
    expect(row!.name).toBeUndefined();
    await expectCode(ada.query(api.users.me, {}), "FORBIDDEN");
    await expectCode(ada.mutation(api.projects.create, { name: "Again", framework: "react" }), "FORBIDDEN");
    // A later user.updated does not bring them back.
    await deliver(t, { type: "user.updated", data: userData() });
    expect((await userRow(t, "user_ada"))!.deletedAt).toEqual(row!.deletedAt);
  });

  test("user.deleted drops the user's own provider tokens and nobody else's", async () => {
    const t = newConvexTest();
    await deliver(t, { type: "user.created", data: userData() });
    const ada = (await userRow(t, "user_ada"))!._id;
    const grace = (await t.mutation(internal.users.meForEdge, { caller: callerFor("user_grace") })).id;
    const sealed = { ciphertext: "c", iv: "i", hint: "abcd", createdAt: 1, updatedAt: 1 };
    await t.run(async (ctx) => {
      await ctx.db.insert("providerTokens", { userId: ada, provider: "vercel", ...sealed });
      await ctx.db.insert("providerTokens", { userId: ada, provider: "netlify", ...sealed });
      await ctx.db.insert("providerTokens", { userId: grace, provider: "vercel", ...sealed });
    });
    const res = await deliver(
      t,
      { type: "user.deleted", data: { id: "user_ada", deleted: true } },
      { id: "msg_delete" },
    );
    expect(res.status).toBe(200);
    const left = await t.run(async (ctx) => await ctx.db.query("providerTokens").collect());
    expect(left.map((r) => r.userId)).toEqual([grace]);
  });

  test("user.deleted for a user we never saw leaves a tombstone, so their first call is refused", async () => {
    const t = newConvexTest();
    await deliver(t, { type: "user.deleted", data: { id: "user_ada", deleted: true } });
    await expectCode(asUser(t, "user_ada").mutation(api.users.updatePreferences, {}), "FORBIDDEN");
  });

  test("unknown event types are acknowledged and ignored", async () => {
    await deliveredWithoutChange(newConvexTest(), { type: "session.created", data: { id: "sess_1" } }, {}, 200);
  });
});

describe("POST /clerk/webhook: refused deliveries write nothing", () => {
  const cases: [string, Parameters<typeof deliver>[2]][] = [
    ["a signature made with another secret", { secret: "whsec_" + randomBytes(24).toString("base64") }],
    ["a body changed after signing", { tamper: true }],
    ["a timestamp older than 5 minutes", { timestamp: Math.floor(Date.now() / 1000) - 600 }],
    ["no svix headers", { headers: { "content-type": "application/json" } }],
    ["a garbage signature", { headers: { "svix-id": "msg_x", "svix-timestamp": "1", "svix-signature": "v1,AAAA" } }],
  ];
  test.each(cases)("%s → 400 INVALID: no user created, updated or deleted", async (_name, opts) => {
    const t = newConvexTest();
    await deliveredWithoutChange(t, { type: "user.created", data: userData() }, opts, 400, "INVALID");
    await deliver(t, { type: "user.created", data: userData({ first_name: "Grace" }) }); // a user we have
    await deliveredWithoutChange(t, { type: "user.updated", data: userData() }, opts, 400, "INVALID");
    await deliveredWithoutChange(
      t,
      { type: "user.deleted", data: { id: "user_ada", deleted: true } },
      opts,
      400,
      "INVALID",
    );
    expect(await userRow(t, "user_ada")).toMatchObject({ name: "Grace Lovelace" });
    expect((await userRow(t, "user_ada"))!.deletedAt).toBeUndefined();
  });

  test("without CLERK_WEBHOOK_SECRET the endpoint is unavailable (503) and writes nothing", async () => {
    delete process.env.CLERK_WEBHOOK_SECRET;
    await deliveredWithoutChange(newConvexTest(), { type: "user.created", data: userData() }, {}, 503, "UNAVAILABLE");
  });
});
