// `npm run stack` as a newcomer runs it (tsx, a separate process, not vitest's runtime):
// bodiless POSTs answer as in `npm run dev` (never a 500), development sign-in works, the
// banner names every URL, and CONVEX_URL / CONVEX_SITE_URL are written.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

let child: ChildProcess;
let banner = "";
const envFile = path.join(mkdtempSync(path.join(tmpdir(), "stack-")), ".env.local");
const url = (label: string) => new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(banner)?.[1] ?? "";

beforeAll(async () => {
  child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/stack.ts", "--port", "0", "--convex-port", "0", "--write-env", envFile, "--quiet"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run stack did not start:\n${banner}`)), 50_000);
    const onData = (d: Buffer) => {
      banner += d.toString();
      if (banner.includes("Ctrl-C stops it")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`npm run stack exited (${code}):\n${banner}`)));
  });
}, 60_000);
afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
});

describe("npm run stack", () => {
  test("prints the edge, page, Convex client API and site URLs, and writes CONVEX_URL / CONVEX_SITE_URL", () => {
    for (const label of ["edge", "page", "convex", "site"]) expect(url(label)).not.toBe("");
    const written = readFileSync(envFile, "utf8");
    expect(written).toContain(`CONVEX_URL=${url("convex")}\n`);
    expect(written).toContain(`CONVEX_SITE_URL=${url("site")}\n`);
    // Paired as `npx convex dev` pairs them: the site on the next port.
    expect(Number(new URL(url("site")).port)).toBe(Number(new URL(url("convex")).port) + 1);
  });

  test("a POST without a body is answered as by npm run dev: 404 for POST /health, 401 for an unauthenticated cancel", async () => {
    const health = await fetch(`${url("edge")}/health`, { method: "POST" });
    expect(health.status).toBe(404);
    expect((await health.json()).error.code).toBe("NOT_FOUND");
    const cancel = await fetch(`${url("edge")}/api/deployments/some-id/cancel`, { method: "POST" });
    expect(cancel.status).toBe(401);
    expect((await cancel.json()).error.code).toBe("UNAUTHENTICATED");
  });

  test("POST /dev/sign-in gives a token the edge and the local Convex both accept", async () => {
    const res = await fetch(`${url("edge")}/dev/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "user_dev_newcomer", email: "newcomer@autocrea.dev", name: "New Comer" }),
    });
    expect(res.status).toBe(200);
    const { token } = await res.json();
    const me = await fetch(`${url("edge")}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ clerkId: "user_dev_newcomer" });
    const viaConvex = await fetch(`${url("convex")}/api/query`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ path: "users:me", args: [{}], format: "convex_encoded_json" }),
    });
    expect(await viaConvex.json()).toMatchObject({ status: "success", value: { clerkId: "user_dev_newcomer" } });
    const empty = await fetch(`${url("edge")}/dev/sign-in`, { method: "POST" });
    expect(empty.status).toBe(400);
  });

  test("a mock checkout link points at the local Convex site, whose page answers", async () => {
    const { token } = await (
      await fetch(`${url("edge")}/dev/sign-in`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id: "user_dev_buyer", email: "buyer@autocrea.dev" }),
      })
    ).json();
    const res = await fetch(`${url("convex")}/api/action`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ path: "billing:checkout", args: [{ plan: "pro" }], format: "convex_encoded_json" }),
    });
    const answer = await res.json();
    expect(answer).toMatchObject({ status: "success", value: { mock: true } });
    expect(answer.value.url.startsWith(`${url("site")}/billing/mock/checkout?id=`)).toBe(true);
    const page = await fetch(answer.value.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Mock checkout");
  });
});
