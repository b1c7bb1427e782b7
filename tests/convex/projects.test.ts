import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { boundedPage } from "../../convex/lib/pagination";
import { asUser } from "../convexTest";
import { addMember, allPages, expectCode, PAGE, refusedWithoutChange, setup, setupProject } from "./helpers";

afterEach(() => {
  vi.useRealTimers();
});

describe("projects.create / get / list", () => {
  test("creates a project owned by the caller, with an owner member row", async () => {
    const { t, alice, ids } = await setup();
    const projectId = await alice.mutation(api.projects.create, {
      name: "  Shop  ",
      description: "A small shop",
      framework: "next",
    });
    expect(await alice.query(api.projects.get, { projectId })).toMatchObject({
      _id: projectId,
      ownerId: ids.alice,
      name: "Shop",
      description: "A small shop",
      framework: "next",
      fileCount: 0,
      totalBytes: 0,
      role: "owner",
    });
    const rows = await t.run((ctx) => ctx.db.query("projectMembers").collect());
    expect(rows).toMatchObject([{ projectId, userId: ids.alice, role: "owner", active: true }]);
  });

  test.each([
    [{ name: "" }, "empty"],
    [{ name: "   " }, "empty"],
    [{ name: "x".repeat(101) }, "longer than 100"],
    [{ name: "ok", description: "d".repeat(1001) }, "longer than 1000"],
  ])("refuses %o with INVALID and writes nothing", async (args, message) => {
    const { t, alice } = await setup();
    const data = await refusedWithoutChange(
      t,
      () => alice.mutation(api.projects.create, { framework: "react", ...args }),
      "INVALID",
    );
    expect(data.message).toContain(message);
  });

  test("accepts a 100-character name and a 1000-character description", async () => {
    const { alice } = await setup();
    await alice.mutation(api.projects.create, {
      name: "x".repeat(100),
      description: "d".repeat(1000),
      framework: "vue",
    });
  });

  test("list: own and shared projects, newest-updated first, with the caller's role; deleted hidden", async () => {
    vi.useFakeTimers();
    const { t, alice, bob } = await setup();
    const a1 = await alice.mutation(api.projects.create, { name: "A1", framework: "react" });
    vi.advanceTimersByTime(1000);
    const b1 = await bob.mutation(api.projects.create, { name: "B1", framework: "react" });
    vi.advanceTimersByTime(1000);
    const a2 = await alice.mutation(api.projects.create, { name: "A2", framework: "react" });
    vi.advanceTimersByTime(1000);
    await addMember(t, bob, b1, { clerkId: "user_alice", as: alice }, "viewer");
    const names = async () =>
      (await alice.query(api.projects.list, { paginationOpts: PAGE })).page.map((p) => [p.name, p.role]);
    expect(await names()).toEqual([
      ["A2", "owner"],
      ["B1", "viewer"],
      ["A1", "owner"],
    ]);
    // Touching A1 (an update) moves it to the top, for every member.
    vi.advanceTimersByTime(1000);
    await alice.mutation(api.projects.update, { projectId: a1, description: "new" });
    expect(await names()).toEqual([
      ["A1", "owner"],
      ["A2", "owner"],
      ["B1", "viewer"],
    ]);
    await alice.mutation(api.projects.remove, { projectId: a2 });
    expect(await names()).toEqual([
      ["A1", "owner"],
      ["B1", "viewer"],
    ]);
    // Bob sees only his own.
    expect((await bob.query(api.projects.list, { paginationOpts: PAGE })).page.map((p) => p.name)).toEqual(["B1"]);
  });

  test("list skips deleted projects in the index itself: every page is full, nothing deleted is walked over", async () => {
    vi.useFakeTimers();
    const { t, alice, bob } = await setup();
    const ids = [];
    for (let i = 0; i < 6; i++) {
      ids.push(await alice.mutation(api.projects.create, { name: `P${i}`, framework: "static" }));
      vi.advanceTimersByTime(1000);
    }
    await addMember(t, alice, ids[2], { clerkId: "user_bob", as: bob }, "viewer");
    for (const i of [5, 4, 2]) await alice.mutation(api.projects.remove, { projectId: ids[i] });
    for (const who of [alice, bob]) {
      const pages = (
        await allPages((cursor) => who.query(api.projects.list, { paginationOpts: { numItems: 1, cursor } }))
      ).map((page) => page.map((p) => p.name));
      const full = pages.filter((p) => p.length > 0);
      expect(full).toEqual(who === alice ? [["P3"], ["P1"], ["P0"]] : []);
      expect(pages.length - full.length).toBeLessThanOrEqual(1); // at most the final, empty page
    }
  });

  test("list clamps the page size a client asks for", async () => {
    const { alice } = await setup();
    for (let i = 0; i < 3; i++) await alice.mutation(api.projects.create, { name: `P${i}`, framework: "static" });
    expect((await alice.query(api.projects.list, { paginationOpts: { numItems: 0, cursor: null } })).page).toHaveLength(
      1,
    );
    expect(
      (await alice.query(api.projects.list, { paginationOpts: { numItems: 1e9, cursor: null } })).page,
    ).toHaveLength(3);
    expect(boundedPage({ numItems: 1e9, cursor: null }, 100).numItems).toBe(100);
    expect(boundedPage({ numItems: Number.NaN, cursor: "c" }, 100)).toEqual({ numItems: 1, cursor: "c" });
    expect(boundedPage({ numItems: 2.7, cursor: null }, 100).numItems).toBe(2);
  });

  test("list pages with a cursor", async () => {
    const { alice } = await setup();
    for (let i = 0; i < 5; i++) await alice.mutation(api.projects.create, { name: `P${i}`, framework: "static" });
    const first = await alice.query(api.projects.list, { paginationOpts: { numItems: 3, cursor: null } });
    expect(first.page).toHaveLength(3);
    expect(first.isDone).toBe(false);
    const second = await alice.query(api.projects.list, {
      paginationOpts: { numItems: 3, cursor: first.continueCursor },
    });
    expect(second.page).toHaveLength(2);
    expect(new Set([...first.page, ...second.page].map((p) => p.name)).size).toBe(5);
  });

  test("a signed-in person with no row yet has an empty list; anonymous callers are refused", async () => {
    const { t } = await setup();
    expect((await asUser(t, "user_fresh").query(api.projects.list, { paginationOpts: PAGE })).page).toEqual([]);
    await expectCode(t.query(api.projects.list, { paginationOpts: PAGE }), "UNAUTHENTICATED");
    await refusedWithoutChange(
      t,
      () => t.mutation(api.projects.create, { name: "x", framework: "react" }),
      "UNAUTHENTICATED",
    );
  });
});

describe("projects.get / update / remove: authorization", () => {
  test("a stranger gets NOT_FOUND from get, update and remove, and nothing changes", async () => {
    const { t, alice, bob } = await setup();
    const projectId = await alice.mutation(api.projects.create, { name: "Secret", framework: "react" });
    await expectCode(bob.query(api.projects.get, { projectId }), "NOT_FOUND");
    await refusedWithoutChange(t, () => bob.mutation(api.projects.update, { projectId, name: "Mine" }), "NOT_FOUND");
    await refusedWithoutChange(t, () => bob.mutation(api.projects.remove, { projectId }), "NOT_FOUND");
  });

  test("editors and viewers may read but not update or remove (FORBIDDEN)", async () => {
    const { t, projectId, bob, carol } = await setupProject();
    expect(await bob.query(api.projects.get, { projectId })).toMatchObject({ role: "editor" });
    expect(await carol.query(api.projects.get, { projectId })).toMatchObject({ role: "viewer" });
    for (const who of [bob, carol]) {
      await refusedWithoutChange(t, () => who.mutation(api.projects.update, { projectId, name: "X" }), "FORBIDDEN");
      await refusedWithoutChange(t, () => who.mutation(api.projects.remove, { projectId }), "FORBIDDEN");
    }
  });

  test("update validates like create and writes nothing on bad input", async () => {
    const { t, alice } = await setup();
    const projectId = await alice.mutation(api.projects.create, { name: "Shop", description: "d", framework: "react" });
    await refusedWithoutChange(t, () => alice.mutation(api.projects.update, { projectId, name: " " }), "INVALID");
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.projects.update, { projectId, framework: "vue", description: "d".repeat(1001) }),
      "INVALID",
    );
    await alice.mutation(api.projects.update, { projectId, name: " Store ", description: "", framework: "vue" });
    const p = await alice.query(api.projects.get, { projectId });
    expect(p).toMatchObject({ name: "Store", framework: "vue" });
    expect(p.description).toBeUndefined();
  });

  test("remove is a soft delete: hidden from get, list, members and files; member rows inactive", async () => {
    const { t, alice, bob, projectId } = await setupProject();
    await alice.mutation(api.files.write, { projectId, path: "a.txt", content: "a" });
    await alice.mutation(api.projects.remove, { projectId });
    for (const who of [alice, bob]) {
      await expectCode(who.query(api.projects.get, { projectId }), "NOT_FOUND");
      await expectCode(who.query(api.projects.members, { projectId }), "NOT_FOUND");
      await expectCode(who.query(api.files.read, { projectId, path: "a.txt" }), "NOT_FOUND");
      await expectCode(who.query(api.files.list, { projectId, paginationOpts: PAGE }), "NOT_FOUND");
      expect((await who.query(api.projects.list, { paginationOpts: PAGE })).page).toEqual([]);
    }
    await expectCode(alice.mutation(api.files.write, { projectId, path: "b.txt", content: "b" }), "NOT_FOUND");
    const { project, members } = await t.run(async (ctx) => ({
      project: await ctx.db.get("projects", projectId),
      members: await ctx.db.query("projectMembers").collect(),
    }));
    expect(project!.deletedAt).toEqual(expect.any(Number));
    expect(members.every((m) => !m.active)).toBe(true);
    await expectCode(alice.mutation(api.projects.remove, { projectId }), "NOT_FOUND");
  });
});

describe("projects members", () => {
  test("members lists everyone with roles; any member may look, strangers may not", async () => {
    const { t, projectId, alice, bob, carol, ids } = await setupProject();
    const expected = [
      { userId: ids.alice, role: "owner", email: "alice@example.com", name: "Alice" },
      { userId: ids.bob, role: "editor", email: "bob@example.com", name: "Bob" },
      { userId: ids.carol, role: "viewer", email: "carol@example.com", name: "Carol" },
    ];
    for (const who of [alice, bob, carol]) {
      const rows = await who.query(api.projects.members, { projectId });
      expect([...rows].sort((a, b) => a.email.localeCompare(b.email))).toMatchObject(expected);
    }
    const stranger = asUser(t, "user_dave");
    await stranger.mutation(api.users.updatePreferences, {});
    await expectCode(stranger.query(api.projects.members, { projectId }), "NOT_FOUND");
  });

  test("only the owner invites and removes members; strangers get NOT_FOUND", async () => {
    const { t, projectId, bob, carol, ids } = await setupProject();
    const stranger = asUser(t, "user_dave", { email: "dave@example.com" });
    await stranger.mutation(api.users.updatePreferences, {});
    for (const member of [bob, carol]) {
      await refusedWithoutChange(
        t,
        () => member.mutation(api.invitations.create, { projectId, email: "dave@example.com", role: "editor" }),
        "FORBIDDEN",
      );
    }
    await refusedWithoutChange(
      t,
      () => carol.mutation(api.projects.removeMember, { projectId, userId: ids.bob }),
      "FORBIDDEN",
    );
    await refusedWithoutChange(
      t,
      () => bob.mutation(api.projects.removeMember, { projectId, userId: ids.carol }),
      "FORBIDDEN",
    );
    await refusedWithoutChange(
      t,
      () => stranger.mutation(api.invitations.create, { projectId, email: "dave@example.com", role: "editor" }),
      "NOT_FOUND",
    );
    await refusedWithoutChange(
      t,
      () => stranger.mutation(api.projects.removeMember, { projectId, userId: ids.bob }),
      "NOT_FOUND",
    );
  });

  test("removeMember takes the project away from that member; the owner cannot be removed", async () => {
    const { t, alice, bob, projectId, ids } = await setupProject();
    await alice.mutation(api.projects.removeMember, { projectId, userId: ids.bob });
    await expectCode(bob.query(api.projects.get, { projectId }), "NOT_FOUND");
    expect((await bob.query(api.projects.list, { paginationOpts: PAGE })).page).toEqual([]);
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.projects.removeMember, { projectId, userId: ids.alice }),
      "INVALID",
    );
    await refusedWithoutChange(
      t,
      () => alice.mutation(api.projects.removeMember, { projectId, userId: ids.bob }),
      "NOT_FOUND",
    );
  });
});
