// Validators declared once, reused by the schema and by function arguments/returns.
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";

export const vRole = v.union(v.literal("user"), v.literal("admin"));
export type Role = Infer<typeof vRole>;

export const vPlan = v.union(v.literal("free"), v.literal("starter"), v.literal("pro"), v.literal("business"));
export type Plan = Infer<typeof vPlan>;

export const vTheme = v.union(v.literal("light"), v.literal("dark"), v.literal("system"));

export const vPreferences = v.object({
  theme: vTheme,
  editorFontSize: v.number(), // 10..32
  tabSize: v.number(), // 1..8
  defaultModel: v.string(),
});
export type Preferences = Infer<typeof vPreferences>;

// ---------- billing ----------
export const vBillingProvider = v.union(v.literal("stripe"), v.literal("lemonsqueezy"));
export type BillingProvider = Infer<typeof vBillingProvider>;

/** Where the user's plan comes from right now. */
export const vPlanSource = v.union(v.literal("free"), v.literal("subscription"), v.literal("override"));

/**
 * The billing state billing.current() shows, kept on the users row next to `plan` so the live
 * query reads one document besides the daily rollups. Written only by lib/billingPlan.ts.
 */
export const vBillingSummary = v.object({
  source: vPlanSource,
  provider: v.optional(vBillingProvider),
  /** The current billing period [periodStart, periodEnd) for a subscription; absent on free (calendar months). */
  periodStart: v.optional(v.number()),
  periodEnd: v.optional(v.number()),
  /** What happens at periodEnd: the subscription renews, or the user goes back to free. */
  atPeriodEnd: v.union(v.literal("renews"), v.literal("downgrades")),
  /** A failed payment: the plan is kept until then, then free unless a payment succeeds. */
  graceEndsAt: v.optional(v.number()),
  overrideExpiresAt: v.optional(v.number()),
  mock: v.optional(v.boolean()),
});
export type BillingSummary = Infer<typeof vBillingSummary>;

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

/** The deployment providers, declared once: vProvider, Provider and every list of providers derive from it. */
export const PROVIDERS = ["vercel", "netlify", "railway"] as const;
export const vProvider = literals(...PROVIDERS);
export type Provider = (typeof PROVIDERS)[number];
/** How logs and messages name each provider. */
export const PROVIDER_LABEL: Record<Provider, string> = { vercel: "Vercel", netlify: "Netlify", railway: "Railway" };

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

/** Where a project deploys at each provider (ProviderTarget below, without `provider`). */
const providerRef = {
  vercel: { projectName: v.string(), projectId: v.optional(v.string()) },
  netlify: { siteId: v.string(), siteName: v.optional(v.string()) },
  railway: { projectId: v.string(), serviceId: v.string(), environmentId: v.string() },
};

/** Per-provider ids of the project/site a project deploys to, reused by every redeploy. */
export const vProviderRefs = v.object({
  vercel: v.optional(v.object(providerRef.vercel)),
  netlify: v.optional(v.object(providerRef.netlify)),
  railway: v.optional(v.object(providerRef.railway)),
});

/** One provider's ref, tagged with the provider (what the start job hands back and forth). */
export const vProviderTarget = v.union(
  v.object({ provider: v.literal("vercel"), ...providerRef.vercel }),
  v.object({ provider: v.literal("netlify"), ...providerRef.netlify }),
  v.object({ provider: v.literal("railway"), ...providerRef.railway }),
);
export type ProviderTarget = Infer<typeof vProviderTarget>;

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

export const vEnvironment = v.union(v.literal("production"), v.literal("preview"));
export type Environment = Infer<typeof vEnvironment>;

export const vDeploymentStatus = v.union(
  v.literal("queued"),
  v.literal("building"),
  v.literal("ready"),
  v.literal("error"),
  v.literal("canceled"),
);
export type DeploymentStatus = Infer<typeof vDeploymentStatus>;

export const vDeploymentStep = v.union(
  v.literal("queued"),
  v.literal("uploading"),
  v.literal("building"),
  v.literal("deploying"),
  v.literal("ready"),
);
export type DeploymentStep = Infer<typeof vDeploymentStep>;

/** A provider's state mapped onto ours: a step or an end. */
export const vProviderState = v.union(...vDeploymentStep.members, v.literal("error"), v.literal("canceled"));
export type ProviderState = Infer<typeof vProviderState>;

/** What a provider says about a deployment (a status check, the create call, or a webhook). */
export const vObservedDeployment = v.object({
  state: vProviderState,
  /** The provider's own state name, for logs. */
  rawState: v.optional(v.string()),
  url: v.optional(v.string()),
  errorMessage: v.optional(v.string()),
});
export type ObservedDeployment = Infer<typeof vObservedDeployment>;

/** Why a deployment ended in `error`, stored on the row (README "Deployments" explains each). */
export const vDeploymentFailureCode = literals(
  "PROVIDER_NOT_CONFIGURED", // no token for the provider, or the user's token cannot be used
  "PROVIDER_REJECTED", // the provider refused the start (4xx)
  "PROVIDER_ERROR", // a status check was refused for good
  "BUILD_FAILED", // the provider reports the build failed
  "UPSTREAM", // the provider kept failing transiently through every attempt
  "TIMEOUT", // not live (or not started) in time
  "INTERNAL", // our own fault while starting
);
export type DeploymentFailureCode = Infer<typeof vDeploymentFailureCode>;
export const vDeploymentFailure = v.object({ code: vDeploymentFailureCode, message: v.string() });

export const vDeployPool = v.union(v.literal("free"), v.literal("paid"));
export type DeployPool = Infer<typeof vDeployPool>;

export const vLogLevel = v.union(v.literal("info"), v.literal("warn"), v.literal("error"));
export type LogLevel = Infer<typeof vLogLevel>;

/** A log line as a provider client returns it; `id` is the provider's, stable across fetches. */
export const vProviderLogLine = v.object({ id: v.string(), at: v.number(), level: vLogLevel, text: v.string() });
export type ProviderLogLine = Infer<typeof vProviderLogLine>;

export const vAiRequestType = v.union(
  v.literal("generate"),
  v.literal("explain"),
  v.literal("fix"),
  v.literal("refactor"),
  v.literal("complete"),
  v.literal("chat"),
  v.literal("build"),
);
export type AiRequestType = Infer<typeof vAiRequestType>;

/** How an AI request ends, as the edge reports it. One spelling: "canceled", as deployments. */
export const vAiSettleStatus = literals("completed", "failed", "canceled");

export const vAiRequestStatus = v.union(v.literal("streaming"), ...vAiSettleStatus.members);
export type AiRequestStatus = Infer<typeof vAiRequestStatus>;

/** As stored: rows written before the spelling was unified say "cancelled"; they are read as "canceled". */
export const vStoredAiRequestStatus = v.union(...vAiRequestStatus.members, v.literal("cancelled"));
export const readAiStatus = (s: Infer<typeof vStoredAiRequestStatus>): AiRequestStatus =>
  s === "cancelled" ? "canceled" : s;

/** A range of UTC days, both ends included: "YYYY-MM-DD" (checked where it is read). */
export const vDayRange = v.object({ from: v.string(), to: v.string() });

export const vUsage = v.object({
  inputTokens: v.number(),
  outputTokens: v.number(),
  cacheReadTokens: v.number(),
  cacheWriteTokens: v.number(),
});
export type Usage = Infer<typeof vUsage>;

/** The counters of a usage rollup row (usageDaily per user, usageDailyTotals for everyone). */
export const vUsageTotals = v.object({
  requests: v.number(),
  ...vUsage.fields,
  totalTokens: v.number(),
  costMicros: v.number(),
  byType: v.record(v.string(), v.number()),
});
export type UsageTotals = Infer<typeof vUsageTotals>;

export const vPriority = v.union(v.literal("high"), v.literal("medium"), v.literal("low"));

export const vMessageRole = v.union(v.literal("user"), v.literal("assistant"));

/** Every event a user can be told about; the in-app inbox gets all of them, channels what they subscribe to. */
export const NOTIFICATION_TYPES = [
  "deployment.ready",
  "deployment.error",
  "deployment.canceled",
  "ai.build.proposed",
  "quota.warning",
  "quota.exceeded",
  "subscription.changed",
  "payment.failed",
  "project.invited",
  "system",
] as const;
export const vNotificationType = literals(...NOTIFICATION_TYPES);
export type NotificationType = Infer<typeof vNotificationType>;

/** A `notifications` row (the in-app inbox). */
export const vNotification = v.object({
  userId: v.id("users"),
  type: vNotificationType,
  title: v.string(),
  message: v.string(),
  projectId: v.optional(v.id("projects")),
  deploymentId: v.optional(v.id("deployments")),
  read: v.boolean(),
  createdAt: v.number(),
});

export const NOTIFICATION_CHANNEL_KINDS = ["webhook", "slack", "email"] as const;
export const vChannelKind = literals(...NOTIFICATION_CHANNEL_KINDS);

export type ChannelKind = Infer<typeof vChannelKind>;

/** pending: first attempt not made yet; retrying: an attempt failed and another is scheduled. */
export const vDeliveryStatus = literals("pending", "retrying", "sent", "failed");
export type DeliveryStatus = Infer<typeof vDeliveryStatus>;

/** One attempt's result: sent, failed but retried later, or failed for good. */
export const vAttemptOutcome = literals("sent", "retry", "failed");

/** What a delivery carries (copied from the event, so a redelivery sends the same thing). */
export const vNotificationEvent = v.object({
  type: vNotificationType,
  title: v.string(),
  message: v.string(),
  projectId: v.optional(v.id("projects")),
  deploymentId: v.optional(v.id("deployments")),
  /** Event-specific figures (e.g. a quota's limit and usage), sent in the webhook payload's data. */
  data: v.optional(v.record(v.string(), v.union(v.string(), v.number(), v.boolean()))),
  occurredAt: v.number(),
});
export type NotificationEvent = Infer<typeof vNotificationEvent>;

/** The daily AI quotas that raise quota.warning / quota.exceeded. */
export const vQuotaLimit = literals("requests", "tokens");
export const vQuotaLevel = literals("warning", "exceeded");

export const vWebhookSource = v.union(
  v.literal("clerk"),
  v.literal("vercel"),
  v.literal("netlify"),
  v.literal("railway"),
  v.literal("stripe"),
  v.literal("lemonsqueezy"),
);

/** Stripe's subscription statuses; Lemon Squeezy's are mapped onto them (lib/billingLemon.ts). */
export const vSubscriptionStatus = v.union(
  v.literal("trialing"),
  v.literal("active"),
  v.literal("past_due"),
  v.literal("canceled"),
  v.literal("incomplete"),
  v.literal("incomplete_expired"),
  v.literal("unpaid"),
  v.literal("paused"),
);
export type SubscriptionStatus = Infer<typeof vSubscriptionStatus>;

/** A `subscriptions` row: the provider's subscription object as last applied. */
export const vSubscription = v.object({
  userId: v.id("users"),
  provider: vBillingProvider,
  customerId: v.string(),
  subscriptionId: v.string(),
  plan: vPlan,
  status: vSubscriptionStatus,
  currentPeriodStart: v.number(),
  currentPeriodEnd: v.number(),
  cancelAtPeriodEnd: v.boolean(),
  /** Monthly price in cents, for revenue per plan. */
  amountCents: v.number(),
  /** Set when a payment failed (at graceSince): entitled until graceEndsAt unless a later payment succeeds. */
  graceSince: v.optional(v.number()),
  graceEndsAt: v.optional(v.number()),
  /**
   * Order of the provider state applied: [period start, event time] (ms). An older state
   * (a late or replayed event) never overwrites a newer one.
   */
  stateVersion: v.array(v.number()),
  mock: v.optional(v.boolean()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
export type Subscription = Infer<typeof vSubscription>;

export const vInvoiceStatus = v.union(v.literal("paid"), v.literal("failed"));

/** A `billingInvoices` row: one provider invoice, as its paid/failed events said. */
export const vInvoice = v.object({
  userId: v.id("users"),
  provider: vBillingProvider,
  invoiceId: v.string(),
  subscriptionId: v.optional(v.string()),
  status: vInvoiceStatus,
  amountCents: v.number(),
  currency: v.string(),
  periodStart: v.optional(v.number()),
  periodEnd: v.optional(v.number()),
  url: v.optional(v.string()),
  mock: v.optional(v.boolean()),
  createdAt: v.number(),
});

/**
 * One verified provider event, normalised (lib/billingStripe.ts, lib/billingLemon.ts) for the
 * one mutation that applies both providers' events (billingWebhooks.apply). `userHint` is the
 * user id we put in the checkout's metadata; `version` orders subscription states.
 */
export const vBillingChange = v.union(
  v.object({
    kind: v.literal("subscription"),
    subscriptionId: v.string(),
    customerId: v.string(),
    userHint: v.optional(v.string()),
    plan: v.optional(vPlan),
    status: vSubscriptionStatus,
    currentPeriodStart: v.number(),
    currentPeriodEnd: v.number(),
    cancelAtPeriodEnd: v.boolean(),
    amountCents: v.number(),
  }),
  v.object({
    kind: v.literal("checkout"),
    customerId: v.string(),
    userHint: v.optional(v.string()),
    subscriptionId: v.optional(v.string()),
    plan: v.optional(vPlan),
  }),
  v.object({
    kind: v.literal("invoice"),
    invoiceId: v.string(),
    customerId: v.string(),
    userHint: v.optional(v.string()),
    subscriptionId: v.optional(v.string()),
    paid: v.boolean(),
    amountCents: v.number(),
    currency: v.string(),
    periodStart: v.optional(v.number()),
    periodEnd: v.optional(v.number()),
    url: v.optional(v.string()),
  }),
);
export type BillingChange = Infer<typeof vBillingChange>;

/** Who changed a plan or an account: a provider's webhook, an administrator, or a scheduled end. */
export const vBillingActor = v.union(
  v.object({ kind: vBillingProvider, eventId: v.string() }),
  v.object({ kind: v.literal("admin"), userId: v.id("users") }),
  v.object({ kind: v.literal("schedule") }),
);
export type BillingActor = Infer<typeof vBillingActor>;

export const vAuditAction = v.union(
  v.literal("plan.changed"),
  v.literal("plan.override_set"),
  v.literal("plan.override_cleared"),
  v.literal("role.changed"),
  v.literal("user.suspended"),
  v.literal("user.unsuspended"),
);

export const vErrorInfo = v.object({ code: v.string(), message: v.string() });

// ---------- deployments: what clients see ----------
export const vDeploymentView = v.object({
  id: v.id("deployments"),
  projectId: v.id("projects"),
  requestedBy: v.id("users"),
  provider: vProvider,
  environment: vEnvironment,
  status: vDeploymentStatus,
  step: vDeploymentStep,
  url: v.optional(v.string()),
  providerDeploymentId: v.optional(v.string()),
  snapshotId: v.id("snapshots"),
  rollbackOf: v.optional(v.id("deployments")),
  attempts: v.number(),
  pollCount: v.number(),
  logCount: v.number(),
  error: v.optional(vDeploymentFailure),
  mock: v.boolean(),
  createdAt: v.number(),
  startedAt: v.optional(v.number()),
  deployedAt: v.optional(v.number()),
  finishedAt: v.optional(v.number()),
});
export type DeploymentView = Infer<typeof vDeploymentView>;

export const vDeploymentLogLine = v.object({
  seq: v.number(),
  at: v.number(),
  level: vLogLevel,
  text: v.string(),
});
export type DeploymentLogLine = Infer<typeof vDeploymentLogLine>;

export const vDeploymentStats = v.object({
  total: v.number(),
  byStatus: v.object({
    queued: v.number(),
    building: v.number(),
    ready: v.number(),
    error: v.number(),
    canceled: v.number(),
  }),
  successRate: v.union(v.number(), v.null()),
});

/** One item of deployments.requestMany: its deployment, or why it was refused. */
export const vDeployItemResult = v.union(
  v.object({ ok: v.literal(true), deploymentId: v.id("deployments") }),
  v.object({
    ok: v.literal(false),
    error: v.object({ code: v.string(), message: v.string(), retryAfterMs: v.optional(v.number()) }),
  }),
);

// ---------- change sets (the build agent's reviewable edits) ----------
export const vChangeSetStatus = v.union(
  v.literal("drafting"),
  v.literal("proposed"),
  v.literal("applied"),
  v.literal("rejected"),
  v.literal("interrupted"),
);
export type ChangeSetStatus = Infer<typeof vChangeSetStatus>;

export const vChangeOp = v.union(v.literal("create"), v.literal("modify"), v.literal("delete"), v.literal("rename"));
export type ChangeOp = Infer<typeof vChangeOp>;

/** Usage summed over every Claude call of a change set. */
export const vChangeSetTotals = v.object({
  ...vUsage.fields,
  costMicros: v.number(),
  turns: v.number(),
});
export type ChangeSetTotals = Infer<typeof vChangeSetTotals>;

/** A `changeSets` row. */
export const vChangeSet = v.object({
  projectId: v.id("projects"),
  authorId: v.id("users"),
  status: vChangeSetStatus,
  title: v.optional(v.string()),
  /** Claude's closing text. */
  summary: v.optional(v.string()),
  /** Why the loop stopped where it did (e.g. "Stopped after 25 turns"). */
  note: v.optional(v.string()),
  conversationId: v.optional(v.id("conversations")),
  totals: vChangeSetTotals,
  fileCount: v.number(),
  /** Files and bytes the change set adds to the project when applied (limits count them on top). */
  fileDelta: v.number(),
  byteDelta: v.number(),
  /** Output tokens of the current run (begin resets it): the per-build output budget. */
  runOutputTokens: v.number(),
  /** Claude calls already made when the current run began (maxTurns counts per run). */
  runStartTurns: v.number(),
  /** The ledger row of the Claude call in flight: only its turn report may write. */
  requestId: v.optional(v.id("aiRequests")),
  revertOf: v.optional(v.id("changeSets")),
  /** The version this change set restores (changeSets.restoreVersion). */
  restoreOf: v.optional(v.id("snapshots")),
  /** The version (snapshot) recorded when it was applied. */
  versionId: v.optional(v.id("snapshots")),
  createdAt: v.number(),
  updatedAt: v.number(),
  appliedAt: v.optional(v.number()),
  appliedBy: v.optional(v.id("users")),
});

/** A `changeSetFiles` row: one path of a change set. */
export const vChangeSetFile = v.object({
  changeSetId: v.id("changeSets"),
  path: v.string(),
  op: vChangeOp,
  fromPath: v.optional(v.string()),
  /** The project's content hash when the change set first touched the path (null: absent). */
  baseHash: v.union(v.string(), v.null()),
  baseSize: v.number(),
  /** The new content's blob hash (null: deleted). */
  hash: v.union(v.string(), v.null()),
  size: v.number(),
  added: v.number(),
  removed: v.number(),
  /** Set by apply: the project's hash just before and just after (what revert restores). */
  previousHash: v.optional(v.union(v.string(), v.null())),
  appliedHash: v.optional(v.union(v.string(), v.null())),
  updatedAt: v.number(),
});

/** A file event of a build turn: one edit stored in a change set. */
export const vChangeSetFileEvent = v.object({
  changeSetId: v.id("changeSets"),
  path: v.string(),
  op: vChangeOp,
  added: v.number(),
  removed: v.number(),
});

/** The change set part of a build turn's answer (what the edge's `done` event carries). */
export const vChangeSetProgress = v.object({
  changeSetId: v.id("changeSets"),
  status: vChangeSetStatus,
  files: v.number(),
  turns: v.number(),
  usage: vUsage,
  costMicros: v.number(),
  /** Why the loop stopped where it did, when it says (e.g. "Stopped after 25 turns"). */
  note: v.optional(v.string()),
});
