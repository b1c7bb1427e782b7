// Validators declared once, reused by the schema and by function arguments/returns.
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";
import { vBillingSummary, vPlan } from "./lib/validators/billing.js";
import { vProviderRefs } from "./lib/validators/deployments.js";

export * from "./lib/validators/billing.js";
export * from "./lib/validators/deployments.js";
export * from "./lib/validators/ai.js";
export * from "./lib/validators/notifications.js";
export * from "./lib/validators/changeSets.js";

export const vRole = v.union(v.literal("user"), v.literal("admin"));

export type Role = Infer<typeof vRole>;

export const vTheme = v.union(v.literal("light"), v.literal("dark"), v.literal("system"));

export const vPreferences = v.object({
  theme: vTheme,
  editorFontSize: v.number(), // 10..32
  tabSize: v.number(), // 1..8
  defaultModel: v.string(),
});

export type Preferences = Infer<typeof vPreferences>;

/** A `users` row. */
export const vUser = v.object({
  clerkId: v.string(), // the token's subject (`sub`): the Clerk user id for Clerk tokens
  // The token issuer (`iss`) the row belongs to; absent on rows written before issuers were
  // kept (see convex/lib/auth.ts for who may claim those).
  issuer: v.optional(v.string()),
  email: v.string(), // lower-cased; "" until Clerk tells us. NOT proof of ownership: see verifiedEmail
  /** Lower-cased address the person proved they own (Clerk's verified primary address or a token's email_verified claim). Only this matches invitations. */
  verifiedEmail: v.optional(v.string()),
  /** Clerk's `updated_at` of the last applied user event: older events delivered late are ignored. */
  clerkUpdatedAt: v.optional(v.number()),
  name: v.optional(v.string()),
  imageUrl: v.optional(v.string()),
  role: vRole,
  plan: vPlan,
  preferences: vPreferences,
  createdAt: v.number(),
  updatedAt: v.number(),
  deletedAt: v.optional(v.number()), // Clerk `user.deleted`
  /** Set by an administrator (admin.setSuspended): every request of this user is refused with ACCOUNT_SUSPENDED. */
  suspendedAt: v.optional(v.number()),
  billing: v.optional(vBillingSummary),
});

/**
 * A caller the edge verified, as it crosses the seam: `tokenIdentifier` is "<iss>|<sub>" (what
 * Convex's own `UserIdentity.tokenIdentifier` holds), plus the profile claims of the token.
 */
export const vCaller = v.object({
  tokenIdentifier: v.string(),
  email: v.optional(v.string()),
  name: v.optional(v.string()),
  emailVerified: v.optional(v.boolean()),
});

export type Caller = Infer<typeof vCaller>;

export const vFramework = v.union(
  v.literal("react"),
  v.literal("next"),
  v.literal("vue"),
  v.literal("nuxt"),
  v.literal("svelte"),
  v.literal("astro"),
  v.literal("angular"),
  v.literal("node"),
  v.literal("static"),
  v.literal("other"),
);

export type Framework = Infer<typeof vFramework>;

export const vMemberRole = v.union(v.literal("owner"), v.literal("editor"), v.literal("viewer"));

export type MemberRole = Infer<typeof vMemberRole>;

/** Roles an invitation may grant (ownership is never shared). */
export const vInvitedRole = literals("editor", "viewer");

export const vInvitationStatus = literals("pending", "accepted", "declined", "revoked", "expired");

/** An `invitations` row: an owner asked `email` to join a project with `role`. */
export const vInvitation = v.object({
  projectId: v.id("projects"),
  email: v.string(), // lower-cased
  role: vInvitedRole,
  invitedBy: v.id("users"),
  status: vInvitationStatus,
  createdAt: v.number(),
  expiresAt: v.number(),
  respondedAt: v.optional(v.number()),
  /** Who accepted or declined it. */
  respondedBy: v.optional(v.id("users")),
});

/** A `projects` row. `fileCount` / `totalBytes` are exact counters the quotas read. */
export const vProject = v.object({
  ownerId: v.id("users"),
  name: v.string(),
  description: v.optional(v.string()),
  framework: vFramework,
  fileCount: v.number(),
  totalBytes: v.number(),
  providerRefs: v.optional(vProviderRefs),
  createdAt: v.number(),
  updatedAt: v.number(),
  deletedAt: v.optional(v.number()),
});

/** One entry of a project's file set: what a snapshot records and `files.snapshot` returns. */
export const vFileEntry = v.object({
  path: v.string(), // normalized: "src/App.tsx"
  hash: v.string(), // sha-256 hex of the content -> blobs.hash
  size: v.number(),
});

/** A `files` row. */
export const vFile = vFileEntry.extend({
  projectId: v.id("projects"),
  language: v.string(),
  updatedAt: v.number(),
  updatedBy: v.id("users"),
});

/** A file's metadata as clients see it (no content). */
export const vFileInfo = vFile.pick("path", "hash", "size", "language", "updatedAt");

export type FileInfo = Infer<typeof vFileInfo>;

export const vPriority = v.union(v.literal("high"), v.literal("medium"), v.literal("low"));

export const vMessageRole = v.union(v.literal("user"), v.literal("assistant"));

export const vWebhookSource = v.union(
  v.literal("clerk"),
  v.literal("vercel"),
  v.literal("netlify"),
  v.literal("railway"),
  v.literal("stripe"),
  v.literal("lemonsqueezy"),
);

export const vErrorInfo = v.object({ code: v.string(), message: v.string() });
