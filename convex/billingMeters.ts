// Metered usage to Stripe Billing Meters, so usage-based prices are possible: once a day, each
// user with an active (real) Stripe subscription gets one meter event with the AI tokens of a
// UTC day, read from the daily rollup. `meterReports` remembers what each day already reported,
// so a rerun sends only the difference (a request settled after the first run, a failed call)
// and the event's identifier (user, day, running total), also its idempotency key, makes a
// repeated send of the same total one event at Stripe.
// Off unless STRIPE_METER_EVENT names the meter's event and Stripe is real.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { env, internalAction, internalMutation, internalQuery } from "./_generated/server";
import { stripeConfig } from "./lib/billingConfig";
import { stripeClient } from "./lib/billingStripe";
import { DAY_MS, dayOf, userDay } from "./lib/usageRollup";

/** Subscriptions looked at per query (one page of the action's walk). */
const PAGE = 100;

const vPending = v.object({ userId: v.id("users"), customerId: v.string(), tokens: v.number(), reported: v.number() });

/** One page of active Stripe subscriptions whose user used more tokens on `day` than was reported. */
export const pending = internalQuery({
  args: { day: v.string(), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ items: v.array(vPending), cursor: v.string(), done: v.boolean() }),
  handler: async (ctx, { day, cursor }) => {
    const page = await ctx.db
      .query("subscriptions")
      .withIndex("by_status_and_updatedAt", (q) => q.eq("status", "active"))
      .paginate({ numItems: PAGE, cursor });
    const items = [];
    const seen = new Set<string>();
    for (const s of page.page) {
      if (s.provider !== "stripe" || s.mock || seen.has(s.userId)) continue;
      seen.add(s.userId);
      const tokens = (await userDay(ctx, s.userId, day))?.totalTokens ?? 0;
      const report = await ctx.db
        .query("meterReports")
        .withIndex("by_userId_and_day", (q) => q.eq("userId", s.userId).eq("day", day))
        .unique();
      const reported = report?.tokens ?? 0;
      if (tokens > reported) items.push({ userId: s.userId, customerId: s.customerId, tokens, reported });
    }
    return { items, cursor: page.continueCursor, done: page.isDone };
  },
});

/** Records that `tokens` (the day's running total) reached Stripe; never lowers a recorded total. */
export const record = internalMutation({
  args: { userId: v.id("users"), day: v.string(), tokens: v.number() },
  returns: v.null(),
  handler: async (ctx, { userId, day, tokens }) => {
    const row = await ctx.db
      .query("meterReports")
      .withIndex("by_userId_and_day", (q) => q.eq("userId", userId).eq("day", day))
      .unique();
    if (!row) await ctx.db.insert("meterReports", { userId, day, tokens, reportedAt: Date.now() });
    else if (tokens > row.tokens) await ctx.db.patch("meterReports", row._id, { tokens, reportedAt: Date.now() });
    return null;
  },
});

/** Pages one run walks (2,000 subscriptions); the rest continues in a run it schedules. */
const PAGES_PER_RUN = 20;

type Pending = {
  items: { userId: Id<"users">; customerId: string; tokens: number; reported: number }[];
  cursor: string;
  done: boolean;
};

/**
 * Sends the meter events of `days` (default: yesterday and the day before, so the second
 * pass reconciles what the first missed), from `cursor` in the first day's walk. A failed call
 * is counted and retried by the next run.
 */
export const report = internalAction({
  args: { days: v.optional(v.array(v.string())), cursor: v.optional(v.string()) },
  returns: v.object({ sent: v.number(), failed: v.number(), continued: v.boolean() }),
  handler: async (ctx, args) => {
    const cfg = stripeConfig(env);
    const eventName = env.STRIPE_METER_EVENT;
    let sent = 0;
    let failed = 0;
    if (cfg.mode !== "real" || !eventName) return { sent, failed, continued: false };
    const now = Date.now();
    const stripe = stripeClient(cfg);
    const days = args.days ?? [dayOf(now - DAY_MS), dayOf(now - 2 * DAY_MS)];
    let cursor: string | null = args.cursor ?? null;
    let pages = 0;
    for (const [i, day] of days.entries()) {
      // Stripe wants the usage's time: the day's last second.
      const timestamp = Math.floor((Date.parse(`${day}T00:00:00Z`) + DAY_MS) / 1000) - 1;
      for (;;) {
        if (pages++ === PAGES_PER_RUN) {
          await ctx.scheduler.runAfter(0, internal.billingMeters.report, {
            days: days.slice(i),
            cursor: cursor ?? undefined,
          });
          return { sent, failed, continued: true };
        }
        const page: Pending = await ctx.runQuery(internal.billingMeters.pending, { day, cursor });
        for (const item of page.items) {
          const identifier = `${item.userId}:${day}:${item.tokens}`;
          try {
            // The same key replays Stripe's first answer: a send whose record was lost is recorded, not refused.
            await stripe.billing.meterEvents.create(
              {
                event_name: eventName,
                identifier,
                timestamp,
                payload: { stripe_customer_id: item.customerId, value: String(item.tokens - item.reported) },
              },
              { idempotencyKey: identifier },
            );
          } catch {
            failed++;
            continue;
          }
          await ctx.runMutation(internal.billingMeters.record, { userId: item.userId, day, tokens: item.tokens });
          sent++;
        }
        cursor = page.done ? null : page.cursor;
        if (page.done) break;
      }
    }
    return { sent, failed, continued: false };
  },
});
