// Billing figures, from convex-test in this process (in memory; compare within one run):
//  - billing.current() for a 31-day period with REQUESTS requests in the ledger: documents read
//    (goal ≤ 32: the user + one rollup row per day) and time, and its total checked against the ledger;
//  - admin.users, one page of 100, with USERS users: documents read and time (newest, by plan, by email prefix).
// Documents read: scripts/benchReads.ts (auth wrapper included).
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { DEFAULT_PREFERENCES } from "../../convex/lib/auth";
import { costMicros } from "../../convex/lib/pricing";
import { dayOf, emptyTotals } from "../../convex/lib/usageRollup";
import type { Plan, UsageTotals } from "../../convex/validators";
import { asUser, newConvexTest } from "../../tests/convexTest";
import { documentsRead } from "../benchReads";
import { spread, time } from "../benchTiming";
import { callerFor } from "../../tests/keys";

const REQUESTS = 100_000;
const USERS = 100_000;
const BATCH = 5_000;
const DAY = 86_400_000;
const RUNS = 50;
const MODEL = "claude-sonnet-5-5";

export async function run() {
  const t = newConvexTest();
  const { id: userId } = await t.mutation(internal.users.meForEdge, {
    caller: callerFor("bench_payer", { email: "payer@example.com" }),
  });
  const as = asUser(t, "bench_payer");
  // A 31-day billing period (Oct 25 10:00 → Nov 25 10:00 UTC) on the user's row, as syncPlan writes it.
  const start = Date.UTC(2026, 9, 25, 10);
  const end = Date.UTC(2026, 10, 25, 10);
  await t.run((ctx) =>
    ctx.db.patch("users", userId as Id<"users">, {
      plan: "pro",
      billing: {
        source: "subscription",
        provider: "stripe",
        periodStart: start,
        periodEnd: end,
        atPeriodEnd: "renews",
      },
    }),
  );

  // The ledger (aiRequests) and its daily rollups, as ai.settle writes them, spread over the period's 31 days.
  const seeded = performance.now();
  const days = new Map<string, UsageTotals>();
  let ledgerMicros = 0;
  for (let b = 0; b < REQUESTS / BATCH; b++) {
    await t.run(async (ctx) => {
      for (let i = 0; i < BATCH; i++) {
        const n = b * BATCH + i;
        const startedAt = start + Math.floor((n / REQUESTS) * 31 * DAY) - 10 * 3_600_000 + 1;
        const usage = {
          inputTokens: 200 + (n % 997),
          outputTokens: 50 + (n % 331),
          cacheReadTokens: n % 101,
          cacheWriteTokens: n % 13,
        };
        const cost = costMicros(MODEL, usage);
        ledgerMicros += cost;
        await ctx.db.insert("aiRequests", {
          userId: userId as Id<"users">,
          type: "explain",
          model: MODEL,
          promptExcerpt: "",
          status: "completed",
          ...usage,
          costMicros: cost,
          startedAt,
          completedAt: startedAt + 1,
        });
        const d = days.get(dayOf(startedAt)) ?? emptyTotals();
        d.requests++;
        d.inputTokens += usage.inputTokens;
        d.outputTokens += usage.outputTokens;
        d.cacheReadTokens += usage.cacheReadTokens;
        d.cacheWriteTokens += usage.cacheWriteTokens;
        d.totalTokens += usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
        d.costMicros += cost;
        d.byType = { explain: d.requests };
        days.set(dayOf(startedAt), d);
      }
    });
  }
  await t.run(async (ctx) => {
    for (const [day, totals] of days)
      await ctx.db.insert("usageDaily", { userId: userId as Id<"users">, day, ...totals });
  });
  console.log(`seeded ${REQUESTS} requests over ${days.size} days in ${(performance.now() - seeded).toFixed(0)} ms`);

  const current = () => as.query(api.billing.current, { today: "2026-11-10" });
  const { docs, result } = await documentsRead(current);
  const tm = await time(RUNS, current, 5);
  console.log(
    `billing.current() (31-day period, ${REQUESTS} requests)   documents read ${docs} (goal ≤ 32); ${spread(tm)}`,
  );
  console.log(
    `  period ${result.period.from}..${result.period.to}: ${result.usage.requests} requests, ${result.usage.costMicros} µ$ (ledger: ${ledgerMicros} µ$, ${result.usage.costMicros === ledgerMicros ? "equal" : "DIFFERENT"})`,
  );

  // admin.users with USERS users.
  const usersSeeded = performance.now();
  const plans: Plan[] = ["free", "free", "free", "starter", "pro", "business"];
  for (let b = 0; b < USERS / BATCH; b++) {
    await t.run(async (ctx) => {
      for (let i = 0; i < BATCH; i++) {
        const n = b * BATCH + i;
        await ctx.db.insert("users", {
          clerkId: `bench_${n}`,
          email: `user${String(n).padStart(6, "0")}@example.com`,
          role: "user",
          plan: plans[n % plans.length],
          preferences: DEFAULT_PREFERENCES,
          createdAt: n,
          updatedAt: n,
        });
      }
    });
  }
  console.log(`seeded ${USERS} users in ${(performance.now() - usersSeeded).toFixed(0)} ms`);
  await t.mutation(internal.users.setRole, { clerkId: "bench_payer", role: "admin" });
  const page = { numItems: 100, cursor: null };
  for (const [label, args] of [
    ["admin.users (newest, page of 100)", { paginationOpts: page }],
    ["admin.users (plan business, page of 100)", { paginationOpts: page, plan: "business" as const }],
    ["admin.users (email prefix user0421, page)", { paginationOpts: page, emailPrefix: "user0421" }],
  ] as const) {
    const call = () => as.query(api.admin.users, args);
    const r = await documentsRead(call);
    const ut = await time(RUNS, call, 5);
    console.log(
      `${label.padEnd(44)} documents read ${String(r.docs).padStart(4)}; returned ${r.result.page.length}; ${spread(ut)}`,
    );
  }
}
