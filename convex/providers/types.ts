// The contract every deployment-provider client meets (convex/providers/{vercel,netlify,railway}.ts).
// Clients are plain `fetch` over a configurable base URL and use Web APIs only, so the
// same code runs in Convex actions, on the edge, and against the loopback fakes.
/** `fetch`, or a stand-in for it (tests). */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

import type { Provider, ProviderLogLine, ProviderState, ProviderTarget } from "../validators";

// Declared with their validators (convex/validators.ts), since Convex stores them too:
// ProviderTarget (where a project's deployments go at the provider; kept on the project and
// reused), ProviderState (our state machine, mapped from each provider's own states) and
// ProviderLogLine.
export type { Provider, ProviderLogLine, ProviderState, ProviderTarget };

export type DeployFile = {
  path: string; // normalized, no leading slash: "src/index.html"
  sha256: string;
  size: number;
  /** Lazily reads the bytes (only files the provider asks for are read). */
  read(): Promise<Uint8Array>;
};

export type ProviderDeployment = {
  id: string;
  state: ProviderState;
  url?: string;
  /** The provider's own state name, for logs. */
  rawState: string;
  errorMessage?: string;
};

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
  readonly name: Provider;
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
   * State and log lines from one request, where the provider's lines come from the same answer
   * (Netlify synthesizes them from the deploy); a poll uses it instead of the two calls above.
   */
  getDeploymentWithLogs?(
    id: string,
    sinceId?: string,
  ): Promise<{ deployment: ProviderDeployment; lines: ProviderLogLine[] }>;
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
    readonly provider: Provider,
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

/** Also true for a ProviderError from another copy of the module (bundles may hold two). */
export const isProviderError = (e: unknown): e is ProviderError =>
  e instanceof ProviderError || (e instanceof Error && e.name === "ProviderError" && "transient" in e);

/**
 * What a user-visible log says about a failed provider call: a ProviderError's message (ours,
 * or the provider's own words); anything else is our fault, and its JavaScript text stays in
 * the server log.
 */
export function userMessageOf(err: unknown): string {
  if (isProviderError(err)) return err.message.slice(0, 1_000);
  console.error("deployment: unexpected error", err);
  return "an internal error occurred (it was logged for the operators)";
}
