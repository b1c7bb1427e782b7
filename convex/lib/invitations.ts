// Invitations: an owner offers a role in a project to an email address; only someone who
// PROVED they hold that address may take it. Proof is either the token's `email_verified`
// claim (Clerk, when its session token is configured to carry it; development tokens say
// so explicitly) or the verified primary address Clerk's webhook reported (`users.verifiedEmail`).
// An unverified `email` claim (anyone can put any address in a development token, and a
// `users.email` may come from such a claim) never matches.
import type { UserIdentity } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { membership } from "./access";
import { fail } from "./errors";
import { MAX_MEMBERS, memberRows } from "./projects";

/** How long an invitation may be accepted. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Pending invitations per project (lists stay bounded). */
export const MAX_PENDING_INVITATIONS = MAX_MEMBERS;
/** Pending invitations one address may hold (listMine and sign-up matching read at most this many). */
const MAX_INVITATIONS_PER_EMAIL = 50;

const MAX_EMAIL_LENGTH = 320;

/** The lower-cased address, or INVALID. */
export function cleanEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  const at = email.indexOf("@");
  if (email.length > MAX_EMAIL_LENGTH || at <= 0 || at === email.length - 1 || /\s/.test(email)) {
    fail("INVALID", "That is not an email address");
  }
  return email;
}

/** The token's address when the token itself says it is verified. */
function verifiedClaimEmail(profile: { email?: string; emailVerified?: boolean }): string | undefined {
  return profile.emailVerified === true && profile.email ? profile.email.trim().toLowerCase() : undefined;
}

/** Every address the caller has proved: the token's verified claim and the webhook's verified primary. */
export function verifiedEmailsOf(
  identity: Pick<UserIdentity, "email" | "emailVerified"> | null,
  user: Doc<"users"> | null,
): string[] {
  const out = new Set<string>();
  const claimed = identity ? verifiedClaimEmail(identity) : undefined;
  if (claimed) out.add(claimed);
  if (user?.verifiedEmail) out.add(user.verifiedEmail);
  return [...out];
}

export async function pendingForEmail(ctx: QueryCtx, email: string): Promise<Doc<"invitations">[]> {
  return await ctx.db
    .query("invitations")
    .withIndex("by_email_and_status", (q) => q.eq("email", email).eq("status", "pending"))
    .take(MAX_INVITATIONS_PER_EMAIL);
}

/**
 * Makes `user` a member with the invitation's role (an existing member keeps their row and
 * role) and marks the invitation accepted. The caller has checked the address and expiry.
 * "gone": the project was deleted (the invitation is marked expired); "full": it has
 * MAX_MEMBERS members (nothing is written).
 */
export async function acceptInvitation(
  ctx: MutationCtx,
  invitation: Doc<"invitations">,
  user: Doc<"users">,
  now: number,
): Promise<Id<"projects"> | "gone" | "full"> {
  const project = await ctx.db.get("projects", invitation.projectId);
  if (!project || project.deletedAt !== undefined) {
    await ctx.db.patch("invitations", invitation._id, { status: "expired", respondedAt: now });
    return "gone";
  }
  if (!(await membership(ctx, project._id, user._id))) {
    if ((await memberRows(ctx, project._id)).length >= MAX_MEMBERS) return "full";
    await ctx.db.insert("projectMembers", {
      projectId: project._id,
      userId: user._id,
      role: invitation.role,
      addedAt: now,
      addedBy: invitation.invitedBy,
      active: true,
      projectUpdatedAt: project.updatedAt,
    });
  }
  await ctx.db.patch("invitations", invitation._id, { status: "accepted", respondedAt: now, respondedBy: user._id });
  return project._id;
}

/** Accepts every pending, unexpired invitation for `email` (a just-proved address). */
async function acceptAllFor(ctx: MutationCtx, user: Doc<"users">, email: string, now: number): Promise<void> {
  for (const invitation of await pendingForEmail(ctx, email)) {
    if (invitation.expiresAt <= now) continue;
    // A full project leaves the invitation pending, for an explicit accept later.
    await acceptInvitation(ctx, invitation, user, now);
  }
}

/**
 * Records a newly proved address on the user's row. On first sign-in (`matchInvitations`),
 * pending invitations for it are accepted: inviting someone who has no account yet needs no
 * second step from them. Later proofs only make the invitations visible in listMine.
 */
export async function recordVerifiedEmail(
  ctx: MutationCtx,
  user: Doc<"users">,
  email: string | undefined,
  opts: { matchInvitations: boolean },
): Promise<void> {
  if (!email) return;
  const now = Date.now();
  if (user.verifiedEmail !== email) await ctx.db.patch("users", user._id, { verifiedEmail: email });
  if (opts.matchInvitations) await acceptAllFor(ctx, { ...user, verifiedEmail: email }, email, now);
}

/** ensureUser calls this once, right after creating a user's row. */
export async function onUserCreated(
  ctx: MutationCtx,
  user: Doc<"users">,
  profile: { email?: string; emailVerified?: boolean },
): Promise<void> {
  await recordVerifiedEmail(ctx, user, verifiedClaimEmail(profile), { matchInvitations: true });
}
