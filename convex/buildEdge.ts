// The edge seam of the build agent (POST, JSON; see docs/build-agent.md): `/edge/ai/build/begin`
// before Claude's first byte and `/edge/ai/build/turn` once per Claude turn. Fields are
// picked and type-checked one by one, so a malformed body is 400 INVALID, never a 500.
import { internal } from "./_generated/api";
import { fail } from "./lib/errors";
import { edgeAction } from "./lib/edgeHttp";

type Body = Record<string, unknown>;

function str(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== "string") fail("INVALID", `${key} must be a string`);
  return value;
}

function optStr(body: Body, key: string): string | undefined {
  return body[key] === undefined || body[key] === null ? undefined : str(body, key);
}

function num(body: Body, key: string, optional = false): number | undefined {
  const value = body[key];
  if (optional && (value === undefined || value === null)) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) fail("INVALID", `${key} must be a number`);
  return value;
}

function obj(value: unknown, what: string): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("INVALID", `${what} must be an object`);
  return value as Body;
}

export const edgeBuildBegin = edgeAction<Body>(async (ctx, { userId, body }): Promise<unknown> => {
  const mock = body.mock;
  if (mock !== undefined && typeof mock !== "boolean") fail("INVALID", "mock must be a boolean");
  return await ctx.runMutation(internal.build.begin, {
    clerkId: userId!,
    email: optStr(body, "email"),
    name: optStr(body, "name"),
    projectId: str(body, "projectId"),
    message: str(body, "message"),
    changeSetId: optStr(body, "changeSetId"),
    conversationId: optStr(body, "conversationId"),
    model: optStr(body, "model"),
    mock,
  });
});

export const edgeBuildTurn = edgeAction<Body>(async (ctx, { userId, body }): Promise<unknown> => {
  const usage = obj(body.usage ?? {}, "usage");
  const calls = body.toolCalls ?? [];
  if (!Array.isArray(calls)) fail("INVALID", "toolCalls must be an array");
  const toolCalls = calls.map((raw, i) => {
    const call = obj(raw, `toolCalls[${i}]`);
    return { id: str(call, "id"), name: str(call, "name"), input: call.input ?? null };
  });
  let end: { status: "interrupted"; error: { code: string; message: string } } | undefined;
  if (body.end !== undefined && body.end !== null) {
    const e = obj(body.end, "end");
    if (e.status !== "interrupted") fail("INVALID", 'end.status must be "interrupted"');
    const error = obj(e.error, "end.error");
    end = { status: "interrupted", error: { code: str(error, "code"), message: str(error, "message") } };
  }
  const stopReason = body.stopReason;
  if (stopReason !== undefined && stopReason !== null && typeof stopReason !== "string") fail("INVALID", "stopReason must be a string or null");
  return await ctx.runMutation(internal.build.turn, {
    clerkId: userId!,
    requestId: str(body, "requestId"),
    changeSetId: str(body, "changeSetId"),
    usage: {
      inputTokens: num(usage, "inputTokens", true) ?? 0,
      outputTokens: num(usage, "outputTokens", true) ?? 0,
      cacheReadTokens: num(usage, "cacheReadTokens", true) ?? 0,
      cacheWriteTokens: num(usage, "cacheWriteTokens", true) ?? 0,
    },
    latencyMs: num(body, "latencyMs", true) ?? 0,
    firstTokenMs: num(body, "firstTokenMs", true),
    stopReason: stopReason ?? null,
    text: optStr(body, "text") ?? "",
    toolCalls,
    end,
  });
});
