// Text comparisons for change sets: line counts of an edit, the unified diff a reviewer
// reads (the `diff` package), and the three-way merge apply uses when the project moved on
// since the change set read a file (`node-diff3`). Texts are split on "\n" and joined back
// with it, so a clean merge is byte-exact (trailing newline and "\r" included).
import { diffLines, structuredPatch } from "diff";
import { diff3Merge } from "node-diff3";
import { linesOf } from "./textEditor";

/** Past this many changed lines the exact count is skipped (an estimate from line totals is used). */
const MAX_EDIT_LENGTH = 5_000;

/** Lines added and removed from `before` to `after`. */
export function lineChanges(before: string, after: string): { added: number; removed: number } {
  if (before === after) return { added: 0, removed: 0 };
  const changes = diffLines(before, after, { maxEditLength: MAX_EDIT_LENGTH });
  if (!changes) return { added: linesOf(after).length, removed: linesOf(before).length };
  let added = 0;
  let removed = 0;
  for (const c of changes) {
    if (c.added) added += c.count;
    else if (c.removed) removed += c.count;
  }
  return { added, removed };
}

export type DiffHunk = { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] };

/** A hunk header's "start,count"; an empty side names the line before it (GNU diff's convention, "-0,0" for a new file). */
function range(start: number, lines: number): string {
  return `${lines === 0 ? start - 1 : start},${lines}`;
}

/** A unified diff ("--- a/path" / "+++ b/path") and its hunks. */
export function unifiedDiff(oldPath: string | null, newPath: string | null, before: string, after: string) {
  const from = oldPath === null ? "/dev/null" : `a/${oldPath}`;
  const to = newPath === null ? "/dev/null" : `b/${newPath}`;
  const patch = structuredPatch(from, to, before, after, undefined, undefined, { context: 3 });
  const hunks: DiffHunk[] = patch.hunks.map((h) => ({
    oldStart: h.oldStart,
    oldLines: h.oldLines,
    newStart: h.newStart,
    newLines: h.newLines,
    lines: h.lines,
  }));
  const body = hunks
    .map((h) => [`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines].join("\n"))
    .join("\n");
  const unified = hunks.length === 0 ? "" : `--- ${from}\n+++ ${to}\n${body}\n`;
  return { unified, hunks };
}

/**
 * Merges two edits of `base`: `theirs` (the project now) and `ours` (the change set).
 * Clean when the edits touch different regions (or make the same change); else null.
 */
export function threeWayMerge(base: string, theirs: string, ours: string): string | null {
  if (theirs === ours) return ours;
  if (theirs === base) return ours;
  if (ours === base) return theirs;
  const regions = diff3Merge(theirs.split("\n"), base.split("\n"), ours.split("\n"), { excludeFalseConflicts: true });
  const out: string[] = [];
  for (const r of regions) {
    if (r.conflict || !r.ok) return null;
    out.push(...r.ok);
  }
  return out.join("\n");
}
