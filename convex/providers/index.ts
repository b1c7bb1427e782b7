// One entry point for the deployment lifecycle: the client for a provider, and the
// platform configuration read from the environment (Convex env or process.env).
import { DEFAULT_TIMEOUT_MS, notUnderstood } from "./http";
import { createNetlifyClient, NETLIFY_API_URL } from "./netlify";
import { createRailwayClient, RAILWAY_API_URL } from "./railway";
import {
  isProviderError,
  ProviderError,
  type DeployProviderClient,
  type ProviderClientOptions,
  type Provider,
} from "./types";
import { createVercelClient, VERCEL_API_URL } from "./vercel";

export * from "./types";
export { parseNetlifyWebhook, parseVercelWebhook, verifyNetlifySignature, verifyVercelSignature } from "./webhooks";

export function providerClient(name: Provider, opts: ProviderClientOptions): DeployProviderClient {
  switch (name) {
    case "vercel":
      return guardedReads(createVercelClient(opts));
    case "netlify":
      return guardedReads(createNetlifyClient(opts));
    case "railway":
      return guardedReads(createRailwayClient(opts));
  }
}

/** What JavaScript throws when our code reads a shape it did not expect (`null.readyState`, …). */
const isReadingError = (err: unknown) =>
  err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError;

/**
 * The clients check the answers they read; should one still slip through, the answer counts as
 * not understood (transient, retried) and the user's log never shows the JavaScript error.
 */
function guardedReads(client: DeployProviderClient): DeployProviderClient {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw isReadingError(err) && !isProviderError(err) ? notUnderstood(client.name) : err;
      }
    };
  const { ensureTarget, getDeploymentWithLogs } = client;
  return {
    name: client.name,
    ...(ensureTarget ? { ensureTarget: guard(ensureTarget) } : {}),
    createDeployment: guard(client.createDeployment),
    getDeployment: guard(client.getDeployment),
    cancelDeployment: guard(client.cancelDeployment),
    getLogs: guard(client.getLogs),
    ...(getDeploymentWithLogs ? { getDeploymentWithLogs: guard(getDeploymentWithLogs) } : {}),
  };
}

export type ProviderPlatformConfig = {
  baseUrl: string;
  /** The platform token; undefined when not configured (a user's own token may still be used). */
  token?: string;
  /** Vercel team / Railway workspace. */
  teamId?: string;
  /** Secret for verifying this provider's webhooks (Vercel, Netlify). */
  webhookSecret?: string;
  timeoutMs: number;
};
export type ProviderConfig = Record<Provider, ProviderPlatformConfig>;

type Env = Record<string, string | undefined>;
const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);

/**
 * VERCEL_API_URL, VERCEL_TOKEN, VERCEL_TEAM_ID, VERCEL_WEBHOOK_SECRET,
 * NETLIFY_API_URL, NETLIFY_TOKEN, NETLIFY_WEBHOOK_SECRET,
 * RAILWAY_API_URL, RAILWAY_TOKEN, RAILWAY_WORKSPACE_ID, PROVIDER_TIMEOUT_MS.
 */
export function providerConfigFromEnv(env: Env): ProviderConfig {
  const timeout = Number(env.PROVIDER_TIMEOUT_MS);
  const timeoutMs = Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS;
  return {
    vercel: {
      baseUrl: nonEmpty(env.VERCEL_API_URL) ?? VERCEL_API_URL,
      token: nonEmpty(env.VERCEL_TOKEN),
      teamId: nonEmpty(env.VERCEL_TEAM_ID),
      webhookSecret: nonEmpty(env.VERCEL_WEBHOOK_SECRET),
      timeoutMs,
    },
    netlify: {
      baseUrl: nonEmpty(env.NETLIFY_API_URL) ?? NETLIFY_API_URL,
      token: nonEmpty(env.NETLIFY_TOKEN),
      webhookSecret: nonEmpty(env.NETLIFY_WEBHOOK_SECRET),
      timeoutMs,
    },
    railway: {
      baseUrl: nonEmpty(env.RAILWAY_API_URL) ?? RAILWAY_API_URL,
      token: nonEmpty(env.RAILWAY_TOKEN),
      teamId: nonEmpty(env.RAILWAY_WORKSPACE_ID),
      timeoutMs,
    },
  };
}

/**
 * The client for `name` from the environment. `userToken` (a user's own, decrypted) wins
 * over the platform token and works on the user's own account (no platform team). No token
 * at all is a permanent ProviderError.
 */
export function providerClientFromEnv(name: Provider, env: Env, userToken?: string): DeployProviderClient {
  const cfg = providerConfigFromEnv(env)[name];
  const base = { baseUrl: cfg.baseUrl, timeoutMs: cfg.timeoutMs };
  if (userToken) return providerClient(name, { ...base, token: userToken });
  if (!cfg.token) {
    const variable = `${name.toUpperCase()}_TOKEN`;
    throw new ProviderError(
      name,
      `No ${name} token: set ${variable} in Convex or connect your own token`,
      undefined,
      false,
    );
  }
  return providerClient(name, { ...base, token: cfg.token, teamId: cfg.teamId });
}
