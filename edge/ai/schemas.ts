// Request bodies of the AI routes. Strict: unknown fields are refused, every string is
// bounded (the whole body is also capped by EDGE_BODY_LIMIT_BYTES).
import * as z from "zod";
import { documentId as id } from "../validation.js";

const CODE_MAX = 800_000;
const TEXT_MAX = 32_000;

const language = z.string().trim().min(1).max(40);
const model = z.string().min(1).max(64);
/** The code explain, fix and refactor work on. */
const code = z.string().min(1).max(CODE_MAX);
/** What the user asks or reports: never blank. */
const text = z.string().trim().min(1).max(TEXT_MAX);

export const generateBody = z.strictObject({
  projectId: id.optional(),
  prompt: text,
  language: language.optional(),
  framework: z.string().trim().min(1).max(40).optional(),
  context: z.string().max(CODE_MAX).optional(),
  model: model.optional(),
});

export const explainBody = z.strictObject({
  code,
  language,
  model: model.optional(),
});

export const fixBody = z.strictObject({
  code,
  error: text,
  language,
  model: model.optional(),
});

export const refactorBody = z.strictObject({
  code,
  instructions: text,
  language,
  model: model.optional(),
});

export const completeBody = z
  .strictObject({
    code: z.string().max(CODE_MAX),
    cursor: z.number().int().min(0),
    language,
  })
  .refine((b) => b.cursor <= b.code.length, { message: "cursor is past the end of code", path: ["cursor"] });

export const chatBody = z.strictObject({
  conversationId: id.optional(),
  projectId: id.optional(),
  message: text,
  model: model.optional(),
});

/** A real UTC calendar day (the route computes a default `from` from `to`, so "2024-13-45" must stop here). */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
  .refine((d) => {
    const ms = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === d;
  }, "must be a real day as YYYY-MM-DD");
export const usageQuery = z.strictObject({ from: day.optional(), to: day.optional() });
/** GET /api/ai/models takes no parameters; an unknown one is a client mistake. */
export const emptyQuery = z.strictObject({});

export type GenerateBody = z.infer<typeof generateBody>;
export type ExplainBody = z.infer<typeof explainBody>;
export type FixBody = z.infer<typeof fixBody>;
export type RefactorBody = z.infer<typeof refactorBody>;
