// The edge seam of the AI path: HTTP actions only our Hono app (holding EDGE_SECRET) can
// call, each one internal function. Fields are picked one by one, so nothing a caller adds
// reaches the mutations.
import { internal } from "./_generated/api";
import { edgeAction } from "./lib/edgeHttp";
import type { AiRequestType, Usage } from "./validators";

type BeginBody = {
  type: AiRequestType;
  model?: string;
  projectId?: string;
  conversationId?: string;
  prompt: string;
  promptChars: number;
  mock?: boolean;
  email?: string;
  name?: string;
};

export const edgeBegin = edgeAction<BeginBody>(async (ctx, { userId, body }): Promise<unknown> => {
  const { type, model, projectId, conversationId, prompt, promptChars, mock, email, name } = body;
  return await ctx.runMutation(internal.ai.begin, { clerkId: userId!, email, name, type, model, projectId, conversationId, prompt, promptChars, mock });
});

type CompleteBody = {
  requestId: string;
  status: "completed" | "failed" | "cancelled";
  usage?: Usage;
  response?: string;
  latencyMs: number;
  firstTokenMs?: number;
  error?: { code: string; message: string };
};

export const edgeComplete = edgeAction<CompleteBody>(async (ctx, { userId, body }): Promise<unknown> => {
  const u = body.usage;
  return await ctx.runMutation(internal.ai.complete, {
    clerkId: userId!,
    requestId: body.requestId,
    status: body.status,
    usage: {
      inputTokens: u?.inputTokens ?? 0,
      outputTokens: u?.outputTokens ?? 0,
      cacheReadTokens: u?.cacheReadTokens ?? 0,
      cacheWriteTokens: u?.cacheWriteTokens ?? 0,
    },
    response: body.response,
    latencyMs: body.latencyMs,
    firstTokenMs: body.firstTokenMs,
    error: body.error ? { code: body.error.code, message: body.error.message } : undefined,
  });
});

export const edgeModels = edgeAction(async (ctx, { userId }): Promise<unknown> => {
  return await ctx.runQuery(internal.ai.modelsFor, { clerkId: userId! });
});

export const edgeUsage = edgeAction<{ from?: string; to?: string }>(async (ctx, { userId, body }): Promise<unknown> => {
  return await ctx.runQuery(internal.usage.statsForClerk, { clerkId: userId!, from: String(body.from ?? ""), to: String(body.to ?? "") });
});
