// The ONE way public functions find their caller. Every public query/mutation in this
// codebase is built with `userQuery` / `userMutation` (or the admin variants), so none
// can forget to authenticate.
import { customAction, customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import type { Auth, UserIdentity } from "convex/server";
import type { Doc } from "../_generated/dataModel";
import { action, mutation, query, type MutationCtx, type QueryCtx } from "../_generated/server";
import type { Preferences } from "../validators";
import { fail } from "./errors";

export const DEFAULT_PREFERENCES: Preferences = {
  theme: "system",
  editorFontSize: 14,
  tabSize: 2,
  defaultModel: "claude-sonnet-5-5",
};

async function requireIdentity(ctx: { auth: Auth }): Promise<UserIdentity> {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) fail("UNAUTHENTICATED", "Sign in to continue");
  return identity;
}

export async function userByClerkId(ctx: QueryCtx, clerkId: string): Promise<Doc<"users"> | null> {
  return await ctx.db
    .query("users")
    .withIndex("by_clerkId", (q) => q.eq("clerkId", clerkId))
    .unique();
}

/**
 * The user row of a verified caller who may act: null before their first write, FORBIDDEN
 * once deleted. Every read on behalf of a caller (browser or edge) goes through here.
 */
export async function activeUserByClerkId(ctx: QueryCtx, clerkId: string): Promise<Doc<"users"> | null> {
  const user = await userByClerkId(ctx, clerkId);
  if (user?.deletedAt !== undefined) fail("FORBIDDEN", "This account has been deleted");
  refuseSuspended(user);
  return user;
}

/** An account an administrator suspended may do nothing (admin.suspendUser / unsuspendUser). */
function refuseSuspended(user: Doc<"users"> | null): void {
  if (user?.suspendedAt !== undefined) fail("ACCOUNT_SUSPENDED", "This account is suspended; contact support");
}

/** Finds the user row for a Clerk subject, creating it on first use. Deleted users are refused. */
export async function ensureUser(
  ctx: MutationCtx,
  clerkId: string,
  profile: { email?: string; name?: string; imageUrl?: string } = {},
): Promise<Doc<"users">> {
  const existing = await userByClerkId(ctx, clerkId);
  if (existing) {
    if (existing.deletedAt !== undefined) fail("FORBIDDEN", "This account has been deleted");
    refuseSuspended(existing);
    return existing;
  }
  const now = Date.now();
  const id = await ctx.db.insert("users", {
    clerkId,
    email: (profile.email ?? "").toLowerCase(),
    name: profile.name,
    imageUrl: profile.imageUrl,
    role: "user",
    plan: "free",
    preferences: DEFAULT_PREFERENCES,
    createdAt: now,
    updatedAt: now,
  });
  return (await ctx.db.get("users", id))!;
}

function profileOf(identity: UserIdentity) {
  return { email: identity.email, name: identity.name, imageUrl: identity.pictureUrl };
}

/** The signed-in caller for a query: their row is null until their first mutation. */
async function queryCaller(ctx: QueryCtx): Promise<{ identity: UserIdentity; user: Doc<"users"> | null }> {
  const identity = await requireIdentity(ctx);
  return { identity, user: await activeUserByClerkId(ctx, identity.subject) };
}

/** The signed-in caller for a mutation, their row created on first use. */
async function mutationCaller(ctx: MutationCtx): Promise<{ identity: UserIdentity; user: Doc<"users"> }> {
  const identity = await requireIdentity(ctx);
  return { identity, user: await ensureUser(ctx, identity.subject, profileOf(identity)) };
}

export function requireAdmin(user: Doc<"users"> | null): asserts user is Doc<"users"> {
  if (!user || user.role !== "admin") fail("FORBIDDEN", "Administrators only");
}

function asAdmin({ identity, user }: { identity: UserIdentity; user: Doc<"users"> | null }) {
  requireAdmin(user);
  return { identity, user };
}

/**
 * Public query as the signed-in caller. `ctx.user` is null for a signed-in person whose
 * row does not exist yet (it is created by their first mutation): they own nothing yet.
 */
export const userQuery = customQuery(query, customCtx(queryCaller));

/** Public mutation as the signed-in caller; the `users` row is created on first use. */
export const userMutation = customMutation(mutation, customCtx(mutationCaller));

/** Public query for administrators only. */
export const adminQuery = customQuery(
  query,
  customCtx(async (ctx) => asAdmin(await queryCaller(ctx))),
);

/** Public mutation for administrators only. */
export const adminMutation = customMutation(
  mutation,
  customCtx(async (ctx) => asAdmin(await mutationCaller(ctx))),
);

/**
 * Public action as the signed-in caller. Actions have no database: `ctx.identity` only; the
 * action resolves its user through an internal mutation (ensureUser refuses deleted and
 * suspended accounts there).
 */
export const userAction = customAction(
  action,
  customCtx(async (ctx) => ({ identity: await requireIdentity(ctx) })),
);
