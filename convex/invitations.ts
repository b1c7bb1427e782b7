// Project invitations. An owner invites an email address; the answer is the same whether or
// not anyone uses that address (no account oracle). The person accepts it only from an
// identity whose address is verified (see convex/lib/invitations.ts), or it is accepted for
// them when they first sign in with that verified address. Existing projectMembers rows are
// accepted memberships and need no invitation.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { internalMutation, type MutationCtx } from "./_generated/server";
import { requireProjectRole } from "./lib/access";
import { limitInvitation } from "./lib/apiLimit";
import { userMutation, userQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import {
  acceptInvitation,
  cleanEmail,
  INVITATION_TTL_MS,
  MAX_PENDING_INVITATIONS,
  pendingForEmail,
  verifiedEmailsOf,
} from "./lib/invitations";
import { vInvitedRole } from "./validators";
import { emit } from "./notificationDelivery";

/**
 * Owner only: invites `email` as editor or viewer for 7 days. Inviting an address that has a
 * pending invitation renews it (new role, new expiry). Rate limited per inviter.
 */
export const create = userMutation({
  args: { projectId: v.id("projects"), email: v.string(), role: vInvitedRole },
  returns: v.id("invitations"),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "owner");
    const email = cleanEmail(args.email);
    await limitInvitation(ctx, ctx.user._id);
    const now = Date.now();
    const expiresAt = now + INVITATION_TTL_MS;
    const pending = await ctx.db
      .query("invitations")
      .withIndex("by_projectId_and_email", (q) => q.eq("projectId", project._id).eq("email", email))
      .order("desc")
      .first();
    let invitationId;
    if (pending?.status === "pending") {
      invitationId = pending._id;
      await ctx.db.patch("invitations", invitationId, { role: args.role, expiresAt, invitedBy: ctx.user._id });
    } else {
      const open = await ctx.db
        .query("invitations")
        .withIndex("by_projectId_and_status", (q) => q.eq("projectId", project._id).eq("status", "pending"))
        .take(MAX_PENDING_INVITATIONS);
      if (open.length >= MAX_PENDING_INVITATIONS) {
        fail("QUOTA_EXCEEDED", `A project may have at most ${MAX_PENDING_INVITATIONS} pending invitations`, {
          limit: MAX_PENDING_INVITATIONS,
        });
      }
      invitationId = await ctx.db.insert("invitations", {
        projectId: project._id,
        email,
        role: args.role,
        invitedBy: ctx.user._id,
        status: "pending",
        createdAt: now,
        expiresAt,
      });
    }
    await ctx.scheduler.runAt(expiresAt, internal.invitations.expire, { invitationId });
    // Only a person who proved the address hears of it; the inviter learns nothing either way.
    const invitee = await ctx.db
      .query("users")
      .withIndex("by_verifiedEmail", (q) => q.eq("verifiedEmail", email))
      .first();
    if (invitee && invitee.deletedAt === undefined && invitee._id !== ctx.user._id) {
      const by = ctx.user.name ?? "A user";
      await emit(ctx, {
        userId: invitee._id,
        type: "project.invited",
        title: `You were invited to ${project.name}`,
        message: `${by} invited you to "${project.name}" as ${args.role}. Accept it in your invitations.`,
        projectId: project._id,
      });
    }
    return invitationId;
  },
});

const vPendingInvitation = v.object({
  invitationId: v.id("invitations"),
  email: v.string(),
  role: vInvitedRole,
  createdAt: v.number(),
  expiresAt: v.number(),
});

/** Owner only: the project's pending invitations, by email (no names: they are not members yet). */
export const listForProject = userQuery({
  args: { projectId: v.id("projects") },
  returns: v.array(vPendingInvitation),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "owner");
    const rows = await ctx.db
      .query("invitations")
      .withIndex("by_projectId_and_status", (q) => q.eq("projectId", project._id).eq("status", "pending"))
      .take(MAX_PENDING_INVITATIONS);
    return rows.map((i) => ({
      invitationId: i._id,
      email: i.email,
      role: i.role,
      createdAt: i.createdAt,
      expiresAt: i.expiresAt,
    }));
  },
});

/** Owner only: withdraws a pending invitation. */
export const revoke = userMutation({
  args: { invitationId: v.id("invitations") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const invitation = await ctx.db.get("invitations", args.invitationId);
    if (!invitation) fail("NOT_FOUND", "Invitation not found");
    await requireProjectRole(ctx, ctx.user, invitation.projectId, "owner");
    if (invitation.status !== "pending") fail("CONFLICT", `The invitation is ${invitation.status} already`);
    await ctx.db.patch("invitations", invitation._id, {
      status: "revoked",
      respondedAt: Date.now(),
      respondedBy: ctx.user._id,
    });
    return null;
  },
});

const vMyInvitation = v.object({
  invitationId: v.id("invitations"),
  projectId: v.id("projects"),
  projectName: v.string(),
  role: vInvitedRole,
  invitedByName: v.optional(v.string()),
  expiresAt: v.number(),
});

/** Pending invitations for the caller's verified address(es); empty when none is verified. */
export const listMine = userQuery({
  args: {},
  returns: v.array(vMyInvitation),
  handler: async (ctx) => {
    const out = [];
    for (const email of verifiedEmailsOf(ctx.identity, ctx.user)) {
      for (const i of await pendingForEmail(ctx, email)) {
        const [project, inviter] = await Promise.all([
          ctx.db.get("projects", i.projectId),
          ctx.db.get("users", i.invitedBy),
        ]);
        if (!project || project.deletedAt !== undefined) continue;
        out.push({
          invitationId: i._id,
          projectId: project._id,
          projectName: project.name,
          role: i.role,
          invitedByName: inviter?.name,
          expiresAt: i.expiresAt,
        });
      }
    }
    return out;
  },
});

/** The invitation if it was made out to one of the caller's verified addresses. */
async function ownInvitation(
  ctx: MutationCtx & { identity: Parameters<typeof verifiedEmailsOf>[0]; user: Doc<"users"> },
  invitationId: Doc<"invitations">["_id"],
): Promise<Doc<"invitations">> {
  const invitation = await ctx.db.get("invitations", invitationId);
  // Someone else's invitation looks exactly like a missing one.
  if (!invitation || !verifiedEmailsOf(ctx.identity, ctx.user).includes(invitation.email)) {
    fail("NOT_FOUND", "Invitation not found (it is accepted only with the verified address it was sent to)");
  }
  return invitation;
}

function requirePending(invitation: Doc<"invitations">, now: number): void {
  if (invitation.status !== "pending") fail("CONFLICT", `The invitation is ${invitation.status} already`);
  if (invitation.expiresAt <= now) fail("CONFLICT", "The invitation has expired; ask the owner for a new one");
}

/**
 * The invitee joins the project with the invitation's role. Returns the project id. Accepting
 * again is a no-op (a first sign-in may have accepted it already, see lib/invitations.ts).
 */
export const accept = userMutation({
  args: { invitationId: v.id("invitations") },
  returns: v.id("projects"),
  handler: async (ctx, args) => {
    const now = Date.now();
    const invitation = await ownInvitation(ctx, args.invitationId);
    if (invitation.status === "accepted" && invitation.respondedBy === ctx.user._id) return invitation.projectId;
    requirePending(invitation, now);
    const result = await acceptInvitation(ctx, invitation, ctx.user, now);
    if (result === "gone") fail("NOT_FOUND", "Project not found");
    if (result === "full") fail("QUOTA_EXCEEDED", "The project has the most members it may have", { limit: "members" });
    return result;
  },
});

/** The invitee says no; the owner may invite again. */
export const decline = userMutation({
  args: { invitationId: v.id("invitations") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const now = Date.now();
    const invitation = await ownInvitation(ctx, args.invitationId);
    requirePending(invitation, now);
    await ctx.db.patch("invitations", invitation._id, {
      status: "declined",
      respondedAt: now,
      respondedBy: ctx.user._id,
    });
    return null;
  },
});

/** Scheduled at an invitation's expiry (a renewed one carries a later expiry and stays). */
export const expire = internalMutation({
  args: { invitationId: v.id("invitations") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const invitation = await ctx.db.get("invitations", args.invitationId);
    if (invitation?.status === "pending" && invitation.expiresAt <= Date.now()) {
      await ctx.db.patch("invitations", invitation._id, { status: "expired" });
    }
    return null;
  },
});
