// Users' own deployment-provider tokens. Stored AES-GCM encrypted (key: PROVIDER_TOKEN_KEY),
// bound to their owner and provider; never returned to a browser — the list shows only
// the provider, a 4-character hint and dates. Deployment actions decrypt them through
// providerClientFor (internal only).
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { env, internalQuery, type ActionCtx } from "./_generated/server";
import { userMutation, userQuery } from "./lib/auth";
import { open, seal, tokenKey } from "./lib/crypto";
import { fail } from "./lib/errors";
import { isHeaderSafeToken } from "./providers/http";
import { providerClientFromEnv } from "./providers/index";
import { ProviderError, type DeployProviderClient } from "./providers/types";
import { PROVIDER_LABEL, vProvider, type Provider } from "./validators";

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
    // It travels in an Authorization header: printable ASCII only (no spaces, control characters or U+0100 and up).
    if (clean.length < 8 || clean.length > MAX_TOKEN_LENGTH || !isHeaderSafeToken(clean)) {
      fail("INVALID", `A provider token is 8 to ${MAX_TOKEN_LENGTH} printable ASCII characters, without spaces`);
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
    await ctx.db.insert("providerTokens", {
      userId: ctx.user._id,
      provider,
      ...sealed,
      hint,
      createdAt: now,
      updatedAt: now,
    });
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

/**
 * The provider client a deployment action uses: the user's own token when they connected one
 * (decrypted here, inside the action, and nowhere else), else the platform token from env.
 * Base URLs come from env too, so dev and tests point the very same clients at fakes.
 * Throws a permanent ProviderError without any token, or when the user's token cannot be used.
 */
export async function providerClientFor(
  ctx: ActionCtx,
  userId: Id<"users">,
  provider: Provider,
): Promise<DeployProviderClient> {
  const sealed = await ctx.runQuery(internal.providerTokens.sealedFor, { userId, provider });
  let userToken: string | undefined;
  if (sealed) {
    const label = PROVIDER_LABEL[provider];
    userToken = await open(await tokenKey(), sealed, tokenAad(userId, provider)).catch(() => {
      throw new ProviderError(provider, `Your ${label} token could not be read; connect it again`, undefined, false);
    });
    // Connected before connect refused such tokens: it can never be sent, so no request is tried.
    if (!isHeaderSafeToken(userToken)) {
      throw new ProviderError(
        provider,
        `Your ${label} token holds characters an HTTP header cannot carry; connect it again`,
        undefined,
        false,
      );
    }
  }
  return providerClientFromEnv(provider, env, userToken);
}
