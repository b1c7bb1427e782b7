// Provider webhooks through the stack: the fakes sign and deliver them to Convex's
// /webhooks/* HTTP actions (via convex-test's router). Verified events update the status at
// once and are applied once; anything not signed with the secret is a 400 and writes nothing.
import { describe, expect, test } from "vitest";
import { signVercelWebhook } from "../../convex/providers/webhooks";
import type { Id } from "../../convex/_generated/dataModel";
import {
  api,
  countRows,
  deployStackForFile,
  logLines,
  providerCalls,
  row,
  userWithProject,
  WEBHOOK_SECRETS,
  notificationsAbout,
} from "./helpers";

const stack = deployStackForFile();

const statusCalls = (since: number) =>
  stack.fakes.vercel.requests.slice(since).filter((r) => r.method === "GET" && /^\/v13\/deployments\//.test(r.path))
    .length;

async function startedOn(provider: "vercel" | "netlify", user: string) {
  const { as, projectId } = await userWithProject(stack, user);
  const id: Id<"deployments"> = await as.mutation(api.deployments.request, {
    projectId,
    provider,
    environment: "production",
  });
  await stack.advance(1_000); // started at the provider; the first poll is due at 5 s
  const d = await row(stack, id);
  expect(d).toMatchObject({ status: "building", pollCount: 0 });
  return { as, id, pid: d.providerDeploymentId! };
}

async function snapshotOfWrites() {
  return {
    events: await countRows(stack, "webhookEvents"),
    logs: await countRows(stack, "deploymentLogs"),
    notes: await countRows(stack, "notifications"),
  };
}

describe("verified webhooks", () => {
  test("Vercel deployment.succeeded before the first poll: ready at once; polling finds nothing to do", async () => {
    const { as, id, pid } = await startedOn("vercel", "user_hook_first");
    const since = stack.fakes.vercel.requests.length;
    const { response } = await stack.fakes.vercel.sendWebhook(pid, "deployment.succeeded");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: "finished" });
    // Visible immediately: no poll has run.
    const now = await as.query(api.deployments.get, { deploymentId: id });
    expect(now).toMatchObject({ status: "ready", step: "ready", pollCount: 0, attempts: 1 });
    expect(now.url).toMatch(/^https:\/\/.+vercel\.app$/);

    await stack.advance(10 * 60_000);
    const d = await row(stack, id);
    expect(d.pollCount).toBe(0);
    expect(statusCalls(since)).toBe(0); // the 5 s poll saw a finished row and never called Vercel
    const lines = await logLines(stack, id);
    expect(lines).toContain("Webhook: deployment.succeeded");
    expect(lines).toContain("Build queued"); // the provider's lines so far, drained after the webhook
    expect(lines.filter((l) => l.startsWith("Ready at"))).toHaveLength(1);
  });

  test("the same webhook twice is applied once", async () => {
    const { id, pid } = await startedOn("vercel", "user_hook_twice");
    const { delivery } = await stack.fakes.vercel.sendWebhook(pid, "deployment.succeeded");
    const before = await snapshotOfWrites();
    const again = await stack.t.fetch(delivery.path, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ result: "duplicate" });
    expect(await snapshotOfWrites()).toEqual(before);
    expect(await notificationsAbout(stack, id)).toHaveLength(1);
    await stack.advance(60_000);
    expect(await row(stack, id)).toMatchObject({ status: "ready", attempts: 1, pollCount: 0 });
    expect((await logLines(stack, id)).filter((l) => l === "Webhook: deployment.succeeded")).toHaveLength(1);
  });

  test("Netlify deploy_succeeded (JWS-signed) ends the deployment at once", async () => {
    const { id, pid } = await startedOn("netlify", "user_hook_netlify");
    const since = stack.fakes.netlify.requests.length;
    const { response } = await stack.fakes.netlify.sendWebhook(pid, "deploy_succeeded");
    expect(response.status).toBe(200);
    expect(await row(stack, id)).toMatchObject({ status: "ready", attempts: 1, pollCount: 0 });
    await stack.advance(60_000);
    expect(await row(stack, id)).toMatchObject({ status: "ready", pollCount: 0 });
    // No status poll; one read of the deploy for its last log lines (drained after the webhook).
    expect(providerCalls(stack, "netlify", since)).toEqual(["GET /api/v1/deploys/:id"]);
    const lines = await logLines(stack, id);
    expect(lines).toContain("Webhook: deploy_ready");
    expect(lines).toContain("Deploy is live at " + (await row(stack, id)).url);
  });

  test("a non-terminal event advances nothing backwards; one after the end is ignored", async () => {
    const { id, pid } = await startedOn("vercel", "user_hook_late");
    const created = await stack.fakes.vercel.sendWebhook(pid, "deployment.created");
    expect(await created.response.json()).toEqual({ result: "applied" });
    expect((await row(stack, id)).status).toBe("building");
    await stack.advance(60_000); // polling finishes it
    expect((await row(stack, id)).status).toBe("ready");
    const late = await stack.fakes.vercel.sendWebhook(pid, "deployment.error");
    expect(await late.response.json()).toEqual({ result: "ignored" });
    const after = await row(stack, id);
    expect(after.status).toBe("ready");
    expect(after.error).toBeUndefined();
  });

  test("a signed event for a deployment that is not ours writes nothing", async () => {
    const before = await snapshotOfWrites();
    const body = JSON.stringify({
      id: "evt_other",
      type: "deployment.succeeded",
      payload: { deployment: { id: "dpl_not_ours", url: "x.vercel.app" } },
    });
    const res = await stack.t.fetch("/webhooks/vercel", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-vercel-signature": await signVercelWebhook(body, WEBHOOK_SECRETS.vercel),
      },
      body,
    });
    expect(await res.json()).toEqual({ result: "unknown" });
    expect(await snapshotOfWrites()).toEqual(before);
  });
});

test("signed bodies that are not deployment events: malformed is 400, another event type is ignored", async () => {
  const before = await snapshotOfWrites();
  const post = async (body: string) =>
    await stack.t.fetch("/webhooks/vercel", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-vercel-signature": await signVercelWebhook(body, WEBHOOK_SECRETS.vercel),
      },
      body,
    });
  const malformed = await post("{not json");
  expect(malformed.status).toBe(400);
  expect((await malformed.json()).error.code).toBe("INVALID");
  const other = await post(
    JSON.stringify({ id: "evt_domain", type: "domain.created", payload: { deployment: { id: "dpl_x" } } }),
  );
  expect(await other.json()).toEqual({ result: "ignored" });
  expect(await snapshotOfWrites()).toEqual(before);
});

test("without its secret configured the route answers 503 UNAVAILABLE and writes nothing", async () => {
  const { id, pid } = await startedOn("vercel", "user_hook_unconfigured");
  const saved = process.env.VERCEL_WEBHOOK_SECRET;
  delete process.env.VERCEL_WEBHOOK_SECRET;
  try {
    const before = await snapshotOfWrites();
    const { response } = await stack.fakes.vercel.sendWebhook(pid, "deployment.succeeded");
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe("UNAVAILABLE");
    expect(await snapshotOfWrites()).toEqual(before);
    expect((await row(stack, id)).status).toBe("building");
  } finally {
    process.env.VERCEL_WEBHOOK_SECRET = saved;
  }
  await stack.advance(60_000); // polling still finishes it: the safety net
  expect(await row(stack, id)).toMatchObject({ status: "ready", attempts: 1 });
});

describe("forged webhooks: 400, nothing written", () => {
  test.each([
    [
      "a wrong signature",
      (h: Record<string, string>, b: string) => ({ h: { ...h, "x-vercel-signature": "0".repeat(40) }, b }),
    ],
    ["no signature", (h: Record<string, string>, b: string) => ({ h: { "content-type": h["content-type"] }, b })],
    [
      "a body changed after signing",
      (h: Record<string, string>, b: string) => ({ h, b: b.replace("deployment.succeeded", "deployment.error") }),
    ],
  ])("Vercel with %s", async (_name, forge) => {
    const { id, pid } = await startedOn("vercel", `user_forged_${_name.length}`);
    // Capture a genuine delivery without letting it reach Convex.
    let genuine: { headers: Record<string, string>; body: string } | undefined;
    stack.fakes.vercel.configureWebhook({
      secret: WEBHOOK_SECRETS.vercel,
      deliver: async (d) => {
        genuine = d;
        return new Response(null, { status: 204 });
      },
    });
    await stack.fakes.vercel.sendWebhook(pid, "deployment.succeeded");
    stack.fakes.vercel.configureWebhook({
      secret: WEBHOOK_SECRETS.vercel,
      deliver: (req) => stack.t.fetch(req.path, { method: "POST", headers: req.headers, body: req.body }),
    });
    const before = await snapshotOfWrites();
    const rowBefore = await row(stack, id);
    const { h, b } = forge(genuine!.headers, genuine!.body);
    const res = await stack.t.fetch("/webhooks/vercel", { method: "POST", headers: h, body: b });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("INVALID");
    expect(await snapshotOfWrites()).toEqual(before);
    expect(await row(stack, id)).toEqual(rowBefore);
  });

  test("Netlify with a JWS signed by another secret", async () => {
    const { id, pid } = await startedOn("netlify", "user_forged_netlify");
    stack.fakes.netlify.configureWebhook({
      secret: "not-the-secret",
      deliver: (req) => stack.t.fetch(req.path, { method: "POST", headers: req.headers, body: req.body }),
    });
    const before = await snapshotOfWrites();
    try {
      const { response } = await stack.fakes.netlify.sendWebhook(pid, "deploy_succeeded");
      expect(response.status).toBe(400);
    } finally {
      stack.fakes.netlify.configureWebhook({
        secret: WEBHOOK_SECRETS.netlify,
        deliver: (req) => stack.t.fetch(req.path, { method: "POST", headers: req.headers, body: req.body }),
      });
    }
    expect(await snapshotOfWrites()).toEqual(before);
    expect((await row(stack, id)).status).toBe("building");
  });
});
