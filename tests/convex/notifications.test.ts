import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { notify } from "../../convex/lib/notify";
import { UNREAD_COUNT_CAP } from "../../convex/notifications";
import { asUser, type ConvexTest } from "../convexTest";
import { expectCode, PAGE, refusedWithoutChange, setup } from "./helpers";

afterEach(() => {
  vi.useRealTimers();
});

async function send(t: ConvexTest, userId: Id<"users">, n: number, title = "Deployed") {
  await t.run(async (ctx) => {
    for (let i = 0; i < n; i++) {
      await notify(ctx, { userId, type: "deployment.ready", title: `${title} ${i}`, message: "Your app is live" });
    }
  });
}

describe("notify (helper for features)", () => {
  test("inserts an unread notification with the given links; long text is cut", async () => {
    const { t, ids, alice } = await setup();
    const projectId = await alice.mutation(api.projects.create, { name: "Shop", framework: "react" });
    await t.run((ctx) =>
      notify(ctx, { userId: ids.alice, type: "system", title: "t".repeat(500), message: "m".repeat(5000), projectId }),
    );
    const [n] = (await alice.query(api.notifications.list, { paginationOpts: PAGE })).page;
    expect(n).toMatchObject({ type: "system", projectId, read: false });
    expect(n.title).toHaveLength(200);
    expect(n.message).toHaveLength(2000);
  });
});

describe("notifications.list / unreadCount", () => {
  test("newest first, only the caller's own", async () => {
    vi.useFakeTimers();
    const { t, ids, alice, bob } = await setup();
    await send(t, ids.alice, 1, "old");
    vi.advanceTimersByTime(1000);
    await send(t, ids.alice, 1, "new");
    await send(t, ids.bob, 1, "bob's");
    expect((await alice.query(api.notifications.list, { paginationOpts: PAGE })).page.map((n) => n.title)).toEqual([
      "new 0",
      "old 0",
    ]);
    expect((await bob.query(api.notifications.list, { paginationOpts: PAGE })).page.map((n) => n.title)).toEqual([
      "bob's 0",
    ]);
    expect(await alice.query(api.notifications.unreadCount, {})).toBe(2);
    expect(await bob.query(api.notifications.unreadCount, {})).toBe(1);
  });

  test("unreadCount is bounded", async () => {
    const { t, ids, alice } = await setup();
    await send(t, ids.alice, UNREAD_COUNT_CAP + 5);
    expect(await alice.query(api.notifications.unreadCount, {})).toBe(UNREAD_COUNT_CAP);
  });

  test("a person with no row sees nothing; anonymous callers are refused", async () => {
    const { t } = await setup();
    const fresh = asUser(t, "user_fresh");
    expect((await fresh.query(api.notifications.list, { paginationOpts: PAGE })).page).toEqual([]);
    expect(await fresh.query(api.notifications.unreadCount, {})).toBe(0);
    await expectCode(t.query(api.notifications.list, { paginationOpts: PAGE }), "UNAUTHENTICATED");
    await expectCode(t.query(api.notifications.unreadCount, {}), "UNAUTHENTICATED");
    await refusedWithoutChange(t, () => t.mutation(api.notifications.markAllRead, {}), "UNAUTHENTICATED");
  });
});

describe("notifications.markRead / markAllRead", () => {
  test("markRead marks the caller's notification; another user's is NOT_FOUND and unchanged", async () => {
    const { t, ids, alice, bob } = await setup();
    await send(t, ids.alice, 2);
    const [first] = (await alice.query(api.notifications.list, { paginationOpts: PAGE })).page;
    await refusedWithoutChange(
      t,
      () => bob.mutation(api.notifications.markRead, { notificationId: first._id }),
      "NOT_FOUND",
    );
    await refusedWithoutChange(
      t,
      () => t.mutation(api.notifications.markRead, { notificationId: first._id }),
      "UNAUTHENTICATED",
    );
    await alice.mutation(api.notifications.markRead, { notificationId: first._id });
    await alice.mutation(api.notifications.markRead, { notificationId: first._id }); // idempotent
    expect(await alice.query(api.notifications.unreadCount, {})).toBe(1);
  });

  test("markAllRead touches only the caller's notifications", async () => {
    const { t, ids, alice, bob } = await setup();
    await send(t, ids.alice, 3);
    await send(t, ids.bob, 2);
    const bobsBefore = (await bob.query(api.notifications.list, { paginationOpts: PAGE })).page;
    expect(await alice.mutation(api.notifications.markAllRead, {})).toEqual({ marked: 3, done: true });
    expect(await alice.query(api.notifications.unreadCount, {})).toBe(0);
    expect((await bob.query(api.notifications.list, { paginationOpts: PAGE })).page).toEqual(bobsBefore);
  });

  test("markAllRead works in bounded batches and finishes the rest in scheduled runs", async () => {
    vi.useFakeTimers();
    const { t, ids, alice } = await setup();
    await send(t, ids.alice, 450);
    expect(await alice.mutation(api.notifications.markAllRead, {})).toEqual({ marked: 200, done: false });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const unread = await t.run(
      async (ctx) =>
        (
          await ctx.db
            .query("notifications")
            .withIndex("by_userId_and_read", (q) => q.eq("userId", ids.alice).eq("read", false))
            .collect()
        ).length,
    );
    expect(unread).toBe(0);
  });
});
