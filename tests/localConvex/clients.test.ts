// The official clients (ConvexHttpClient, ConvexClient over the sync WebSocket) against the
// stack's local Convex: writes, live updates from every source, errors, reconnection.
import { randomBytes } from "node:crypto";
import { ConvexError } from "convex/values";
import { afterEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { ConvexClient } from "convex/browser";
import { ConvexReactClient } from "convex/react";
import WebSocket from "ws";
import { stackForFile } from "../stackForFile";
import { httpClient, liveClient, subscribe } from "./helpers";

process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
const stack = stackForFile();
const page = { numItems: 50, cursor: null };
const open: ConvexClient[] = [];
const live = (token?: string) => {
  const c = liveClient(stack, token);
  open.push(c);
  return c;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** The `code` of the ConvexError a call fails with (fails the test if it succeeds or throws something else). */
async function codeOf(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConvexError);
  return (err as ConvexError<{ code: string }>).data.code;
}

async function userWithProject(id: string) {
  const token = await stack.signIn({ id, email: `${id}@example.com`, name: id });
  const http = httpClient(stack, token);
  const projectId: Id<"projects"> = await http.mutation(api.projects.create, {
    name: `Shop of ${id}`,
    framework: "static",
  });
  return { token, http, projectId };
}

describe("ConvexHttpClient", () => {
  test("creates a project and writes files; reads them back", async () => {
    const { http, projectId } = await userWithProject("user_http");
    await http.mutation(api.files.write, { projectId, path: "index.html", content: "<h1>hi</h1>" });
    await http.mutation(api.files.write, { projectId, path: "src/app.js", content: "console.log(1)" });
    const files = await http.query(api.files.list, { projectId, paginationOpts: page });
    expect(files.page.map((f: { path: string }) => f.path)).toEqual(["index.html", "src/app.js"]);
    expect(await http.query(api.files.read, { projectId, path: "index.html" })).toMatchObject({
      content: "<h1>hi</h1>",
    });
  });

  test("a public function's error arrives as ConvexError with { code, message }; nothing written", async () => {
    const { http, projectId } = await userWithProject("user_http_err");
    const err = await http
      .mutation(api.files.write, { projectId, path: "../etc/passwd", content: "x" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvexError);
    expect((err as ConvexError<{ code: string; message: string }>).data).toMatchObject({
      code: "INVALID",
      message: expect.any(String),
    });
    expect((await http.query(api.files.list, { projectId, paginationOpts: page })).page).toEqual([]);
  });

  test("another user is refused (FORBIDDEN/NOT_FOUND); no token is UNAUTHENTICATED; a forged token is a 401", async () => {
    const { projectId } = await userWithProject("user_http_owner");
    const other = httpClient(stack, await stack.signIn({ id: "user_http_other" }));
    const refused = await codeOf(other.query(api.files.list, { projectId, paginationOpts: page }));
    expect(["FORBIDDEN", "NOT_FOUND"]).toContain(refused);
    expect(await codeOf(httpClient(stack).query(api.users.me, {}))).toBe("UNAUTHENTICATED");
    const forged = httpClient(stack, await stack.forgeToken({ id: "user_http_owner" }));
    await expect(forged.query(api.users.me, {})).rejects.toThrow(/Could not verify OIDC token/);
  });

  test("internal functions, unknown functions and the wrong kind are refused like a deployment does", async () => {
    const http = httpClient(stack, await stack.signIn({ id: "user_http_paths" }));
    const call = (path: string) =>
      fetch(`${stack.convexUrl}/api/query`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path, args: [{}], format: "convex_encoded_json" }),
      });
    for (const path of ["users:ensureForEdge", "nope:nothing"]) {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect((await res.json()).message).toMatch(/Could not find public function/);
    }
    await expect(http.query("projects:create" as any, {})).rejects.toThrow(/defined as Mutation/);
    const journal = await fetch(`${stack.convexUrl}/api/query_ts`, { method: "POST" });
    expect(journal.status).toBe(404);
    expect((await journal.json()).message).toMatch(/does not serve POST \/api\/query_ts/);
  });
});

describe("ConvexClient subscriptions", () => {
  test("files.list receives a file written by another client", async () => {
    const { token, http, projectId } = await userWithProject("user_live_files");
    const sub = subscribe(live(token), api.files.list, { projectId, paginationOpts: page });
    await sub.until((r) => r.page.length === 0, "empty list");
    await http.mutation(api.files.write, { projectId, path: "a.txt", content: "A" });
    const after = await sub.until((r) => r.page.length === 1, "the new file");
    expect(after.page[0]).toMatchObject({ path: "a.txt" });
    // The other live client's mutation, through the sync socket, reaches this subscription too.
    const writer = live(token);
    await writer.mutation(api.files.write, { projectId, path: "b.txt", content: "B" });
    await sub.until((r) => r.page.length === 2, "the second file");
  });

  test("only changed results are pushed: a write elsewhere sends nothing to this subscription", async () => {
    const { token, http, projectId } = await userWithProject("user_live_quiet");
    const sub = subscribe(live(token), api.files.list, { projectId, paginationOpts: page });
    await sub.until((r) => r.page.length === 0);
    const other = await userWithProject("user_live_noise");
    await other.http.mutation(api.files.write, { projectId: other.projectId, path: "x.txt", content: "x" });
    await stack.localConvex.settled();
    await http.mutation(api.files.write, { projectId, path: "mine.txt", content: "m" });
    await sub.until((r) => r.page.length === 1);
    expect(sub.values).toHaveLength(2); // the first result, then the one change
  });

  test("deployments.get and notifications.list follow a scheduled deployment, then a provider webhook", async () => {
    const { token, http, projectId } = await userWithProject("user_live_deploy");
    await http.mutation(api.files.write, { projectId, path: "index.html", content: "<h1>x</h1>" });
    const client = live(token);
    const deploymentId: Id<"deployments"> = await client.mutation(api.deployments.request, {
      projectId,
      provider: "vercel",
      environment: "preview",
    });
    const status = subscribe(client, api.deployments.get, { deploymentId });
    const inbox = subscribe(client, api.notifications.list, { paginationOpts: page });
    await status.until((d) => d.status === "queued", "queued");
    await stack.advance(1_000); // the scheduled job starts the build at the provider
    await status.until((d) => d.status === "building", "building");
    const providerId = (await stack.t.run((ctx) => ctx.db.get("deployments", deploymentId)))!.providerDeploymentId!;
    const { response } = await stack.fakes.vercel.sendWebhook(providerId, "deployment.succeeded");
    expect(response.status).toBe(200);
    const ready = await status.until((d) => d.status === "ready", "ready");
    expect(ready.url).toMatch(/^https:\/\//);
    const notes = await inbox.until(
      (r) => r.page.some((n: { deploymentId?: string }) => n.deploymentId === deploymentId),
      "a notification",
    );
    expect(notes.page.length).toBeGreaterThan(0);
  });

  test("a query's ConvexError arrives with its data; a mutation's too", async () => {
    const { projectId } = await userWithProject("user_live_owner");
    const stranger = live(await stack.signIn({ id: "user_live_stranger" }));
    const sub = subscribe(stranger, api.files.list, { projectId, paginationOpts: page });
    const err = await sub.failure();
    expect(err).toBeInstanceOf(ConvexError);
    expect(["FORBIDDEN", "NOT_FOUND"]).toContain((err as ConvexError<{ code: string }>).data.code);
    const m = await stranger.mutation(api.files.write, { projectId, path: "x", content: "x" }).catch((e: unknown) => e);
    expect(m).toBeInstanceOf(ConvexError);
    expect((m as ConvexError<{ code: string; message: string }>).data).toMatchObject({ message: expect.any(String) });
  });

  test("a bad token is answered with AuthError: the client reports it signed out", async () => {
    const forged = await stack.forgeToken({ id: "user_live_forged" });
    const client = live();
    const states: boolean[] = [];
    client.setAuth(
      async () => forged,
      (isAuthenticated) => states.push(isAuthenticated),
    );
    await expect.poll(() => states, { timeout: 5_000 }).toContain(false);
    expect(states).not.toContain(true);
  });

  test("after the connection drops, the client reconnects, resubscribes and gets later changes", async () => {
    const { token, http, projectId } = await userWithProject("user_live_reconnect");
    const sub = subscribe(live(token), api.files.list, { projectId, paginationOpts: page }, 15_000);
    await sub.until((r) => r.page.length === 0);
    stack.localConvex.dropConnections();
    await http.mutation(api.files.write, { projectId, path: "while-away.txt", content: "w" });
    await sub.until((r) => r.page.length === 1, "the file written while disconnected");
    await expect.poll(() => stack.localConvex.connections, { timeout: 10_000 }).toBeGreaterThan(0);
    await http.mutation(api.files.write, { projectId, path: "after.txt", content: "a" });
    await sub.until((r) => r.page.length === 2, "the file written after reconnecting");
  });

  test("ConvexReactClient (what useQuery uses) sees another client's write", async () => {
    const { token, http, projectId } = await userWithProject("user_live_react");
    const react = new ConvexReactClient(stack.convexUrl, {
      webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
      unsavedChangesWarning: false,
      logger: false,
    });
    try {
      react.setAuth(async () => token);
      const watch = react.watchQuery(api.files.list, { projectId, paginationOpts: page });
      const seen = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () => watch.localQueryResult()?.page.length === n && resolve();
          const stop = watch.onUpdate(() => {
            check();
            if (watch.localQueryResult()?.page.length === n) stop();
          });
          check();
        });
      await seen(0);
      await http.mutation(api.files.write, { projectId, path: "react.txt", content: "r" });
      await seen(1);
      expect(watch.localQueryResult()?.page[0]).toMatchObject({ path: "react.txt" });
    } finally {
      await react.close();
    }
  });
});
