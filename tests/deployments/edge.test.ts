// The edge's deployment routes over real HTTP, through the seam, as the verified user.
import { callerFor } from "../keys";
import { describe, expect, test } from "vitest";
import { addMember, api, countRows, deployStackForFile, row, userWithProject } from "./helpers";

const stack = deployStackForFile();

const call = (path: string, token: string | undefined, init: RequestInit = {}) =>
  fetch(`${stack.edgeUrl}${path}`, {
    ...init,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      "Content-Type": "application/json",
      ...init.headers,
    },
  });

const deploy = (token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
  call("/api/deploy", token, { method: "POST", body: JSON.stringify(body), headers });

/** Reads an SSE response to the end: [{ event, id, data }]. */
async function readEvents(res: Response) {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((b) => b.trim())
    .map((block) => {
      const f: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const i = line.indexOf(":");
        if (i > 0) f[line.slice(0, i)] = line.slice(i + 1).trimStart();
      }
      return { event: f.event, id: f.id, data: JSON.parse(f.data) };
    });
}

describe("POST /api/deploy", () => {
  test("202 { deploymentId }; the same Idempotency-Key returns the same deployment", async () => {
    const { token, projectId } = await userWithProject(stack, "user_edge_deploy");
    const body = { projectId, provider: "vercel", environment: "production" };
    const res = await deploy(token, body, { "Idempotency-Key": "release-1" });
    expect(res.status).toBe(202);
    const { deploymentId } = await res.json();
    expect(typeof deploymentId).toBe("string");
    const again = await deploy(token, body, { "Idempotency-Key": "release-1" });
    expect(again.status).toBe(202);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await again.json()).deploymentId).toBe(deploymentId);
    const other = await deploy(token, body, { "Idempotency-Key": "release-2" });
    expect((await other.json()).deploymentId).not.toBe(deploymentId);
    await stack.advance(60_000);
    expect((await row(stack, deploymentId)).status).toBe("ready");
  });

  test("401 without a token, 400 for a bad body, 404 for someone else's project", async () => {
    const { token, projectId } = await userWithProject(stack, "user_edge_bad");
    expect((await deploy(undefined, { projectId, provider: "vercel" })).status).toBe(401);
    const bad = await deploy(token, { projectId, provider: "heroku" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: "INVALID", field: "provider" });
    expect((await deploy(token, { projectId, provider: "vercel", extra: 1 })).status).toBe(400);
    expect((await deploy(token, { projectId, provider: "vercel" }, { "Idempotency-Key": "has space" })).status).toBe(
      400,
    );
    const stranger = await userWithProject(stack, "user_edge_stranger");
    const res = await deploy(stranger.token, { projectId, provider: "vercel" });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("NOT_FOUND");
  });

  test("every 400 names its culprit in `field` and starts the message with it; nothing is created", async () => {
    const { token, projectId } = await userWithProject(stack, "user_edge_fields");
    const before = await countRows(stack, "deployments");
    const cases: [Response, string][] = [
      [await deploy(token, { projectId, provider: "vercel", extra: 1 }), "extra"],
      [await deploy(token, [projectId]), "body"],
      [await call("/api/deploy", token, { method: "POST", body: "{not json" }), "body"],
      [await deploy(token, { projectId, provider: "vercel" }, { "Idempotency-Key": "has space" }), "Idempotency-Key"],
    ];
    for (const [res, field] of cases) {
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error).toMatchObject({ code: "INVALID", field });
      expect(error.message.startsWith(`${field}: `)).toBe(true);
    }
    expect(await countRows(stack, "deployments")).toBe(before);
  });

  test("429 RATE_LIMITED carries Retry-After", async () => {
    const { token, projectId } = await userWithProject(stack, "user_edge_rate");
    for (let i = 0; i < 10; i++) {
      expect((await deploy(token, { projectId, provider: "railway" })).status).toBe(202);
      if (i % 4 === 3) await stack.advance(1_000);
    }
    await stack.advance(1_000);
    const res = await deploy(token, { projectId, provider: "railway" });
    expect(res.status).toBe(429);
    expect((await res.json()).error.code).toBe("RATE_LIMITED");
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    await stack.advance(60_000);
  });
});

describe("GET /api/deployments/:id, cancel, logs", () => {
  test("read, cancel (editor only), and 404 for strangers and bad ids", async () => {
    const owner = await userWithProject(stack, "user_edge_read");
    await addMember(stack, owner.as, owner.projectId, "user_edge_viewer", "viewer");
    const viewerToken = await stack.signIn({ id: "user_edge_viewer" });
    const { deploymentId } = await (
      await deploy(owner.token, { projectId: owner.projectId, provider: "netlify" })
    ).json();

    const got = await call(`/api/deployments/${deploymentId}`, viewerToken);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({
      id: deploymentId,
      status: "queued",
      provider: "netlify",
      environment: "preview",
    });

    const stranger = await stack.signIn({ id: "user_edge_nobody" });
    expect((await call(`/api/deployments/${deploymentId}`, stranger)).status).toBe(404);
    expect((await call(`/api/deployments/not-an-id!`, owner.token)).status).toBe(404);
    expect((await call(`/api/deployments/abc123`, owner.token)).status).toBe(404);

    const denied = await call(`/api/deployments/${deploymentId}/cancel`, viewerToken, { method: "POST" });
    expect(denied.status).toBe(403);
    const canceled = await call(`/api/deployments/${deploymentId}/cancel`, owner.token, { method: "POST" });
    expect(canceled.status).toBe(200);
    expect((await canceled.json()).status).toBe("canceled");
    expect((await row(stack, deploymentId)).status).toBe("canceled");
  });

  test("logs as JSON pages", async () => {
    const { token, projectId } = await userWithProject(stack, "user_edge_logs");
    const { deploymentId } = await (await deploy(token, { projectId, provider: "vercel" })).json();
    await stack.advance(60_000);
    const all = await (await call(`/api/deployments/${deploymentId}/logs`, token)).json();
    expect(all.status).toBe("ready");
    expect(all.done).toBe(true);
    expect(all.lines.map((l: { seq: number }) => l.seq)).toEqual([...Array(all.lines.length).keys()]);
    const tail = await (await call(`/api/deployments/${deploymentId}/logs?after=2&limit=3`, token)).json();
    expect(tail.lines.map((l: { seq: number }) => l.seq)).toEqual([3, 4, 5]);
    expect(tail.done).toBe(false);
    const badLimit = await call(`/api/deployments/${deploymentId}/logs?limit=0`, token);
    expect(badLimit.status).toBe(400);
    expect((await badLimit.json()).error).toMatchObject({ code: "INVALID", field: "limit" });
    const badResume = await call(`/api/deployments/${deploymentId}/logs`, token, { headers: { "Last-Event-ID": "x" } });
    expect((await badResume.json()).error).toMatchObject({ code: "INVALID", field: "Last-Event-ID" });
  });

  test("logs as SSE: lines as they arrive, then `end` with the final status", async () => {
    const { token, projectId } = await userWithProject(stack, "user_edge_sse");
    const { deploymentId } = await (await deploy(token, { projectId, provider: "vercel" })).json();
    await stack.advance(1_000);
    const res = await call(`/api/deployments/${deploymentId}/logs`, token, {
      headers: { Accept: "text/event-stream" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = readEvents(res);
    // The build moves on while the stream is open.
    for (let i = 0; i < 6; i++) {
      await stack.advance(10_000);
      await new Promise((r) => setTimeout(r, 30));
    }
    const got = await events;
    const last = got.at(-1)!;
    expect(last).toMatchObject({ event: "end", data: { status: "ready" } });
    const logs = got.filter((e) => e.event === "log");
    expect(logs.map((e) => e.data.seq)).toEqual([...Array(logs.length).keys()]);
    expect(logs.map((e) => e.id)).toEqual(logs.map((e) => String(e.data.seq)));
    expect(logs.map((e) => e.data.text)).toContain("Deployment ready");

    // Reconnecting with Last-Event-ID resumes after that line.
    const resumed = await readEvents(
      await call(`/api/deployments/${deploymentId}/logs`, token, {
        headers: { Accept: "text/event-stream", "Last-Event-ID": "3" },
      }),
    );
    expect(resumed[0].data.seq).toBe(4);
    expect(resumed.at(-1)!.event).toBe("end");
  });
});

test("Convex's /edge/deploy/request checks the body itself too (it trusts the edge's secret, not its validation)", async () => {
  const { projectId } = await userWithProject(stack, "user_edge_direct");
  const before = await countRows(stack, "deployments");
  const post = (body: unknown) =>
    stack.t.fetch("/edge/deploy/request", {
      method: "POST",
      headers: {
        Authorization: `Bearer ${process.env.EDGE_SECRET}`,
        "X-User-Id": callerFor("user_edge_direct").tokenIdentifier,
        "Content-Type": "application/json",
      },
      body: JSON.stringify(body),
    });
  for (const body of [
    { projectId, provider: "heroku", environment: "preview" },
    { projectId, provider: "vercel", environment: "staging" },
    { provider: "vercel", environment: "preview" },
    { projectId, provider: "vercel", environment: "preview", idempotencyKey: 42 },
  ]) {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("INVALID");
  }
  expect((await post({ projectId: "nope", provider: "vercel", environment: "preview" })).status).toBe(404);
  expect(await countRows(stack, "deployments")).toBe(before);
});

test("the Convex API agrees with the edge", async () => {
  const { as, token, projectId } = await userWithProject(stack, "user_edge_same");
  const { deploymentId } = await (await deploy(token, { projectId, provider: "railway" })).json();
  const viaConvex = await as.query(api.deployments.get, { deploymentId });
  const viaEdge = await (await call(`/api/deployments/${deploymentId}`, token)).json();
  expect(viaEdge).toEqual(viaConvex);
  await stack.advance(60_000);
});
