// The AI request ledger: every call to Claude is one row, written only by internal
// functions (ai.begin / ai.complete / the stale sweep). Browsers read their own history.
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { internalMutation } from "./_generated/server";
import { ABANDONED } from "./aiLedger";
import { requireProjectRole } from "./lib/access";
import { userQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import { boundedPage, EMPTY_PAGE } from "./lib/pagination";
import { applyUsage, dayOf, requestsDelta, usageOf } from "./lib/usageRollup";
import { readAiStatus, vAiRequestStatus, vAiRequestType, vErrorInfo, vUsage } from "./validators";

/** A request still `streaming` after this long is closed as failed by the sweep. */
export const STALE_AFTER_MS = 10 * 60_000;
const SWEEP_BATCH = 100;
export const MAX_LIST_PAGE = 100;

const vRequestView = v.object({
  id: v.id("aiRequests"),
  type: vAiRequestType,
  model: v.string(),
  status: vAiRequestStatus,
  projectId: v.optional(v.id("projects")),
  conversationId: v.optional(v.id("conversations")),
  promptExcerpt: v.string(),
  usage: vUsage,
  costMicros: v.number(),
  latencyMs: v.optional(v.number()),
  firstTokenMs: v.optional(v.number()),
  response: v.optional(v.string()),
  error: v.optional(vErrorInfo),
  mock: v.optional(v.boolean()),
  startedAt: v.number(),
  completedAt: v.optional(v.number()),
});

function view(r: Doc<"aiRequests">, withResponse: boolean) {
  return {
    id: r._id,
    type: r.type,
    model: r.model,
    status: readAiStatus(r.status),
    projectId: r.projectId,
    conversationId: r.conversationId,
    promptExcerpt: r.promptExcerpt,
    usage: usageOf(r),
    costMicros: r.costMicros,
    latencyMs: r.latencyMs,
    firstTokenMs: r.firstTokenMs,
    response: withResponse ? r.response : undefined,
    error: r.error,
    mock: r.mock,
    startedAt: r.startedAt,
    completedAt: r.completedAt,
  };
}

/** The caller's AI history, newest first; optionally only what they asked within one project. */
export const list = userQuery({
  args: { projectId: v.optional(v.id("projects")), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vRequestView),
  handler: async (ctx, { projectId, paginationOpts }) => {
    const user = ctx.user;
    if (projectId !== undefined) await requireProjectRole(ctx, user, projectId, "viewer");
    if (!user) return EMPTY_PAGE;
    const q =
      projectId === undefined
        ? ctx.db.query("aiRequests").withIndex("by_userId", (q) => q.eq("userId", user._id))
        : ctx.db
            .query("aiRequests")
            .withIndex("by_userId_and_projectId", (q) => q.eq("userId", user._id).eq("projectId", projectId));
    const page = await q.order("desc").paginate(boundedPage(paginationOpts, MAX_LIST_PAGE));
    return { ...page, page: page.page.map((r) => view(r, false)) };
  },
});

export const get = userQuery({
  args: { requestId: v.id("aiRequests") },
  returns: vRequestView,
  handler: async (ctx, { requestId }) => {
    const row = await ctx.db.get("aiRequests", requestId);
    if (!row || !ctx.user || row.userId !== ctx.user._id) fail("NOT_FOUND", "AI request not found");
    return view(row, true);
  },
});

/**
 * Closes requests whose edge never reported back (crashed, killed after the response) as
 * failed with what is known: no tokens, so no cost, and the quota reservation released.
 * A complete() arriving later still records the real usage.
 */
export const closeStale = internalMutation({
  args: {},
  returns: v.object({ closed: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const stale = await ctx.db
      .query("aiRequests")
      .withIndex("by_status_and_startedAt", (q) => q.eq("status", "streaming").lt("startedAt", now - STALE_AFTER_MS))
      .take(SWEEP_BATCH);
    for (const row of stale) {
      await ctx.db.patch("aiRequests", row._id, {
        status: "failed",
        error: { code: ABANDONED, message: "No completion was reported within 10 minutes" },
        completedAt: now,
      });
      await applyUsage(ctx, row.userId, dayOf(row.startedAt), requestsDelta(row.type, -1));
    }
    if (stale.length === SWEEP_BATCH) await ctx.scheduler.runAfter(0, internal.aiRequests.closeStale, {});
    return { closed: stale.length };
  },
});
