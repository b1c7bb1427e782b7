// A user's notification channels (webhook, Slack, email) and which events go to each.
// Every function acts on the caller's own channels only; another user's id reads as NOT_FOUND.
// A webhook's signing secret is returned once, by `create`; email channels receive nothing
// until the address is proven with the code mailed to it (`verifyEmail`).
import { pick } from "convex-helpers";
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalAction, internalMutation, type QueryCtx } from "./_generated/server";
import { userMutation, userQuery } from "./lib/auth";
import { fail } from "./lib/errors";
import { sha256Hex } from "./lib/hash";
import { verificationEmail } from "./lib/notificationTemplates";
import { newWebhookSecret, notifyConfig, sendEmail } from "./lib/notificationSend";
import { checkTarget } from "./lib/ssrf";
import { enqueueDelivery, MAX_CHANNELS } from "./notificationDelivery";
import {
  NOTIFICATION_TYPES,
  vChannelKind,
  vNotificationType,
  type ChannelKind,
  type NotificationType,
} from "./validators";

const MAX_NAME = 80;
const MAX_TARGET = 2048;
export const CODE_TTL_MS = 30 * 60_000;
export const CODE_ATTEMPTS = 5;
const EMAIL_RE = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;
/** Channels take every event but `system` unless told otherwise. */
export const DEFAULT_EVENTS: NotificationType[] = NOTIFICATION_TYPES.filter((t) => t !== "system");

const vChannelView = v.object({
  _id: v.id("notificationChannels"),
  kind: vChannelKind,
  name: v.string(),
  target: v.string(),
  events: v.array(vNotificationType),
  enabled: v.boolean(),
  verified: v.boolean(),
  consecutiveFailures: v.number(),
  disabledReason: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
});

/** What the owner sees of a channel: never its secret or verification code. */
const view = (c: Doc<"notificationChannels">) =>
  pick(c, [
    "_id",
    "kind",
    "name",
    "target",
    "events",
    "enabled",
    "verified",
    "consecutiveFailures",
    "disabledReason",
    "createdAt",
    "updatedAt",
  ]);

export async function ownChannel(ctx: QueryCtx, userId: Id<"users">, channelId: Id<"notificationChannels">) {
  const c = await ctx.db.get("notificationChannels", channelId);
  if (!c || c.userId !== userId) fail("NOT_FOUND", "Notification channel not found");
  return c;
}

const myChannels = (ctx: QueryCtx, userId: Id<"users">) =>
  ctx.db
    .query("notificationChannels")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .take(MAX_CHANNELS);

function cleanName(name: string): string {
  const n = name.trim();
  if (n === "" || n.length > MAX_NAME) fail("INVALID", `A channel name has 1 to ${MAX_NAME} characters`);
  return n;
}

function cleanTarget(kind: ChannelKind, raw: string): string {
  const target = raw.trim();
  if (target.length > MAX_TARGET) fail("INVALID", `A target has at most ${MAX_TARGET} characters`);
  if (kind === "email") {
    if (!EMAIL_RE.test(target)) fail("INVALID", "Not an email address");
    return target.toLowerCase();
  }
  const verdict = checkTarget(target, notifyConfig().policy);
  if (!verdict.ok)
    fail("INVALID", `This URL cannot receive notifications: ${verdict.reason}`, { reason: verdict.reason });
  return verdict.url.href;
}

const uniqueEvents = (events: NotificationType[]) => [...new Set(events)];

export const list = userQuery({
  args: {},
  returns: v.array(vChannelView),
  handler: async (ctx) => (ctx.user ? (await myChannels(ctx, ctx.user._id)).map(view) : []),
});

export const create = userMutation({
  args: { kind: vChannelKind, name: v.string(), target: v.string(), events: v.optional(v.array(vNotificationType)) },
  returns: v.object({ channelId: v.id("notificationChannels"), secret: v.union(v.string(), v.null()) }),
  handler: async (ctx, args) => {
    const name = cleanName(args.name);
    const target = cleanTarget(args.kind, args.target);
    if (args.kind === "email" && !notifyConfig().resend.apiKey)
      fail("UNAVAILABLE", "Email notifications are not configured on this deployment");
    if ((await myChannels(ctx, ctx.user._id)).length >= MAX_CHANNELS)
      fail("CONFLICT", `At most ${MAX_CHANNELS} notification channels`);
    const secret = args.kind === "webhook" ? newWebhookSecret() : undefined;
    const now = Date.now();
    const channelId = await ctx.db.insert("notificationChannels", {
      userId: ctx.user._id,
      kind: args.kind,
      name,
      target,
      secret,
      events: uniqueEvents(args.events ?? DEFAULT_EVENTS),
      enabled: true,
      verified: args.kind !== "email",
      consecutiveFailures: 0,
      createdAt: now,
      updatedAt: now,
    });
    if (args.kind === "email")
      await ctx.scheduler.runAfter(0, internal.notificationChannels.sendVerification, { channelId });
    return { channelId, secret: secret ?? null };
  },
});

/** Changes a channel. Turning it back on clears its failure streak; a new email address must be verified again. */
export const update = userMutation({
  args: {
    channelId: v.id("notificationChannels"),
    name: v.optional(v.string()),
    target: v.optional(v.string()),
    events: v.optional(v.array(vNotificationType)),
    enabled: v.optional(v.boolean()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const c = await ownChannel(ctx, ctx.user._id, args.channelId);
    const patch: Partial<Doc<"notificationChannels">> = { updatedAt: Date.now() };
    if (args.name !== undefined) patch.name = cleanName(args.name);
    if (args.events !== undefined) patch.events = uniqueEvents(args.events);
    const newTarget = args.target === undefined ? undefined : cleanTarget(c.kind, args.target);
    const retarget = newTarget !== undefined && newTarget !== c.target;
    if (retarget) {
      patch.target = newTarget;
      if (c.kind === "email") Object.assign(patch, { verified: false, verification: undefined });
    }
    if (args.enabled !== undefined) {
      patch.enabled = args.enabled;
      if (args.enabled && !c.enabled) Object.assign(patch, { consecutiveFailures: 0, disabledReason: undefined });
    }
    await ctx.db.patch("notificationChannels", c._id, patch);
    if (retarget && c.kind === "email")
      await ctx.scheduler.runAfter(0, internal.notificationChannels.sendVerification, { channelId: c._id });
    return null;
  },
});

/** Deletes a channel; its queued deliveries end as failed ("removed") and its log stays readable. */
export const remove = userMutation({
  args: { channelId: v.id("notificationChannels") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const c = await ownChannel(ctx, ctx.user._id, args.channelId);
    await ctx.db.delete("notificationChannels", c._id);
    return null;
  },
});

/** A new signing secret for a webhook channel, returned this once; the old one stops working at once. */
export const rotateSecret = userMutation({
  args: { channelId: v.id("notificationChannels") },
  returns: v.string(),
  handler: async (ctx, args) => {
    const c = await ownChannel(ctx, ctx.user._id, args.channelId);
    if (c.kind !== "webhook") fail("CONFLICT", "Only webhook channels have a signing secret");
    const secret = newWebhookSecret();
    await ctx.db.patch("notificationChannels", c._id, { secret, updatedAt: Date.now() });
    return secret;
  },
});

/** Sends a test event to one channel now (not to the inbox); its delivery shows in the log. */
export const test = userMutation({
  args: { channelId: v.id("notificationChannels") },
  returns: v.id("deliveries"),
  handler: async (ctx, args) => {
    const c = await ownChannel(ctx, ctx.user._id, args.channelId);
    if (!c.enabled) fail("CONFLICT", "Turn the channel on before testing it");
    if (!c.verified) fail("CONFLICT", "Verify the email address first");
    return await enqueueDelivery(ctx, c, {
      type: "system",
      title: "Test notification",
      message: `This is a test of your "${c.name}" channel. It works.`,
      data: { test: true },
      occurredAt: Date.now(),
    });
  },
});

export const verifyEmail = userMutation({
  args: { channelId: v.id("notificationChannels"), code: v.string() },
  returns: v.object({ verified: v.boolean(), attemptsLeft: v.number() }),
  handler: async (ctx, args) => {
    const c = await ownChannel(ctx, ctx.user._id, args.channelId);
    if (c.verified) return { verified: true, attemptsLeft: 0 };
    const pending = c.verification;
    if (!pending || pending.attemptsLeft <= 0 || pending.expiresAt < Date.now()) {
      fail("CONFLICT", "No valid code is pending for this address; ask for a new one");
    }
    if ((await codeHash(c._id, args.code.trim())) === pending.codeHash) {
      await ctx.db.patch("notificationChannels", c._id, {
        verified: true,
        verification: undefined,
        updatedAt: Date.now(),
      });
      return { verified: true, attemptsLeft: 0 };
    }
    // A wrong code is an answer, not an error: the spent attempt must be saved.
    const attemptsLeft = pending.attemptsLeft - 1;
    await ctx.db.patch("notificationChannels", c._id, { verification: { ...pending, attemptsLeft } });
    return { verified: false, attemptsLeft };
  },
});

export const resendVerification = userMutation({
  args: { channelId: v.id("notificationChannels") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const c = await ownChannel(ctx, ctx.user._id, args.channelId);
    if (c.kind !== "email" || c.verified) fail("CONFLICT", "This channel needs no verification");
    await ctx.scheduler.runAfter(0, internal.notificationChannels.sendVerification, { channelId: c._id });
    return null;
  },
});

const codeHash = (channelId: Id<"notificationChannels">, code: string) =>
  sha256Hex(new TextEncoder().encode(`${channelId}:${code}`));

/** Draws a 6-digit code, stores only its hash, and mails the code. */
export const sendVerification = internalAction({
  args: { channelId: v.id("notificationChannels") },
  returns: v.null(),
  handler: async (ctx, { channelId }) => {
    const n = crypto.getRandomValues(new Uint32Array(1))[0] % 1_000_000;
    const code = n.toString().padStart(6, "0");
    const to = await ctx.runMutation(internal.notificationChannels.storeCode, {
      channelId,
      codeHash: await codeHash(channelId, code),
    });
    if (to) await sendEmail(to, verificationEmail(code), notifyConfig());
    return null;
  },
});

export const storeCode = internalMutation({
  args: { channelId: v.id("notificationChannels"), codeHash: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { channelId, codeHash }) => {
    const c = await ctx.db.get("notificationChannels", channelId);
    if (!c || c.kind !== "email" || c.verified) return null;
    const verification = { codeHash, expiresAt: Date.now() + CODE_TTL_MS, attemptsLeft: CODE_ATTEMPTS };
    await ctx.db.patch("notificationChannels", c._id, { verification });
    return c.target;
  },
});

/** Which of the caller's channels receive each event type (the in-app inbox receives all). */
export const preferences = userQuery({
  args: {},
  returns: v.array(v.object({ type: vNotificationType, channelIds: v.array(v.id("notificationChannels")) })),
  handler: async (ctx) => {
    const channels = ctx.user ? await myChannels(ctx, ctx.user._id) : [];
    return NOTIFICATION_TYPES.map((type) => ({
      type,
      channelIds: channels.filter((c) => c.events.includes(type)).map((c) => c._id),
    }));
  },
});

/** Sets which of the caller's channels receive `type` (all others stop receiving it). */
export const setPreference = userMutation({
  args: { type: vNotificationType, channelIds: v.array(v.id("notificationChannels")) },
  returns: v.null(),
  handler: async (ctx, args) => {
    const channels = await myChannels(ctx, ctx.user._id);
    const mine = new Set(channels.map((c) => c._id));
    for (const id of args.channelIds) if (!mine.has(id)) fail("NOT_FOUND", "Notification channel not found");
    const chosen = new Set(args.channelIds);
    for (const c of channels) {
      const has = c.events.includes(args.type);
      if (has === chosen.has(c._id)) continue;
      const events = has ? c.events.filter((t) => t !== args.type) : [...c.events, args.type];
      await ctx.db.patch("notificationChannels", c._id, { events, updatedAt: Date.now() });
    }
    return null;
  },
});
