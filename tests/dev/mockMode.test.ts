// What `npm run dev` configures on a fresh machine, applied to the stack: a development
// token signs in, and AI answers and deployments come from the fakes marked `mock: true`.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { settleCompletions } from "../../edge/ai/run";
import { convexEnvFor, edgeEnvFor, mockCredential, planDev, type DevPlan } from "../../scripts/devConfig";
import { DEV_PROVIDER_FAKE_OPTIONS } from "../../scripts/devFakes";
import { createDevIssuerKey } from "../../scripts/devIssuerKey";
import { allRequests, sse } from "../ai/helpers";
import { startStack, type Stack } from "../stack";

let stack: Stack;
let plan: DevPlan;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  const planned = planDev({});
  if (!planned.ok) throw new Error(planned.error);
  plan = planned.plan;
  // The stack's own fakes stand in for the ones npm run dev starts (same servers).
  const rt = {
    convexSiteUrl: "http://127.0.0.1:3211",
    edgeSecret: "unused",
    issuerKey: createDevIssuerKey(),
    fakeUrls: {},
  };
  const edge = edgeEnvFor(plan, {}, rt);
  const convex = convexEnvFor(plan, {}, rt, {}).set;
  // Convex functions read process.env in the stack; the provider fakes keep their own tokens.
  for (const name of ["AUTOCREA_MOCK_SERVICES", "PROVIDER_TOKEN_KEY"]) saved[name] = process.env[name];
  process.env.AUTOCREA_MOCK_SERVICES = convex.AUTOCREA_MOCK_SERVICES;
  process.env.PROVIDER_TOKEN_KEY ??= randomBytes(32).toString("base64");
  stack = await startStack({
    providerFakes: DEV_PROVIDER_FAKE_OPTIONS,
    env: {
      CLERK_JWT_KEY: undefined,
      ...Object.fromEntries(
        [
          "NODE_ENV",
          "AUTOCREA_DEV_AUTH",
          "AUTOCREA_DEV_ISSUER",
          "AUTOCREA_DEV_ISSUER_KEY",
          "AUTOCREA_MOCK_SERVICES",
          "ANTHROPIC_API_KEY",
        ].map((k) => [k, edge[k]]),
      ),
    },
  });
  stack.fakes.anthropic.acceptOnly(mockCredential("anthropic"));
});
afterAll(async () => {
  await settleCompletions();
  await stack?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function devToken(id: string) {
  const res = await fetch(`${stack.edgeUrl}/dev/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id, email: `${id}@autocrea.dev` }),
  });
  const { token } = await res.json();
  expect((await fetch(`${stack.edgeUrl}/api/me`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
  return token as string;
}

describe("mock mode as npm run dev configures it", () => {
  test("every service is mocked and health says so", async () => {
    expect(plan.services).toEqual({
      clerk: "mock",
      anthropic: "mock",
      vercel: "mock",
      netlify: "mock",
      railway: "mock",
    });
    const health = await (await fetch(`${stack.edgeUrl}/health`)).json();
    expect(health.services).toEqual(plan.services);
  });

  test("an AI answer from the fake Anthropic is marked mock in the done event and the request row", async () => {
    const token = await devToken("user_dev_ai");
    const { events } = await sse(stack, token, "generate", { prompt: "a todo app" });
    expect(events.at(-1)).toMatchObject({ event: "done", data: { mock: true } });
    await settleCompletions();
    const rows = await allRequests(stack);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatchObject({ mock: true, status: "completed" });
  });

  test("deployments to the fake providers are marked mock, still finish, and their URLs say mock", async () => {
    // Public functions as the development-issued token's user (the stack's convex() client verifies it).
    const as = stack.convex(await devToken("user_dev_deploy"));
    const projectId: Id<"projects"> = await as.mutation(api.projects.create, {
      name: "Mock shop",
      framework: "static",
    });
    await as.mutation(api.files.writeMany, { projectId, files: [{ path: "index.html", content: "<h1>hi</h1>" }] });
    const ids: Id<"deployments">[] = [];
    for (const provider of ["vercel", "netlify", "railway"] as const) {
      ids.push(await as.mutation(api.deployments.request, { projectId, provider, environment: "production" }));
    }
    await stack.advance(1_000);
    await stack.advance(60_000);
    const urls: string[] = [];
    for (const id of ids) {
      const d = await as.query(api.deployments.get, { deploymentId: id });
      expect(d).toMatchObject({ mock: true, status: "ready" });
      urls.push(d.url!);
    }
    // Still a URL with the provider's domain, but never mistaken for a live site.
    const [vercel, netlify, railway] = urls.map((u) => new URL(u));
    expect(vercel.hostname).toMatch(/^[a-z0-9-]+--mock\.vercel\.app$/);
    expect(netlify.hostname).toMatch(/^[a-z0-9-]+--mock\.netlify\.app$/);
    expect(railway.hostname).toMatch(/^[a-z0-9-]+--mock\.up\.railway\.app$/);
    for (const u of urls) expect(u).toMatch(/^https:\/\//);
  });
});
