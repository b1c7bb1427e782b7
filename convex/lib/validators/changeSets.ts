// The build agent's change sets (docs/build-agent.md). Part of the validators declared once; import them from convex/validators.ts.
import { v, type Infer } from "convex/values";
import { vUsage } from "./ai.js";

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
