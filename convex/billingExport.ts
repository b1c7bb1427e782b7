// The admin's usage export of one calendar month for all users, one page per call, read from
// the daily rollups (at most USERS_PER_PAGE × 31 documents a page). The edge streams the
// pages out as CSV (edge/routes/admin.ts), so neither side holds the whole export.
import { v } from "convex/values";
import { edgeQuery, requireAdmin } from "./lib/auth";
import { monthPeriod, periodDays } from "./lib/billingUsage";
import { sumRows, userDays } from "./lib/usageRollup";
import { vPlan, vUsage } from "./validators";

/** Users per page: ≤ 100 × 31 rollup rows read per call. */
export const USERS_PER_PAGE = 100;

const vExportRow = v.object({
  userId: v.id("users"),
  email: v.string(),
  plan: vPlan,
  requests: v.number(),
  ...vUsage.fields,
  costMicros: v.number(),
});

/** POST /edge/admin/export { period: "YYYY-MM", cursor } → one page (administrators only). */
export const exportPage = edgeQuery({
  args: { period: v.string(), cursor: v.union(v.string(), v.null()) },
  returns: v.object({
    from: v.string(),
    to: v.string(),
    rows: v.array(vExportRow),
    cursor: v.string(),
    done: v.boolean(),
  }),
  handler: async (ctx, { period, cursor }) => {
    requireAdmin(ctx.user);
    const month = monthPeriod(period);
    const days = periodDays(month.start, month.end);
    const page = await ctx.db.query("users").paginate({ numItems: USERS_PER_PAGE, cursor });
    const rows = [];
    for (const u of page.page) {
      const t = sumRows(await userDays(ctx, u._id, days.from, days.to));
      // Users with no AI use that month are left out.
      if (t.requests === 0 && t.costMicros === 0) continue;
      const { requests, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, costMicros } = t;
      rows.push({
        userId: u._id,
        email: u.email,
        plan: u.plan,
        requests,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        costMicros,
      });
    }
    return { from: days.from, to: days.to, rows, cursor: page.continueCursor, done: page.isDone };
  },
});
