// The edge's Anthropic configuration: no key at all, and dev's mock mode.
import { afterEach, describe, expect, test } from "vitest";
import { loadConfig } from "../../edge/config";
import { settleCompletions } from "../../edge/ai/run";
import { startStack, type Stack } from "../stack";
import { aiCall, allRequests, sse } from "./helpers";

let stack: Stack | undefined;
afterEach(async () => {
  await settleCompletions();
  await stack?.close();
  stack = undefined;
});

describe("edge config", () => {
  test("reads the anthropic block from the environment, with defaults", () => {
    expect(loadConfig({}).anthropic).toEqual({
      apiKey: "",
      baseURL: undefined,
      maxRetries: 2,
      timeoutMs: 60_000,
      idleTimeoutMs: 60_000,
      maxRetryWaitMs: 5_000,
      mock: false,
    });
    const c = loadConfig({
      ANTHROPIC_API_KEY: "k",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
      ANTHROPIC_MAX_RETRIES: "0",
      ANTHROPIC_TIMEOUT_MS: "bogus",
      AUTOCREA_MOCK_SERVICES: "vercel, anthropic",
    }).anthropic;
    expect(c).toMatchObject({
      apiKey: "k",
      baseURL: "http://127.0.0.1:9",
      maxRetries: 0,
      timeoutMs: 60_000,
      mock: true,
    });
  });
});

describe("without ANTHROPIC_API_KEY", () => {
  test("every AI route answers 502 UPSTREAM, before any row or quota is touched", async () => {
    stack = await startStack({ env: { ANTHROPIC_API_KEY: "" } });
    const token = await stack.signIn({ id: "user_no_key" });
    const seam = stack.seamCalls.length;
    const res = await aiCall(stack, token, "generate", { prompt: "x" }, { sse: true });
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error.code).toBe("UPSTREAM");
    expect(body.error.message).toContain("ANTHROPIC_API_KEY");
    expect(stack.seamCalls.length).toBe(seam);
    expect(await allRequests(stack)).toEqual([]);
    expect(stack.fakes.anthropic.requests).toHaveLength(0);
  });
});

describe("mock mode (AUTOCREA_MOCK_SERVICES=anthropic)", () => {
  test("requests are flagged mock in the ledger, the done event and the JSON answer", async () => {
    stack = await startStack({ env: { AUTOCREA_MOCK_SERVICES: "anthropic" } });
    const token = await stack.signIn({ id: "user_mock" });
    const { events } = await sse(stack, token, "generate", { prompt: "x" });
    const done = events.at(-1)!;
    expect(done).toMatchObject({ event: "done", data: { mock: true } });
    const json = await (await aiCall(stack, token, "explain", { code: "x", language: "js" })).json();
    expect(json.mock).toBe(true);
    await settleCompletions();
    const rows = await allRequests(stack);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ mock: true, status: "completed" });
  });
});
