// Edge configuration, read once from the environment (process.env on Node/Vercel).
import { parseDevIssuerKey, type DevAuthConfig } from "./dev/issuer.js";
import { environmentMarkers, switchOn, type EnvironmentMarkers } from "../convex/lib/environment.js";
import { mockedServices, serviceModes, unknownMockNames, type ServiceModes } from "./services.js";

export type EdgeConfig = {
  production: boolean;
  convexSiteUrl: string;
  edgeSecret: string;
  /** PEM public key of the Clerk instance (networkless verification). */
  clerkJwtKey: string | undefined;
  /** Origins allowed as the token's `azp` (Clerk authorizedParties). */
  authorizedParties: string[];
  /** Browser origins allowed by CORS. */
  corsOrigins: string[];
  /** Largest request body in bytes (EDGE_BODY_LIMIT_BYTES; a nonsense value falls back to 1 MiB). */
  bodyLimitBytes: number;
  anthropic: AnthropicConfig;
  /** Development sign-in (edge/dev/*): only with AUTOCREA_DEV_AUTH on, an explicit development NODE_ENV/AUTOCREA_ENV, no CLERK_JWT_KEY. */
  devAuth: DevAuthConfig | null;
  /** Which external services are real, mocked or off (GET /health). */
  services: ServiceModes;
  /** How often GET /api/deployments/:id/logs (SSE) checks Convex for new lines at first; default 1000 ms (backs off to 5×). */
  deployLogsPollMs?: number;
  /**
   * How long the edge keeps retrying to report an AI answer (settle) while Convex is unreachable
   * (EDGE_SETTLE_RETRY_MS, default 60000): backoff from 200 ms, doubling, at most 10 s apart.
   */
  settleRetryMs: number;
  /** GET /health reuses Convex's answer for this long (EDGE_HEALTH_CACHE_MS, default 5000; 0 = ask every time). */
  healthCacheMs: number;
  /** Bearer token of GET /api/metrics (METRICS_TOKEN); unset = the route answers 404. */
  metricsToken: string | undefined;
  limits: EdgeLimitsConfig;
};

/** Per-instance limits (edge/limits.ts); docs/security.md lists them. */
export type EdgeLimitsConfig = {
  /** Requests without an Authorization header per client address per minute (EDGE_IP_LIMIT_PER_MIN, default 60). */
  unauthenticatedPerMinute: number;
  /** Concurrent SSE log streams per user (EDGE_MAX_LOG_STREAMS, default 3). */
  logStreamsPerUser: number;
  /**
   * The client address comes from X-Real-IP / X-Forwarded-For (EDGE_TRUST_PROXY; on by default
   * on Vercel, whose proxy sets them), else from the socket. Only behind a proxy that overwrites them.
   */
  trustProxy: boolean;
};

export type AnthropicConfig = {
  /** ANTHROPIC_API_KEY; empty means every AI route answers 502 UPSTREAM. */
  apiKey: string;
  /** ANTHROPIC_BASE_URL; undefined = the SDK's default (https://api.anthropic.com). */
  baseURL: string | undefined;
  /** SDK retries on 408/409/429/5xx and connection errors (exponential backoff from 0.5 s). */
  maxRetries: number;
  /** Per attempt, until Claude's response headers arrive. */
  timeoutMs: number;
  /** A stream silent for this long is given up (Claude sends pings well within it). */
  idleTimeoutMs: number;
  /** A Retry-After from Claude longer than this is passed to the caller instead of waited out. */
  maxRetryWaitMs: number;
  /** Dev without a key: Claude is a local fake; requests are flagged `mock`. */
  mock: boolean;
};

export type Env = Record<string, string | undefined>;

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const intOr = (value: string | undefined, fallback: number, min = 0) => {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n >= min ? n : fallback;
};

/** PEMs in env vars often carry literal "\n"; Clerk needs real newlines. */
const unescapePem = (pem: string | undefined) => pem?.replace(/\\n/g, "\n");

/** Development sign-in: refused loudly in production, off whenever Clerk is configured. */
function devAuthFrom(env: Env, markers: EnvironmentMarkers): DevAuthConfig | null {
  if (!switchOn("AUTOCREA_DEV_AUTH", env.AUTOCREA_DEV_AUTH)) return null;
  if (markers.production) {
    throw new Error(
      `AUTOCREA_DEV_AUTH is set with ${markers.production}: development sign-in lets anyone mint tokens and never runs in production. Remove AUTOCREA_DEV_AUTH from this environment.`,
    );
  }
  if (!markers.development) {
    throw new Error(
      "AUTOCREA_DEV_AUTH needs an explicit development environment (NODE_ENV=development or AUTOCREA_ENV=development; npm run dev sets it): anything else counts as production.",
    );
  }
  if (env.CLERK_JWT_KEY) return null;
  if (!env.AUTOCREA_DEV_ISSUER_KEY) {
    throw new Error(
      "AUTOCREA_DEV_AUTH needs AUTOCREA_DEV_ISSUER_KEY (npm run dev sets both from .dev/dev-issuer.json)",
    );
  }
  const issuer = (env.AUTOCREA_DEV_ISSUER || `http://127.0.0.1:${env.PORT || 8787}`).replace(/\/+$/, "");
  return { ...parseDevIssuerKey(env.AUTOCREA_DEV_ISSUER_KEY), issuer };
}

export function loadConfig(env: Env): EdgeConfig {
  // NODE_ENV, AUTOCREA_ENV and VERCEL_ENV (a Vercel preview is production too: public URLs).
  const markers = environmentMarkers(env);
  const production = markers.production !== undefined;
  const devAuth = devAuthFrom(env, markers);
  if (production && env.AUTOCREA_MOCK_SERVICES) {
    throw new Error(
      `AUTOCREA_MOCK_SERVICES is set with ${markers.production}: mocked services never run in production. Remove it.`,
    );
  }
  const typos = unknownMockNames(env.AUTOCREA_MOCK_SERVICES);
  if (typos.length) throw new Error(`AUTOCREA_MOCK_SERVICES names unknown services: ${typos.join(", ")}`);
  return {
    production,
    convexSiteUrl: env.CONVEX_SITE_URL ?? "",
    edgeSecret: env.EDGE_SECRET ?? "",
    clerkJwtKey: unescapePem(env.CLERK_JWT_KEY),
    authorizedParties: list(env.CLERK_AUTHORIZED_PARTIES),
    corsOrigins: list(env.CORS_ORIGINS),
    bodyLimitBytes: intOr(env.EDGE_BODY_LIMIT_BYTES, 1_048_576, 1),
    anthropic: {
      apiKey: env.ANTHROPIC_API_KEY ?? "",
      baseURL: env.ANTHROPIC_BASE_URL || undefined,
      maxRetries: intOr(env.ANTHROPIC_MAX_RETRIES, 2),
      timeoutMs: intOr(env.ANTHROPIC_TIMEOUT_MS, 60_000),
      idleTimeoutMs: intOr(env.ANTHROPIC_IDLE_TIMEOUT_MS, 60_000),
      maxRetryWaitMs: intOr(env.ANTHROPIC_MAX_RETRY_WAIT_MS, 5_000),
      mock: mockedServices(env.AUTOCREA_MOCK_SERVICES).includes("anthropic"),
    },
    devAuth,
    services: serviceModes(env, { devAuth: devAuth !== null }),
    deployLogsPollMs: intOr(env.DEPLOY_LOGS_POLL_MS, 1_000),
    healthCacheMs: intOr(env.EDGE_HEALTH_CACHE_MS, 5_000),
    settleRetryMs: intOr(env.EDGE_SETTLE_RETRY_MS, 60_000),
    metricsToken: env.METRICS_TOKEN?.trim() || undefined,
    limits: {
      unauthenticatedPerMinute: intOr(env.EDGE_IP_LIMIT_PER_MIN, 60, 1),
      logStreamsPerUser: intOr(env.EDGE_MAX_LOG_STREAMS, 3, 1),
      trustProxy: env.EDGE_TRUST_PROXY?.trim() ? switchOn("EDGE_TRUST_PROXY", env.EDGE_TRUST_PROXY) : !!env.VERCEL_ENV,
    },
  };
}
