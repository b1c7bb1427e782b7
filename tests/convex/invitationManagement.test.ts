// Managing invitations (decline, revoke, expiry, who may manage them) and the edge seam's
// issuer binding when an invitee signs in through the edge.
import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";

import { INVITATION_TTL_MS } from "../../convex/lib/invitations";

import { userRow } from "../convexTest";
import { callerFor } from "../keys";
import { useWebhookSecret } from "./clerkDelivery";
import { emailCaller, expectCode, members, ownerWithProject, refusedWithoutChange, type Caller } from "./helpers";

useWebhookSecret();
afterEach(() => vi.useRealTimers());

describe("decline, revoke, expiry, and who may manage invitations", () => {
  test("decline ends it; revoke (owner) ends it; both leave no member", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    const bob = emailCaller(t, "user_bob", "bob@example.com", true);
    const declined = await alice.mutation(api.invitations.create, {
      projectId,
      email: "bob@example.com",
      role: "viewer",
    });
    await bob.mutation(api.invitations.decline, { invitationId: declined });
    const revoked = await alice.mutation(api.invitations.create, {
      projectId,
      email: "bob@example.com",
      role: "viewer",
    });
    expect(revoked).not.toBe(declined);
    await alice.mutation(api.invitations.revoke, { invitationId: revoked });
    await refusedWithoutChange(t, () => bob.mutation(api.invitations.accept, { invitationId: revoked }), "CONFLICT");
    await refusedWithoutChange(t, () => alice.mutation(api.invitations.revoke, { invitationId: revoked }), "CONFLICT");
    await expectCode(bob.query(api.projects.get, { projectId }), "NOT_FOUND");
    const statuses = await t.run(async (ctx) => (await ctx.db.query("invitations").collect()).map((i) => i.status));
    expect(statuses).toEqual(["declined", "revoked"]);
  });

  test("after 7 days an invitation is expired: it leaves the lists and cannot be accepted", async () => {
    vi.useFakeTimers();
    const { t, alice, projectId } = await ownerWithProject();
    const invitationId = await alice.mutation(api.invitations.create, {
      projectId,
      email: "bob@example.com",
      role: "viewer",
    });
    const bob = emailCaller(t, "user_bob", "bob@example.com", true);
    vi.advanceTimersByTime(INVITATION_TTL_MS);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await bob.query(api.invitations.listMine, {})).toEqual([]);
    expect(await alice.query(api.invitations.listForProject, { projectId })).toEqual([]);
    await refusedWithoutChange(t, () => bob.mutation(api.invitations.accept, { invitationId }), "CONFLICT");
  });

  test("editors and viewers may not invite, list or revoke (FORBIDDEN); strangers get NOT_FOUND", async () => {
    const { t, alice, bob, carol, projectId } = await ownerWithProject();
    const invitationId = await alice.mutation(api.invitations.create, {
      projectId,
      email: "bob@example.com",
      role: "editor",
    });
    await emailCaller(t, "user_bob", "bob@example.com", true).mutation(api.invitations.accept, { invitationId });
    const pending = await alice.mutation(api.invitations.create, {
      projectId,
      email: "zed@example.com",
      role: "viewer",
    });
    await refusedWithoutChange(
      t,
      () => bob.mutation(api.invitations.create, { projectId, email: "x@example.com", role: "viewer" }),
      "FORBIDDEN",
    );
    await expectCode(bob.query(api.invitations.listForProject, { projectId }), "FORBIDDEN");
    await refusedWithoutChange(t, () => bob.mutation(api.invitations.revoke, { invitationId: pending }), "FORBIDDEN");
    await carol.mutation(api.users.updatePreferences, {});
    await refusedWithoutChange(
      t,
      () => carol.mutation(api.invitations.create, { projectId, email: "x@example.com", role: "viewer" }),
      "NOT_FOUND",
    );
    await expectCode(carol.query(api.invitations.listForProject, { projectId }), "NOT_FOUND");
    await refusedWithoutChange(t, () => carol.mutation(api.invitations.revoke, { invitationId: pending }), "NOT_FOUND");
    await expectCode((t as unknown as Caller).query(api.invitations.listMine, {}), "UNAUTHENTICATED");
  });

  test("a member row from before invitations keeps working without one", async () => {
    const { t, alice, projectId, ids } = await ownerWithProject();
    const legacy = await t.run((ctx) =>
      ctx.db.insert("projectMembers", {
        projectId,
        userId: ids.carol,
        role: "viewer",
        addedAt: 0,
        addedBy: ids.alice,
        active: true,
        projectUpdatedAt: 0,
      }),
    );
    expect(legacy).not.toBeNull();
    expect((await members(alice, projectId)).map((m) => m.name).sort()).toEqual(["Alice", "Carol"]);
  });
});

describe("the edge seam and the issuer binding", () => {
  test("a first call through the edge with a verified claim accepts pending invitations; an unverified one does not", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    await alice.mutation(api.invitations.create, { projectId, email: "gina@example.com", role: "editor" });
    await alice.mutation(api.invitations.create, { projectId, email: "hal@example.com", role: "editor" });
    await t.mutation(internal.users.meForEdge, {
      caller: callerFor("user_gina", { email: "gina@example.com", emailVerified: true }),
    });
    await t.mutation(internal.users.meForEdge, {
      caller: callerFor("user_hal", { email: "hal@example.com", emailVerified: false }),
    });
    expect(
      await emailCaller(t, "user_gina", "gina@example.com", true).query(api.projects.get, { projectId }),
    ).toMatchObject({ role: "editor" });
    await expectCode(
      emailCaller(t, "user_hal", "hal@example.com", false).query(api.projects.get, { projectId }),
      "NOT_FOUND",
    );
    expect((await userRow(t, "user_hal"))!.verifiedEmail).toBeUndefined();
  });

  test("a token from another issuer naming the invitee's subject, even with the verified address, is refused", async () => {
    const { t, alice, projectId } = await ownerWithProject();
    const ivy = emailCaller(t, "user_ivy", "ivy@example.com", false);
    await ivy.mutation(api.users.updatePreferences, {}); // her row belongs to the Clerk issuer
    const invitationId = await alice.mutation(api.invitations.create, {
      projectId,
      email: "ivy@example.com",
      role: "editor",
    });
    const DEV_ISSUER = "http://127.0.0.1:8787";
    const intruder = t.withIdentity({
      subject: "user_ivy",
      issuer: DEV_ISSUER,
      tokenIdentifier: `${DEV_ISSUER}|user_ivy`,
      email: "ivy@example.com",
      emailVerified: true,
    });
    await expectCode(intruder.query(api.invitations.listMine, {}), "FORBIDDEN");
    await refusedWithoutChange(t, () => intruder.mutation(api.invitations.accept, { invitationId }), "FORBIDDEN");
    await refusedWithoutChange(t, () => intruder.mutation(api.invitations.decline, { invitationId }), "FORBIDDEN");
    // Ivy herself, once her address is verified, still takes it.
    expect(
      await emailCaller(t, "user_ivy", "ivy@example.com", true).mutation(api.invitations.accept, { invitationId }),
    ).toBe(projectId);
  });
});
