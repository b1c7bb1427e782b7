// The code in Claude's answer: the longest fenced block (an unterminated last fence — a
// stream cut short — counts up to the end). Used by operations that produce code.

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
  const fenced = extractCode(answer);
  return fenced ?? answer;
}
