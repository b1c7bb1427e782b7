// What a build sends Claude: the tools (Anthropic's text editor plus delete_file and
// rename_file), the system prompt, the project block (name, framework, the file list) and
// the conversation so far. Three prompt-cache breakpoints: the system prompt (with the tools
// before it), the project block, and the newest turn, so each turn of a build reads
// everything before it from Claude's cache.
import type Anthropic from "@anthropic-ai/sdk";
import type { EdgeAnswer } from "../../convex/edge/contract.js";
import type { ClaudeToolRequest } from "../providers/anthropicTools.js";
import { normalizeTurns } from "./prompts.js";

/** What /edge/ai/build/begin answers. */
export type BuildBegun = EdgeAnswer<"/edge/ai/build/begin">;

const CACHED = { type: "ephemeral" } as const;

const EDITOR_TOOL = "str_replace_based_edit_tool";

const BUILD_TOOLS: Anthropic.ToolUnion[] = [
  { type: "text_editor_20250728", name: EDITOR_TOOL },
  {
    name: "delete_file",
    description: "Delete a file of the project. The path is relative to the project root.",
    input_schema: {
      type: "object",
      properties: { path: { type: "string", description: "The file to delete, e.g. src/old.ts" } },
      required: ["path"],
      additionalProperties: false,
    },
  },
  {
    name: "rename_file",
    description: "Rename or move a file of the project; its content is kept. Fails if new_path already exists.",
    input_schema: {
      type: "object",
      properties: {
        path: { type: "string", description: "The file's current path, e.g. src/a.ts" },
        new_path: { type: "string", description: "Where it goes, e.g. src/lib/a.ts" },
      },
      required: ["path", "new_path"],
      additionalProperties: false,
    },
  },
];

const BUILD_SYSTEM_PROMPT = [
  "You work inside AUTOCREA, a browser IDE that turns descriptions into deployed apps.",
  "You build and change the user's project by editing its files with your tools; nothing you only write in text reaches the project.",
  "Paths are relative to the project root (e.g. src/App.tsx). View a file before you change it; prefer str_replace for small changes and create for new files or full rewrites.",
  "Every edit goes into a change set the user reviews before it is applied, so make complete, working changes: a project someone can install, build and deploy as it is.",
  "Keep files small and focused. When you are done, reply without tool calls: a short summary of what you changed, its first line a title of under 60 characters.",
].join("\n");

/** The project and its files (as begin saw them): a cached system block. */
function projectBlock(begun: BuildBegun): string {
  const p = begun.project;
  const lines = [`Project: ${p.name} (${p.framework})`];
  if (p.description) lines.push(`About it: ${p.description}`);
  if (begun.files.length) {
    lines.push(
      `Files (${begun.files.length}${begun.filesTruncated ? ", list truncated: view a directory for the rest" : ""}):`,
    );
    lines.push(...begun.files);
  } else lines.push("The project has no files yet.");
  return lines.join("\n");
}

/** The conversation before this build's first Claude call: prior text turns, then the instruction. */
export function openingMessages(begun: BuildBegun, message: string): Anthropic.MessageParam[] {
  const history = [...begun.history];
  // Begin may already list the message it just recorded.
  const last = history.at(-1);
  if (!(last?.role === "user" && last.content === message)) history.push({ role: "user", content: message });
  return normalizeTurns(history);
}

/** A tool result for every tool call of the turn, in order (Claude requires one per call). */
export function toolResultTurn(
  callIds: string[],
  results: { toolUseId: string; content: string; isError: boolean }[],
): Anthropic.MessageParam {
  const byId = new Map(results.map((r) => [r.toolUseId, r]));
  const content: Anthropic.ToolResultBlockParam[] = callIds.map((id) => {
    const r = byId.get(id);
    if (!r)
      return { type: "tool_result", tool_use_id: id, content: "This tool call was not executed.", is_error: true };
    return { type: "tool_result", tool_use_id: id, content: r.content, ...(r.isError ? { is_error: true } : {}) };
  });
  return { role: "user", content };
}

/** Marks the newest turn's last block for caching (and no other message: at most 4 breakpoints). */
function withCachedTail(messages: Anthropic.MessageParam[]): Anthropic.MessageParam[] {
  const last = messages.at(-1);
  if (!last || (last.role !== "user" && last.role !== "assistant")) return messages;
  const blocks: Anthropic.ContentBlockParam[] =
    typeof last.content === "string" ? [{ type: "text", text: last.content }] : [...last.content];
  const tail = blocks.at(-1);
  if (!tail || tail.type === "thinking" || tail.type === "redacted_thinking") return messages;
  blocks[blocks.length - 1] = { ...tail, cache_control: CACHED };
  return [...messages.slice(0, -1), { role: last.role, content: blocks } as Anthropic.MessageParam];
}

export function buildRequest(
  begun: BuildBegun,
  messages: Anthropic.MessageParam[],
  maxTokens: number,
): ClaudeToolRequest {
  return {
    model: begun.model,
    maxTokens,
    system: [
      { type: "text", text: BUILD_SYSTEM_PROMPT, cache_control: CACHED },
      { type: "text", text: projectBlock(begun), cache_control: CACHED },
    ],
    messages: withCachedTail(messages),
    tools: BUILD_TOOLS,
  };
}
