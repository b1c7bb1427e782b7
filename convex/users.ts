import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import { ensureUser, userQuery } from "./lib/auth";
import { vPlan, vPreferences, vRole } from "./validators";

export const vProfile = v.object({
  id: v.id("users"),
  clerkId: v.string(),
  email: v.string(),
  name: v.optional(v.string()),
  imageUrl: v.optional(v.string()),
  role: vRole,
  plan: vPlan,
  preferences: vPreferences,
});

/** The caller's profile, or null before their first write. */
export const me = userQuery({
  args: {},
  returns: v.union(vProfile, v.null()),
  handler: async (ctx) => {
    const u = ctx.user;
    if (!u) return null;
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
  },
});

/** The edge's view of a verified caller: creates the row on first sight. */
export const ensureForEdge = internalMutation({
  args: { clerkId: v.string(), email: v.optional(v.string()), name: v.optional(v.string()) },
  returns: vProfile,
  handler: async (ctx, args) => {
    const u = await ensureUser(ctx, args.clerkId, { email: args.email, name: args.name });
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
  },
});

/** Operators (and the offline stack) grant or revoke the admin role; never a browser. */
export const setRole = internalMutation({
  args: { clerkId: v.string(), role: vRole },
  returns: v.null(),
  handler: async (ctx, { clerkId, role }) => {
    const user = await ensureUser(ctx, clerkId);
    await ctx.db.patch("users", user._id, { role, updatedAt: Date.now() });
    return null;
  },
});
