// The code in Claude's answer: the longest fenced block (an unterminated last fence — a
// stream cut short — counts up to the end). Operations that answer in prose have none.
import type { AiType } from "./prompts.js";

const FENCE_RE = /```[^\n`]*\n([\s\S]*?)(?:\n```|$)/g;

export function extractCode(answer: string): string | undefined {
  let best: string | undefined;
  for (const m of answer.matchAll(FENCE_RE)) {
    const body = m[1];
    if (best === undefined || body.length > best.length) best = body;
  }
  return best;
}

/** `complete` answers with bare code; strip a fence if Claude added one anyway. */
export function insertionText(answer: string): string {
  return extractCode(answer) ?? answer;
}

/** The `code` field of an answer: the text to insert (complete), the code block, or none (prose). */
export function codeOf(type: AiType, answer: string): string | undefined {
  if (type === "complete") return insertionText(answer);
  return type === "explain" || type === "chat" ? undefined : extractCode(answer);
}
