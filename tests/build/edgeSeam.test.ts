// The edge's side of the build seam, against a fake Convex (tests/edge/helpers.ts) and the
// fake Claude: Convex unreachable at a turn call (retried with the same requestId, then one
// error), refusals in a turn answer, the request body, and the calls made before Claude.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { TURN_ATTEMPTS_MS } from "../../edge/ai/build";
import { settleCompletions } from "../../edge/ai/run";
import { parseSse } from "../ai/helpers";
import { startAnthropicFake, toolResultsOf, type AnthropicFake } from "../fakes/anthropic";
import { bearer, edgeApp, json, type SeamRequest } from "../edge/helpers";

const EDITOR = "str_replace_based_edit_tool";
let claude: AnthropicFake;
beforeAll(async () => {
  claude = await startAnthropicFake();
});
afterAll(async () => {
  await claude.close();
});
beforeEach(async () => {
  await settleCompletions();
  claude.reset();
});

const BEGUN = {
  requestId: "req1",
  changeSetId: "cs1",
  conversationId: "conv1",
  model: "claude-sonnet-5-5",
  maxTokens: 4_000,
  maxTurns: 25,
  turn: 0,
  project: { name: "Shop", framework: "react" },
  files: ["index.html"],
  filesTruncated: false,
  history: [],
};
const usage = { inputTokens: 120, outputTokens: 40, cacheReadTokens: 0, cacheWriteTokens: 0 };
const progress = (status: string, turns: number, extra: Record<string, unknown> = {}) => ({
  changeSetId: "cs1",
  status,
  files: 1,
  turns,
  usage,
  costMicros: 640 * turns,
  ...extra,
});
/** A turn answer: one ok result per tool call, a file event per create, `next` while calls continue. */
function answerFor(body: any, n: number) {
  const calls = body.toolCalls as { id: string; input: any }[];
  return {
    results: calls.map((c) => ({ toolUseId: c.id, content: "ok", isError: false })),
    files: calls.map((c) => ({ changeSetId: "cs1", path: c.input.path, op: "create", added: 1, removed: 0 })),
    next: calls.length && !body.end ? { requestId: `req${n + 1}`, maxTokens: 1_000 } : null,
    stop: null,
    changeSet: progress(body.end ? "interrupted" : calls.length ? "drafting" : "proposed", n),
  };
}

/** An edge whose Convex answers begin, then each turn with `turn(body, n, attempt)`. */
async function edgeWith(turn: (body: any, n: number, attempt: number) => unknown = (b, n) => answerFor(b, n)) {
  let n = 0;
  const attempts = new Map<string, number>();
  const edge = await edgeApp({
    env: { ANTHROPIC_BASE_URL: claude.url, ANTHROPIC_API_KEY: claude.apiKey, ANTHROPIC_MAX_RETRIES: "0" },
    convex: (req: SeamRequest) => {
      if (req.path === "/edge/ai/build/begin") return BEGUN;
      const body = req.body as any;
      const tries = (attempts.get(body.requestId) ?? 0) + 1;
      attempts.set(body.requestId, tries);
      if (tries === 1) n++;
      return turn(body, n, tries);
    },
  });
  const post = (body: unknown = { projectId: "p1", message: "build it" }, sse = true) =>
    edge.app.request("/api/ai/build", {
      method: "POST",
      headers: {
        ...bearer(edge.token("user_seam")),
        "Content-Type": "application/json",
        ...(sse ? { Accept: "text/event-stream" } : {}),
      },
      body: JSON.stringify(body),
    });
  const turns = () => edge.seamRequests.filter((r) => r.path === "/edge/ai/build/turn").map((r) => r.body as any);
  return { edge, post, turns };
}

const twoTurns = () =>
  claude.script(
    { text: "Files.", toolCalls: [{ name: EDITOR, input: { command: "create", path: "a.ts", file_text: "a" } }] },
    { text: "Done." },
  );

describe("Convex unreachable at a turn call", () => {
  test("retried with the same requestId until it answers; the build goes on", async () => {
    twoTurns();
    const { post, turns } = await edgeWith((body, n, attempt) =>
      n === 1 && attempt < 3 ? json(503, { error: { code: "UNAVAILABLE", message: "down" } }) : answerFor(body, n),
    );
    const events = parseSse(await (await post()).text());
    expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "proposed", turns: 2 } });
    expect(turns().map((t) => t.requestId)).toEqual(["req1", "req1", "req1", "req2"]);
    expect(claude.requests).toHaveLength(2); // Claude was not asked again for the retried turn
    expect(toolResultsOf(claude.bodies()[1])).toEqual([
      { type: "tool_result", tool_use_id: "toolu_fake_1_0", content: "ok", cache_control: { type: "ephemeral" } },
    ]);
  });

  test(`still down after ${TURN_ATTEMPTS_MS.length} attempts: one error UNAVAILABLE naming the change set`, async () => {
    twoTurns();
    const { post, turns } = await edgeWith(() => json(503, { error: { code: "UNAVAILABLE", message: "down" } }));
    const events = parseSse(await (await post()).text());
    expect(events.filter((e) => e.event === "error")).toEqual([
      { event: "error", data: { code: "UNAVAILABLE", message: "down", changeSetId: "cs1" } },
    ]);
    expect(events.some((e) => e.event === "done" || e.event === "file")).toBe(false);
    expect(turns()).toHaveLength(TURN_ATTEMPTS_MS.length);
    expect(claude.requests).toHaveLength(1);
  });

  test("a refusal that is not an outage is not retried", async () => {
    twoTurns();
    const { post, turns } = await edgeWith(() =>
      json(404, { error: { code: "NOT_FOUND", message: "Build request not found" } }),
    );
    const events = parseSse(await (await post()).text());
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "NOT_FOUND" } });
    expect(turns()).toHaveLength(1);
  });
});

describe("what a turn answer decides", () => {
  test("`stop` (quota or rate limit) → one error with its code and retryAfterMs; Claude is not called again", async () => {
    twoTurns();
    const { post } = await edgeWith((body, n) => ({
      ...answerFor(body, n),
      next: null,
      stop: { code: "RATE_LIMITED", message: "At most 100 build turns per 15 minutes", retryAfterMs: 5_000 },
      changeSet: progress("interrupted", 1),
    }));
    const events = parseSse(await (await post()).text());
    expect(events.map((e) => e.event)).toEqual(["start", "delta", "file", "error"]);
    expect(events.at(-1)!.data).toEqual({
      code: "RATE_LIMITED",
      message: "At most 100 build turns per 15 minutes",
      retryAfterMs: 5_000,
      changeSetId: "cs1",
    });
    expect(claude.requests).toHaveLength(1);
  });

  test("JSON mode: `stop` is the HTTP error (429 with Retry-After)", async () => {
    twoTurns();
    const { post } = await edgeWith((body, n) => ({
      ...answerFor(body, n),
      next: null,
      stop: { code: "QUOTA_EXCEEDED", message: "Daily limit", retryAfterMs: 61_000 },
    }));
    const res = await post(undefined, false);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("61");
    expect((await res.json()).error).toMatchObject({ code: "QUOTA_EXCEEDED", changeSetId: "cs1" });
  });

  test("a note (max turns, output budget) is passed on in done; next.maxTokens caps the next call", async () => {
    twoTurns();
    const { post } = await edgeWith((body, n) =>
      n === 2
        ? { ...answerFor(body, n), changeSet: progress("proposed", 2, { note: "Stopped after 25 turns" }) }
        : answerFor(body, n),
    );
    const events = parseSse(await (await post()).text());
    expect(events.at(-1)).toMatchObject({
      event: "done",
      data: { status: "proposed", note: "Stopped after 25 turns", conversationId: "conv1" },
    });
    expect(claude.bodies().map((b) => b.max_tokens)).toEqual([4_000, 1_000]);
  });

  test("the turn body carries Claude's usage, text, stop reason and complete tool calls", async () => {
    twoTurns();
    const { post, turns } = await edgeWith();
    await (await post()).text();
    const [first, second] = turns();
    expect(first).toMatchObject({
      requestId: "req1",
      changeSetId: "cs1",
      usage,
      stopReason: "tool_use",
      text: "Files.",
      toolCalls: [{ id: "toolu_fake_1_0", name: EDITOR, input: { command: "create", path: "a.ts", file_text: "a" } }],
    });
    expect(first.end).toBeUndefined();
    expect(first.latencyMs).toBeGreaterThan(0);
    expect(second).toMatchObject({ requestId: "req2", stopReason: "end_turn", text: "Done.", toolCalls: [] });
  });
});

describe("the client goes away between turns", () => {
  test("the request Convex already opened for the next turn is closed unused (canceled, zero usage); Claude is not called again", async () => {
    twoTurns();
    const gone = new AbortController();
    const { edge, turns } = await edgeWith((body, n) => {
      if (n === 1) gone.abort(); // the client leaves while Convex runs turn one's tools
      return answerFor(body, n);
    });
    const res = await edge.app.request("/api/ai/build", {
      method: "POST",
      headers: { ...bearer(edge.token("user_seam")), "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ projectId: "p1", message: "build it" }),
      signal: gone.signal,
    });
    await res.text().catch(() => "");
    await settleCompletions();
    expect(turns().map((t) => [t.requestId, t.end])).toEqual([
      ["req1", undefined],
      ["req2", { status: "canceled" }],
    ]);
    expect(turns()[1]).toMatchObject({
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
      toolCalls: [],
    });
    expect(claude.requests).toHaveLength(1);
  });
});

describe("the request", () => {
  test("exactly one Convex call (begin) before Claude's first byte, with the caller's message", async () => {
    claude.script({ text: "Nothing to do." });
    const { edge, post } = await edgeWith();
    const events = parseSse(await (await post({ projectId: "p1", message: "hello", changeSetId: "cs1" })).text());
    expect(events.at(-1)!.event).toBe("done");
    expect(edge.seamRequests.map((r) => r.path)).toEqual(["/edge/ai/build/begin", "/edge/ai/build/turn"]);
    expect(edge.seamRequests[0].body).toMatchObject({ projectId: "p1", message: "hello", changeSetId: "cs1" });
    expect(claude.bodies()[0].messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hello", cache_control: { type: "ephemeral" } }] },
    ]);
  });

  test("bad bodies are 400 INVALID naming the field; no token is 401; nothing reaches Convex or Claude", async () => {
    const { edge, post } = await edgeWith();
    for (const [body, field] of [
      [{ message: "x" }, "projectId"],
      [{ projectId: "p1", message: "   " }, "message"],
      [{ projectId: "p1", message: "x", extra: 1 }, "extra"],
      [{ projectId: "p/1", message: "x" }, "projectId"],
    ] as const) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: "INVALID", field });
    }
    const anon = await edge.app.request("/api/ai/build", {
      method: "POST",
      body: "{}",
      headers: { "Content-Type": "application/json" },
    });
    expect(anon.status).toBe(401);
    expect(edge.seamRequests).toHaveLength(0);
    expect(claude.requests).toHaveLength(0);
  });

  test("without ANTHROPIC_API_KEY outside mock mode: 502 UPSTREAM before Convex is called", async () => {
    const edge = await edgeApp({ env: { ANTHROPIC_BASE_URL: claude.url } });
    const res = await edge.app.request("/api/ai/build", {
      method: "POST",
      headers: { ...bearer(edge.token()), "Content-Type": "application/json" },
      body: JSON.stringify({ projectId: "p1", message: "x" }),
    });
    expect(res.status).toBe(502);
    expect(edge.seamRequests).toHaveLength(0);
  });
});
