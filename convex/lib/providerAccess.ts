// The provider client a deployment job uses: the user's own token when they connected one
// (decrypted here, inside the action, and nowhere else), else the platform token from env.
// Base URLs come from env too, so dev and tests point the very same clients at fakes.
import { providerClient, providerConfigFromEnv } from "../../edge/providers/index";
import type { DeployProviderClient } from "../../edge/providers/types";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { env, type ActionCtx } from "../_generated/server";
import { tokenAad } from "../providerTokens";
import type { Provider } from "../validators";
import { open, tokenKey } from "./crypto";

const TOKEN_VARS: Record<Provider, string> = { vercel: "VERCEL_TOKEN", netlify: "NETLIFY_TOKEN", railway: "RAILWAY_TOKEN" };

export type ClientChoice =
  | { client: DeployProviderClient; tokenSource: "user" | "platform" }
  | { missing: string };

export async function clientFor(ctx: ActionCtx, userId: Id<"users">, provider: Provider): Promise<ClientChoice> {
  const cfg = providerConfigFromEnv(env)[provider];
  const base = { baseUrl: cfg.baseUrl, timeoutMs: cfg.timeoutMs };
  const sealed = await ctx.runQuery(internal.providerTokens.sealedFor, { userId, provider });
  if (sealed) {
    const token = await open(await tokenKey(), sealed, tokenAad(userId, provider));
    // A user's token works on their own account: no platform team.
    return { client: providerClient(provider, { ...base, token }), tokenSource: "user" };
  }
  if (!cfg.token) {
    return { missing: `No ${provider} token: set ${TOKEN_VARS[provider]} in Convex or connect your own token` };
  }
  return { client: providerClient(provider, { ...base, token: cfg.token, teamId: cfg.teamId }), tokenSource: "platform" };
}
