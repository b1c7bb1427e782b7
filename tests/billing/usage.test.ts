// Usage per billing period comes from the daily rollups and equals the request ledger exactly.
import { afterEach, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { dayOf } from "../../convex/lib/usageRollup";
import { billingEnv, sendStripe, stripeEvent, subscription, withUser } from "./helpers";
import { callerFor } from "../keys";

afterEach(() => vi.useRealTimers());

test("current() and usage({ period }) equal the ledger's sums over the period's days, to the micro-dollar", async () => {
  billingEnv();
  // A subscription renewing on the 25th at 10:00 UTC; requests from Sep 20 to Nov 10.
  vi.useFakeTimers({ now: Date.UTC(2026, 8, 20, 3) });
  const { t, userId, as } = await withUser();
  const start = Date.UTC(2026, 9, 25, 10);
  const end = Date.UTC(2026, 10, 25, 10);
  await sendStripe(
    t,
    stripeEvent("evt_1", "customer.subscription.created", subscription({ userId, plan: "business", start, end })),
  );
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  while (Date.now() < Date.UTC(2026, 10, 10)) {
    vi.advanceTimersByTime((2 + rand(20)) * 3_600_000);
    const begun = await t.mutation(internal.ai.begin, {
      caller: callerFor("alice"),
      type: "explain",
      model: "claude-sonnet-5-5",
      prompt: "x",
      promptChars: 10,
    });
    const usage = {
      inputTokens: 100 + rand(5000),
      outputTokens: rand(3000),
      cacheReadTokens: rand(900),
      cacheWriteTokens: rand(300),
    };
    await t.mutation(internal.ai.settle, {
      caller: callerFor("alice"),
      requestId: begun.requestId,
      status: rand(10) === 0 ? "failed" : "completed",
      usage,
      latencyMs: 5,
    });
  }
  const ledger = await t.run((ctx) => ctx.db.query("aiRequests").collect());
  const sum = (from: string, to: string) => {
    const rows = ledger.filter((r) => dayOf(r.startedAt) >= from && dayOf(r.startedAt) <= to);
    return {
      requests: rows.length,
      costMicros: rows.reduce((n, r) => n + r.costMicros, 0),
      totalTokens: rows.reduce(
        (n, r) => n + r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens,
        0,
      ),
    };
  };
  const current = await as.query(api.billing.current, { today: "2026-11-10" });
  expect(current.period).toMatchObject({ start, end, from: "2026-10-25", to: "2026-11-24", days: 31 });
  expect(current.usage).toMatchObject(sum("2026-10-25", "2026-11-24"));
  expect(current.usage.costMicros).toBeGreaterThan(0);
  expect(current.today?.day).toBe("2026-11-10");

  const october = await as.query(api.billing.usage, { period: "2026-10" });
  expect(october.usage).toMatchObject(sum("2026-10-25", "2026-11-24"));
  const september = await as.query(api.billing.usage, { period: "2026-09" });
  expect(september.period).toMatchObject({ from: "2026-09-25", to: "2026-10-24" });
  expect(september.usage).toMatchObject(sum("2026-09-25", "2026-10-24"));
  // Consecutive periods share no day: together they are the ledger from Sep 25 on.
  expect(september.usage.requests + october.usage.requests).toBe(sum("2026-09-25", "2026-12-31").requests);
});
