// Joining a project is an invitation: the owner learns nothing about whether an address has an
// account, and only someone who PROVED the address (verified email) can take it.
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";

import { INVITATION_RATE } from "../../convex/lib/plans";
import { userRow } from "../convexTest";

import { deliver, useWebhookSecret, userData, verified } from "./clerkDelivery";
import { dump, emailCaller, expectCode, members, ownerWithProject, refusedWithoutChange, type Caller } from "./helpers";

useWebhookSecret();
afterEach(() => vi.useRealTimers());

async function other(owner: Caller) {
  return await owner.mutation(api.projects.create, { name: "Other", framework: "static" });
}

describe("invitations.create answers the same for every address", () => {
  test("a known and an unknown address: same answer, same rows, no name, nobody joins", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    const before = await dump(t);
    const known = await alice.mutation(api.invitations.create, {
      projectId,
      email: " Bob@Example.COM ",
      role: "viewer",
    });
    const unknown = await alice.mutation(api.invitations.create, {
      projectId,
      email: "nobody@example.com",
      role: "viewer",
    });
    expect(typeof known).toBe(typeof unknown);
    const after = await dump(t);
    const rows = after.invitations as { email: string; status: string; role: string }[];
    expect(rows.map((r) => [r.email, r.status, r.role])).toEqual([
      ["bob@example.com", "pending", "viewer"],
      ["nobody@example.com", "pending", "viewer"],
    ]);
    expect(after.projectMembers).toEqual(before.projectMembers);
    // The owner sees the accepted members (only themself) and the pending invitations by email only.
    expect((await members(alice, projectId)).map((m) => m.name)).toEqual(["Alice"]);
    const pending = await alice.query(api.invitations.listForProject, { projectId });
    expect(pending.map((p) => Object.keys(p).sort())).toEqual([
      ["createdAt", "email", "expiresAt", "invitationId", "role"],
      ["createdAt", "email", "expiresAt", "invitationId", "role"],
    ]);
  });

  test("inviting a pending address again renews it (same invitation, new role); bad addresses are INVALID", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    const first = await alice.mutation(api.invitations.create, { projectId, email: "bob@example.com", role: "viewer" });
    const again = await alice.mutation(api.invitations.create, { projectId, email: "BOB@example.com", role: "editor" });
    expect(again).toBe(first);
    expect(await alice.query(api.invitations.listForProject, { projectId })).toMatchObject([
      { email: "bob@example.com", role: "editor" },
    ]);
    for (const email of ["", "no-at-sign", "@example.com", "bob@", "b ob@example.com", `${"x".repeat(320)}@e.com`]) {
      await refusedWithoutChange(
        t,
        () => alice.mutation(api.invitations.create, { projectId, email, role: "viewer" }),
        "INVALID",
      );
    }
  });

  test(`at most ${INVITATION_RATE.rate} invitations per inviter per hour: then RATE_LIMITED with retryAfterMs, nothing written`, async () => {
    vi.useFakeTimers();
    const { t, alice, bob, projectId } = await ownerWithProject();
    for (let i = 0; i < INVITATION_RATE.rate; i++) {
      await alice.mutation(api.invitations.create, { projectId, email: `guess${i}@example.com`, role: "viewer" });
    }
    const data = await refusedWithoutChange(
      t,
      () => alice.mutation(api.invitations.create, { projectId, email: "one-more@example.com", role: "viewer" }),
      "RATE_LIMITED",
    );
    expect(data.retryAfterMs).toBeGreaterThan(0);
    // Another inviter has their own budget; the first one's refills with time.
    const own = await bob.mutation(api.projects.create, { name: "Bob's", framework: "static" });
    await bob.mutation(api.invitations.create, { projectId: own, email: "x@example.com", role: "viewer" });
    vi.advanceTimersByTime(Number(data.retryAfterMs));
    await alice.mutation(api.invitations.create, { projectId, email: "one-more@example.com", role: "viewer" });
  });
});

describe("only a verified address takes an invitation", () => {
  test("the invitee with a verified email claim lists it and accepts: a member, named, with the role", async () => {
    const { t, alice, projectId, ids } = await ownerWithProject();
    const invitationId = await alice.mutation(api.invitations.create, {
      projectId,
      email: "bob@example.com",
      role: "editor",
    });
    const bob = emailCaller(t, "user_bob", "bob@example.com", true);
    expect(await bob.query(api.invitations.listMine, {})).toEqual([
      {
        invitationId,
        projectId,
        projectName: "Shop",
        role: "editor",
        invitedByName: "Alice",
        expiresAt: expect.any(Number),
      },
    ]);
    expect(await bob.mutation(api.invitations.accept, { invitationId })).toBe(projectId);
    expect(await bob.query(api.projects.get, { projectId })).toMatchObject({ role: "editor" });
    expect((await members(alice, projectId)).map((m) => [m.name, m.role]).sort()).toEqual([
      ["Alice", "owner"],
      ["Bob", "editor"],
    ]);
    expect(await alice.query(api.invitations.listForProject, { projectId })).toEqual([]);
    const before = await dump(t);
    expect(await bob.mutation(api.invitations.accept, { invitationId })).toBe(projectId); // again: a no-op
    expect(await dump(t)).toEqual(before);
    await refusedWithoutChange(t, () => bob.mutation(api.invitations.decline, { invitationId }), "CONFLICT");
    expect((await t.run((ctx) => ctx.db.get("invitations", invitationId)))!).toMatchObject({
      status: "accepted",
      respondedBy: ids.bob,
    });
  });

  test("a squatter whose token claims the address unverified never matches; the verified owner of it does", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    // The squatter signed in first with Dave's address in an unverified claim: their row has that email.
    const squatter = emailCaller(t, "user_squatter", "dave@example.com", false);
    await squatter.mutation(api.users.updatePreferences, {});
    expect(await userRow(t, "user_squatter")).toMatchObject({ email: "dave@example.com" });
    const invitationId = await alice.mutation(api.invitations.create, {
      projectId,
      email: "dave@example.com",
      role: "editor",
    });
    expect(await squatter.query(api.invitations.listMine, {})).toEqual([]);
    await refusedWithoutChange(t, () => squatter.mutation(api.invitations.accept, { invitationId }), "NOT_FOUND");
    await refusedWithoutChange(t, () => squatter.mutation(api.invitations.decline, { invitationId }), "NOT_FOUND");
    await expectCode(squatter.query(api.projects.get, { projectId }), "NOT_FOUND");
    // No notification went to the squatter either.
    expect(await t.run((ctx) => ctx.db.query("notifications").collect())).toEqual([]);
    const dave = emailCaller(t, "user_dave", "dave@example.com", true);
    expect(await dave.query(api.invitations.listMine, {})).toMatchObject([{ invitationId }]); // before his first sign-in
    // His first call creates his row, which accepts the invitation; his "Accept" click is then a no-op.
    expect(await dave.mutation(api.invitations.accept, { invitationId })).toBe(projectId);
    expect(await dave.query(api.projects.get, { projectId })).toMatchObject({ role: "editor" });
  });

  test("someone else's invitation is NOT_FOUND, like a missing one", async () => {
    const { t, alice, carol, projectId } = await ownerWithProject();
    const invitationId = await alice.mutation(api.invitations.create, {
      projectId,
      email: "bob@example.com",
      role: "viewer",
    });
    const carolVerified = emailCaller(t, "user_carol", "carol@example.com", true);
    for (const who of [carol, carolVerified, alice]) {
      await refusedWithoutChange(t, () => who.mutation(api.invitations.accept, { invitationId }), "NOT_FOUND");
    }
    await refusedWithoutChange(
      t,
      () => (t as unknown as Caller).mutation(api.invitations.accept, { invitationId }),
      "UNAUTHENTICATED",
    );
  });

  test("a first sign-in with a verified claim accepts pending invitations; an unverified one does not", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    await alice.mutation(api.invitations.create, { projectId, email: "erin@example.com", role: "viewer" });
    await alice.mutation(api.invitations.create, { projectId, email: "frank@example.com", role: "viewer" });
    const erin = emailCaller(t, "user_erin", "Erin@Example.com", true);
    await erin.mutation(api.users.updatePreferences, {}); // her first call creates her row
    expect(await erin.query(api.projects.get, { projectId })).toMatchObject({ role: "viewer" });
    expect(await userRow(t, "user_erin")).toMatchObject({ verifiedEmail: "erin@example.com" });
    const frank = emailCaller(t, "user_frank", "frank@example.com", false);
    await frank.mutation(api.users.updatePreferences, {});
    await expectCode(frank.query(api.projects.get, { projectId }), "NOT_FOUND");
  });

  test("Clerk's webhook with a verified primary address matches pending invitations", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    await alice.mutation(api.invitations.create, { projectId, email: "ada@example.com", role: "editor" });
    await alice.mutation(api.invitations.create, {
      projectId: await other(alice),
      email: "old@example.com",
      role: "editor",
    });
    const emails = [
      { id: "idn_1", email_address: "old@example.com", verification: { status: "unverified" } },
      { id: "idn_2", email_address: "Ada@Example.com", verification: verified },
    ];
    await deliver(t, { type: "user.created", data: userData({ email_addresses: emails }) });
    const ada = emailCaller(t, "user_ada", "", false); // her token carries no email at all
    expect(
      (await ada.query(api.projects.list, { paginationOpts: { numItems: 10, cursor: null } })).page.map((p) => p.name),
    ).toEqual(["Shop"]);
  });

  test("a row signed in without an address: the webhook's first verified address accepts; a later one only lists", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    const ada = emailCaller(t, "user_ada", "", false); // Clerk's default session token has no email claim
    await ada.mutation(api.users.updatePreferences, {});
    await alice.mutation(api.invitations.create, { projectId, email: "ada@example.com", role: "viewer" });
    expect(await ada.query(api.invitations.listMine, {})).toEqual([]);
    await deliver(t, { type: "user.updated", data: userData({ updated_at: 1 }) }); // Clerk: ada@example.com is verified
    expect(await ada.query(api.projects.get, { projectId })).toMatchObject({ role: "viewer" });
    // She changes her primary address to another verified one: an invitation to it waits for her answer.
    const second = await other(alice);
    const invitationId = await alice.mutation(api.invitations.create, {
      projectId: second,
      email: "ada@work.example",
      role: "editor",
    });
    const emails = [{ id: "idn_9", email_address: "ada@work.example", verification: verified }];
    await deliver(t, {
      type: "user.updated",
      data: userData({ updated_at: 2, email_addresses: emails, primary_email_address_id: "idn_9" }),
    });
    expect(await ada.query(api.invitations.listMine, {})).toMatchObject([{ invitationId, projectName: "Other" }]);
    await expectCode(ada.query(api.projects.get, { projectId: second }), "NOT_FOUND");
    await ada.mutation(api.invitations.accept, { invitationId });
    expect(await ada.query(api.projects.get, { projectId: second })).toMatchObject({ role: "editor" });
  });
});
