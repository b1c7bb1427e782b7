// Shared setup for the deployment tests: one stack per test file (its provider fakes are
// reached by Convex through env: base URLs, tokens, webhook secrets), a signed-in user
// with a project of a few files, and small readers for rows and logs.
import { randomBytes } from "node:crypto";
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { statsInsert } from "../../convex/lib/deploymentStats";
import { providerClientFromEnv } from "../../convex/providers/index";
import { markEmailVerified } from "../convex/helpers";
import { userRow } from "../convexTest";
import type { Stack } from "../stack";
import { stackForFile } from "../stackForFile";

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
export type Caller = ReturnType<Stack["convex"]>;

/**
 * The stack for a deployment test file (see stackForFile), with the key users' own provider
 * tokens are sealed with. The fakes' builds take 30 s.
 */
export function deployStackForFile(): DeployStack {
  process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
  // The SSE log route checks Convex for new lines every 20 ms instead of every second.
  return stackForFile({ env: { DEPLOY_LOGS_POLL_MS: "20" } });
}

export async function userWithProject(stack: Stack, id: string, files = PROJECT_FILES) {
  const token = await stack.signIn({ id, email: `${id}@example.com`, name: id });
  const as = stack.convex(token);
  const projectId: Id<"projects"> = await as.mutation(api.projects.create, {
    name: `Shop of ${id}`,
    framework: "static",
  });
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

/**
 * The calls a provider fake received since request number `since`, as "METHOD /path" with
 * the fakes' ids as `:id` and uploaded file paths as `*`; Railway GraphQL calls are named by
 * their operation ("POST /graphql/v2 deployment").
 */
export function providerCalls(stack: Stack, provider: "vercel" | "netlify" | "railway", since = 0): string[] {
  return stack.fakes[provider].requests.slice(since).map((r) => {
    const path = new URL(r.path, "http://fake").pathname
      .split("/")
      .map((seg) => (/\d{6}$/.test(seg) ? ":id" : seg))
      .join("/")
      .replace(/\/files\/.*$/, "/files/*");
    const operation = path === "/graphql/v2" ? /(?:query|mutation)\s+(\w+)/.exec(r.body)?.[1] : undefined;
    return `${r.method} ${path}${operation ? ` ${operation}` : ""}`;
  });
}

/** The in-app notifications about one deployment (its requester's inbox, filtered). */
export async function notificationsAbout(stack: Stack, id: Id<"deployments">) {
  const { userId } = await row(stack, id);
  const inbox = await stack.t.run(async (ctx) =>
    ctx.db
      .query("notifications")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .take(500),
  );
  return inbox.filter((n) => n.deploymentId === id);
}

export async function countRows(
  stack: Stack,
  table: "deployments" | "webhookEvents" | "deploymentLogs" | "notifications",
) {
  return await stack.t.run(async (ctx) => (await ctx.db.query(table).take(10_000)).length);
}

export async function setPlan(stack: Stack, clerkId: string, plan: "free" | "pro") {
  const user = (await userRow(stack.t, clerkId))!;
  await stack.t.run((ctx) => ctx.db.patch("users", user._id, { plan }));
}

/** Signs `clerkId` in and makes them a member of the owner's project with `role`. */
export async function addMember(
  stack: Stack,
  owner: Caller,
  projectId: Id<"projects">,
  clerkId: string,
  role: "viewer" | "editor",
) {
  const token = await stack.signIn({ id: clerkId, email: `${clerkId}@example.com` });
  await markEmailVerified(stack.t, clerkId);
  const invitationId = await owner.mutation(api.invitations.create, {
    projectId,
    email: `${clerkId}@example.com`,
    role,
  });
  const member = stack.convex(token);
  await member.mutation(api.invitations.accept, { invitationId });
  return member;
}

export { expectCode } from "../convex/helpers";

export { api, internal };

/**
 * A start job that was already creating the deployment reports back late: the provider
 * (the Vercel fake) really made one, and recordStarted hears of it after the row ended.
 */
export async function reportLateStart(stack: Stack, id: Id<"deployments">, name: string) {
  const created = await providerClientFromEnv("vercel", process.env).createDeployment({
    name,
    environment: "preview",
    files: [{ path: "index.html", sha256: "", size: 2, read: async () => new TextEncoder().encode("hi") }],
  });
  /** Provider requests made so far: what comes after is Convex's reaction to the late report. */
  const requestsBefore = stack.fakes.vercel.requests.length;
  await stack.t.mutation(internal.deploymentJobs.recordStarted, {
    deploymentId: id,
    providerDeploymentId: created.deployment.id,
    observed: { state: created.deployment.state, rawState: created.deployment.rawState },
    target: created.target,
  });
  return { providerId: created.deployment.id, requestsBefore };
}

/**
 * Inserts `count` deployment rows straight into a project (bypassing the rate limit and the
 * queue bound), kept in the stats aggregate like real ones. `fields(i)` sets what differs.
 */
export async function seedDeployments(
  stack: Stack,
  projectId: Id<"projects">,
  count: number,
  fields: (i: number) => Pick<Doc<"deployments">, "status" | "step"> & Partial<Doc<"deployments">>,
): Promise<Id<"deployments">[]> {
  return await stack.t.run(async (ctx) => {
    const project = (await ctx.db.get("projects", projectId))!;
    const now = Date.now();
    const snapshotId = await ctx.db.insert("snapshots", {
      projectId,
      fileCount: 0,
      totalBytes: 0,
      createdAt: now,
      createdBy: project.ownerId,
    });
    const ids: Id<"deployments">[] = [];
    for (let i = 0; i < count; i++) {
      const id = await ctx.db.insert("deployments", {
        projectId,
        userId: project.ownerId,
        provider: "railway",
        environment: "preview",
        snapshotId,
        attempts: 0,
        pollCount: 0,
        logCount: 0,
        pool: "free",
        createdAt: now,
        ...fields(i),
      });
      await statsInsert(ctx, (await ctx.db.get("deployments", id))!);
      ids.push(id);
    }
    return ids;
  });
}
