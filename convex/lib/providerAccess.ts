// The provider client a deployment job uses: the user's own token when they connected one
// (decrypted here, inside the action, and nowhere else), else the platform token from env.
// Base URLs come from env too, so dev and tests point the very same clients at fakes.
import { providerClientFromEnv } from "../providers/index";
import { ProviderError, type DeployProviderClient } from "../providers/types";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { env, type ActionCtx } from "../_generated/server";
import { tokenAad } from "../providerTokens";
import type { Provider } from "../validators";
import { open, tokenKey } from "./crypto";

/** Throws a permanent ProviderError without any token, or when the user's token cannot be opened. */
export async function clientFor(ctx: ActionCtx, userId: Id<"users">, provider: Provider): Promise<DeployProviderClient> {
  const sealed = await ctx.runQuery(internal.providerTokens.sealedFor, { userId, provider });
  let userToken: string | undefined;
  if (sealed) {
    try {
      userToken = await open(await tokenKey(), sealed, tokenAad(userId, provider));
    } catch (err) {
      throw new ProviderError(provider, `Your ${provider} token could not be read (${messageOf(err)}); connect it again`, undefined, false);
    }
  }
  return providerClientFromEnv(provider, env, userToken);
}

/** Also true for a ProviderError from another copy of the module (bundles may hold two). */
export const isProviderError = (e: unknown): e is ProviderError =>
  e instanceof ProviderError || (e instanceof Error && e.name === "ProviderError" && "transient" in e);

export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 1_000);

/** What an action needs to talk to the provider about a deployment it already created. */
export type Watched = {
  info: { userId: Id<"users">; provider: Provider; providerDeploymentId: string; logCursor?: string };
  client?: DeployProviderClient;
  /** Why there is no client (no token any more). */
  problem?: string;
};

/** null when there is nothing to watch (not at the provider, or ended and `evenIfFinished` unset). */
export async function watchedDeployment(
  ctx: ActionCtx,
  deploymentId: Id<"deployments">,
  evenIfFinished = false,
): Promise<Watched | null> {
  const info = await ctx.runQuery(internal.deploymentWatch.watchInfo, { deploymentId, evenIfFinished });
  if (!info) return null;
  try {
    return { info, client: await clientFor(ctx, info.userId, info.provider) };
  } catch (err) {
    return { info, problem: messageOf(err) };
  }
}
