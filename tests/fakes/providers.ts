// Starts the three provider fakes together and says how to point the clients at them.
import type { Deliver, ProviderFakeOptions } from "./builds";
import { startNetlifyFake } from "./netlify";
import { startRailwayFake } from "./railway";
import { startVercelFake } from "./vercel";

export type ProviderFakesOptions = {
  buildMs?: number;
  now?: () => number;
  /** Every URL the fakes hand out says it is a mock (see ProviderFakeOptions.mockHosts). */
  mockHosts?: boolean;
  tokens?: { vercel?: string; netlify?: string; railway?: string };
  webhookSecrets?: { vercel: string; netlify: string };
  /** Where signed webhooks go (the stack passes convex-test's HTTP router). */
  deliver?: Deliver;
};

export async function startProviderFakes(opts: ProviderFakesOptions = {}) {
  const common: ProviderFakeOptions = { buildMs: opts.buildMs, now: opts.now, mockHosts: opts.mockHosts };
  const hook = (secret: string | undefined, path: string) =>
    secret && opts.deliver ? { secret, path, deliver: opts.deliver } : undefined;
  const [vercel, netlify, railway] = await Promise.all([
    startVercelFake({
      ...common,
      token: opts.tokens?.vercel,
      webhook: hook(opts.webhookSecrets?.vercel, "/webhooks/vercel"),
    }),
    startNetlifyFake({
      ...common,
      token: opts.tokens?.netlify,
      webhook: hook(opts.webhookSecrets?.netlify, "/webhooks/netlify"),
    }),
    startRailwayFake({ ...common, token: opts.tokens?.railway }),
  ]);
  return {
    vercel,
    netlify,
    railway,
    /** The environment that points provider clients (providerConfigFromEnv) at these fakes. */
    env(): Record<string, string> {
      return {
        VERCEL_API_URL: vercel.baseUrl,
        VERCEL_TOKEN: vercel.token,
        NETLIFY_API_URL: netlify.baseUrl,
        NETLIFY_TOKEN: netlify.token,
        RAILWAY_API_URL: railway.baseUrl,
        RAILWAY_TOKEN: railway.token,
        ...(opts.webhookSecrets
          ? { VERCEL_WEBHOOK_SECRET: opts.webhookSecrets.vercel, NETLIFY_WEBHOOK_SECRET: opts.webhookSecrets.netlify }
          : {}),
      };
    },
    async close() {
      await Promise.all([vercel.close(), netlify.close(), railway.close()]);
    },
  };
}
export type ProviderFakes = Awaited<ReturnType<typeof startProviderFakes>>;
