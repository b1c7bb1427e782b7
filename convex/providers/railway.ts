// Railway client. Railway's public GraphQL API has no mutation that takes file contents,
// so code goes in the way the official CLI's `railway up` sends it: a .tar.gz POSTed to
// backboard's upload endpoint for a (project, environment, service), which starts a
// build and answers with the deployment id. Everything else — creating the project,
// service and domain, status, cancel, logs — is GraphQL.
import { asBufferSource, createHttp, httpsUrl, notUnderstood, optionalString, requireId } from "./http";
import { gzip, tar } from "./tarball";
import { ProviderError, type DeployProviderClient, type EnsureTargetInput, type ProviderClientOptions } from "./types";
import type { ProviderDeployment, ProviderLogLine, ProviderState, ProviderTarget } from "./types";

export const RAILWAY_API_URL = "https://backboard.railway.com/graphql/v2";
/** Uploads may take longer than one API call: this many times the call timeout. */
const UPLOAD_TIMEOUT_FACTOR = 10;
const LOG_LIMIT = 1000;

type RailwayTarget = ProviderTarget & { provider: "railway" };
type GqlError = { message?: string; extensions?: { code?: string } };
type RailwayLog = { message: string; severity?: string | null; timestamp: string };

const STATES: Record<string, ProviderState> = {
  QUEUED: "queued",
  WAITING: "queued",
  NEEDS_APPROVAL: "queued",
  INITIALIZING: "queued",
  BUILDING: "building",
  DEPLOYING: "deploying",
  SUCCESS: "ready",
  SLEEPING: "ready",
  FAILED: "error",
  CRASHED: "error",
  REMOVING: "canceled",
  REMOVED: "canceled",
  SKIPPED: "canceled",
};

export function railwayStateOf(status: string | undefined): ProviderState {
  return STATES[status ?? ""] ?? "building";
}

/** Only errors that say so are worth retrying (Apollo's catch-all INTERNAL_SERVER_ERROR is not). */
const TRANSIENT_CODES = new Set([
  "RATE_LIMITED",
  "TOO_MANY_REQUESTS",
  "SERVICE_UNAVAILABLE",
  "TIMEOUT",
  "GATEWAY_TIMEOUT",
]);
export function isTransientGqlError(e: GqlError): boolean {
  return (
    TRANSIENT_CODES.has(e.extensions?.code ?? "") ||
    /rate limit|try again|temporarily unavailable/i.test(e.message ?? "")
  );
}

export function railwayMessageOf(body: unknown): string | undefined {
  const b = body as { errors?: GqlError[]; message?: unknown } | null;
  const m = b?.errors?.find((e) => typeof e?.message === "string")?.message ?? b?.message;
  return typeof m === "string" ? m : undefined;
}

/** RFC 3339 with up to nanoseconds (which Date.parse may not take) → epoch ms. */
export function parseTimestamp(ts: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(ts);
  return m ? Date.parse(`${m[1]}.${(m[2] ?? "").padEnd(3, "0").slice(0, 3)}${m[3]}`) : Date.parse(ts);
}

/** A sortable, stable id for a log line: normalized timestamp | stream | index within that instant. */
function logId(at: string, stream: "b" | "d", n: number) {
  const ms = parseTimestamp(at);
  const nanos = (/\.(\d+)/.exec(at)?.[1] ?? "").padEnd(9, "0").slice(3, 9);
  const iso = Number.isNaN(ms) ? at : new Date(ms).toISOString().slice(0, 23) + nanos + "Z";
  return `${iso}|${stream}|${String(n).padStart(4, "0")}`;
}

function toLines(logs: RailwayLog[], stream: "b" | "d"): ProviderLogLine[] {
  const seen = new Map<string, number>();
  return logs.map((l) => {
    const n = seen.get(l.timestamp) ?? 0;
    seen.set(l.timestamp, n + 1);
    const sev = (l.severity ?? "").toLowerCase();
    return {
      id: logId(l.timestamp, stream, n),
      at: parseTimestamp(l.timestamp) || 0,
      level: sev.startsWith("err") ? "error" : sev.startsWith("warn") ? "warn" : "info",
      text: l.message,
    };
  });
}

export function createRailwayClient(opts: ProviderClientOptions): DeployProviderClient {
  const gqlUrl = opts.baseUrl ?? RAILWAY_API_URL;
  const origin = new URL(gqlUrl).origin;
  const http = createHttp({
    provider: "railway",
    fetch: opts.fetch,
    timeoutMs: opts.timeoutMs,
    messageOf: railwayMessageOf,
  });
  const auth = { Authorization: `Bearer ${opts.token}` };

  async function gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const body = await http.json<{ data?: T | null; errors?: GqlError[] }>({
      method: "POST",
      url: gqlUrl,
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    if (Array.isArray(body?.errors) && body.errors.length) {
      const errors = body.errors.filter((e): e is GqlError => !!e && typeof e === "object");
      if (!errors.length) throw notUnderstood("railway");
      const message = errors.find((e) => typeof e.message === "string")?.message ?? "Railway GraphQL error";
      throw new ProviderError("railway", message, undefined, errors.some(isTransientGqlError), undefined, body);
    }
    if (!body?.data || typeof body.data !== "object") throw notUnderstood("railway");
    return body.data;
  }

  async function ensureTarget(input: EnsureTargetInput): Promise<RailwayTarget> {
    if (input.target?.provider === "railway") return input.target;
    const { projectCreate: project } = await gql<{
      projectCreate: { id: string; environments: { edges: { node: { id: string; name: string } }[] } };
    }>(
      `mutation projectCreate($input: ProjectCreateInput!) {
        projectCreate(input: $input) { id environments { edges { node { id name } } } }
      }`,
      { input: { name: input.name, ...(opts.teamId ? { workspaceId: opts.teamId } : {}) } },
    );
    const edges = project?.environments?.edges;
    if (typeof project?.id !== "string" || !Array.isArray(edges))
      throw notUnderstood("railway", "the project creation");
    const envs = edges.map((e) => e?.node).filter((n): n is { id: string; name: string } => typeof n?.id === "string");
    const env = envs.find((e) => e.name === input.environment) ?? envs[0];
    if (!env) throw new ProviderError("railway", "Railway created a project without an environment", undefined, false);
    const { serviceCreate: service } = await gql<{ serviceCreate: { id: string } }>(
      `mutation serviceCreate($input: ServiceCreateInput!) { serviceCreate(input: $input) { id } }`,
      { input: { projectId: project.id, name: input.name, environmentId: env.id } },
    );
    if (typeof service?.id !== "string") throw notUnderstood("railway", "the service creation");
    // A public *.up.railway.app domain, so the deployment has a URL to show.
    await gql(
      `mutation serviceDomainCreate($input: ServiceDomainCreateInput!) { serviceDomainCreate(input: $input) { domain } }`,
      { input: { serviceId: service.id, environmentId: env.id } },
    );
    return { provider: "railway", projectId: project.id, serviceId: service.id, environmentId: env.id };
  }

  const toDeployment = (d: {
    id: string;
    status: string;
    staticUrl?: string | null;
    url?: string | null;
  }): ProviderDeployment => {
    const state = railwayStateOf(d.status);
    return {
      id: d.id,
      state,
      rawState: d.status,
      url: httpsUrl(d.staticUrl ?? d.url),
      errorMessage: state === "error" ? `Railway deployment ${d.status.toLowerCase()}` : undefined,
    };
  };

  return {
    name: "railway",
    ensureTarget,

    async createDeployment(input) {
      const target = await ensureTarget(input);
      const entries = [];
      for (const f of input.files) entries.push({ path: f.path, bytes: await f.read() });
      const body = await gzip(tar(entries));
      const u = new URL(
        `${origin}/project/${encodeURIComponent(target.projectId)}/environment/${encodeURIComponent(target.environmentId)}/up`,
      );
      u.searchParams.set("serviceId", target.serviceId);
      const res = await http
        .json<{ deploymentId: string; url?: string; deploymentDomain?: string }>({
          method: "POST",
          url: u.toString(),
          headers: { ...auth, "Content-Type": "application/gzip" },
          body: asBufferSource(body),
          timeoutFactor: UPLOAD_TIMEOUT_FACTOR,
        })
        .catch((err: unknown) => {
          if (err instanceof ProviderError && err.status === 413) {
            throw new ProviderError(
              "railway",
              `Railway refused the upload: too large (${body.length} bytes)`,
              413,
              false,
            );
          }
          throw err;
        });
      if (typeof res?.deploymentId !== "string" || !res.deploymentId) {
        throw notUnderstood("railway", "the upload");
      }
      const domain = optionalString("railway", res.deploymentDomain, "the upload");
      const deployment: ProviderDeployment = {
        id: res.deploymentId,
        state: "queued",
        rawState: "QUEUED",
        url: httpsUrl(domain),
      };
      return { deployment, target };
    },

    async getDeployment(id) {
      const { deployment: d } = await gql<{ deployment: unknown }>(
        `query deployment($id: String!) { deployment(id: $id) { id status staticUrl url } }`,
        { id },
      );
      const what = "the status check";
      const checked = requireId("railway", d as { id?: unknown; status?: unknown } | null, what);
      const status = optionalString("railway", checked.status, what);
      if (!status) throw notUnderstood("railway", what);
      const str = (value: unknown) => optionalString("railway", value, what);
      return toDeployment({
        id: checked.id,
        status,
        staticUrl: str((d as { staticUrl?: unknown }).staticUrl),
        url: str((d as { url?: unknown }).url),
      });
    },

    async cancelDeployment(id) {
      await gql(`mutation deploymentCancel($id: String!) { deploymentCancel(id: $id) }`, { id });
    },

    /** Build logs then runtime logs, merged in time order; ids sort in that order too. */
    async getLogs(id, sinceId) {
      // Ids start with the normalized timestamp: ask only for lines from that millisecond on.
      const since = sinceId?.split("|")[0];
      const startDate =
        since && !Number.isNaN(parseTimestamp(since)) ? new Date(parseTimestamp(since)).toISOString() : undefined;
      const data = await gql<{ build: RailwayLog[]; deploy: RailwayLog[] }>(
        `query logs($id: String!, $startDate: DateTime, $limit: Int) {
          build: buildLogs(deploymentId: $id, startDate: $startDate, limit: $limit) { message severity timestamp }
          deploy: deploymentLogs(deploymentId: $id, startDate: $startDate, limit: $limit) { message severity timestamp }
        }`,
        { id, startDate, limit: LOG_LIMIT },
      );
      const logsOf = (list: unknown) => {
        if (list == null) return [];
        if (!Array.isArray(list)) throw notUnderstood("railway", "the log request");
        return (list as (RailwayLog | null)[]).filter(
          (l): l is RailwayLog => typeof l?.message === "string" && typeof l.timestamp === "string",
        );
      };
      const lines = [...toLines(logsOf(data.build), "b"), ...toLines(logsOf(data.deploy), "d")].sort((a, b) =>
        a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
      );
      return sinceId ? lines.filter((l) => l.id > sinceId) : lines;
    },
  };
}
