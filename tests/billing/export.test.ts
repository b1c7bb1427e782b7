// The admin's CSV export through the edge: streamed page by page, equal to the request
// ledger to the micro-dollar; refused to non-administrators before any CSV byte.
import { expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { USERS_PER_PAGE } from "../../convex/billingExport";
import { dayOf } from "../../convex/lib/usageRollup";
import { CSV_HEADER, microsToUsd } from "../../edge/routes/admin";
import { stackForFile } from "../stackForFile";
import { callerFor } from "../keys";

const stack = stackForFile();
const ACTIVE = [3, USERS_PER_PAGE + 5, USERS_PER_PAGE + 19];

function get(token: string, query: string) {
  return fetch(`${stack.edgeUrl}/api/admin/export${query}`, { headers: { Authorization: `Bearer ${token}` } });
}

test("GET /api/admin/export?period=YYYY-MM streams every user's month as CSV; its sums equal the ledger", async () => {
  // More users than one page, a few of them with AI use over several days (and across the month's end).
  for (let i = 0; i < USERS_PER_PAGE + 20; i++)
    await stack.t.mutation(internal.users.meForEdge, {
      caller: callerFor(`export_${i}`, { email: `u${i}@example.com` }),
    });
  const month = dayOf(stack.now()).slice(0, 7);
  for (let day = 0; day < 3; day++) {
    for (const i of ACTIVE) {
      const begun = await stack.t.mutation(internal.ai.begin, {
        caller: callerFor(`export_${i}`),
        type: "explain",
        model: "claude-sonnet-5-5",
        prompt: "x",
        promptChars: 1,
      });
      const usage = {
        inputTokens: 123 * (i + 1) + day,
        outputTokens: 567 + day,
        cacheReadTokens: 89,
        cacheWriteTokens: 7,
      };
      await stack.t.mutation(internal.ai.settle, {
        caller: callerFor(`export_${i}`),
        requestId: begun.requestId,
        status: "completed",
        usage,
        latencyMs: 3,
      });
    }
    await stack.advance(5 * 3_600_000);
  }

  // Signed in now (session tokens live an hour; the clock moved 15).
  const admin = await stack.signIn({ id: "export_admin", role: "admin" });
  const someone = await stack.signIn({ id: "export_user" });
  const res = await get(admin, `?period=${month}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/csv");
  expect(res.headers.get("content-disposition")).toBe(`attachment; filename="usage-${month}.csv"`);
  const lines = (await res.text()).trimEnd().split("\n");
  expect(lines[0]).toBe(CSV_HEADER);
  const rows = lines.slice(1).map((l) => l.split(","));
  expect(rows.map((r) => r[1]).sort()).toEqual(ACTIVE.map((i) => `u${i}@example.com`).sort());

  const ledger = (await stack.t.run((ctx) => ctx.db.query("aiRequests").collect())).filter((r) =>
    dayOf(r.startedAt).startsWith(month),
  );
  const micros = rows.reduce((n, r) => n + Number(r[8]), 0);
  expect(micros).toBe(ledger.reduce((n, r) => n + r.costMicros, 0));
  expect(rows.reduce((n, r) => n + Number(r[3]), 0)).toBe(ledger.length);
  for (const r of rows) expect(r[9]).toBe(microsToUsd(Number(r[8])));

  const refused = await get(someone, `?period=${month}`);
  expect(refused.status).toBe(403);
  expect((await refused.json()).error.code).toBe("FORBIDDEN");
  expect((await get(admin, "?period=2026-13")).status).toBe(400);
  expect((await get(admin, "?period=last")).status).toBe(400);
});

test("micro-dollars to USD is exact", () => {
  expect(microsToUsd(0)).toBe("0.000000");
  expect(microsToUsd(1)).toBe("0.000001");
  expect(microsToUsd(123_456_789)).toBe("123.456789");
});

test("a suspended account is refused at the edge with ACCOUNT_SUSPENDED (403) before Claude is called; lifted, it works again", async () => {
  const admin = await stack.signIn({ id: "suspend_admin", role: "admin" });
  const user = await stack.signIn({ id: "suspend_target", email: "target@example.com" });
  const me = () => fetch(`${stack.edgeUrl}/api/me`, { headers: { Authorization: `Bearer ${user}` } });
  const { id } = await (await me()).json();
  await stack.convex(admin).mutation(api.admin.setSuspended, { userId: id, suspended: true, reason: "abuse report" });
  const refused = await me();
  expect(refused.status).toBe(403);
  expect((await refused.json()).error.code).toBe("ACCOUNT_SUSPENDED");
  const claudeCalls = stack.fakes.anthropic.requests.length;
  const ai = await fetch(`${stack.edgeUrl}/api/ai/explain`, {
    method: "POST",
    headers: { Authorization: `Bearer ${user}`, "Content-Type": "application/json" },
    body: JSON.stringify({ code: "x", language: "ts" }),
  });
  expect(ai.status).toBe(403);
  expect((await ai.json()).error.code).toBe("ACCOUNT_SUSPENDED");
  expect(stack.fakes.anthropic.requests.length).toBe(claudeCalls);
  await stack.convex(admin).mutation(api.admin.setSuspended, { userId: id, suspended: false, reason: "resolved" });
  expect((await me()).status).toBe(200);
});
