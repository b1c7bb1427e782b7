import { describe, expect, test } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { userRow } from "./convexTest";
import { startStack } from "./stack";
import { stackForFile } from "./stackForFile";

const stack = stackForFile();

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

describe("the stack clock", () => {
  test("Date is virtual: frozen between advances, moved exactly by advance()", async () => {
    const t0 = stack.now();
    expect(Date.now()).toBe(t0);
    await new Promise((r) => setTimeout(r, 20)); // real timers still run…
    expect(Date.now()).toBe(t0); // …but virtual time does not move
    await stack.advance(1234);
    expect(Date.now()).toBe(t0 + 1234);
  });

  test("advance() runs a scheduled function exactly when it falls due", async () => {
    await stack.signIn({ id: "user_sched" });
    await stack.t.run(async (ctx) => {
      await ctx.scheduler.runAfter(5_000, internal.users.setRole, { clerkId: "user_sched", role: "admin" });
    });
    const role = async () => (await userRow(stack.t, "user_sched"))?.role;
    await stack.advance(4_999);
    expect(await role()).toBe("user");
    await stack.advance(1);
    expect(await role()).toBe("admin");
  });

  test("signIn with a role; convex(token) calls public functions as that user", async () => {
    const token = await stack.signIn({ id: "user_root", email: "root@example.com", role: "admin" });
    expect(await stack.convex(token).query(api.users.me, {})).toMatchObject({ clerkId: "user_root", role: "admin" });
    const forged = await stack.forgeToken({ id: "user_root" });
    await expect(stack.convex(forged).query(api.users.me, {})).rejects.toThrow();
  });

  test("two stacks in one process share the clock; closing one leaves the other running", async () => {
    const other = await startStack();
    const before = stack.now();
    await other.advance(10_000);
    expect(stack.now()).toBe(before + 10_000);
    expect((await fetch(`${other.edgeUrl}/health`)).status).toBe(200);
    await other.close();
    expect(Date.now()).toBe(before + 10_000); // still virtual: this file's stack holds the clock
    expect((await fetch(`${stack.edgeUrl}/health`)).status).toBe(200);
  });
});
