// Applying a change set: every chosen path is written in ONE transaction through the
// project's file-writing path (convex/lib/projectFiles.ts keeps the counters exact). A path
// whose project content moved away from the change set's base is merged three ways when
// that is clean; otherwise the whole apply is refused with CONFLICT naming every such path,
// and nothing is written. The result is recorded as a project version (a snapshot).
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { blobByHash, putInlineBlob } from "./blobs";
import { entriesOf, inlineText, MAX_CHANGE_SET_FILES } from "./changeSetTree";
import { fail } from "./errors";
import { hashText } from "./hash";
import { threeWayMerge } from "./merge";
import { normalizePath } from "./paths";
import { applyFileChanges, checkProjectQuota, fileAt, type FileChange } from "./projectFiles";
import { touchProject } from "./projects";
import { createSnapshot } from "./snapshots";

type Planned = {
  entry: Doc<"changeSetFiles">;
  current: Doc<"files"> | null;
  target: { hash: string; size: number } | null;
  merged: boolean;
};

/** The entries `paths` names (with the deleted source of each chosen rename), or all of them. */
async function chosenEntries(ctx: MutationCtx, cs: Doc<"changeSets">, paths: string[] | undefined) {
  const all = await entriesOf(ctx, cs._id);
  if (all.length > MAX_CHANGE_SET_FILES) fail("INVALID", `A change set holds at most ${MAX_CHANGE_SET_FILES} files`);
  if (paths === undefined) return { chosen: all, all };
  const byPath = new Map(all.map((e) => [e.path, e]));
  const chosen = new Map<string, Doc<"changeSetFiles">>();
  for (const raw of paths) {
    const path = normalizePath(raw);
    const entry = byPath.get(path);
    if (!entry) fail("NOT_FOUND", `${path} is not part of this change set`, { path });
    chosen.set(path, entry);
    const source = entry.fromPath === undefined ? undefined : byPath.get(entry.fromPath);
    if (source && source.hash === null) chosen.set(source.path, source);
  }
  if (chosen.size === 0) fail("INVALID", "Choose at least one path to apply");
  return { chosen: [...chosen.values()], all };
}

/** What one entry writes given the project now, or null when it cannot be merged. */
async function plan(
  ctx: MutationCtx,
  projectId: Id<"projects">,
  entry: Doc<"changeSetFiles">,
): Promise<Planned | null> {
  const current = await fileAt(ctx, projectId, entry.path);
  const currentHash = current?.hash ?? null;
  const ours = entry.hash === null ? null : { hash: entry.hash, size: entry.size };
  if (currentHash === entry.baseHash || currentHash === entry.hash)
    return { entry, current, target: ours, merged: false };
  // The project moved on: only two edits of a text file that exists on all three sides can merge.
  if (entry.baseHash === null || entry.hash === null || currentHash === null) return null;
  const [base, theirs, mine] = await Promise.all([
    inlineText(ctx, entry.baseHash),
    inlineText(ctx, currentHash),
    inlineText(ctx, entry.hash),
  ]);
  if (base === null || theirs === null || mine === null) return null;
  const merged = threeWayMerge(base, theirs, mine);
  if (merged === null) return null;
  const content = await hashText(merged);
  await putInlineBlob(ctx, content.hash, merged, content.size);
  return { entry, current, target: content, merged: true };
}

export async function applyChangeSet(
  ctx: MutationCtx,
  cs: Doc<"changeSets">,
  project: Doc<"projects">,
  user: Doc<"users">,
  paths: string[] | undefined,
): Promise<{ versionId: Id<"snapshots"> | null; written: number; merged: string[] }> {
  const { chosen, all } = await chosenEntries(ctx, cs, paths);
  const planned: Planned[] = [];
  const conflicts: string[] = [];
  for (const entry of chosen) {
    const p = await plan(ctx, project._id, entry);
    if (p) planned.push(p);
    else conflicts.push(entry.path);
  }
  if (conflicts.length > 0) {
    fail(
      "CONFLICT",
      `${conflicts.length} file(s) changed in the project since the change set read them and cannot be merged: ${conflicts.join(", ")}`,
      {
        paths: JSON.stringify(conflicts),
      },
    );
  }
  const writes: FileChange[] = [];
  const deletes: Doc<"files">[] = [];
  for (const p of planned) {
    if (p.target && p.target.hash !== p.current?.hash)
      writes.push({ path: p.entry.path, ...p.target, existing: p.current });
    else if (!p.target && p.current) deletes.push(p.current);
  }
  const deletedBytes = deletes.reduce((n, f) => n + f.size, 0);
  checkProjectQuota(
    { ...project, fileCount: project.fileCount - deletes.length, totalBytes: project.totalBytes - deletedBytes },
    writes,
  );

  await applyFileChanges(ctx, project, user, writes);
  if (deletes.length > 0) {
    for (const f of deletes) await ctx.db.delete("files", f._id);
    const now = (await ctx.db.get("projects", project._id))!;
    await touchProject(ctx, now, {
      fileCount: now.fileCount - deletes.length,
      totalBytes: now.totalBytes - deletedBytes,
    });
  }
  const after = (await ctx.db.get("projects", project._id))!;
  const versionId = after.fileCount > 0 ? await createSnapshot(ctx, project._id, user._id) : null;

  const now = Date.now();
  const chosenIds = new Set(planned.map((p) => p.entry._id));
  for (const e of all) if (!chosenIds.has(e._id)) await ctx.db.delete("changeSetFiles", e._id); // not applied: dropped
  for (const p of planned) {
    const appliedHash = p.target?.hash ?? null;
    await ctx.db.patch("changeSetFiles", p.entry._id, { previousHash: p.current?.hash ?? null, appliedHash });
    await ctx.db.insert("fileHistory", {
      projectId: project._id,
      path: p.entry.path,
      changeSetId: cs._id,
      versionId: versionId ?? undefined,
      op: p.entry.op,
      hash: appliedHash,
      size: p.target?.size ?? 0,
      at: now,
      by: user._id,
    });
  }
  await ctx.db.patch("changeSets", cs._id, {
    status: "applied",
    appliedAt: now,
    appliedBy: user._id,
    versionId: versionId ?? undefined,
    fileCount: planned.length,
    requestId: undefined,
    updatedAt: now,
  });
  return {
    versionId,
    written: writes.length + deletes.length,
    merged: planned.filter((p) => p.merged).map((p) => p.entry.path),
  };
}

/** A blob's hash and size (what a restoring entry needs), or null for absent content. */
export async function contentOf(ctx: MutationCtx, hash: string | null): Promise<{ hash: string; size: number } | null> {
  if (hash === null) return null;
  const blob = await blobByHash(ctx, hash);
  return { hash, size: blob?.size ?? 0 };
}
