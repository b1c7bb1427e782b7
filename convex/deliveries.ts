// The delivery log: each event sent to each channel, with one row per attempt, and manual
// redelivery. Only the channel's owner sees or redelivers its deliveries.
import { omit } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { userMutation, userQuery } from "./lib/auth";
import { bumpCounter, counterName } from "./lib/counters";
import { fail } from "./lib/errors";
import { boundedPage, EMPTY_PAGE } from "./lib/pagination";
import { ownChannel } from "./notificationChannels";
import { scheduleAttempt } from "./notificationDelivery";
import { vChannelKind, vDelivery, vDeliveryAttempt } from "./validators";

const MAX_PAGE = 100;
/** Attempts shown per delivery (newest first); a delivery makes at most NOTIFY_MAX_ATTEMPTS per run. */
const MAX_ATTEMPTS_SHOWN = 100;

/** A delivery as its owner sees it (who it belongs to and the retry bookkeeping left out). */
const vDeliveryView = vDelivery.omit("userId", "runStart").extend({
  _id: v.id("deliveries"),
  _creationTime: v.number(),
});

const view = ({ userId: _userId, runStart: _runStart, ...rest }: Doc<"deliveries">) => rest;

/** The caller's deliveries, newest first: all of them, or one channel's. */
export const list = userQuery({
  args: { channelId: v.optional(v.id("notificationChannels")), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vDeliveryView),
  handler: async (ctx, args) => {
    const user = ctx.user;
    if (!user) return EMPTY_PAGE;
    const page = boundedPage(args.paginationOpts, MAX_PAGE);
    const channelId = args.channelId;
    const result = channelId
      ? (await ownChannel(ctx, user._id, channelId),
        await ctx.db
          .query("deliveries")
          .withIndex("by_channelId", (q) => q.eq("channelId", channelId))
          .order("desc")
          .paginate(page))
      : await ctx.db
          .query("deliveries")
          .withIndex("by_userId", (q) => q.eq("userId", user._id))
          .order("desc")
          .paginate(page);
    return { ...result, page: result.page.map(view) };
  },
});

async function ownDelivery(ctx: QueryCtx & { user: Doc<"users"> | null }, deliveryId: Id<"deliveries">) {
  const d = await ctx.db.get("deliveries", deliveryId);
  if (!d || !ctx.user || d.userId !== ctx.user._id) fail("NOT_FOUND", "Delivery not found");
  return d;
}

/** One delivery's attempts, newest first: outcome, response code, latency, the first bytes of the answer. */
export const attempts = userQuery({
  args: { deliveryId: v.id("deliveries") },
  returns: v.array(vDeliveryAttempt.omit("deliveryId")),
  handler: async (ctx, args) => {
    const d = await ownDelivery(ctx, args.deliveryId);
    const rows = await ctx.db
      .query("deliveryAttempts")
      .withIndex("by_deliveryId_and_attempt", (q) => q.eq("deliveryId", d._id))
      .order("desc")
      .take(MAX_ATTEMPTS_SHOWN);
    return rows.map((row) => omit(row, ["_id", "_creationTime", "deliveryId"]));
  },
});

/** Sends a finished delivery again, with the same webhook-id (receivers deduplicate on it). */
export const redeliver = userMutation({
  args: { deliveryId: v.id("deliveries") },
  returns: v.object({ kind: vChannelKind }),
  handler: async (ctx, args) => {
    const d = await ctx.db.get("deliveries", args.deliveryId);
    if (!d || d.userId !== ctx.user._id) fail("NOT_FOUND", "Delivery not found");
    if (d.status === "pending" || d.status === "retrying") fail("CONFLICT", "This delivery is still being attempted");
    const channel = await ctx.db.get("notificationChannels", d.channelId);
    if (!channel) fail("CONFLICT", "The channel of this delivery was removed");
    if (!channel.enabled || !channel.verified) fail("CONFLICT", "Turn the channel on before redelivering");
    // A manual redelivery gets a fresh run of retries; attempt numbers continue in the log.
    await ctx.db.patch("deliveries", d._id, {
      status: "pending",
      error: undefined,
      nextAttemptAt: undefined,
      runStart: d.attempts,
    });
    await bumpCounter(ctx, counterName.deliveriesInFlight(d.kind));
    await scheduleAttempt(ctx, d._id, 0);
    return { kind: channel.kind };
  },
});
