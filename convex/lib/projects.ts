// Project helpers shared by projects.ts and files.ts: member rows, the project's
// "last updated" time, which is mirrored on every member row so each user's project list
// is one index range (`projectMembers.by_userId_and_active_and_projectUpdatedAt`), and the
// owner's plan caps (projects owned, bytes stored), kept as counters in `userUsage`.
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fail } from "./errors";
import { PLAN_LIMITS } from "./plans";

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
 * `active: false`) onto every member row. Changes of `totalBytes` and a soft delete move the
 * owner's counters; growth past the owner's storage cap is QUOTA_EXCEEDED (and, the mutation
 * failing as a whole, nothing is written).
 */
export async function touchProject(
  ctx: MutationCtx,
  project: Doc<"projects">,
  patch: ProjectPatch,
  now = Date.now(),
): Promise<void> {
  if (project.deletedAt === undefined) {
    const deleting = patch.deletedAt !== undefined;
    const bytesAfter = deleting ? 0 : (patch.totalBytes ?? project.totalBytes);
    const bytes = bytesAfter - project.totalBytes;
    if (bytes !== 0 || deleting) await addOwnerUsage(ctx, project.ownerId, { projects: deleting ? -1 : 0, bytes });
  }
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

// ---------- per-owner caps (PLAN_LIMITS.maxProjects / maxStoredBytes) ----------

/** Projects read to build a missing counter row (users from before the counters existed). */
const USAGE_BACKFILL_SCAN = 2_000;

type OwnerUsage = { projectCount: number; storedBytes: number; row: Doc<"userUsage"> | null };

/**
 * The owner's counters. A user whose row predates the counters gets them computed once from
 * their (bounded) owned projects; the first write stores them.
 */
async function ownerUsage(ctx: QueryCtx, userId: Id<"users">): Promise<OwnerUsage> {
  const row = await ctx.db
    .query("userUsage")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
  if (row) return { projectCount: row.projectCount, storedBytes: row.storedBytes, row };
  const owned = await ctx.db
    .query("projects")
    .withIndex("by_ownerId", (q) => q.eq("ownerId", userId))
    .take(USAGE_BACKFILL_SCAN);
  const live = owned.filter((p) => p.deletedAt === undefined);
  return { projectCount: live.length, storedBytes: live.reduce((n, p) => n + p.totalBytes, 0), row: null };
}

async function planOf(ctx: QueryCtx, userId: Id<"users">) {
  const owner = await ctx.db.get("users", userId);
  return owner?.plan ?? "free";
}

/** Moves the owner's counters; refuses growth past the plan's caps (QUOTA_EXCEEDED). */
export async function addOwnerUsage(
  ctx: MutationCtx,
  userId: Id<"users">,
  delta: { projects: number; bytes: number },
): Promise<void> {
  const usage = await ownerUsage(ctx, userId);
  const projectCount = Math.max(0, usage.projectCount + delta.projects);
  const storedBytes = Math.max(0, usage.storedBytes + delta.bytes);
  if (delta.projects > 0 || delta.bytes > 0) {
    const plan = await planOf(ctx, userId);
    const limits = PLAN_LIMITS[plan];
    if (delta.projects > 0 && projectCount > limits.maxProjects) {
      fail("QUOTA_EXCEEDED", `The ${plan} plan allows ${limits.maxProjects} projects; delete one or upgrade`, {
        limit: "projects",
        max: limits.maxProjects,
        current: usage.projectCount,
        plan,
      });
    }
    if (delta.bytes > 0 && storedBytes > limits.maxStoredBytes) {
      fail(
        "QUOTA_EXCEEDED",
        `The ${plan} plan allows ${limits.maxStoredBytes} bytes of files across the projects of one owner`,
        {
          limit: "storedBytes",
          max: limits.maxStoredBytes,
          current: usage.storedBytes,
          plan,
        },
      );
    }
  }
  if (usage.row) await ctx.db.patch("userUsage", usage.row._id, { projectCount, storedBytes });
  else await ctx.db.insert("userUsage", { userId, projectCount, storedBytes });
}
