// The contract every deployment-provider client meets (convex/providers/{vercel,netlify,railway}.ts).
// Clients are plain `fetch` over a configurable base URL and use Web APIs only, so the
// same code runs in Convex actions, on the edge, and against the loopback fakes.
/** `fetch`, or a stand-in for it (tests). */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export type ProviderName = "vercel" | "netlify" | "railway";

/** Where a project's deployments go at the provider; kept on the project and reused. */
export type ProviderTarget =
  | { provider: "vercel"; projectName: string; projectId?: string }
  | { provider: "netlify"; siteId: string; siteName?: string }
  | { provider: "railway"; projectId: string; serviceId: string; environmentId: string };

export type DeployFile = {
  path: string; // normalized, no leading slash: "src/index.html"
  sha256: string;
  size: number;
  /** Lazily reads the bytes (only files the provider asks for are read). */
  read(): Promise<Uint8Array>;
};

/** Our state machine, mapped from each provider's own states. */
export type ProviderState = "queued" | "uploading" | "building" | "deploying" | "ready" | "error" | "canceled";

export type ProviderDeployment = {
  id: string;
  state: ProviderState;
  url?: string;
  /** The provider's own state name, for logs. */
  rawState: string;
  errorMessage?: string;
};

export type ProviderLogLine = { id: string; at: number; level: "info" | "warn" | "error"; text: string };

export type CreateDeploymentInput = {
  /** Undefined the first time: the client creates the project/site and returns it. */
  target?: ProviderTarget;
  /** Human name for a new project/site (slug-safe). */
  name: string;
  environment: "production" | "preview";
  files: DeployFile[];
};

export type EnsureTargetInput = Pick<CreateDeploymentInput, "name" | "environment" | "target">;

export interface DeployProviderClient {
  readonly name: ProviderName;
  /**
   * Creates the provider project/site when `target` is undefined (returns `target` as is
   * otherwise). Persist the result before createDeployment, so a retried deploy reuses it
   * instead of creating a second site. createDeployment calls it too when given no target.
   */
  ensureTarget?(input: EnsureTargetInput): Promise<ProviderTarget>;
  createDeployment(input: CreateDeploymentInput): Promise<{ deployment: ProviderDeployment; target: ProviderTarget }>;
  getDeployment(id: string): Promise<ProviderDeployment>;
  cancelDeployment(id: string): Promise<void>;
  /** Log lines after `sinceId` (exclusive), oldest first. */
  getLogs(id: string, sinceId?: string): Promise<ProviderLogLine[]>;
  /**
   * Makes an earlier deployment live again without uploading anything (Netlify's restore).
   * Only where the provider has one; otherwise roll back by deploying the old snapshot.
   */
  restoreDeployment?(target: ProviderTarget, deploymentId: string): Promise<ProviderDeployment>;
}

export type ProviderClientOptions = {
  token: string;
  baseUrl?: string;
  fetch?: FetchLike;
  /** Vercel team / Railway workspace, where the provider needs one. */
  teamId?: string;
  /** Per-request timeout in ms (default 30 s); a timeout is a transient ProviderError. */
  timeoutMs?: number;
  /** Vercel: files up to this size go inline in the create call (default 256 KiB); larger ones are uploaded by SHA. */
  inlineMaxBytes?: number;
};

/**
 * A provider call that failed. `transient` errors (5xx, 429, timeouts, network) are
 * retried by the deployment queue; others (4xx) end the deployment with `message`.
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    message: string,
    readonly status: number | undefined,
    readonly transient: boolean,
    readonly retryAfterMs?: number,
    /** The provider's parsed error body, for provider-specific handling (e.g. Vercel's `missing_files`). */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}
