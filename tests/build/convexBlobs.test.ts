// Content a change set points at survives the daily blob sweep; a build left drafting by an
// edge that went away can still be applied once its request is closed.
import { createHash } from "node:crypto";
import { afterEach, beforeEach, expect, onTestFinished, test, vi } from "vitest";
import { captureConsole } from "../console";
import { api, internal } from "../../convex/_generated/api";
import { GRACE_MS } from "../../convex/blobs";
import { expectCode } from "../convex/helpers";
import { begin, buildSetup, editor, projectFiles, turn, writeFiles } from "./convexHelpers";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** A settled build schedules the thread's analysis, which says it has no Claude key here: expected, not printed. */
function quietAnalysis() {
  const warned = captureConsole("warn");
  onTestFinished(() => {
    for (const m of warned.messages()) expect(m).toBe("conversation analysis skipped: ANTHROPIC_API_KEY is not set");
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test("the sweep keeps a change set's new content and its base, and deletes neither after the project moved on", async () => {
  quietAnalysis();
  const s = await buildSetup();
  await writeFiles(s, { "a.txt": "base\n" });
  const b = await begin(s);
  await turn(s, b, [
    editor({ command: "create", path: "a.txt", file_text: "proposed\n" }),
    editor({ command: "create", path: "tmp.txt", file_text: "orphan\n" }),
    { name: "delete_file", input: { path: "tmp.txt" } },
  ]);
  // The project's a.txt changes: "base\n" is now referenced by the change set only.
  await s.alice.mutation(api.files.write, { projectId: s.projectId, path: "a.txt", content: "project edit\n" });
  vi.advanceTimersByTime(GRACE_MS + 1);
  await s.t.mutation(internal.blobs.sweep, {});
  await s.t.finishAllScheduledFunctions(vi.runAllTimers);
  const hashes = await s.t.run(async (ctx) => (await ctx.db.query("blobs").collect()).map((x) => x.hash));
  expect(hashes.sort()).toEqual([sha("base\n"), sha("proposed\n"), sha("project edit\n")].sort());
});

test("a drafting change set is refused while its Claude call runs, and applies once that request is closed", async () => {
  quietAnalysis();
  const s = await buildSetup();
  const b = await begin(s);
  const a = await turn(s, b, [editor({ command: "create", path: "kept.txt", file_text: "kept\n" })]);
  await expectCode(s.alice.mutation(api.changeSets.apply, { changeSetId: b.changeSetId }), "CONFLICT");
  // The edge went away; the stale-request sweep closes the open request after 10 minutes.
  vi.advanceTimersByTime(11 * 60_000);
  await s.t.mutation(internal.aiRequests.closeStale, {});
  const row = await s.t.run(async (ctx) => await ctx.db.get("aiRequests", a.next!.requestId));
  expect(row?.status).toBe("failed");
  await s.alice.mutation(api.changeSets.apply, { changeSetId: b.changeSetId });
  expect(await projectFiles(s)).toEqual({ "kept.txt": "kept\n" });
  // The thread's analysis came due with the 11 minutes: it runs here, inside the test that
  // captures its warning, not after the test on a busy machine.
  await s.t.finishAllScheduledFunctions(vi.runAllTimers);
});
