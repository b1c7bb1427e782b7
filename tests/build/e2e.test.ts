// Describe → files → diff → apply → deploy → ready, through the whole stack in mock mode
// (what `npm run stack` runs): the fake Claude plays its Vite + React build, a follow-up
// changes the heading with str_replace, and the applied project is deployed to the fake Vercel.
import { randomBytes } from "node:crypto";
import { expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { MOCK_CLAUDE, mockClaudeReply } from "../fakes/mockClaude";
import { buildSse, buildTestStack, names } from "./edgeHelpers";

const MOCKED = "anthropic,vercel,netlify,railway";
process.env.AUTOCREA_MOCK_SERVICES = MOCKED; // what Convex functions read in the stack (as scripts/stack.ts sets it)
process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
const { stack, freshOwner } = buildTestStack("user_build_e2e", {
  env: { AUTOCREA_MOCK_SERVICES: MOCKED },
  providerFakes: { mockHosts: true },
});

test("a described app is built, reviewed, applied, changed by a follow-up and deployed: ready", async () => {
  stack.fakes.anthropic.configure({ reply: mockClaudeReply });
  const { token, projectId } = await freshOwner();
  const as = stack.convex(token);

  // Describe: four files appear in a proposed change set.
  const first = await buildSse(stack, token, { projectId, message: "a tip calculator" });
  expect(first.status).toBe(200);
  const changeSetId = first.events[0].data.changeSetId as Id<"changeSets">;
  const created = first.events.filter((e) => e.event === "file").map((e) => `${e.data.op} ${e.data.path}`);
  expect(created).toEqual(["create package.json", "create index.html", "create src/main.tsx", "create src/App.tsx"]);
  expect(first.events.at(-1)).toMatchObject({
    event: "done",
    data: { status: "proposed", files: 4, turns: 2, mock: true },
  });
  const said = first.events
    .filter((e) => e.event === "delta")
    .map((e) => e.data.text)
    .join("");
  expect(said.startsWith(MOCK_CLAUDE)).toBe(true);

  // Review: the live change set and a diff.
  const live = await as.query(api.changeSets.get, { changeSetId });
  expect(live.files.map((f: { path: string }) => f.path).sort()).toEqual([
    "index.html",
    "package.json",
    "src/App.tsx",
    "src/main.tsx",
  ]);
  const diff = await as.query(api.changeSets.diff, { changeSetId, path: "src/App.tsx" });
  expect(diff.unified).toContain("+      <h1>A tip calculator</h1>");

  // Apply: the project has the files, nothing else changed.
  const applied = await as.mutation(api.changeSets.apply, { changeSetId });
  expect(applied.written).toBe(4);
  const app = await as.query(api.files.read, { projectId, path: "src/App.tsx" });
  expect(app.content).toContain("<h1>A tip calculator</h1>");

  // A follow-up in a new change set: Claude views App.tsx and replaces its heading.
  const followUp = await buildSse(stack, token, {
    projectId,
    message: "call it Tip Pro",
    conversationId: first.events[0].data.conversationId,
  });
  expect(names(followUp.events).filter((n) => n !== "delta")).toEqual(["start", "file", "done"]);
  const second = followUp.events[0].data.changeSetId as Id<"changeSets">;
  expect(second).not.toBe(changeSetId);
  expect(followUp.events.find((e) => e.event === "file")!.data).toMatchObject({
    path: "src/App.tsx",
    op: "modify",
    added: 1,
    removed: 1,
  });
  const edit = await as.query(api.changeSets.diff, { changeSetId: second, path: "src/App.tsx" });
  expect(edit.unified).toContain("-      <h1>A tip calculator</h1>");
  expect(edit.unified).toContain("+      <h1>Call it Tip Pro</h1>");
  await as.mutation(api.changeSets.apply, { changeSetId: second });

  // Deploy the applied project to the (fake) provider: ready, with the follow-up's heading.
  const deploymentId: Id<"deployments"> = await as.mutation(api.deployments.request, {
    projectId,
    provider: "vercel",
    environment: "production",
  });
  await stack.advance(1_000);
  await stack.advance(60_000);
  const done = await as.query(api.deployments.get, { deploymentId });
  expect(done).toMatchObject({ status: "ready", mock: true });
  expect(done.url).toMatch(/^https:\/\//);
  const shipped = stack.fakes.vercel.deployments().at(-1)!.files;
  expect([...shipped.keys()].sort()).toEqual(["index.html", "package.json", "src/App.tsx", "src/main.tsx"]);
  expect(shipped.get("src/App.tsx")!.toString("utf8")).toContain("<h1>Call it Tip Pro</h1>");
});
