// Mock mode (no ANTHROPIC_API_KEY): the fake Claude of `npm run dev` and `npm run stack` says
// it is a mock in every text it writes, and plays a believable build (tests/fakes/mockClaude.ts).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { startFakes, type RunningFake } from "../../scripts/devFakes";
import { mockCredential } from "../../scripts/devConfig";
import { MOCK_CLAUDE, mockBuildTurn, mockClaudeReply, viteReactApp } from "../fakes/mockClaude";

const EDITOR = "str_replace_based_edit_tool";
const root = fileURLToPath(new URL("../..", import.meta.url));
const tools = [{ type: "text_editor_20250728", name: EDITOR }];
const system = (files: string[]) => [
  { type: "text", text: "rules" },
  { type: "text", text: `Project: x (react)\nFiles (${files.length}):\n${files.join("\n")}` },
];

describe("the mock build, request by request", () => {
  test("an empty project gets a Vite + React app: four creates, then a summary", () => {
    const first = mockBuildTurn({
      tools,
      system: system([]),
      messages: [{ role: "user", content: "a weather dashboard" }],
    });
    expect(first.text!.startsWith(MOCK_CLAUDE)).toBe(true);
    expect(first.toolCalls!.map((c: any) => `${c.input.command} ${c.input.path}`)).toEqual([
      "create package.json",
      "create index.html",
      "create src/main.tsx",
      "create src/App.tsx",
    ]);
    const pkg = JSON.parse((first.toolCalls![0].input as any).file_text);
    expect(pkg.scripts.build).toBe("vite build");
    const results = first.toolCalls!.map((_, i) => ({ type: "tool_result", tool_use_id: `t${i}`, content: "ok" }));
    const last = mockBuildTurn({
      tools,
      system: system([]),
      messages: [
        { role: "user", content: "a weather dashboard" },
        { role: "assistant", content: first.toolCalls!.map((c, i) => ({ type: "tool_use", id: `t${i}`, ...c })) },
        { role: "user", content: results },
      ],
    });
    expect(last).toEqual({
      text: `${MOCK_CLAUDE} Done: 4 edits ready for review. Set ANTHROPIC_API_KEY for real Claude.`,
    });
  });

  test("a follow-up views src/App.tsx, then replaces its heading; without one it says so", () => {
    const files = ["index.html", "package.json", "src/App.tsx", "src/main.tsx"];
    const ask = { role: "user", content: "make it dark <b>now</b>" };
    const view = mockBuildTurn({ tools, system: system(files), messages: [ask] });
    expect(view.toolCalls).toEqual([{ name: EDITOR, input: { command: "view", path: "src/App.tsx" } }]);
    const numbered = viteReactApp("a weather dashboard")
      ["src/App.tsx"].split("\n")
      .map((l, i) => `${String(i + 1).padStart(6)}\t${l}`)
      .join("\n");
    const after = (content: string) =>
      mockBuildTurn({
        tools,
        system: system(files),
        messages: [
          ask,
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "v", name: EDITOR, input: { command: "view", path: "src/App.tsx" } }],
          },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "v", content }] },
        ],
      });
    expect(after(numbered).toolCalls).toEqual([
      {
        name: EDITOR,
        input: {
          command: "str_replace",
          path: "src/App.tsx",
          old_str: "      <h1>A weather dashboard</h1>",
          new_str: "      <h1>Make it dark b now /b</h1>",
        },
      },
    ]);
    expect(after("     1\texport default () => null;").text).toMatch(/^\(mock Claude\) src\/App.tsx has no <h1> line/);
  });

  test("requests without tools get text that says it is a mock; the analysis gets its JSON", () => {
    expect(mockClaudeReply({ messages: [{ role: "user", content: "hi" }] })).toMatch(/^\(mock Claude\) /);
    const analysis = JSON.parse(
      mockClaudeReply({ system: "You label support threads between …", messages: [] }) as string,
    );
    expect(analysis).toMatchObject({ priority: "low", tags: ["mock"] });
  });
});

describe("the fakes npm run dev and npm run stack start", () => {
  const running: RunningFake[] = [];
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(async () => {
    for (const f of running) await f.close();
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  });

  test("npm run dev's fake Claude answers as the mock", async () => {
    const { running: started } = await startFakes(["anthropic"]);
    running.push(...started);
    const res = await fetch(`${started[0].url}/v1/messages`, {
      method: "POST",
      headers: {
        "x-api-key": mockCredential("anthropic"),
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({
        model: "claude-sonnet-5-5",
        max_tokens: 100,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect((await res.json()).content[0].text).toMatch(/^\(mock Claude\) /);
  });

  test("npm run stack: an AI answer says it comes from the mock Claude", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "scripts/stack.ts"), "--port", "0", "--quiet"],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(child);
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const deadline = Date.now() + 60_000; // tsx compiles the whole stack first: slow on a loaded machine
    while (!out.includes("Ctrl-C stops it.")) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm run stack did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const edge = /edge {5}(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1];
    const token = /export ADA_TOKEN='(\S+)'/.exec(out)![1];
    const res = await fetch(`${edge}/api/ai/generate`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ prompt: "a button" }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ mock: true });
    expect(body.response).toMatch(/^\(mock Claude\) /);
    child.kill("SIGINT");
    expect(await new Promise((r) => child.on("exit", r))).toBe(0);
  }, 90_000);
});
