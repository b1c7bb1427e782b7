import { v } from "convex/values";
import { bumpCounter, counterName } from "./lib/counters";
import type { Doc } from "./_generated/dataModel";
import { internalMutation, type MutationCtx } from "./_generated/server";
import { belongsTo, edgeMutation, ensureUser, userByClerkId, userMutation, userQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import { recordVerifiedEmail } from "./lib/invitations";
import { vPreferences, vRole, vTheme, vUser, type Preferences } from "./validators";

export const vProfile = vUser
  .pick("clerkId", "email", "name", "imageUrl", "role", "plan", "preferences")
  .extend({ id: v.id("users") });

function profile(u: Doc<"users">) {
  return {
    id: u._id,
    clerkId: u.clerkId,
    email: u.email,
    name: u.name,
    imageUrl: u.imageUrl,
    role: u.role,
    plan: u.plan,
    preferences: u.preferences,
  };
}

/** The caller's profile, or null before their first write. */
export const me = userQuery({
  args: {},
  returns: v.union(vProfile, v.null()),
  handler: async (ctx) => (ctx.user ? profile(ctx.user) : null),
});

/**
 * The edge's view of a verified caller (GET /api/me): creates the row on first sight. A first
 * sign-in whose token says `email_verified` accepts the pending invitations for that address.
 */
export const meForEdge = edgeMutation({
  args: {},
  returns: vProfile,
  handler: async (ctx) => profile(ctx.user),
});

/** Operators (and the offline stack) grant or revoke the admin role of a Clerk user id; never a browser. */
export const setRole = internalMutation({
  args: { clerkId: v.string(), role: vRole },
  returns: v.null(),
  handler: async (ctx, { clerkId, role }) => {
    const user = await ensureUser(ctx, { subject: clerkId });
    await ctx.db.patch("users", user._id, { role, updatedAt: Date.now() });
    return null;
  },
});

export const MODEL_ID_MAX_LENGTH = 100;
// Model ids look like "claude-sonnet-5-5" or "claude-3-5-haiku-20241022".
const MODEL_ID = /^[a-z0-9][a-z0-9._:-]*$/;

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail("INVALID", `${name} must be a whole number from ${min} to ${max}`, { field: name, min, max });
  }
}

/** Changes some of the caller's editor preferences; every given value is checked first. */
export const updatePreferences = userMutation({
  args: {
    theme: v.optional(vTheme),
    editorFontSize: v.optional(v.number()),
    tabSize: v.optional(v.number()),
    defaultModel: v.optional(v.string()),
  },
  returns: vPreferences,
  handler: async (ctx, args) => {
    if (args.editorFontSize !== undefined) checkRange("editorFontSize", args.editorFontSize, 10, 32);
    if (args.tabSize !== undefined) checkRange("tabSize", args.tabSize, 1, 8);
    if (args.defaultModel !== undefined) {
      const m = args.defaultModel;
      if (m.length === 0 || m.length > MODEL_ID_MAX_LENGTH || !MODEL_ID.test(m)) {
        fail(
          "INVALID",
          `defaultModel must be a model id like "claude-sonnet-5-5" (at most ${MODEL_ID_MAX_LENGTH} characters)`,
          {
            field: "defaultModel",
          },
        );
      }
    }
    const preferences: Preferences = { ...ctx.user.preferences };
    if (args.theme !== undefined) preferences.theme = args.theme;
    if (args.editorFontSize !== undefined) preferences.editorFontSize = args.editorFontSize;
    if (args.tabSize !== undefined) preferences.tabSize = args.tabSize;
    if (args.defaultModel !== undefined) preferences.defaultModel = args.defaultModel;
    await ctx.db.patch("users", ctx.user._id, { preferences, updatedAt: Date.now() });
    return preferences;
  },
});

// ---------- Clerk webhook (svix-verified in convex/clerkWebhook.ts) ----------

/** Records a webhook delivery; false when this svix id was processed already (a replay). */
async function firstDelivery(ctx: MutationCtx, eventId: string, type: string): Promise<boolean> {
  const seen = await ctx.db
    .query("webhookEvents")
    .withIndex("by_source_and_eventId", (q) => q.eq("source", "clerk").eq("eventId", eventId))
    .unique();
  if (seen) return false;
  await ctx.db.insert("webhookEvents", { source: "clerk", eventId, type, receivedAt: Date.now() });
  return true;
}

const vSyncResult = v.union(v.literal("applied"), v.literal("duplicate"), v.literal("ignored"));

/**
 * `user.created` / `user.updated`: upserts the profile Clerk sent. Deleted users stay deleted.
 * An event older (Clerk `updated_at`) than the one applied last is ignored, so a late delivery
 * cannot overwrite newer data. A verified primary address becomes `verifiedEmail`; the first
 * one a user proves accepts their pending invitations.
 */
export const syncFromClerk = internalMutation({
  args: {
    eventId: v.string(),
    type: v.string(),
    clerkId: v.string(),
    email: v.optional(v.string()),
    /** Clerk's verification status of the primary address is "verified". */
    emailVerified: v.boolean(),
    name: v.optional(v.string()),
    imageUrl: v.optional(v.string()),
    /** Clerk's `updated_at` (ms). */
    updatedAt: v.number(),
  },
  returns: vSyncResult,
  handler: async (ctx, args) => {
    if (!(await firstDelivery(ctx, args.eventId, args.type))) return "duplicate";
    const existing = await userByClerkId(ctx, args.clerkId);
    if (!existing) {
      const created = await ensureUser(ctx, { subject: args.clerkId }, args);
      await ctx.db.patch("users", created._id, { clerkUpdatedAt: args.updatedAt });
      return "applied";
    }
    // Another issuer's user with the same subject is not Clerk's to change.
    if (existing.deletedAt !== undefined || !belongsTo(existing, { subject: args.clerkId })) return "ignored";
    if (existing.clerkUpdatedAt !== undefined && args.updatedAt < existing.clerkUpdatedAt) return "ignored";
    const email = args.email === undefined ? existing.email : args.email.toLowerCase();
    await ctx.db.patch("users", existing._id, {
      email,
      name: args.name,
      imageUrl: args.imageUrl,
      clerkUpdatedAt: args.updatedAt,
      updatedAt: Date.now(),
    });
    if (args.emailVerified && args.email !== undefined) {
      await recordVerifiedEmail(ctx, existing, email, { matchInvitations: existing.verifiedEmail === undefined });
    } else if (existing.verifiedEmail !== undefined) {
      await ctx.db.patch("users", existing._id, { verifiedEmail: undefined });
    }
    return "applied";
  },
});

/**
 * `user.deleted`: marks the user deleted and drops their profile data. The auth wrapper
 * refuses a deleted user from then on. A tombstone is written for a user we never saw, so a
 * late first call cannot recreate them.
 */
export const deleteFromClerk = internalMutation({
  args: { eventId: v.string(), type: v.string(), clerkId: v.string() },
  returns: vSyncResult,
  handler: async (ctx, args) => {
    if (!(await firstDelivery(ctx, args.eventId, args.type))) return "duplicate";
    const now = Date.now();
    const existing = await userByClerkId(ctx, args.clerkId);
    if (existing?.deletedAt !== undefined) return "ignored";
    if (existing && !belongsTo(existing, { subject: args.clerkId })) return "ignored";
    const gone = existing ?? (await ensureUser(ctx, { subject: args.clerkId }));
    const id = gone._id;
    await bumpCounter(ctx, counterName.usersByPlan(gone.plan), -1);
    await ctx.db.patch("users", id, {
      email: "",
      verifiedEmail: undefined,
      name: undefined,
      imageUrl: undefined,
      deletedAt: now,
      updatedAt: now,
    });
    // Their own provider tokens are secrets of a person who is gone: drop them (one per provider).
    const tokens = await ctx.db
      .query("providerTokens")
      .withIndex("by_userId_and_provider", (q) => q.eq("userId", id))
      .take(10);
    for (const t of tokens) await ctx.db.delete("providerTokens", t._id);
    return "applied";
  },
});
