// What each AI operation sends to Claude. The system prompt and the project context are
// separate blocks marked `cache_control: ephemeral`, so repeated requests in a project
// read them from Claude's prompt cache instead of paying for them again.
import type Anthropic from "@anthropic-ai/sdk";
import type { EdgeAnswer, EdgeBody } from "../../convex/edge/contract.js";
import type { ClaudeRequest } from "../providers/anthropic.js";
import type { ExplainBody, FixBody, GenerateBody, RefactorBody } from "./schemas.js";

/** The one-shot operations; a build has its own route and loop (edge/ai/build.ts). */
export type AiType = Exclude<EdgeBody<"/edge/ai/begin">["type"], "build">;

/** One AI request as the route understood it, before Convex has seen it. */
export type AiTask = {
  type: AiType;
  /** What the ledger keeps as the prompt excerpt (and, for a new chat, the thread title). */
  prompt: string;
  /** The user turn (non-chat operations; chat history comes from Convex). */
  userContent: string;
  /** Project files or other context from the IDE: a cached system block. */
  context?: string;
  model?: string;
  projectId?: string;
  conversationId?: string;
};

/** What begin() returned. */
export type Begun = EdgeAnswer<"/edge/ai/begin">;

const RULES = "You work inside AUTOCREA, a browser IDE that turns descriptions into deployed apps.";
const FENCE = "Put code in ONE fenced block tagged with its language; keep any explanation short and outside it.";

export const SYSTEM_PROMPTS: Record<AiType, string> = {
  generate: `${RULES} Write complete, runnable code for what the developer asks. ${FENCE}`,
  explain: `${RULES} Explain the given code clearly: what it does, how, and anything surprising. No rewrite unless asked.`,
  fix: `${RULES} Fix the given code so the error goes away without changing its intent. ${FENCE} Then say what was wrong in one or two sentences.`,
  refactor: `${RULES} Refactor the given code as instructed, keeping its behaviour. ${FENCE}`,
  complete:
    `${RULES} Complete the code at <CURSOR>. Reply with ONLY the text to insert there: ` +
    "no fences, no explanation, nothing that repeats the surrounding code.",
  chat: `${RULES} You are the developer's pair programmer. Be concise; use fenced code blocks for code.`,
};

/** Room for the project block's header around its name and framework. */
const PROJECT_HEADER_CHARS = 400;
/** Code around the cursor that `complete` sends (it must stay fast). */
const COMPLETE_BEFORE = 6_000;
const COMPLETE_AFTER = 1_500;

export function completionContent(code: string, cursor: number, language: string): string {
  const before = code.slice(Math.max(0, cursor - COMPLETE_BEFORE), cursor);
  const after = code.slice(cursor, cursor + COMPLETE_AFTER);
  return `Language: ${language}\n\n${before}<CURSOR>${after}`;
}

const fenced = (language: string, code: string) => `\`\`\`${language}\n${code}\n\`\`\``;

/** The user turn of each one-shot operation, built from its (validated) body. */
export const userTurn = {
  generate(b: GenerateBody): string {
    const header = [b.language && `Language: ${b.language}`, b.framework && `Framework: ${b.framework}`]
      .filter(Boolean)
      .join("\n");
    return header ? `${header}\n\n${b.prompt}` : b.prompt;
  },
  explain: (b: ExplainBody) => `Explain this ${b.language} code:\n\n${fenced(b.language, b.code)}`,
  fix: (b: FixBody) => `This ${b.language} code fails with:\n${b.error}\n\n${fenced(b.language, b.code)}`,
  refactor: (b: RefactorBody) =>
    `Refactor this ${b.language} code. Instructions: ${b.instructions}\n\n${fenced(b.language, b.code)}`,
};

/** Characters sent besides chat history: what begin() estimates the context window with. */
export function promptChars(task: AiTask): number {
  return (
    SYSTEM_PROMPTS[task.type].length + PROJECT_HEADER_CHARS + (task.context?.length ?? 0) + task.userContent.length
  );
}

function projectBlock(task: AiTask, begun: Begun): string | undefined {
  if (!begun.project && !task.context) return undefined;
  const lines: string[] = [];
  if (begun.project) {
    lines.push(`Project: ${begun.project.name} (${begun.project.framework})`);
    if (begun.project.description) lines.push(`About it: ${begun.project.description}`);
  }
  if (task.context) lines.push("Context from the IDE:", task.context);
  return lines.join("\n");
}

/** Claude wants alternating turns starting with the user: merge runs, drop a leading assistant turn. */
export function normalizeTurns(turns: { role: "user" | "assistant"; content: string }[]): Anthropic.MessageParam[] {
  const out: { role: "user" | "assistant"; content: string }[] = [];
  for (const t of turns) {
    if (!t.content) continue;
    const last = out[out.length - 1];
    if (last && last.role === t.role) last.content += `\n\n${t.content}`;
    else if (out.length > 0 || t.role === "user") out.push({ ...t });
  }
  return out;
}

export function buildRequest(task: AiTask, begun: Begun): ClaudeRequest {
  const cached = { type: "ephemeral" } as const;
  const system: Anthropic.TextBlockParam[] = [{ type: "text", text: SYSTEM_PROMPTS[task.type], cache_control: cached }];
  const project = projectBlock(task, begun);
  if (project) system.push({ type: "text", text: project, cache_control: cached });
  const messages =
    task.type === "chat" ? normalizeTurns(begun.history ?? []) : [{ role: "user" as const, content: task.userContent }];
  return { model: begun.model, maxTokens: begun.maxTokens, system, messages };
}
