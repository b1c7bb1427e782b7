import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { asUser, newConvexTest } from "../convexTest";
import { expectCode, refusedWithoutChange, setup } from "./helpers";

describe("users.me", () => {
  test("returns the caller's own profile and nobody else's", async () => {
    const { alice, bob } = await setup();
    expect(await alice.query(api.users.me, {})).toMatchObject({ clerkId: "user_alice", email: "alice@example.com" });
    expect(await bob.query(api.users.me, {})).toMatchObject({ clerkId: "user_bob" });
  });

  test("is null before the first write and refuses anonymous callers", async () => {
    const t = newConvexTest();
    expect(await asUser(t, "user_new").query(api.users.me, {})).toBeNull();
    await expectCode(t.query(api.users.me, {}), "UNAUTHENTICATED");
  });
});

describe("users.updatePreferences", () => {
  test("changes only the given fields of the caller's own preferences", async () => {
    const { alice, bob } = await setup();
    const bobBefore = await bob.query(api.users.me, {});
    const prefs = await alice.mutation(api.users.updatePreferences, { theme: "dark", tabSize: 4 });
    expect(prefs).toEqual({ theme: "dark", editorFontSize: 14, tabSize: 4, defaultModel: "claude-sonnet-5-5" });
    await alice.mutation(api.users.updatePreferences, {
      editorFontSize: 32,
      defaultModel: "claude-3-5-haiku-20241022",
    });
    expect((await alice.query(api.users.me, {}))!.preferences).toEqual({
      theme: "dark",
      editorFontSize: 32,
      tabSize: 4,
      defaultModel: "claude-3-5-haiku-20241022",
    });
    // Bob (another user) is untouched: a caller can only ever change their own row.
    expect(await bob.query(api.users.me, {})).toEqual(bobBefore);
  });

  test("accepts the range ends", async () => {
    const { alice } = await setup();
    await alice.mutation(api.users.updatePreferences, { editorFontSize: 10, tabSize: 1 });
    await alice.mutation(api.users.updatePreferences, { editorFontSize: 32, tabSize: 8 });
  });

  test.each([
    [{ editorFontSize: 9 }],
    [{ editorFontSize: 33 }],
    [{ editorFontSize: 14.5 }],
    [{ tabSize: 0 }],
    [{ tabSize: 9 }],
    [{ tabSize: 2.5 }],
    [{ defaultModel: "" }],
    [{ defaultModel: "x".repeat(101) }],
    [{ defaultModel: "Claude Sonnet!" }],
    // One bad value refuses the whole change, good ones included.
    [{ theme: "dark" as const, tabSize: 100 }],
  ])("refuses %o with INVALID and writes nothing", async (args) => {
    const { t, alice } = await setup();
    await refusedWithoutChange(t, () => alice.mutation(api.users.updatePreferences, args), "INVALID");
  });

  test("refuses anonymous callers, writing nothing", async () => {
    const { t } = await setup();
    await refusedWithoutChange(t, () => t.mutation(api.users.updatePreferences, { tabSize: 4 }), "UNAUTHENTICATED");
  });
});

describe("the auth wrapper", () => {
  test("a caller's row is created by their first mutation, not by a query", async () => {
    const t = newConvexTest();
    const fresh = asUser(t, "user_fresh", { email: "Fresh@Example.com", name: "Fresh" });
    expect(await fresh.query(api.users.me, {})).toBeNull();
    expect(await t.run((ctx) => ctx.db.query("users").collect())).toEqual([]);
    await fresh.mutation(api.users.updatePreferences, {});
    expect(await fresh.query(api.users.me, {})).toMatchObject({
      email: "fresh@example.com",
      name: "Fresh",
      role: "user",
      plan: "free",
    });
  });

  test("admin functions refuse other users, anonymous callers and an admin whose account was deleted", async () => {
    const { t, alice } = await setup();
    const range = { from: "2026-01-01", to: "2026-01-01" };
    await expectCode(alice.query(api.usage.global, range), "FORBIDDEN");
    await t.mutation(internal.users.setRole, { clerkId: "user_alice", role: "admin" });
    expect(await alice.query(api.usage.global, range)).toMatchObject({ from: range.from });
    await t.mutation(internal.users.deleteFromClerk, { eventId: "msg_1", type: "user.deleted", clerkId: "user_alice" });
    await expectCode(alice.query(api.usage.global, range), "FORBIDDEN");
    await expectCode(t.query(api.usage.global, range), "UNAUTHENTICATED");
  });
});
