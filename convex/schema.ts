import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { billingTables } from "./lib/schema/billing";
import { notificationTables } from "./lib/schema/notifications";
import {
  vStoredAiRequestStatus,
  vAiRequestType,
  vChangeSet,
  vChangeSetFile,
  vChangeOp,
  vDeployPool,
  vDeploymentFailure,
  vDeploymentStatus,
  vDeploymentStep,
  vEnvironment,
  vErrorInfo,
  vFile,
  vFileEntry,
  vInvitation,
  vLogLevel,
  vMemberRole,
  vMessageRole,
  vPriority,
  vProject,
  vProvider,
  vUsageTotals,
  vUser,
  vWebhookSource,
} from "./validators";

export default defineSchema({
  // ---------- identity ----------
  users: defineTable(vUser)
    .index("by_clerkId", ["clerkId"])
    .index("by_email", ["email"])
    .index("by_verifiedEmail", ["verifiedEmail"])
    // Admin user lists by plan (newest first through _creationTime).
    .index("by_plan", ["plan"]),

  /** Per-user counters the plan caps read (projects owned, bytes stored in them); see convex/lib/projects.ts. */
  userUsage: defineTable({
    userId: v.id("users"),
    projectCount: v.number(),
    storedBytes: v.number(),
  }).index("by_userId", ["userId"]),

  // ---------- projects and files ----------
  projects: defineTable(vProject).index("by_ownerId", ["ownerId"]),

  /** Who may use a project. The owner has a row too, so "my projects" is one index. */
  projectMembers: defineTable({
    projectId: v.id("projects"),
    userId: v.id("users"),
    role: vMemberRole,
    addedAt: v.number(),
    addedBy: v.id("users"),
    /** Mirrors projects.deletedAt so lists skip deleted projects through the index. */
    active: v.boolean(),
    projectUpdatedAt: v.number(),
  })
    .index("by_projectId_and_userId", ["projectId", "userId"])
    .index("by_userId_and_active_and_projectUpdatedAt", ["userId", "active", "projectUpdatedAt"]),

  /** Membership offers: accepted only by someone holding the verified address (convex/invitations.ts). */
  invitations: defineTable(vInvitation)
    .index("by_projectId_and_status", ["projectId", "status"])
    .index("by_projectId_and_email", ["projectId", "email"])
    .index("by_email_and_status", ["email", "status"]),

  /** Upload URLs handed out: who asked, for which project and content, until when (files.commitUpload checks it). */
  uploads: defineTable({
    userId: v.id("users"),
    projectId: v.id("projects"),
    /** sha-256 hex the asker announced: only an object with exactly these bytes can be committed. */
    hash: v.string(),
    createdAt: v.number(),
    expiresAt: v.number(),
  }),

  files: defineTable(vFile).index("by_projectId_and_path", ["projectId", "path"]).index("by_hash", ["hash"]),

  /** Content-addressed file content: inline text up to 512 KB, Convex file storage above. */
  blobs: defineTable({
    hash: v.string(),
    size: v.number(),
    content: v.optional(v.string()),
    storageId: v.optional(v.id("_storage")),
    createdAt: v.number(),
  })
    .index("by_hash", ["hash"])
    // The sweep finds uploads that never became a blob.
    .index("by_storageId", ["storageId"]),

  /** A frozen (path, hash, size) set; deployments point at one so rollback is exact. */
  snapshots: defineTable({
    projectId: v.id("projects"),
    fileCount: v.number(),
    totalBytes: v.number(),
    /** sha-256 over the sorted (path, hash) list: an unchanged project reuses its last snapshot. */
    digest: v.optional(v.string()),
    createdAt: v.number(),
    createdBy: v.id("users"),
  }).index("by_projectId", ["projectId"]),

  snapshotFiles: defineTable(vFileEntry.extend({ snapshotId: v.id("snapshots") }))
    .index("by_snapshotId_and_path", ["snapshotId", "path"])
    .index("by_hash", ["hash"]),

  // ---------- AI ----------
  aiRequests: defineTable({
    userId: v.id("users"),
    projectId: v.optional(v.id("projects")),
    conversationId: v.optional(v.id("conversations")),
    type: vAiRequestType,
    model: v.string(),
    promptExcerpt: v.string(),
    status: vStoredAiRequestStatus,
    inputTokens: v.number(),
    outputTokens: v.number(),
    cacheReadTokens: v.number(),
    cacheWriteTokens: v.number(),
    costMicros: v.number(), // integer micro-USD
    latencyMs: v.optional(v.number()),
    firstTokenMs: v.optional(v.number()),
    response: v.optional(v.string()), // bounded
    error: v.optional(vErrorInfo),
    mock: v.optional(v.boolean()),
    startedAt: v.number(),
    completedAt: v.optional(v.number()),
  })
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- history lists need creation order
    .index("by_userId", ["userId"])
    .index("by_userId_and_projectId", ["userId", "projectId"])
    .index("by_status_and_startedAt", ["status", "startedAt"]),

  conversations: defineTable({
    userId: v.id("users"),
    projectId: v.optional(v.id("projects")),
    title: v.string(),
    summary: v.optional(v.string()), // <= 200 chars, AI-written
    priority: v.optional(vPriority),
    tags: v.array(v.string()),
    messageCount: v.number(),
    lastMessageAt: v.number(),
    analyzedAt: v.optional(v.number()),
    analysisJobId: v.optional(v.id("_scheduled_functions")),
    createdAt: v.number(),
  }).index("by_userId_and_lastMessageAt", ["userId", "lastMessageAt"]),

  messages: defineTable({
    conversationId: v.id("conversations"),
    role: vMessageRole,
    content: v.string(),
    requestId: v.optional(v.id("aiRequests")),
    createdAt: v.number(),
  }).index("by_conversationId", ["conversationId"]),

  /** Rollup per user per UTC day; quotas and stats read these, never aiRequests. */
  usageDaily: defineTable({
    userId: v.id("users"),
    day: v.string(), // "YYYY-MM-DD" (UTC)
    ...vUsageTotals.fields,
  }).index("by_userId_and_day", ["userId", "day"]),

  /**
   * The same rollup across all users, per UTC day, split into a few shards (by user) so
   * concurrent completions rarely write the same document. usage.global reads these.
   */
  usageDailyTotals: defineTable({
    day: v.string(),
    shard: v.number(),
    ...vUsageTotals.fields,
  }).index("by_day_and_shard", ["day", "shard"]),

  // ---------- change sets (convex/changeSets.ts, convex/build.ts) ----------
  changeSets: defineTable(vChangeSet)
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- lists need creation order
    .index("by_projectId", ["projectId"])
    .index("by_projectId_and_appliedAt", ["projectId", "appliedAt"])
    .index("by_versionId", ["versionId"]),

  changeSetFiles: defineTable(vChangeSetFile)
    .index("by_changeSetId_and_path", ["changeSetId", "path"])
    // The blob sweep keeps content a change set still points at.
    .index("by_hash", ["hash"])
    .index("by_baseHash", ["baseHash"]),

  /** The stored answer of each build turn, so a retried turn executes nothing twice. */
  buildTurns: defineTable({
    requestId: v.id("aiRequests"),
    changeSetId: v.id("changeSets"),
    answer: v.string(), // JSON, bounded (tool results are capped)
  }).index("by_requestId", ["requestId"]),

  /** One row per path an applied change set wrote: the versions of one file, newest last. */
  fileHistory: defineTable({
    projectId: v.id("projects"),
    path: v.string(),
    changeSetId: v.id("changeSets"),
    versionId: v.optional(v.id("snapshots")),
    op: vChangeOp,
    hash: v.union(v.string(), v.null()),
    size: v.number(),
    at: v.number(),
    by: v.id("users"),
  }).index("by_projectId_and_path_and_at", ["projectId", "path", "at"]),

  // ---------- deployments ----------
  deployments: defineTable({
    projectId: v.id("projects"),
    userId: v.id("users"),
    provider: vProvider,
    environment: vEnvironment,
    status: vDeploymentStatus,
    step: vDeploymentStep,
    snapshotId: v.id("snapshots"),
    providerDeploymentId: v.optional(v.string()),
    url: v.optional(v.string()),
    attempts: v.number(),
    pollCount: v.number(),
    idempotencyKey: v.optional(v.string()),
    workId: v.optional(v.string()),
    rollbackOf: v.optional(v.id("deployments")),
    error: v.optional(vDeploymentFailure),
    mock: v.optional(v.boolean()),
    /** Which workpool runs the start job (paid plans never wait behind free ones). */
    pool: vDeployPool,
    /** Lines appended so far (the next line's seq); avoids reading the log to number it. */
    logCount: v.number(),
    /** The provider's id of the last log line fetched (the next poll asks for lines after it). */
    logCursor: v.optional(v.string()),
    createdAt: v.number(),
    startedAt: v.optional(v.number()),
    deployedAt: v.optional(v.number()),
    finishedAt: v.optional(v.number()),
  })
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- lists need creation order
    .index("by_projectId", ["projectId"])
    .index("by_projectId_and_status", ["projectId", "status"])
    .index("by_projectId_and_environment_and_status", ["projectId", "environment", "status"])
    .index("by_userId_and_status", ["userId", "status"])
    // The watchdog cron: queued/building rows older than their deadline, oldest first.
    .index("by_status_and_createdAt", ["status", "createdAt"])
    .index("by_userId_and_idempotencyKey", ["userId", "idempotencyKey"])
    .index("by_provider_and_providerDeploymentId", ["provider", "providerDeploymentId"]),

  deploymentLogs: defineTable({
    deploymentId: v.id("deployments"),
    seq: v.number(),
    at: v.number(),
    level: vLogLevel,
    text: v.string(),
    providerEventId: v.optional(v.string()),
  })
    .index("by_deploymentId_and_seq", ["deploymentId", "seq"])
    .index("by_deploymentId_and_providerEventId", ["deploymentId", "providerEventId"]),

  /** A user's own provider token, AES-GCM encrypted; never returned to a browser. */
  providerTokens: defineTable({
    userId: v.id("users"),
    provider: vProvider,
    ciphertext: v.string(),
    iv: v.string(),
    /** Last 4 characters, so the settings page can tell tokens apart without the secret. */
    hint: v.string(),
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_userId_and_provider", ["userId", "provider"]),

  ...notificationTables,
  ...billingTables,

  /** Ids of processed webhook events, so a replay is a no-op. */
  webhookEvents: defineTable({
    source: vWebhookSource,
    eventId: v.string(),
    type: v.string(),
    receivedAt: v.number(),
  }).index("by_source_and_eventId", ["source", "eventId"]),
});
