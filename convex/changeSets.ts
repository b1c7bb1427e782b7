// Change sets: the build agent's edits, reviewed before they touch the project. Status:
// drafting (Claude is working) → proposed → applied | rejected; interrupted when a build
// stopped early (it can be continued, applied or rejected). Viewers read; editors and
// owners apply, reject, revert and restore. The build itself writes through convex/build.ts.
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx, QueryCtx } from "./_generated/server";
import { requireProjectRole } from "./lib/access";
import { userMutation, userQuery } from "./lib/auth";
import { applyChangeSet, contentOf } from "./lib/changeSetApply";
import { entriesOf, entryAt, inlineText, MAX_CHANGE_SET_FILES, putEntry } from "./lib/changeSetTree";
import { fail } from "./lib/errors";
import { unifiedDiff } from "./lib/merge";
import { boundedPage } from "./lib/pagination";
import { normalizePath } from "./lib/paths";
import { currentFileSet } from "./lib/projectFiles";
import { vChangeOp, vChangeSet, vChangeSetFile } from "./validators";

const MAX_LIST_PAGE = 100;

export const vChangeSetView = vChangeSet
  .omit("fileDelta", "byteDelta", "runOutputTokens", "runStartTurns", "requestId")
  .extend({ _id: v.id("changeSets") });

const vEntryView = vChangeSetFile.omit("changeSetId", "baseSize", "previousHash", "appliedHash");

export function changeSetView(cs: Doc<"changeSets">) {
  const {
    _creationTime: _c,
    fileDelta: _f,
    byteDelta: _b,
    runOutputTokens: _o,
    runStartTurns: _s,
    requestId: _r,
    ...view
  } = cs;
  return view;
}

function entryView(e: Doc<"changeSetFiles">) {
  const { _id: _i, _creationTime: _c, changeSetId: _cs, baseSize: _bs, previousHash: _p, appliedHash: _a, ...view } = e;
  return view;
}

/** The change set and the project it belongs to, if the caller has `role` there (else NOT_FOUND / FORBIDDEN). */
async function access(
  ctx: QueryCtx,
  user: Doc<"users"> | null,
  changeSetId: Id<"changeSets">,
  role: "viewer" | "editor",
) {
  const cs = await ctx.db.get("changeSets", changeSetId);
  if (!cs) fail("NOT_FOUND", "Change set not found");
  // A non-member gets NOT_FOUND from here too: another project's change sets do not exist for them.
  const { project } = await requireProjectRole(ctx, user, cs.projectId, role);
  return { cs, project };
}

/** The project's change sets, newest first. */
export const list = userQuery({
  args: { projectId: v.id("projects"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vChangeSetView),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const result = await ctx.db
      .query("changeSets")
      .withIndex("by_projectId", (q) => q.eq("projectId", project._id))
      .order("desc")
      .paginate(boundedPage(args.paginationOpts, MAX_LIST_PAGE));
    return { ...result, page: result.page.map(changeSetView) };
  },
});

/** One change set with its file entries (live: while drafting, each edit appears as it is stored). */
export const get = userQuery({
  args: { changeSetId: v.id("changeSets") },
  returns: vChangeSetView.extend({ files: v.array(vEntryView) }),
  handler: async (ctx, args) => {
    const { cs } = await access(ctx, ctx.user, args.changeSetId, "viewer");
    const entries = await entriesOf(ctx, cs._id);
    return { ...changeSetView(cs), files: entries.slice(0, MAX_CHANGE_SET_FILES).map(entryView) };
  },
});

/** One path's change as a unified diff and hunks (old side: the base; for a rename, the file it came from). */
export const diff = userQuery({
  args: { changeSetId: v.id("changeSets"), path: v.string() },
  returns: v.object({
    path: v.string(),
    fromPath: v.optional(v.string()),
    op: vChangeOp,
    added: v.number(),
    removed: v.number(),
    /** True when one side is stored in file storage (over 512 KB): no line diff. */
    tooLarge: v.boolean(),
    unified: v.string(),
    hunks: v.array(
      v.object({
        oldStart: v.number(),
        oldLines: v.number(),
        newStart: v.number(),
        newLines: v.number(),
        lines: v.array(v.string()),
      }),
    ),
  }),
  handler: async (ctx, args) => {
    const { cs } = await access(ctx, ctx.user, args.changeSetId, "viewer");
    const path = normalizePath(args.path);
    const entry = await entryAt(ctx, cs._id, path);
    if (!entry) fail("NOT_FOUND", `${path} is not part of this change set`, { path });
    const source =
      entry.baseHash === null && entry.fromPath !== undefined ? await entryAt(ctx, cs._id, entry.fromPath) : null;
    const oldHash = entry.baseHash ?? source?.baseHash ?? null;
    const oldPath = entry.baseHash !== null ? path : oldHash !== null ? entry.fromPath! : null;
    const before = oldHash === null ? "" : await inlineText(ctx, oldHash);
    const after = entry.hash === null ? "" : await inlineText(ctx, entry.hash);
    const common = { path, fromPath: entry.fromPath, op: entry.op, added: entry.added, removed: entry.removed };
    if (before === null || after === null) return { ...common, tooLarge: true, unified: "", hunks: [] };
    return { ...common, tooLarge: false, ...unifiedDiff(oldPath, entry.hash === null ? null : path, before, after) };
  },
});

/** Writes the change set (or the chosen `paths`) into the project in one transaction; see lib/changeSetApply.ts. */
export const apply = userMutation({
  args: { changeSetId: v.id("changeSets"), paths: v.optional(v.array(v.string())) },
  returns: v.object({
    versionId: v.union(v.id("snapshots"), v.null()),
    written: v.number(),
    merged: v.array(v.string()),
  }),
  handler: async (ctx, args) => {
    const { cs, project } = await access(ctx, ctx.user, args.changeSetId, "editor");
    if (cs.status === "applied" || cs.status === "rejected")
      fail("CONFLICT", `This change set is ${cs.status}`, { status: cs.status });
    // Drafting: refused while a Claude call is in flight; a build whose edge went away (its
    // request closed by the stale sweep) leaves a change set that can still be applied.
    const inFlight = cs.status === "drafting" && cs.requestId ? await ctx.db.get("aiRequests", cs.requestId) : null;
    if (inFlight?.status === "streaming")
      fail("CONFLICT", "Claude is still working on this change set", { status: cs.status });
    return await applyChangeSet(ctx, cs, project, ctx.user, args.paths);
  },
});

/** Closes a change set without applying it (a build still drafting it stops at its next turn). */
export const reject = userMutation({
  args: { changeSetId: v.id("changeSets") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { cs } = await access(ctx, ctx.user, args.changeSetId, "editor");
    if (cs.status === "applied" || cs.status === "rejected")
      fail("CONFLICT", `This change set is ${cs.status}`, { status: cs.status });
    await ctx.db.patch("changeSets", cs._id, { status: "rejected", requestId: undefined, updatedAt: Date.now() });
    return null;
  },
});

async function newChangeSet(
  ctx: MutationCtx,
  project: Doc<"projects">,
  user: Doc<"users">,
  fields: Partial<Doc<"changeSets">>,
) {
  const now = Date.now();
  const id = await ctx.db.insert("changeSets", {
    projectId: project._id,
    authorId: user._id,
    status: "proposed",
    totals: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 0, turns: 0 },
    fileCount: 0,
    fileDelta: 0,
    byteDelta: 0,
    runOutputTokens: 0,
    runStartTurns: 0,
    createdAt: now,
    updatedAt: now,
    ...fields,
  });
  return (await ctx.db.get("changeSets", id))!;
}

/** A new proposed change set that puts back what applying `changeSetId` replaced (apply it to undo). */
export const revert = userMutation({
  args: { changeSetId: v.id("changeSets") },
  returns: v.id("changeSets"),
  handler: async (ctx, args) => {
    const { cs, project } = await access(ctx, ctx.user, args.changeSetId, "editor");
    if (cs.status !== "applied") fail("CONFLICT", "Only an applied change set can be reverted", { status: cs.status });
    const revert = await newChangeSet(ctx, project, ctx.user, {
      revertOf: cs._id,
      title: `Revert: ${cs.title ?? "change set"}`.slice(0, 120),
    });
    for (const e of await entriesOf(ctx, cs._id)) {
      const applied = e.appliedHash ?? null;
      const previous = e.previousHash ?? null;
      if (applied === previous) continue;
      const base = (await contentOf(ctx, applied)) ?? { hash: null, size: 0 };
      await putEntry(ctx, revert, project, e.path, await contentOf(ctx, previous), { base, fromPath: null });
    }
    return revert._id;
  },
});

/** A new proposed change set that makes the project equal to one of its versions (snapshots). */
export const restoreVersion = userMutation({
  args: { projectId: v.id("projects"), versionId: v.id("snapshots") },
  returns: v.id("changeSets"),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "editor");
    const version = await ctx.db.get("snapshots", args.versionId);
    if (!version || version.projectId !== project._id) fail("NOT_FOUND", "Version not found");
    const target = await ctx.db
      .query("snapshotFiles")
      .withIndex("by_snapshotId_and_path", (q) => q.eq("snapshotId", version._id))
      .take(version.fileCount + 1);
    const current = new Map((await currentFileSet(ctx, project._id)).map((f) => [f.path, f]));
    const changes: { path: string; next: { hash: string; size: number } | null }[] = [];
    for (const f of target) {
      if (current.get(f.path)?.hash !== f.hash) changes.push({ path: f.path, next: { hash: f.hash, size: f.size } });
      current.delete(f.path);
    }
    for (const path of current.keys()) changes.push({ path, next: null });
    if (changes.length > MAX_CHANGE_SET_FILES) {
      fail(
        "INVALID",
        `Restoring this version changes ${changes.length} files; a change set holds at most ${MAX_CHANGE_SET_FILES}`,
        { limit: MAX_CHANGE_SET_FILES },
      );
    }
    const title = `Restore the version of ${new Date(version.createdAt).toISOString().slice(0, 16).replace("T", " ")} UTC`;
    const cs = await newChangeSet(ctx, project, ctx.user, { restoreOf: version._id, title });
    for (const c of changes) await putEntry(ctx, cs, project, c.path, c.next, { fromPath: null });
    return cs._id;
  },
});
