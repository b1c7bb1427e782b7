// Shared setup for the deployment tests: the stack (whose provider fakes Convex reaches
// through env: base URLs, tokens, webhook secrets), a signed-in user
// with a project of a few files, and small readers for rows and logs.
import { randomBytes } from "node:crypto";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startStack, type Stack } from "../stack";

/** The secrets the stack's provider fakes sign webhooks with (and Convex verifies with). */
export const WEBHOOK_SECRETS = {
  get vercel() {
    return process.env.VERCEL_WEBHOOK_SECRET!;
  },
  get netlify() {
    return process.env.NETLIFY_WEBHOOK_SECRET!;
  },
};
export const PROJECT_FILES = [
  { path: "index.html", content: "<!doctype html><h1>Hello from AUTOCREA</h1>" },
  { path: "src/app.js", content: "console.log('hi ✓');\n" },
  { path: "styles/site.css", content: "body { margin: 0 }\n" },
];

export type DeployStack = Stack;

/** The stack (with its provider fakes) plus the key users' own provider tokens are sealed with. */
export async function startDeployStack(opts: { buildMs?: number } = {}): Promise<DeployStack> {
  process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
  // The SSE log route checks Convex for new lines every 20 ms instead of every second.
  const stack = await startStack({ env: { DEPLOY_LOGS_POLL_MS: "20" } });
  if (opts.buildMs) for (const f of [stack.fakes.vercel, stack.fakes.netlify, stack.fakes.railway]) f.setBuildDuration(opts.buildMs);
  return stack;
}

export async function userWithProject(stack: Stack, id: string, files = PROJECT_FILES) {
  const token = await stack.signIn({ id, email: `${id}@example.com`, name: id });
  const as = stack.convex(token);
  const projectId: Id<"projects"> = await as.mutation(api.projects.create, { name: `Shop of ${id}`, framework: "static" });
  await as.mutation(api.files.writeMany, { projectId, files });
  return { token, as, projectId };
}

export async function row(stack: Stack, id: Id<"deployments">) {
  return (await stack.t.run(async (ctx) => await ctx.db.get("deployments", id)))!;
}

export async function logLines(stack: Stack, id: Id<"deployments">) {
  const rows = await stack.t.run(async (ctx) =>
    ctx.db
      .query("deploymentLogs")
      .withIndex("by_deploymentId_and_seq", (q) => q.eq("deploymentId", id))
      .take(1_000),
  );
  return rows.map((r) => r.text);
}

export async function countRows(stack: Stack, table: "deployments" | "webhookEvents" | "deploymentLogs" | "notifications") {
  return await stack.t.run(async (ctx) => (await ctx.db.query(table).take(10_000)).length);
}

export async function setPlan(stack: Stack, clerkId: string, plan: "free" | "pro") {
  await stack.t.run(async (ctx) => {
    const u = await ctx.db
      .query("users")
      .withIndex("by_clerkId", (q) => q.eq("clerkId", clerkId))
      .unique();
    await ctx.db.patch("users", u!._id, { plan });
  });
}

/** Signs `clerkId` in and makes them a member of the owner's project with `role`. */
export async function addMember(
  stack: Stack,
  owner: ReturnType<Stack["convex"]>,
  projectId: Id<"projects">,
  clerkId: string,
  role: "viewer" | "editor",
) {
  const token = await stack.signIn({ id: clerkId, email: `${clerkId}@example.com` });
  await owner.mutation(api.projects.addMember, { projectId, email: `${clerkId}@example.com`, role });
  return stack.convex(token);
}

export { expectCode } from "../convex/projectFixtures";

export { api, internal };
