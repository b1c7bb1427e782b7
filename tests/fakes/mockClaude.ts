// What the fake Claude plays in mock mode (`npm run dev` and `npm run stack` without
// ANTHROPIC_API_KEY), decided from each request alone, so it needs no state of its own:
// - a request without tools (the one-shot AI routes, chat) gets a text answer that says it is a mock
//   (the conversation analysis gets the JSON object it asks for);
// - a build whose project has no src/App.tsx yet gets a small Vite + React app (four `create`
//   calls), then a closing summary once the tool results come back;
// - a build on a project that has src/App.tsx (a follow-up) views that file, replaces its
//   <h1> line with `str_replace`, then sums up.
// Every text it writes starts with "(mock Claude)".
import { toolResultsOf, type FakeTurn } from "./anthropicWire";

export const MOCK_CLAUDE = "(mock Claude)";
const EDITOR = "str_replace_based_edit_tool";

/** The one-shot answer: says what it is, and still looks like work (one code block). */
const MOCK_TEXT_REPLY =
  `${MOCK_CLAUDE} This answer comes from the local fake Anthropic: set ANTHROPIC_API_KEY for real Claude.\n` +
  "```ts\nexport const answer = 42;\n```\n";

/** A short heading from the user's words, safe inside JSX text. */
function headingFrom(instruction: string): string {
  const words = instruction
    .replace(/[<>{}`"\\]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const short = words.length > 48 ? `${words.slice(0, 47).trimEnd()}…` : words;
  return short ? short[0].toUpperCase() + short.slice(1) : "My app";
}

export function viteReactApp(instruction: string): Record<string, string> {
  const title = headingFrom(instruction);
  return {
    "package.json": `${JSON.stringify(
      {
        name: "autocrea-app",
        private: true,
        version: "0.1.0",
        type: "module",
        scripts: { dev: "vite", build: "vite build", preview: "vite preview" },
        dependencies: { react: "^18.3.1", "react-dom": "^18.3.1" },
        devDependencies: {
          "@vitejs/plugin-react": "^4.3.1",
          vite: "^5.4.0",
          typescript: "^5.5.0",
          "@types/react": "^18.3.3",
          "@types/react-dom": "^18.3.0",
        },
      },
      null,
      2,
    )}\n`,
    "index.html": `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>${title}</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
`,
    "src/main.tsx": `import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import App from "./App";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
`,
    "src/App.tsx": `import { useState } from "react";

export default function App() {
  const [count, setCount] = useState(0);
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", padding: 32 }}>
      <h1>${title}</h1>
      <p>Built by the mock Claude from your description.</p>
      <button onClick={() => setCount((c) => c + 1)}>Clicked {count} times</button>
    </main>
  );
}
`,
  };
}

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((b: any) => (b?.type === "text" ? b.text : "")).join("")
      : "";

/** The instruction of this build: the last user turn made of text (not tool results). */
function instructionOf(body: any): string {
  for (let i = (body.messages?.length ?? 0) - 1; i >= 0; i--) {
    const m = body.messages[i];
    if (m.role === "user" && !toolResultsOf({ messages: [m] }).length) return textOf(m.content);
  }
  return "";
}

/** The tool calls of the assistant turn before the last user turn. */
function previousCalls(body: any): { name: string; input: any }[] {
  const prev = body.messages?.at(-2);
  return Array.isArray(prev?.content) ? prev.content.filter((b: any) => b.type === "tool_use") : [];
}

export function mockBuildTurn(body: any): FakeTurn {
  const results = toolResultsOf(body);
  const instruction = instructionOf(body);
  if (!results.length) {
    // The project block lists the files, one path per line.
    const blocks: any[] = Array.isArray(body.system) ? body.system : [{ text: body.system ?? "" }];
    const hasApp = blocks.some((b) => String(b.text).split("\n").includes("src/App.tsx"));
    if (hasApp) {
      return {
        text: `${MOCK_CLAUDE} Let me look at src/App.tsx first.`,
        toolCalls: [{ name: EDITOR, input: { command: "view", path: "src/App.tsx" } }],
      };
    }
    const files = viteReactApp(instruction);
    return {
      text: `${MOCK_CLAUDE} I'll set up a small Vite + React app: package.json, index.html, src/main.tsx and src/App.tsx.`,
      toolCalls: Object.entries(files).map(([path, file_text]) => ({
        name: EDITOR,
        input: { command: "create", path, file_text },
      })),
    };
  }
  const [last] = previousCalls(body);
  if (last?.input?.command === "view" && !results[0].is_error) {
    const line = textOf(results[0].content)
      .split("\n")
      .map((l) => l.replace(/^\s*\d+\t/, ""))
      .find((l) => /<h1>.*<\/h1>/.test(l));
    if (line) {
      const indent = line.slice(0, line.indexOf("<h1>"));
      return {
        text: `${MOCK_CLAUDE} Updating the heading.`,
        toolCalls: [
          {
            name: EDITOR,
            input: {
              command: "str_replace",
              path: "src/App.tsx",
              old_str: line,
              new_str: `${indent}<h1>${headingFrom(instruction)}</h1>`,
            },
          },
        ],
      };
    }
    return { text: `${MOCK_CLAUDE} src/App.tsx has no <h1> line to change, so I left it as it is.` };
  }
  const failed = results.filter((r) => r.is_error).length;
  const edits = results.length - failed;
  return {
    text:
      `${MOCK_CLAUDE} Done: ${edits} edit${edits === 1 ? "" : "s"} ready for review` +
      (failed ? ` (${failed} failed)` : "") +
      ". Set ANTHROPIC_API_KEY for real Claude.",
  };
}

/** The conversation analysis (convex/conversationAnalysis.ts) asks for one JSON object. */
const isAnalysis = (body: any) => typeof body.system === "string" && body.system.includes("label support threads");
const MOCK_ANALYSIS = JSON.stringify({
  summary: `${MOCK_CLAUDE} A conversation with the local fake Claude.`,
  priority: "low",
  tags: ["mock"],
});

/** Every answer of the fake in mock mode: builds (requests with tools), the analysis, one-shot text. */
export function mockClaudeReply(body: any): string | FakeTurn {
  if (Array.isArray(body.tools) && body.tools.length) return mockBuildTurn(body);
  return isAnalysis(body) ? MOCK_ANALYSIS : MOCK_TEXT_REPLY;
}
