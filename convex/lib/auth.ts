// The ONE way functions find their caller. Browser calls use `userQuery` / `userMutation`
// (or the admin variants): Convex verified the token and `ctx.auth` names the caller. Calls
// the edge makes on a user's behalf use `edgeQuery` / `edgeMutation`: the edge verified the
// token and passes the caller as the `caller` argument. Both put the caller's row on
// `ctx.user`, so no function can forget to authenticate.
//
// A user is the token's issuer AND subject. Rows are found by subject (`clerkId`) and keep
// the issuer that created them; a token from another issuer with the same subject is
// refused, so a development token naming a Clerk user id cannot act as that Clerk user.
import { bumpCounter, counterName } from "./counters";
import { customAction, customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import type { Auth, UserIdentity } from "convex/server";
import type { Doc } from "../_generated/dataModel";
import {
  action,
  env,
  internalMutation,
  internalQuery,
  mutation,
  query,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server";
import { vCaller, type Caller, type Preferences } from "../validators";
import { limitBrowserMutation } from "./apiLimit";
import { fail } from "./errors";
import { onUserCreated } from "./invitations";

export const DEFAULT_PREFERENCES: Preferences = {
  theme: "system",
  editorFontSize: 14,
  tabSize: 2,
  defaultModel: "claude-sonnet-5-5",
};

/** Who a verified token names. `issuer` undefined: told by Clerk itself (its webhook). */
export type Identity = { subject: string; issuer?: string };
export type Profile = { email?: string; name?: string; imageUrl?: string; emailVerified?: boolean };

export const normalizeIssuer = (iss: string) => iss.trim().replace(/\/+$/, "");

/** Clerk's issuer on this deployment (CLERK_JWT_ISSUER_DOMAIN), normalized; undefined without Clerk. */
export function clerkIssuer(): string | undefined {
  const domain = env.CLERK_JWT_ISSUER_DOMAIN?.trim();
  return domain ? normalizeIssuer(domain) : undefined;
}

/** "<iss>|<sub>" (Convex's tokenIdentifier) → the identity; issuers are URLs and never hold "|". */
export function identityOf(tokenIdentifier: string): Identity & { issuer: string } {
  const bar = tokenIdentifier.indexOf("|");
  if (bar <= 0 || bar === tokenIdentifier.length - 1) fail("UNAUTHENTICATED", "The caller's identity is malformed");
  return { issuer: normalizeIssuer(tokenIdentifier.slice(0, bar)), subject: tokenIdentifier.slice(bar + 1) };
}

/**
 * The issuer a row belongs to. Rows written before issuers were kept belong to Clerk when the
 * deployment trusts Clerk; without Clerk every token came from the development issuer.
 */
function rowIssuer(row: Doc<"users">): string | undefined {
  return row.issuer ?? clerkIssuer();
}

export function belongsTo(row: Doc<"users">, identity: Identity): boolean {
  const owner = rowIssuer(row);
  const claimed = identity.issuer === undefined ? clerkIssuer() : normalizeIssuer(identity.issuer);
  return owner === undefined || claimed === undefined || owner === claimed;
}

export async function userByClerkId(ctx: QueryCtx, clerkId: string): Promise<Doc<"users"> | null> {
  return await ctx.db
    .query("users")
    .withIndex("by_clerkId", (q) => q.eq("clerkId", clerkId))
    .unique();
}

/**
 * The user row of a verified caller who may act: null before their first write, FORBIDDEN
 * once deleted or when the row belongs to another issuer, ACCOUNT_SUSPENDED while an
 * administrator has suspended it (admin.setSuspended). Every read on behalf of a caller
 * (browser or edge) goes through here.
 */
export async function activeUser(ctx: QueryCtx, identity: Identity): Promise<Doc<"users"> | null> {
  const user = await userByClerkId(ctx, identity.subject);
  if (!user) return null;
  if (!belongsTo(user, identity)) fail("FORBIDDEN", "This account belongs to another sign-in provider");
  if (user.deletedAt !== undefined) fail("FORBIDDEN", "This account has been deleted");
  if (user.suspendedAt !== undefined) fail("ACCOUNT_SUSPENDED", "This account is suspended; contact support");
  return user;
}

/** Finds the caller's row, creating it on first use (and recording the issuer of older rows). */
export async function ensureUser(ctx: MutationCtx, identity: Identity, profile: Profile = {}): Promise<Doc<"users">> {
  const existing = await activeUser(ctx, identity);
  const issuer = identity.issuer === undefined ? clerkIssuer() : normalizeIssuer(identity.issuer);
  if (existing) {
    if (existing.issuer === undefined && issuer !== undefined) {
      await ctx.db.patch("users", existing._id, { issuer });
      return { ...existing, issuer };
    }
    return existing;
  }
  const now = Date.now();
  const id = await ctx.db.insert("users", {
    clerkId: identity.subject,
    issuer,
    email: (profile.email ?? "").toLowerCase(),
    name: profile.name,
    imageUrl: profile.imageUrl,
    role: "user",
    plan: "free",
    preferences: DEFAULT_PREFERENCES,
    createdAt: now,
    updatedAt: now,
  });
  await bumpCounter(ctx, counterName.usersByPlan("free"));
  await onUserCreated(ctx, (await ctx.db.get("users", id))!, profile);
  return (await ctx.db.get("users", id))!;
}

async function requireIdentity(ctx: { auth: Auth }): Promise<UserIdentity> {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) fail("UNAUTHENTICATED", "Sign in to continue");
  return identity;
}

function profileOf(identity: UserIdentity): Profile {
  return {
    email: identity.email,
    name: identity.name,
    imageUrl: identity.pictureUrl,
    emailVerified: identity.emailVerified,
  };
}

/** The signed-in caller for a query: their row is null until their first mutation. */
async function queryCaller(ctx: QueryCtx): Promise<{ identity: UserIdentity; user: Doc<"users"> | null }> {
  const identity = await requireIdentity(ctx);
  return { identity, user: await activeUser(ctx, identity) };
}

/** The signed-in caller for a mutation, their row created on first use. */
async function mutationCaller(ctx: MutationCtx): Promise<{ identity: UserIdentity; user: Doc<"users"> }> {
  const identity = await requireIdentity(ctx);
  return { identity, user: await ensureUser(ctx, identity, profileOf(identity)) };
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
export const userMutation = customMutation(
  mutation,
  customCtx(async (ctx) => {
    const caller = await mutationCaller(ctx);
    await limitBrowserMutation(ctx, caller.user._id);
    return caller;
  }),
);

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

/** The identity and profile of a caller the edge verified. */
export function callerIdentity(caller: Caller): { identity: Identity; profile: Profile } {
  const { email, name, emailVerified } = caller;
  return { identity: identityOf(caller.tokenIdentifier), profile: { email, name, emailVerified } };
}

/** Internal query on behalf of a caller the edge verified; `ctx.user` is null before their first write. */
export const edgeQuery = customQuery(internalQuery, {
  args: { caller: vCaller },
  input: async (ctx, { caller }) => ({
    ctx: { user: await activeUser(ctx, callerIdentity(caller).identity) },
    args: {},
  }),
});

/** Internal mutation on behalf of a caller the edge verified; their row is created on first use. */
export const edgeMutation = customMutation(internalMutation, {
  args: { caller: vCaller },
  input: async (ctx, { caller }) => {
    const { identity, profile } = callerIdentity(caller);
    return { ctx: { user: await ensureUser(ctx, identity, profile) }, args: {} };
  },
});

/** The verified identity as the internal functions the edge calls take it (`caller`). */
function callerOf(identity: UserIdentity): Caller {
  return {
    tokenIdentifier: identity.tokenIdentifier,
    email: identity.email,
    name: identity.name,
    emailVerified: identity.emailVerified,
  };
}

/**
 * Public action as the signed-in caller (for calls to outside services). Actions have no
 * database: `ctx.caller` only; the action resolves its user by passing it to an internal
 * edgeMutation/edgeQuery, whose wrapper refuses deleted and suspended accounts.
 */
export const userAction = customAction(
  action,
  customCtx(async (ctx) => ({ caller: callerOf(await requireIdentity(ctx)) })),
);
