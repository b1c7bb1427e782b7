// Projects and their members. Roles: owner (everything), editor (write files, deploy),
// viewer (read). Deleting is soft: the project and its files disappear from every read.
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { requireProjectRole, membership } from "./lib/access";
import { userMutation, userQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import { notify } from "./lib/notify";
import { cleanDescription, cleanName, MAX_MEMBERS, memberRows, touchProject } from "./lib/projects";
import { vFramework, vMemberRole, type MemberRole } from "./validators";

const MAX_LIST_PAGE = 100;

const vProjectSummary = v.object({
  _id: v.id("projects"),
  ownerId: v.id("users"),
  name: v.string(),
  description: v.optional(v.string()),
  framework: vFramework,
  fileCount: v.number(),
  totalBytes: v.number(),
  createdAt: v.number(),
  updatedAt: v.number(),
  role: vMemberRole, // the caller's role
});

function summary(p: Doc<"projects">, role: MemberRole) {
  return {
    _id: p._id,
    ownerId: p.ownerId,
    name: p.name,
    description: p.description,
    framework: p.framework,
    fileCount: p.fileCount,
    totalBytes: p.totalBytes,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    role,
  };
}

export const create = userMutation({
  args: { name: v.string(), description: v.optional(v.string()), framework: vFramework },
  returns: v.id("projects"),
  handler: async (ctx, args) => {
    const name = cleanName(args.name);
    const description = args.description === undefined ? undefined : cleanDescription(args.description);
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
    if (!user) return { page: [], isDone: true, continueCursor: "" };
    const numItems = Math.max(1, Math.min(args.paginationOpts.numItems, MAX_LIST_PAGE));
    const result = await ctx.db
      .query("projectMembers")
      .withIndex("by_userId_and_active_and_projectUpdatedAt", (q) => q.eq("userId", user._id).eq("active", true))
      .order("desc")
      .paginate({ ...args.paginationOpts, numItems });
    const page = [];
    for (const m of result.page) {
      const p = await ctx.db.get("projects", m.projectId);
      if (p && p.deletedAt === undefined) page.push(summary(p, m.role));
    }
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

/** Soft delete: the project, its files and its member rows disappear from every read. */
export const remove = userMutation({
  args: { projectId: v.id("projects") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "owner");
    const now = Date.now();
    await touchProject(ctx, project, { deletedAt: now }, now);
    return null;
  },
});

const vMember = v.object({
  userId: v.id("users"),
  role: vMemberRole,
  email: v.string(),
  name: v.optional(v.string()),
  imageUrl: v.optional(v.string()),
  addedAt: v.number(),
});

/** Everyone in the project (any member may look). */
export const members = userQuery({
  args: { projectId: v.id("projects") },
  returns: v.array(vMember),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "viewer");
    const out = [];
    for (const m of await memberRows(ctx, project._id)) {
      const u = await ctx.db.get("users", m.userId);
      if (!u || u.deletedAt !== undefined) continue;
      out.push({ userId: u._id, role: m.role, email: u.email, name: u.name, imageUrl: u.imageUrl, addedAt: m.addedAt });
    }
    return out;
  },
});

/** Owner only: adds an existing AUTOCREA user (by email) as editor or viewer, and tells them. */
export const addMember = userMutation({
  args: { projectId: v.id("projects"), email: v.string(), role: v.union(v.literal("editor"), v.literal("viewer")) },
  returns: v.id("users"),
  handler: async (ctx, args) => {
    const { project } = await requireProjectRole(ctx, ctx.user, args.projectId, "owner");
    const email = args.email.trim().toLowerCase();
    if (email === "" || email.length > 320 || !email.includes("@")) fail("INVALID", "That is not an email address");
    const user = await ctx.db
      .query("users")
      .withIndex("by_email", (q) => q.eq("email", email))
      .first();
    if (!user || user.deletedAt !== undefined) fail("NOT_FOUND", "No AUTOCREA user has that email address");
    if (await membership(ctx, project._id, user._id)) fail("CONFLICT", "That user is already a member");
    if ((await memberRows(ctx, project._id)).length >= MAX_MEMBERS) {
      fail("QUOTA_EXCEEDED", `A project may have at most ${MAX_MEMBERS} members`, { limit: MAX_MEMBERS });
    }
    const now = Date.now();
    await ctx.db.insert("projectMembers", {
      projectId: project._id,
      userId: user._id,
      role: args.role,
      addedAt: now,
      addedBy: ctx.user._id,
      active: true,
      projectUpdatedAt: project.updatedAt,
    });
    const by = ctx.user.name ?? (ctx.user.email || "A user");
    await notify(ctx, {
      userId: user._id,
      type: "project.member_added",
      title: `You were added to ${project.name}`,
      message: `${by} added you to "${project.name}" as ${args.role}.`,
      projectId: project._id,
    });
    return user._id;
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
