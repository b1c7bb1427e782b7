// Project helpers shared by projects.ts and files.ts: member rows and the project's
// "last updated" time, which is mirrored on every member row so each user's project list
// is one index range (`projectMembers.by_userId_and_active_and_projectUpdatedAt`).
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fail } from "./errors";

/** Members per project, the owner included. */
export const MAX_MEMBERS = 50;

export async function memberRows(ctx: QueryCtx, projectId: Id<"projects">): Promise<Doc<"projectMembers">[]> {
  return await ctx.db
    .query("projectMembers")
    .withIndex("by_projectId_and_userId", (q) => q.eq("projectId", projectId))
    .take(MAX_MEMBERS);
}

type ProjectPatch = Partial<
  Pick<Doc<"projects">, "name" | "description" | "framework" | "fileCount" | "totalBytes" | "deletedAt">
>;

/**
 * Patches the project, stamps `updatedAt`, and mirrors the new time (and, on soft delete,
 * `active: false`) onto every member row.
 */
export async function touchProject(
  ctx: MutationCtx,
  project: Doc<"projects">,
  patch: ProjectPatch,
  now = Date.now(),
): Promise<void> {
  const updatedAt = Math.max(now, project.updatedAt);
  await ctx.db.patch("projects", project._id, { ...patch, updatedAt });
  const active = patch.deletedAt === undefined && project.deletedAt === undefined;
  for (const m of await memberRows(ctx, project._id)) {
    if (m.projectUpdatedAt !== updatedAt || m.active !== active) {
      await ctx.db.patch("projectMembers", m._id, { projectUpdatedAt: updatedAt, active });
    }
  }
}

export const MAX_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;

export function cleanName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) fail("INVALID", "Project name is empty");
  if (name.length > MAX_NAME_LENGTH) fail("INVALID", `Project name is longer than ${MAX_NAME_LENGTH} characters`);
  return name;
}

/** Trimmed description; an empty one clears it (undefined). */
export function cleanDescription(raw: string): string | undefined {
  const description = raw.trim();
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    fail("INVALID", `Description is longer than ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return description === "" ? undefined : description;
}
