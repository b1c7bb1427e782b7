// AI routes: Claude streamed (Accept: text/event-stream) or answered as JSON. Each
// operation turns its body into an AiTask; edge/ai/run.ts does the rest.
import { zValidator } from "@hono/zod-validator";
import { Hono, type Context } from "hono";
import type { z } from "zod";
import { requireAuth } from "../auth.js";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { completionContent, fenced } from "../ai/prompts.js";
import { runAi } from "../ai/run.js";
import { chatBody, completeBody, explainBody, fixBody, generateBody, refactorBody, usageQuery } from "../ai/schemas.js";

/** zod failures → 400 INVALID in the JSON envelope, naming the first bad field. */
function valid<T extends z.ZodType, Target extends "json" | "query">(target: Target, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue?.path.join(".") || target;
      throw new ApiError("INVALID", `${field}: ${issue?.message ?? "invalid"}`, { field });
    }
  });
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const ai = new Hono<AppEnv>()
  .use("/api/ai/*", requireAuth)
  .post("/api/ai/generate", valid("json", generateBody), (c) => {
    const b = c.req.valid("json");
    const header = [b.language && `Language: ${b.language}`, b.framework && `Framework: ${b.framework}`].filter(Boolean).join("\n");
    return runAi(c as Context<AppEnv>, {
      type: "generate",
      prompt: b.prompt,
      userContent: header ? `${header}\n\n${b.prompt}` : b.prompt,
      context: b.context,
      producesCode: true,
      model: b.model,
      projectId: b.projectId,
    });
  })
  .post("/api/ai/explain", valid("json", explainBody), (c) => {
    const b = c.req.valid("json");
    return runAi(c as Context<AppEnv>, {
      type: "explain",
      prompt: b.code,
      userContent: `Explain this ${b.language} code:\n\n${fenced(b.language, b.code)}`,
      producesCode: false,
      model: b.model,
    });
  })
  .post("/api/ai/fix", valid("json", fixBody), (c) => {
    const b = c.req.valid("json");
    return runAi(c as Context<AppEnv>, {
      type: "fix",
      prompt: b.error,
      userContent: `This ${b.language} code fails with:\n${b.error}\n\n${fenced(b.language, b.code)}`,
      producesCode: true,
      model: b.model,
    });
  })
  .post("/api/ai/refactor", valid("json", refactorBody), (c) => {
    const b = c.req.valid("json");
    return runAi(c as Context<AppEnv>, {
      type: "refactor",
      prompt: b.instructions,
      userContent: `Refactor this ${b.language} code. Instructions: ${b.instructions}\n\n${fenced(b.language, b.code)}`,
      producesCode: true,
      model: b.model,
    });
  })
  .post("/api/ai/complete", valid("json", completeBody), (c) => {
    const b = c.req.valid("json");
    const content = completionContent(b.code, b.cursor, b.language);
    return runAi(c as Context<AppEnv>, {
      type: "complete",
      prompt: content.slice(-500),
      userContent: content,
      producesCode: true,
    });
  })
  .post("/api/ai/chat", valid("json", chatBody), (c) => {
    const b = c.req.valid("json");
    return runAi(c as Context<AppEnv>, {
      type: "chat",
      prompt: b.message,
      userContent: b.message,
      producesCode: false,
      model: b.model,
      projectId: b.projectId,
      conversationId: b.conversationId,
    });
  })
  .get("/api/ai/models", async (c) => {
    return c.json(await c.var.deps.convex.call("/edge/ai/models", c.var.userId));
  })
  .get("/api/ai/usage", valid("query", usageQuery), async (c) => {
    const q = c.req.valid("query");
    // Default: the last 30 UTC days, today included.
    const to = q.to ?? isoDay(Date.now());
    const from = q.from ?? isoDay(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
    return c.json(await c.var.deps.convex.call("/edge/ai/usage", c.var.userId, { from, to }));
  });
