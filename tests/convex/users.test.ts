import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { asUser, newConvexTest } from "../convexTest";
import { expectCode, refusedWithoutChange, setup } from "./projectFixtures";

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
    await alice.mutation(api.users.updatePreferences, { editorFontSize: 32, defaultModel: "claude-3-5-haiku-20241022" });
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

  test("refuses anonymous callers", async () => {
    const t = newConvexTest();
    await expectCode(t.mutation(api.users.updatePreferences, { tabSize: 4 }), "UNAUTHENTICATED");
  });
});
