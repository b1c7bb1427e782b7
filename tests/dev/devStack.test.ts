// Development sign-in through the whole stack (real edge on node-server, real Convex
// functions on convex-test): a newcomer's first requests without a Clerk account.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDevIssuerKey } from "../../scripts/devIssuerKey";
import { userRow } from "../convexTest";
import { startStack, type Stack } from "../stack";

const MOCKED = "anthropic,vercel,netlify,railway";
let stack: Stack;
let savedMocks: string | undefined;
beforeAll(async () => {
  // npm run dev gives the list to both sides; Convex functions read process.env in the stack.
  savedMocks = process.env.AUTOCREA_MOCK_SERVICES;
  process.env.AUTOCREA_MOCK_SERVICES = MOCKED;
  stack = await startStack({
    env: {
      NODE_ENV: "development",
      CLERK_JWT_KEY: undefined,
      AUTOCREA_DEV_AUTH: "1",
      AUTOCREA_DEV_ISSUER: "http://127.0.0.1:8787",
      AUTOCREA_DEV_ISSUER_KEY: JSON.stringify(createDevIssuerKey()),
      AUTOCREA_MOCK_SERVICES: MOCKED,
    },
  });
});
afterAll(async () => {
  await stack?.close();
  if (savedMocks === undefined) delete process.env.AUTOCREA_MOCK_SERVICES;
  else process.env.AUTOCREA_MOCK_SERVICES = savedMocks;
});

describe("development sign-in through the stack", () => {
  test("sign in, then GET /api/me creates and returns the user row", async () => {
    const signIn = await fetch(`${stack.edgeUrl}/dev/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "user_dev_grace", email: "Grace@Autocrea.dev", name: "Grace Hopper" }),
    });
    expect(signIn.status).toBe(200);
    const { token } = await signIn.json();

    const me = await fetch(`${stack.edgeUrl}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ clerkId: "user_dev_grace", email: "grace@autocrea.dev", plan: "free" });
    const row = await userRow(stack.t, "user_dev_grace");
    expect(row).toMatchObject({ name: "Grace Hopper", role: "user" });
  });

  test("a token the issuer did not sign is refused and writes nothing", async () => {
    const forged = await stack.forgeToken({ id: "user_dev_mallory" });
    const res = await fetch(`${stack.edgeUrl}/api/me`, { headers: { Authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    const row = await userRow(stack.t, "user_dev_mallory");
    expect(row).toBeNull();
  });

  test("GET /health lists every service as mocked", async () => {
    const res = await fetch(`${stack.edgeUrl}/health`);
    expect(res.status).toBe(200);
    expect((await res.json()).services).toEqual({
      clerk: "mock",
      anthropic: "mock",
      vercel: "mock",
      netlify: "mock",
      railway: "mock",
    });
  });
});
