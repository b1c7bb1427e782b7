// Providers and deployments: what is stored and what clients see (docs/deployments.md). Part of the validators declared once; import them from convex/validators.ts.
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";

/** The deployment providers, declared once: vProvider, Provider and every list of providers derive from it. */
export const PROVIDERS = ["vercel", "netlify", "railway"] as const;

export const vProvider = literals(...PROVIDERS);

export type Provider = (typeof PROVIDERS)[number];

/** How logs and messages name each provider. */
export const PROVIDER_LABEL: Record<Provider, string> = { vercel: "Vercel", netlify: "Netlify", railway: "Railway" };

/** Where a project deploys at each provider (ProviderTarget below, without `provider`). */
const providerRef = {
  vercel: { projectName: v.string(), projectId: v.optional(v.string()) },
  netlify: { siteId: v.string(), siteName: v.optional(v.string()) },
  railway: { projectId: v.string(), serviceId: v.string(), environmentId: v.string() },
};

/** Per-provider ids of the project/site a project deploys to, reused by every redeploy. */
export const vProviderRefs = v.object({
  vercel: v.optional(v.object(providerRef.vercel)),
  netlify: v.optional(v.object(providerRef.netlify)),
  railway: v.optional(v.object(providerRef.railway)),
});

/** One provider's ref, tagged with the provider (what the start job hands back and forth). */
export const vProviderTarget = v.union(
  v.object({ provider: v.literal("vercel"), ...providerRef.vercel }),
  v.object({ provider: v.literal("netlify"), ...providerRef.netlify }),
  v.object({ provider: v.literal("railway"), ...providerRef.railway }),
);

export type ProviderTarget = Infer<typeof vProviderTarget>;

export const vEnvironment = v.union(v.literal("production"), v.literal("preview"));

export type Environment = Infer<typeof vEnvironment>;

export const vDeploymentStatus = v.union(
  v.literal("queued"),
  v.literal("building"),
  v.literal("ready"),
  v.literal("error"),
  v.literal("canceled"),
);

export type DeploymentStatus = Infer<typeof vDeploymentStatus>;

export const vDeploymentStep = v.union(
  v.literal("queued"),
  v.literal("uploading"),
  v.literal("building"),
  v.literal("deploying"),
  v.literal("ready"),
);

export type DeploymentStep = Infer<typeof vDeploymentStep>;

/** A provider's state mapped onto ours: a step or an end. */
export const vProviderState = v.union(...vDeploymentStep.members, v.literal("error"), v.literal("canceled"));

export type ProviderState = Infer<typeof vProviderState>;

/** What a provider says about a deployment (a status check, the create call, or a webhook). */
export const vObservedDeployment = v.object({
  state: vProviderState,
  /** The provider's own state name, for logs. */
  rawState: v.optional(v.string()),
  url: v.optional(v.string()),
  errorMessage: v.optional(v.string()),
});

export type ObservedDeployment = Infer<typeof vObservedDeployment>;

/** Why a deployment ended in `error`, stored on the row (README "Deployments" explains each). */
export const vDeploymentFailureCode = literals(
  "PROVIDER_NOT_CONFIGURED", // no token for the provider, or the user's token cannot be used
  "PROVIDER_REJECTED", // the provider refused the start (4xx)
  "PROVIDER_ERROR", // a status check was refused for good
  "BUILD_FAILED", // the provider reports the build failed
  "UPSTREAM", // the provider kept failing transiently through every attempt
  "TIMEOUT", // not live (or not started) in time
  "INTERNAL", // our own fault while starting
);

export type DeploymentFailureCode = Infer<typeof vDeploymentFailureCode>;

export const vDeploymentFailure = v.object({ code: vDeploymentFailureCode, message: v.string() });

export const vDeployPool = v.union(v.literal("free"), v.literal("paid"));

export type DeployPool = Infer<typeof vDeployPool>;

export const vLogLevel = v.union(v.literal("info"), v.literal("warn"), v.literal("error"));

export type LogLevel = Infer<typeof vLogLevel>;

/** A log line as a provider client returns it; `id` is the provider's, stable across fetches. */
export const vProviderLogLine = v.object({ id: v.string(), at: v.number(), level: vLogLevel, text: v.string() });

export type ProviderLogLine = Infer<typeof vProviderLogLine>;

// ---------- deployments: what clients see ----------
export const vDeploymentView = v.object({
  id: v.id("deployments"),
  projectId: v.id("projects"),
  requestedBy: v.id("users"),
  provider: vProvider,
  environment: vEnvironment,
  status: vDeploymentStatus,
  step: vDeploymentStep,
  url: v.optional(v.string()),
  providerDeploymentId: v.optional(v.string()),
  snapshotId: v.id("snapshots"),
  rollbackOf: v.optional(v.id("deployments")),
  attempts: v.number(),
  pollCount: v.number(),
  logCount: v.number(),
  error: v.optional(vDeploymentFailure),
  mock: v.boolean(),
  createdAt: v.number(),
  startedAt: v.optional(v.number()),
  deployedAt: v.optional(v.number()),
  finishedAt: v.optional(v.number()),
});

export type DeploymentView = Infer<typeof vDeploymentView>;

export const vDeploymentLogLine = v.object({
  seq: v.number(),
  at: v.number(),
  level: vLogLevel,
  text: v.string(),
});

export type DeploymentLogLine = Infer<typeof vDeploymentLogLine>;

export const vDeploymentStats = v.object({
  total: v.number(),
  byStatus: v.object({
    queued: v.number(),
    building: v.number(),
    ready: v.number(),
    error: v.number(),
    canceled: v.number(),
  }),
  successRate: v.union(v.number(), v.null()),
});

/** One item of deployments.requestMany: its deployment, or why it was refused. */
export const vDeployItemResult = v.union(
  v.object({ ok: v.literal(true), deploymentId: v.id("deployments") }),
  v.object({
    ok: v.literal(false),
    error: v.object({ code: v.string(), message: v.string(), retryAfterMs: v.optional(v.number()) }),
  }),
);
