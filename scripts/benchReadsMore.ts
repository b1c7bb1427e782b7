// The AI, deployment, billing, notification, invitation, token and admin groups of
// scripts/bench/reads.ts (the project groups are there). Tables every user shares (the
// request log and deployments as operations reads them, subscriptions, users) grow across
// the three sizes: their lines report the table's total when measured.
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { SAMPLE } from "../convex/lib/billingHealth";
import { dayOf, DAY_MS } from "../convex/lib/usageRollup";
import type { Stack } from "../tests/stack";
import { first, group, insertMany, PAGE, seedAiRequests, seedDeployments, type Caller } from "./benchReadsSeed";

export function more(stack: Stack, admin: Caller, fresh: (what: string, size: number) => Promise<Caller>) {
  const now = () => stack.now();
  const totals = { aiRequests: 0, deployments: 0 };
  const range = () => ({ from: dayOf(now() - 29 * DAY_MS), to: dayOf(now()) });
  const sample = `sample cap ${(SAMPLE + 1).toLocaleString("en-US")} per status`;
  type Ai = Caller & { today: string; lastMonth: string };
  type Deploy = Caller & { deploymentId: Id<"deployments"> };

  return [
    group({
      seed: async (size): Promise<Ai> => {
        const c = await fresh("ai", size);
        await seedAiRequests(stack, c, size, now());
        totals.aiRequests += size;
        const today = dayOf(now());
        return { ...c, today, lastMonth: dayOf(Date.parse(`${today.slice(0, 7)}-01T00:00:00Z`) - DAY_MS).slice(0, 7) };
      },
      queries: [
        {
          fn: "aiRequests.list",
          grows: "the caller's AI requests",
          page: PAGE,
          call: (c: Ai) => c.as.query(api.aiRequests.list, first()),
        },
        {
          fn: "aiRequests.list({projectId})",
          grows: "the caller's AI requests in one project",
          page: PAGE,
          call: (c: Ai) => c.as.query(api.aiRequests.list, { projectId: c.projectId, ...first() }),
        },
        {
          fn: "usage.stats",
          grows: "the caller's AI requests over 30 days, rollups",
          page: 30,
          unit: "days",
          call: (c: Ai) => c.as.query(api.usage.stats, range()),
        },
        {
          fn: "usage.daily",
          grows: "the caller's AI requests over 30 days, rollups",
          page: 30,
          unit: "days",
          call: (c: Ai) => c.as.query(api.usage.daily, range()),
        },
        {
          fn: "billing.current",
          grows: "the caller's AI requests this month so far, rollups",
          page: 31,
          unit: "days",
          call: (c: Ai) => c.as.query(api.billing.current, { today: c.today }),
        },
        {
          fn: "billing.usage",
          grows: "the caller's AI requests last month, rollups",
          page: 31,
          unit: "days",
          call: (c: Ai) => c.as.query(api.billing.usage, { period: c.lastMonth }),
        },
        {
          fn: "admin.userUsage",
          grows: "one user's AI requests last month, rollups",
          page: 31,
          unit: "days",
          call: (c: Ai) => admin.as.query(api.admin.userUsage, { userId: c.userId, period: c.lastMonth }),
        },
        {
          fn: "usage.global",
          grows: "all users' AI requests over 30 days, rollups",
          page: 30 * 8,
          unit: "day shards",
          call: () => admin.as.query(api.usage.global, range()),
          at: () => totals.aiRequests,
        },
        {
          fn: "operations.aiHealthStats",
          grows: `all users' AI requests, ${sample}`,
          page: 0,
          unit: "none",
          call: () => admin.as.query(api.operations.aiHealthStats, { since: 0 }),
          at: () => totals.aiRequests,
        },
        {
          fn: "operations.topProjects",
          grows: `all users' AI requests, ${sample}`,
          page: 0,
          unit: "none",
          call: () => admin.as.query(api.operations.topProjects, { since: 0 }),
          at: () => totals.aiRequests,
        },
      ],
    }),
    group({
      seed: async (size): Promise<Deploy> => {
        const c = await fresh("deployments", size);
        const ids = await seedDeployments(stack, c, size, now());
        totals.deployments += size;
        const t = now();
        await insertMany(stack, "deploymentLogs")(size, (i) => ({
          deploymentId: ids[0],
          seq: i,
          at: t + i,
          level: "info",
          text: `line ${i}`,
        }));
        return { ...c, deploymentId: ids[0] };
      },
      queries: [
        {
          fn: "deployments.list",
          grows: "deployments of one project",
          page: PAGE,
          call: (c: Deploy) => c.as.query(api.deployments.list, { projectId: c.projectId, ...first() }),
        },
        {
          fn: "deployments.logs",
          grows: "log lines of one deployment",
          page: 100,
          call: (c: Deploy) => c.as.query(api.deployments.logs, { deploymentId: c.deploymentId, ...first(100) }),
        },
        {
          fn: "deployments.stats({projectId})",
          grows: "deployments of one project, aggregate",
          page: 0,
          unit: "none",
          call: (c: Deploy) => c.as.query(api.deployments.stats, { projectId: c.projectId }),
        },
        {
          fn: "deployments.stats({})",
          grows: "the caller's deployments, aggregate",
          page: 0,
          unit: "none",
          call: (c: Deploy) => c.as.query(api.deployments.stats, {}),
        },
        {
          fn: "operations.deploymentHealthStats",
          grows: `all deployments, ${sample}`,
          page: 0,
          unit: "none",
          call: () => admin.as.query(api.operations.deploymentHealthStats, { since: 0 }),
          at: () => totals.deployments,
        },
      ],
    }),
  ];
}
