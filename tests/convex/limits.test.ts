// Per-user caps (projects owned and bytes stored, by plan) and the per-user limit on browser
// mutations. Refusals are QUOTA_EXCEEDED / RATE_LIMITED with nothing written.
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { BROWSER_MUTATION_RATE, PLAN_LIMITS } from "../../convex/lib/plans";
import type { ConvexTest } from "../convexTest";
import { refusedWithoutChange, setup, setupProject, upload } from "./helpers";

afterEach(() => vi.useRealTimers());

const usage = (t: ConvexTest, userId: Id<"users">) =>
  t.run((ctx) =>
    ctx.db
      .query("userUsage")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .unique(),
  );

describe("projects per user, by plan", () => {
  test(`free: ${PLAN_LIMITS.free.maxProjects} projects, then QUOTA_EXCEEDED; deleting one frees a place; pro has more`, async () => {
    const { t, alice, ids } = await setup();
    const max = PLAN_LIMITS.free.maxProjects;
    const made = [];
    for (let i = 0; i < max; i++)
      made.push(await alice.mutation(api.projects.create, { name: `P${i}`, framework: "static" }));
    const data = await refusedWithoutChange(
      t,
      () => alice.mutation(api.projects.create, { name: "one more", framework: "static" }),
      "QUOTA_EXCEEDED",
    );
    expect(data).toMatchObject({ limit: "projects", max, current: max, plan: "free" });
    await alice.mutation(api.projects.remove, { projectId: made[0] });
    await alice.mutation(api.projects.create, { name: "replacement", framework: "static" });
    expect(await usage(t, ids.alice)).toMatchObject({ projectCount: max });
    await t.run((ctx) => ctx.db.patch("users", ids.alice, { plan: "pro" }));
    await alice.mutation(api.projects.create, { name: "on pro", framework: "static" });
    expect(PLAN_LIMITS.pro.maxProjects).toBeGreaterThan(max);
  });

  test("projects shared with a user do not count against their cap", async () => {
    const { t, ids } = await setupProject(); // Bob and Carol are members of Alice's project
    expect(await usage(t, ids.bob)).toBeNull();
    expect(await usage(t, ids.alice)).toMatchObject({ projectCount: 1 });
  });

  test("a user from before the counters gets them from their existing projects, once", async () => {
    const { t, alice, ids } = await setup();
    await alice.mutation(api.projects.create, { name: "A", framework: "static" });
    await alice.mutation(api.projects.create, { name: "B", framework: "static" });
    // As if these rows predate the counters: drop the counter row and make one project hold bytes.
    await t.run(async (ctx) => {
      const row = await ctx.db
        .query("userUsage")
        .withIndex("by_userId", (q) => q.eq("userId", ids.alice))
        .unique();
      await ctx.db.delete("userUsage", row!._id);
      const [first] = await ctx.db
        .query("projects")
        .withIndex("by_ownerId", (q) => q.eq("ownerId", ids.alice))
        .take(1);
      await ctx.db.patch("projects", first._id, { totalBytes: 1234 });
    });
    await alice.mutation(api.projects.create, { name: "C", framework: "static" });
    expect(await usage(t, ids.alice)).toMatchObject({ projectCount: 3, storedBytes: 1234 });
  });
});

describe("bytes stored per user (the owner's plan), counted, not scanned", () => {
  test("writes, uploads, removals and project deletion move the owner's counter; editors' writes count for the owner", async () => {
    const { t, alice, bob, projectId, ids } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "12345" });
    await bob.mutation(api.files.writeMany, {
      projectId,
      files: [
        { path: "b.txt", content: "123" },
        { path: "c.txt", content: "1" },
      ],
    });
    await alice.mutation(api.files.commitUpload, {
      projectId,
      path: "d.bin",
      ...(await upload(t, alice, projectId, "1234567")),
    });
    expect(await usage(t, ids.alice)).toMatchObject({ storedBytes: 16 });
    expect(await usage(t, ids.bob)).toBeNull();
    await bob.mutation(api.files.write, { projectId, path: "a.txt", content: "1" }); // 5 → 1
    await alice.mutation(api.files.remove, { projectId, path: "c.txt" });
    expect(await usage(t, ids.alice)).toMatchObject({ storedBytes: 11 });
    await alice.mutation(api.projects.remove, { projectId });
    expect(await usage(t, ids.alice)).toMatchObject({ projectCount: 0, storedBytes: 0 });
  });

  test("a write past the cap is QUOTA_EXCEEDED and nothing is written (write, writeMany, commitUpload)", async () => {
    const { t, alice, bob, projectId, ids } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "abc" });
    const max = PLAN_LIMITS.free.maxStoredBytes;
    // The owner is 2 bytes below the cap (as the counter says: other projects hold the rest).
    await t.run(async (ctx) => {
      const row = await ctx.db
        .query("userUsage")
        .withIndex("by_userId", (q) => q.eq("userId", ids.alice))
        .unique();
      await ctx.db.patch("userUsage", row!._id, { storedBytes: max - 2 });
    });
    const up = await upload(t, bob, projectId, "too big");
    for (const call of [
      () => bob.mutation(api.files.write, { projectId, path: "b.txt", content: "xyz" }),
      () =>
        alice.mutation(api.files.writeMany, {
          projectId,
          files: [
            { path: "b.txt", content: "x" },
            { path: "c.txt", content: "yz" },
          ],
        }),
      () => bob.mutation(api.files.commitUpload, { projectId, path: "b.bin", ...up }),
    ]) {
      const data = await refusedWithoutChange(t, call, "QUOTA_EXCEEDED");
      expect(data).toMatchObject({ limit: "storedBytes", max, plan: "free" });
    }
    // Exactly up to the cap is fine, and so is shrinking or replacing at equal size.
    await bob.mutation(api.files.write, { projectId, path: "b.txt", content: "xy" });
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "xyz" });
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "x" });
    expect(await usage(t, ids.alice)).toMatchObject({ storedBytes: max - 2 });
  });
});

describe("browser mutations per user", () => {
  test(`a burst of ${BROWSER_MUTATION_RATE.rate}, then RATE_LIMITED with retryAfterMs and nothing written; others unaffected`, async () => {
    vi.useFakeTimers();
    const { t, alice, bob } = await setup();
    for (let i = 0; i < BROWSER_MUTATION_RATE.rate; i++)
      await alice.mutation(api.users.updatePreferences, { tabSize: 1 + (i % 8) });
    const data = await refusedWithoutChange(
      t,
      () => alice.mutation(api.users.updatePreferences, { tabSize: 2 }),
      "RATE_LIMITED",
    );
    expect(data).toMatchObject({ limit: "browserMutation" });
    expect(data.retryAfterMs).toBeGreaterThan(0);
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.projects.create, { name: "X", framework: "static" }),
      "RATE_LIMITED",
    );
    await bob.mutation(api.users.updatePreferences, { tabSize: 2 });
    // Queries are not counted; the bucket refills with time.
    expect(await alice.query(api.users.me, {})).not.toBeNull();
    vi.advanceTimersByTime(Number(data.retryAfterMs));
    await alice.mutation(api.users.updatePreferences, { tabSize: 2 });
  });
});
