// AI routes: Claude streamed (Accept: text/event-stream) or answered as JSON. Each
// operation turns its body into an AiTask; edge/ai/run.ts does the rest.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type * as z from "zod";
import { requireAuth } from "../auth.js";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { completionContent, userTurn } from "../ai/prompts.js";
import { runAi } from "../ai/run.js";
import {
  chatBody,
  completeBody,
  emptyQuery,
  explainBody,
  fixBody,
  generateBody,
  refactorBody,
  usageQuery,
} from "../ai/schemas.js";
import { invalidInput } from "../validation.js";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** zod failures → 400 INVALID in the JSON envelope, naming the first bad field. */
function valid<T extends z.ZodType, Target extends "json" | "query">(target: Target, schema: T) {
  return zValidator(target, schema, (result, c) => {
    if (result.success) return;
    // The validator reads a body only when it is declared JSON; otherwise it checks `{}`,
    // which would blame a field the client did send.
    const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0].trim();
    if (target === "json" && !JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ApiError("INVALID", "body: must be JSON sent with Content-Type: application/json", { field: "body" });
    }
    throw invalidInput(result.error.issues[0], target === "json" ? "body" : "query");
  });
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const ai = new Hono<AppEnv>()
  .use("/api/ai/*", requireAuth)
  .post("/api/ai/generate", valid("json", generateBody), (c) => {
    const b = c.req.valid("json");
    const { prompt, context, model, projectId } = b;
    return runAi(c, { type: "generate", prompt, userContent: userTurn.generate(b), context, model, projectId });
  })
  .post("/api/ai/explain", valid("json", explainBody), (c) => {
    const b = c.req.valid("json");
    return runAi(c, { type: "explain", prompt: b.code, userContent: userTurn.explain(b), model: b.model });
  })
  .post("/api/ai/fix", valid("json", fixBody), (c) => {
    const b = c.req.valid("json");
    return runAi(c, { type: "fix", prompt: b.error, userContent: userTurn.fix(b), model: b.model });
  })
  .post("/api/ai/refactor", valid("json", refactorBody), (c) => {
    const b = c.req.valid("json");
    return runAi(c, { type: "refactor", prompt: b.instructions, userContent: userTurn.refactor(b), model: b.model });
  })
  .post("/api/ai/complete", valid("json", completeBody), (c) => {
    const b = c.req.valid("json");
    const content = completionContent(b.code, b.cursor, b.language);
    return runAi(c, { type: "complete", prompt: content.slice(-500), userContent: content });
  })
  .post("/api/ai/chat", valid("json", chatBody), (c) => {
    const { message, model, projectId, conversationId } = c.req.valid("json");
    return runAi(c, { type: "chat", prompt: message, userContent: message, model, projectId, conversationId });
  })
  .get("/api/ai/models", valid("query", emptyQuery), async (c) => {
    return c.json(await c.var.deps.convex.call("/edge/ai/models", c.var.caller, {}));
  })
  .get("/api/ai/usage", valid("query", usageQuery), async (c) => {
    const q = c.req.valid("query");
    // Default: the last 30 UTC days, today included. Convex checks the range (real days, from ≤ to, ≤ 366).
    const to = q.to ?? isoDay(Date.now());
    const from = q.from ?? isoDay(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
    return c.json(await c.var.deps.convex.call("/edge/ai/usage", c.var.caller, { from, to }));
  });
