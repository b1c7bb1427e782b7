// Every way a build can go wrong on the Claude side, through the whole stack: the events the
// client gets, the change set's final state (completed edits kept, nothing half-written) and
// the usage billed (exactly what was consumed). Turn one always succeeds with one edit;
// turn two is what each test breaks.
import { describe, expect, test } from "vitest";
import { CANCELED_NOTE } from "../../convex/build";
import type { FakeTurn } from "../fakes/anthropic";
import { parseSse } from "../ai/helpers";
import {
  buildCall,
  buildRequests,
  buildSse,
  buildTestStack,
  changeSetContent,
  changeSetFiles,
  changeSetRow,
  MODEL,
  names,
  settleCompletions,
} from "./edgeHelpers";

// One SDK retry (the stack's default); a short silence limit so the stall test stays quick.
const { stack, freshOwner } = buildTestStack("user_build_fail", { env: { ANTHROPIC_IDLE_TIMEOUT_MS: "600" } });
const EDITOR = "str_replace_based_edit_tool";
const create = (path: string, file_text: string) => ({ name: EDITOR, input: { command: "create", path, file_text } });
const FIRST: FakeTurn = { text: "First file.", toolCalls: [create("src/one.ts", "export const one = 1;\n")] };
const SECOND: FakeTurn = {
  text: "Second",
  toolCalls: [create("src/two.ts", "export const two = 2;\n"), create("src/three.ts", "export const three = 3;\n")],
};

/** Runs a build scripted as FIRST then `second` (one or more fake answers), read as SSE to the end. */
async function brokenOnTurnTwo(...second: FakeTurn[]) {
  const owner = await freshOwner();
  stack.fakes.anthropic.script(FIRST, ...second);
  const { status, events } = await buildSse(stack, owner.token, {
    projectId: owner.projectId,
    message: "build",
    model: MODEL,
  });
  expect(status).toBe(200);
  const changeSetId: string = events[0].data.changeSetId;
  return { ...owner, events, changeSetId };
}

/** Only turn one's edit is in the change set, intact. */
async function expectOnlyTurnOne(changeSetId: string) {
  expect((await changeSetFiles(stack, changeSetId)).map((f) => f.path)).toEqual(["src/one.ts"]);
  expect(await changeSetContent(stack, changeSetId, "src/one.ts")).toBe("export const one = 1;\n");
}

/** The change set's totals are the sum of its request rows (what each was billed). */
async function expectTotalsAreRows(clerkId: string, changeSetId: string) {
  const rows = await buildRequests(stack, clerkId);
  const cs = (await changeSetRow(stack, changeSetId))!;
  expect(cs.totals.inputTokens).toBe(rows.reduce((s, r) => s + r.inputTokens, 0));
  expect(cs.totals.outputTokens).toBe(rows.reduce((s, r) => s + r.outputTokens, 0));
  expect(cs.totals.costMicros).toBe(rows.reduce((s, r) => s + r.costMicros, 0));
  return { rows, cs };
}

describe("the stream is cut in the middle of a tool call", () => {
  for (const afterChunks of [1, 4]) {
    test(`after ${afterChunks} JSON piece(s): nothing of turn two runs, interrupted, tokens billed; continuing resumes`, async () => {
      const { token, projectId, clerkId, events, changeSetId } = await brokenOnTurnTwo({
        ...SECOND,
        fault: { kind: "cutInToolCall", tool: 1, afterChunks },
      });
      expect(names(events).filter((n, i, all) => n !== all[i - 1])).toEqual([
        "start",
        "delta",
        "file",
        "delta",
        "error",
      ]);
      expect(events.at(-1)!.data).toMatchObject({ code: "UPSTREAM", changeSetId });
      await expectOnlyTurnOne(changeSetId);
      const { rows, cs } = await expectTotalsAreRows(clerkId, changeSetId);
      expect(cs.status).toBe("interrupted");
      expect(rows.map((r) => r.status)).toEqual(["completed", "failed"]);
      // Turn two's input was reported at its start; its output is estimated from what arrived.
      expect(rows[1]).toMatchObject({ inputTokens: 120, error: { code: "UPSTREAM" } });
      expect(rows[1].outputTokens).toBeGreaterThan(0);
      expect(rows[1].costMicros).toBeGreaterThan(0);

      // Continuing the change set resumes it with everything done so far.
      stack.fakes.anthropic.script(SECOND, { text: "All three." });
      const resumed = await buildSse(stack, token, { projectId, message: "go on", model: MODEL, changeSetId });
      expect(resumed.events.at(-1)).toMatchObject({
        event: "done",
        data: { changeSetId, status: "proposed", files: 3 },
      });
      expect(await changeSetContent(stack, changeSetId, "src/three.ts")).toBe("export const three = 3;\n");
      expect(stack.fakes.anthropic.bodies().at(-2)!.system[1].text).toContain("\nsrc/one.ts");
    });
  }

  test("Claude stops at max_tokens inside a tool call: that call is not run", async () => {
    const { clerkId, events, changeSetId } = await brokenOnTurnTwo({ ...SECOND, stopReason: "max_tokens" });
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "UPSTREAM", changeSetId } });
    await expectOnlyTurnOne(changeSetId);
    const { rows, cs } = await expectTotalsAreRows(clerkId, changeSetId);
    expect(cs.status).toBe("interrupted");
    expect(rows[1]).toMatchObject({ status: "failed", outputTokens: 40 }); // Claude's own count
  });
});

describe("Claude fails after the SDK's retries", () => {
  for (const status of [429, 529, 500]) {
    test(`${status} twice → one error UPSTREAM_OVERLOADED; turn two costs nothing`, async () => {
      const { clerkId, events, changeSetId } = await brokenOnTurnTwo({ httpStatus: status }, { httpStatus: status });
      expect(events.filter((e) => e.event === "error")).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "UPSTREAM_OVERLOADED", changeSetId } });
      expect(stack.fakes.anthropic.requests).toHaveLength(3); // turn one, then two attempts
      await expectOnlyTurnOne(changeSetId);
      const { rows, cs } = await expectTotalsAreRows(clerkId, changeSetId);
      expect(cs.status).toBe("interrupted");
      expect(rows[1]).toMatchObject({ status: "failed", inputTokens: 0, outputTokens: 0, costMicros: 0 });
    });
  }

  test("a long Retry-After is passed on: RATE_LIMITED with retryAfterMs", async () => {
    const { events, changeSetId } = await brokenOnTurnTwo({ httpStatus: 429, retryAfterSec: 30 });
    expect(events.at(-1)).toMatchObject({
      event: "error",
      data: { code: "RATE_LIMITED", retryAfterMs: 30_000, changeSetId },
    });
    expect(stack.fakes.anthropic.requests).toHaveLength(2); // not waited out
  });

  test("an error event in the middle of the stream → UPSTREAM_OVERLOADED, what arrived is billed", async () => {
    const { clerkId, events, changeSetId } = await brokenOnTurnTwo({
      ...SECOND,
      fault: { kind: "error", afterEvents: 4 },
    });
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "UPSTREAM_OVERLOADED", changeSetId } });
    await expectOnlyTurnOne(changeSetId);
    const { rows } = await expectTotalsAreRows(clerkId, changeSetId);
    expect(rows[1]).toMatchObject({ status: "failed", inputTokens: 120 });
  });

  test("Claude goes silent mid-turn → TIMEOUT, interrupted", async () => {
    const { clerkId, events, changeSetId } = await brokenOnTurnTwo({
      ...SECOND,
      fault: { kind: "pause", afterEvents: 5 },
    });
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "TIMEOUT", changeSetId } });
    await expectOnlyTurnOne(changeSetId);
    const { cs } = await expectTotalsAreRows(clerkId, changeSetId);
    expect(cs.status).toBe("interrupted");
  });
});

describe("refusals and the client leaving", () => {
  test("the daily token quota runs out after turn one: its edits are kept, one error QUOTA_EXCEEDED", async () => {
    const owner = await freshOwner();
    stack.fakes.anthropic.script({ ...FIRST, usage: { input_tokens: 30_000, output_tokens: 21_000 } }, SECOND);
    const { events } = await buildSse(stack, owner.token, { projectId: owner.projectId, message: "big", model: MODEL });
    const changeSetId = events[0].data.changeSetId;
    expect(events.filter((e) => e.event === "error")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "QUOTA_EXCEEDED", changeSetId } });
    expect(events.at(-1)!.data.retryAfterMs).toBeGreaterThan(0);
    expect(stack.fakes.anthropic.requests).toHaveLength(1); // Claude was not called again
    await expectOnlyTurnOne(changeSetId);
    const { rows, cs } = await expectTotalsAreRows(owner.clerkId, changeSetId);
    expect(cs.status).toBe("interrupted");
    expect(rows).toHaveLength(1);
  });

  test("a refusal at begin is a plain HTTP error with Retry-After, before any stream", async () => {
    const owner = await freshOwner();
    stack.fakes.anthropic.script({ text: "Big", usage: { input_tokens: 40_000, output_tokens: 11_000 } });
    await buildSse(stack, owner.token, { projectId: owner.projectId, message: "one", model: MODEL });
    const res = await buildCall(
      stack,
      owner.token,
      { projectId: owner.projectId, message: "two", model: MODEL },
      { sse: true },
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await res.json()).error.code).toBe("QUOTA_EXCEEDED");
    expect(stack.fakes.anthropic.requests).toHaveLength(1);
  });

  test("the client disconnects mid-turn: Claude is stopped, the turn is recorded, interrupted, tokens billed", async () => {
    const owner = await freshOwner();
    stack.fakes.anthropic.script(FIRST, { ...SECOND, fault: { kind: "pause", afterEvents: 5 } });
    const abort = new AbortController();
    const res = await buildCall(
      stack,
      owner.token,
      { projectId: owner.projectId, message: "build", model: MODEL },
      { sse: true, signal: abort.signal },
    );
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes('"text":"Second"')) text += new TextDecoder().decode((await reader.read()).value);
    const changeSetId = parseSse(text)[0].data.changeSetId;
    abort.abort();
    await reader.cancel().catch(() => {});
    await new Promise((r) => setTimeout(r, 100)); // the edge notices the closed socket
    await settleCompletions();

    expect(stack.fakes.anthropic.streams[1].clientAborted).toBe(true);
    await expectOnlyTurnOne(changeSetId);
    const { rows, cs } = await expectTotalsAreRows(owner.clerkId, changeSetId);
    expect(cs.status).toBe("interrupted");
    expect(rows.map((r) => r.status)).toEqual(["completed", "canceled"]);
    expect(cs.note).toBe(CANCELED_NOTE);
    expect(rows[1].inputTokens).toBe(120);
    expect(rows[1].outputTokens).toBeGreaterThan(0);
  });
});
