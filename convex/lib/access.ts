// Project access: who may read or write a project. Callers without access get NOT_FOUND
// (the project's existence is not revealed); members whose role is too low get FORBIDDEN.
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { MemberRole } from "../validators";
import { fail } from "./errors";

const RANK: Record<MemberRole, number> = { viewer: 1, editor: 2, owner: 3 };

export async function membership(
  ctx: QueryCtx,
  projectId: Id<"projects">,
  userId: Id<"users">,
): Promise<Doc<"projectMembers"> | null> {
  return await ctx.db
    .query("projectMembers")
    .withIndex("by_projectId_and_userId", (q) => q.eq("projectId", projectId).eq("userId", userId))
    .unique();
}

/**
 * The project and the caller's role in it, if the caller's role is at least `minRole`.
 * `user` may be null (a signed-in person with no row yet): they have access to nothing.
 */
export async function requireProjectRole(
  ctx: QueryCtx,
  user: Doc<"users"> | null,
  projectId: Id<"projects">,
  minRole: MemberRole,
): Promise<{ project: Doc<"projects">; role: MemberRole }> {
  const project = await ctx.db.get("projects", projectId);
  const member = user && project ? await membership(ctx, projectId, user._id) : null;
  if (!project || project.deletedAt !== undefined || !member) fail("NOT_FOUND", "Project not found");
  if (RANK[member.role] < RANK[minRole]) {
    fail("FORBIDDEN", `This needs the ${minRole} role in the project; you are ${member.role}`);
  }
  return { project, role: member.role };
}
