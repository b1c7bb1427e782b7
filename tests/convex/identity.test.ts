// A user is the token's issuer AND subject: a token from another issuer naming the same
// subject (e.g. a development token with a Clerk user id) is refused, for browser calls and
// for calls the edge makes on a user's behalf.
import { afterEach, describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { asUser, newConvexTest, userRow } from "../convexTest";
import { callerFor, TEST_ISSUER } from "../keys";

const DEV_ISSUER = "http://127.0.0.1:8787";
const asDev = (t: ReturnType<typeof newConvexTest>, subject: string) =>
  t.withIdentity({ subject, issuer: DEV_ISSUER, tokenIdentifier: `${DEV_ISSUER}|${subject}` });

afterEach(() => {
  delete process.env.CLERK_JWT_ISSUER_DOMAIN;
});

describe("users are keyed by issuer and subject", () => {
  test("a development token naming a Clerk user's id cannot read or change their projects", async () => {
    process.env.CLERK_JWT_ISSUER_DOMAIN = TEST_ISSUER;
    const t = newConvexTest();
    const projectId = await asUser(t, "user_clerk_victim").mutation(api.projects.create, {
      name: "Shop",
      framework: "react",
    });
    expect((await userRow(t, "user_clerk_victim"))!.issuer).toBe(TEST_ISSUER);

    const intruder = asDev(t, "user_clerk_victim");
    await expect(intruder.query(api.projects.list, { paginationOpts: { numItems: 10, cursor: null } })).rejects.toThrow(
      /another sign-in provider/,
    );
    await expect(intruder.mutation(api.projects.remove, { projectId })).rejects.toThrow(/another sign-in provider/);
    // The same through the edge seam.
    await expect(
      t.mutation(internal.users.meForEdge, { caller: { tokenIdentifier: `${DEV_ISSUER}|user_clerk_victim` } }),
    ).rejects.toThrow(/another sign-in provider/);
    expect(await asUser(t, "user_clerk_victim").query(api.projects.get, { projectId })).toMatchObject({ name: "Shop" });
  });

  test("rows written before issuers were kept belong to Clerk when Clerk is configured, and learn their issuer", async () => {
    process.env.CLERK_JWT_ISSUER_DOMAIN = `${TEST_ISSUER}/`;
    const t = newConvexTest();
    await t.run(async (ctx) =>
      ctx.db.insert("users", {
        clerkId: "user_legacy",
        email: "legacy@example.com",
        role: "user",
        plan: "free",
        preferences: { theme: "system", editorFontSize: 14, tabSize: 2, defaultModel: "claude-sonnet-5-5" },
        createdAt: 0,
        updatedAt: 0,
      }),
    );
    await expect(asDev(t, "user_legacy").mutation(api.users.updatePreferences, { tabSize: 4 })).rejects.toThrow(
      /another sign-in provider/,
    );
    const me = await t.mutation(internal.users.meForEdge, { caller: callerFor("user_legacy") });
    expect(me.email).toBe("legacy@example.com");
    expect((await userRow(t, "user_legacy"))!.issuer).toBe(TEST_ISSUER);
  });

  test("without Clerk configured, the development issuer owns its users as before", async () => {
    const t = newConvexTest();
    await asDev(t, "user_dev_only").mutation(api.users.updatePreferences, { tabSize: 4 });
    expect((await userRow(t, "user_dev_only"))!.issuer).toBe(DEV_ISSUER);
    expect(await asDev(t, "user_dev_only").query(api.users.me, {})).toMatchObject({ preferences: { tabSize: 4 } });
  });
});
