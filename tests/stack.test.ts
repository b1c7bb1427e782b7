import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import { startStack, type Stack } from "./stack";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("the offline stack", () => {
  test("GET /health reaches Convex through the seam", async () => {
    const res = await fetch(`${stack.edgeUrl}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: "ok", convex: { ok: true } });
    expect(typeof body.convex.latencyMs).toBe("number");
  });

  test("GET /api/me returns the verified caller", async () => {
    const token = await stack.signIn({ id: "user_ada", email: "Ada@Example.com", name: "Ada" });
    const res = await fetch(`${stack.edgeUrl}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ clerkId: "user_ada", email: "ada@example.com", plan: "free" });
    const viaConvex = await stack.convex(token).query(api.users.me, {});
    expect(viaConvex).toMatchObject({ clerkId: "user_ada", role: "user" });
  });
});
