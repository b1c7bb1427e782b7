// Projects and their members. Roles: owner (everything), editor (write files, deploy),
// viewer (read). Deleting is soft: the project and its files disappear from every read.
// People join through invitations (convex/invitations.ts). How many projects a user may own,
// and how many bytes they hold, is capped by plan (convex/lib/plans.ts, counted in lib/projects.ts).
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { requireProjectRole, membership } from "./lib/access";
import { userMutation, userQuery } from "./lib/auth";
import { cancelProjectDeployments } from "./deploymentWatchdog";
import { fail } from "./lib/errors";
import { boundedPage, EMPTY_PAGE } from "./lib/pagination";
import { addOwnerUsage, cleanDescription, cleanName, memberRows, touchProject } from "./lib/projects";
import { vFramework, vMemberRole, vProject, vUser, type MemberRole } from "./validators";

const MAX_LIST_PAGE = 100;

/** A project as members see it: provider ids and the soft-delete mark stay server-side. */
const vProjectSummary = vProject.omit("providerRefs", "deletedAt").extend({ _id: v.id("projects"), role: vMemberRole }); // role: the caller's

function summary(p: Doc<"projects">, role: MemberRole) {
  const { _creationTime: _created, providerRefs: _refs, deletedAt: _deleted, ...fields } = p;
  return { ...fields, role };
}

export const create = userMutation({
  args: { name: v.string(), description: v.optional(v.string()), framework: vFramework },
  returns: v.id("projects"),
  handler: async (ctx, args) => {
    const name = cleanName(args.name);
    const description = args.description === undefined ? undefined : cleanDescription(args.description);
    // Before the insert: a user without counters yet gets them from their existing projects.
    await addOwnerUsage(ctx, ctx.user._id, { projects: 1, bytes: 0 });
    const now = Date.now();
    const projectId = await ctx.db.insert("projects", {
      ownerId: ctx.user._id,
      name,
      description,
      framework: args.framework,
      fileCount: 0,
      totalBytes: 0,
      createdAt: now,
      updatedAt: now,
    });
    await ctx.db.insert("projectMembers", {
      projectId,
      userId: ctx.user._id,
      role: "owner",
      addedAt: now,
      addedBy: ctx.user._id,
      active: true,
      projectUpdatedAt: now,
    });
    return projectId;
  },
});

/** The caller's projects (owned or shared with them), most recently updated first. */
export const list = userQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vProjectSummary),
  handler: async (ctx, args) => {
    const user = ctx.user;
    if (!user) return EMPTY_PAGE;
    // Deleted projects are skipped by the index itself (`active` mirrors projects.deletedAt),
    // so every page is full and the cursor never walks over them.
    const result = await ctx.db
      .query("projectMembers")
      .withIndex("by_userId_and_active_and_projectUpdatedAt", (q) => q.eq("userId", user._id).eq("active", true))
      .order("desc")
      .paginate(boundedPage(args.paginationOpts, MAX_LIST_PAGE));
    const projects = await Promise.all(result.page.map((m) => ctx.db.get("projects", m.projectId)));
    const page = result.page.flatMap((m, i) => (projects[i] ? [summary(projects[i], m.role)] : []));
    return { ...result, page };
  },
});

export const get = userQuery({
  args: { projectId: v.id("projects") },
  returns: vProjectSummary,
  handler: async (ctx, args) => {
    const { project, role } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    return summary(project, role);
  },
});

export const update = userMutation({
  args: {
    projectId: v.id("projects"),
    name: v.optional(v.string()),
    description: v.optional(v.string()),
    framework: v.optional(vFramework),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "owner");
    const patch: { name?: string; description?: string; framework?: Doc<"projects">["framework"] } = {};
    if (args.name !== undefined) patch.name = cleanName(args.name);
    if (args.description !== undefined) patch.description = cleanDescription(args.description);
    if (args.framework !== undefined) patch.framework = args.framework;
    await touchProject(ctx, project, patch);
    return null;
  },
});

/**
 * Soft delete: the project, its files and its member rows disappear from every read, and its
 * queued and building deployments are canceled (at the provider too).
 */
export const remove = userMutation({
  args: { projectId: v.id("projects") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "owner");
    const now = Date.now();
    await touchProject(ctx, project, { deletedAt: now }, now);
    await cancelProjectDeployments(ctx, project._id);
    return null;
  },
});

const vMember = vUser
  .pick("email", "name", "imageUrl")
  .extend({ userId: v.id("users"), role: vMemberRole, addedAt: v.number() });

/** Everyone who accepted (any member may look); pending invitations: invitations.listForProject. */
export const members = userQuery({
  args: { projectId: v.id("projects") },
  returns: v.array(vMember),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const rows = await memberRows(ctx, project._id);
    const users = await Promise.all(rows.map((m) => ctx.db.get("users", m.userId)));
    return rows.flatMap((m, i) => {
      const u = users[i];
      if (!u || u.deletedAt !== undefined) return [];
      return [{ userId: u._id, role: m.role, email: u.email, name: u.name, imageUrl: u.imageUrl, addedAt: m.addedAt }];
    });
  },
});

/** Owner only: removes a member. The owner cannot be removed. */
export const removeMember = userMutation({
  args: { projectId: v.id("projects"), userId: v.id("users") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "owner");
    if (args.userId === project.ownerId) fail("INVALID", "The owner cannot be removed from their project");
    const m = await membership(ctx, project._id, args.userId);
    if (!m) fail("NOT_FOUND", "That user is not a member of this project");
    await ctx.db.delete("projectMembers", m._id);
    return null;
  },
});

const MAX_HISTORY_PAGE = 50;

/**
 * The project's versions, newest first: every snapshot (recorded when a change set is
 * applied, or when a deployment freezes the files), with the change set that made it.
 */
export const history = userQuery({
  args: { projectId: v.id("projects"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(
    v.object({
      versionId: v.id("snapshots"),
      createdAt: v.number(),
      createdBy: v.id("users"),
      fileCount: v.number(),
      totalBytes: v.number(),
      changeSet: v.union(
        v.object({
          changeSetId: v.id("changeSets"),
          title: v.optional(v.string()),
          fileCount: v.number(),
          appliedAt: v.optional(v.number()),
          revertOf: v.optional(v.id("changeSets")),
          restoreOf: v.optional(v.id("snapshots")),
        }),
        v.null(),
      ),
    }),
  ),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const result = await ctx.db
      .query("snapshots")
      .withIndex("by_projectId", (q) => q.eq("projectId", project._id))
      .order("desc")
      .paginate(boundedPage(args.paginationOpts, MAX_HISTORY_PAGE));
    const page = await Promise.all(
      result.page.map(async (s) => {
        const cs = await ctx.db
          .query("changeSets")
          .withIndex("by_versionId", (q) => q.eq("versionId", s._id))
          .order("desc")
          .first();
        return {
          versionId: s._id,
          createdAt: s.createdAt,
          createdBy: s.createdBy,
          fileCount: s.fileCount,
          totalBytes: s.totalBytes,
          changeSet: cs
            ? {
                changeSetId: cs._id,
                title: cs.title,
                fileCount: cs.fileCount,
                appliedAt: cs.appliedAt,
                revertOf: cs.revertOf,
                restoreOf: cs.restoreOf,
              }
            : null,
        };
      }),
    );
    return { ...result, page };
  },
});
