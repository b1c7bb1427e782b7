// Work that runs on the stack's clock reaches the official clients: a cron's write is pushed
// to a ConvexClient subscription, and a session whose token expired is answered as a
// deployment answers it (AuthError, the client fetches a fresh token, nothing runs meanwhile).
import { randomBytes } from "node:crypto";
import type { ConvexClient } from "convex/browser";
import { afterEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { QUEUE_TIMEOUT_MS } from "../../convex/deploymentWatchdog";
import { seedDeployments } from "../deployments/helpers";
import { stackForFile } from "../stackForFile";
import { httpClient, liveClient, subscribe } from "./helpers";

process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
const stack = stackForFile({ crons: true });
const page = { numItems: 50, cursor: null };
const open: ConvexClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe("the stack clock and the sync socket", () => {
  test("a cron's write is pushed: the watchdog ends a deployment stuck in the queue, live", async () => {
    const token = await stack.signIn({ id: "user_cron_owner" });
    const projectId: Id<"projects"> = await httpClient(stack, token).mutation(api.projects.create, {
      name: "Stuck",
      framework: "static",
    });
    const [deploymentId] = await seedDeployments(stack, projectId, 1, () => ({
      status: "queued",
      step: "queued",
      createdAt: stack.now() - QUEUE_TIMEOUT_MS - 60_000,
    }));
    const client = liveClient(stack, token);
    open.push(client);
    const status = subscribe(client, api.deployments.get, { deploymentId });
    await status.until((d) => d.status === "queued", "queued");
    await stack.advance(5 * 60_000); // the "end stuck queued deployments" cron falls due
    const ended = await status.until((d) => d.status === "error", "error");
    expect(ended.error).toMatchObject({ code: "TIMEOUT" });
  });

  test("an expired session token: AuthError, a fresh token is fetched, the pending mutation then runs", async () => {
    const id = "user_expiring";
    const projectId: Id<"projects"> = await httpClient(stack, await stack.signIn({ id })).mutation(
      api.projects.create,
      {
        name: "Expiring",
        framework: "static",
      },
    );
    // Every token the client fetches lives 60 s on the stack clock until the clock has moved.
    let ttlSec = 60;
    const fetches: boolean[] = [];
    const client = liveClient(stack);
    open.push(client);
    client.setAuth(async ({ forceRefreshToken }) => {
      fetches.push(forceRefreshToken);
      return await stack.signIn({ id }, ttlSec);
    });
    const files = subscribe(client, api.files.list, { projectId, paginationOpts: page });
    await files.until((r) => r.page.length === 0, "empty list");
    await stack.localConvex.settled();
    const before = fetches.length;

    await stack.advance(120_000); // the session's token is now expired on the stack's clock
    ttlSec = 3600;
    await client.mutation(api.files.write, { projectId, path: "after-expiry.txt", content: "x" });
    expect(fetches.length).toBeGreaterThan(before); // told to refresh, the client fetched again
    expect(fetches.at(-1)).toBe(true);
    await files.until((r) => r.page.some((f: { path: string }) => f.path === "after-expiry.txt"), "the file");
  });

  test("a token that was already expired is refused with AuthError: the client reports it signed out", async () => {
    const expired = stack.signToken({ sub: "user_expired", ttlSec: -60 });
    const client = liveClient(stack);
    open.push(client);
    const states: boolean[] = [];
    client.setAuth(
      async () => expired,
      (isAuthenticated) => states.push(isAuthenticated),
    );
    await expect.poll(() => states, { timeout: 5_000 }).toContain(false);
    expect(states).not.toContain(true);
  });
});
