// Users' own deployment-provider tokens. Stored AES-GCM encrypted (key: PROVIDER_TOKEN_KEY),
// bound to their owner and provider; never returned to a browser — the list shows only
// the provider, a 4-character hint and dates. Deployment jobs decrypt them (internal only).
import { v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { userMutation, userQuery } from "./lib/auth";
import { seal, tokenKey } from "./lib/crypto";
import { fail } from "./lib/errors";
import { vProvider, type Provider } from "./validators";
import type { Id } from "./_generated/dataModel";

const MAX_TOKEN_LENGTH = 4_096;

/** Additional authenticated data: a ciphertext opens only for the user and provider it was sealed for. */
export const tokenAad = (userId: Id<"users">, provider: Provider) => `provider-token:${userId}:${provider}`;

const vTokenInfo = v.object({
  provider: vProvider,
  hint: v.string(),
  createdAt: v.number(),
  updatedAt: v.number(),
});

/** Connects (or replaces) the caller's own token for a provider. */
export const connect = userMutation({
  args: { provider: vProvider, token: v.string() },
  returns: vTokenInfo,
  handler: async (ctx, { provider, token }) => {
    const clean = token.trim();
    if (clean.length < 8 || clean.length > MAX_TOKEN_LENGTH || /[\s\u0000-\u001f]/.test(clean)) {
      fail("INVALID", `A provider token is 8 to ${MAX_TOKEN_LENGTH} characters without spaces`);
    }
    const sealed = await seal(await tokenKey(), clean, tokenAad(ctx.user._id, provider));
    const now = Date.now();
    const hint = clean.slice(-4);
    const existing = await ctx.db
      .query("providerTokens")
      .withIndex("by_userId_and_provider", (q) => q.eq("userId", ctx.user._id).eq("provider", provider))
      .unique();
    if (existing) {
      await ctx.db.patch("providerTokens", existing._id, { ...sealed, hint, updatedAt: now });
      return { provider, hint, createdAt: existing.createdAt, updatedAt: now };
    }
    await ctx.db.insert("providerTokens", { userId: ctx.user._id, provider, ...sealed, hint, createdAt: now, updatedAt: now });
    return { provider, hint, createdAt: now, updatedAt: now };
  },
});

/** Removes the caller's token for a provider (deployments fall back to the platform's). */
export const disconnect = userMutation({
  args: { provider: vProvider },
  returns: v.boolean(),
  handler: async (ctx, { provider }) => {
    const existing = await ctx.db
      .query("providerTokens")
      .withIndex("by_userId_and_provider", (q) => q.eq("userId", ctx.user._id).eq("provider", provider))
      .unique();
    if (!existing) return false;
    await ctx.db.delete("providerTokens", existing._id);
    return true;
  },
});

/** Which providers the caller connected a token for — never the token. */
export const list = userQuery({
  args: {},
  returns: v.array(vTokenInfo),
  handler: async (ctx) => {
    const user = ctx.user;
    if (!user) return [];
    // At most one row per provider (three providers).
    const rows = await ctx.db
      .query("providerTokens")
      .withIndex("by_userId_and_provider", (q) => q.eq("userId", user._id))
      .take(10);
    return rows.map((r) => ({
      provider: r.provider,
      hint: r.hint,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    }));
  },
});

/** The sealed token of a user for a provider, for deployment jobs to open (internal only). */
export const sealedFor = internalQuery({
  args: { userId: v.id("users"), provider: vProvider },
  returns: v.union(v.object({ ciphertext: v.string(), iv: v.string() }), v.null()),
  handler: async (ctx, { userId, provider }) => {
    const row = await ctx.db
      .query("providerTokens")
      .withIndex("by_userId_and_provider", (q) => q.eq("userId", userId).eq("provider", provider))
      .unique();
    return row ? { ciphertext: row.ciphertext, iv: row.iv } : null;
  },
});
