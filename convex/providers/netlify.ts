// Netlify REST client: file-digest deploys. We send the {path: sha1} manifest, Netlify
// answers with the digests it does not already hold, and only those files are uploaded —
// a redeploy of unchanged content uploads nothing. The site is created once and reused.
import {
  afterId,
  asBufferSource,
  createHttp,
  mapLimit,
  notUnderstood,
  optionalString,
  requireId,
  sha1Hex,
  sleep,
} from "./http";
import {
  ProviderError,
  type DeployFile,
  type DeployProviderClient,
  type EnsureTargetInput,
  type ProviderClientOptions,
} from "./types";
import type { ProviderDeployment, ProviderLogLine, ProviderState, ProviderTarget } from "./types";

export const NETLIFY_API_URL = "https://api.netlify.com";
const UPLOAD_CONCURRENCY = 4;
/** Uploads may take longer than one API call: this many times the call timeout. */
const UPLOAD_TIMEOUT_FACTOR = 4;
/** An async deploy computes `required` in the background; we wait this long for it. */
const PREPARE_WAIT_MS = 60_000;

export type NetlifyDeploy = {
  id: string;
  site_id?: string;
  state?: string;
  required?: string[];
  error_message?: string | null;
  url?: string;
  ssl_url?: string;
  deploy_url?: string;
  deploy_ssl_url?: string;
  draft?: boolean;
  context?: string;
  created_at?: string;
  updated_at?: string;
  published_at?: string | null;
};
type NetlifySite = { id: string; name?: string; ssl_url?: string; url?: string };

const STATES: Record<string, ProviderState> = {
  new: "queued",
  pending_review: "queued",
  accepted: "queued",
  preparing: "uploading",
  prepared: "uploading",
  uploading: "uploading",
  uploaded: "building",
  enqueued: "building",
  building: "building",
  retrying: "building",
  processing: "deploying",
  processed: "deploying",
  ready: "ready",
  error: "error",
  rejected: "error",
  canceled: "canceled",
  cancelled: "canceled",
};

export function netlifyStateOf(state: string | undefined, errorMessage?: string | null): ProviderState {
  const s = STATES[state ?? ""] ?? "building";
  // A canceled deploy is reported as `error` with a "Canceled ..." message.
  return s === "error" && errorMessage && /^cancel/i.test(errorMessage) ? "canceled" : s;
}

export function netlifyMessageOf(body: unknown): string | undefined {
  const m = (body as { message?: unknown } | null)?.message;
  return typeof m === "string" ? m : undefined;
}

const DEPLOY_STRINGS = [
  "site_id",
  "state",
  "error_message",
  "url",
  "ssl_url",
  "deploy_url",
  "deploy_ssl_url",
  "context",
  "created_at",
  "updated_at",
  "published_at",
] as const;

/** A deploy as we read it: anything mistyped (e.g. `required` as a string) is an answer we do not understand. */
export function checkedDeploy(body: unknown, what: string): NetlifyDeploy {
  const d = requireId("netlify", body as NetlifyDeploy | null, what);
  for (const key of DEPLOY_STRINGS) optionalString("netlify", d[key], what);
  const required: unknown = d.required;
  if (required != null && !(Array.isArray(required) && required.every((sha) => typeof sha === "string")))
    throw notUnderstood("netlify", what);
  if (d.draft != null && typeof d.draft !== "boolean") throw notUnderstood("netlify", what);
  return d;
}

export function netlifyDeployment(d: NetlifyDeploy): ProviderDeployment {
  const rawState = d.state ?? "new";
  const preview = d.draft || (d.context !== undefined && d.context !== "production");
  return {
    id: d.id,
    state: netlifyStateOf(rawState, d.error_message),
    rawState,
    url: (preview ? (d.deploy_ssl_url ?? d.deploy_url) : (d.ssl_url ?? d.url)) ?? d.deploy_ssl_url,
    errorMessage: d.error_message ?? undefined,
  };
}

/** Netlify site names are subdomains: lowercase letters, digits and hyphens. */
export function netlifySiteName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50);
  return s || "site";
}

/** URL path of a file inside a deploy: each segment encoded, slashes kept. */
const filePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

export function createNetlifyClient(opts: ProviderClientOptions): DeployProviderClient {
  const base = (opts.baseUrl ?? NETLIFY_API_URL).replace(/\/+$/, "") + "/api/v1";
  const http = createHttp({
    provider: "netlify",
    fetch: opts.fetch,
    timeoutMs: opts.timeoutMs,
    messageOf: netlifyMessageOf,
  });
  const auth = { Authorization: `Bearer ${opts.token}` };
  const json = { ...auth, "Content-Type": "application/json" };

  async function createSite(name: string): Promise<NetlifySite> {
    const post = (n: string) =>
      http.json<NetlifySite>({
        method: "POST",
        url: `${base}/sites`,
        headers: json,
        body: JSON.stringify({ name: n }),
      });
    try {
      return await post(name);
    } catch (err) {
      // Subdomains are global at Netlify: a taken name is a 422; try once with a suffix.
      if (!(err instanceof ProviderError) || err.status !== 422) throw err;
      return post(`${name.slice(0, 43)}-${crypto.randomUUID().slice(0, 6)}`);
    }
  }

  /** One read per call: the status check and the synthesized log lines both come from it. */
  const getDeploy = async (id: string, what = "the status check") =>
    checkedDeploy(
      await http.json<unknown>({ method: "GET", url: `${base}/deploys/${encodeURIComponent(id)}`, headers: auth }),
      what,
    );

  /** With `async: true` the manifest is diffed in the background; wait until `required` is known. */
  async function prepared(d: NetlifyDeploy): Promise<NetlifyDeploy> {
    let waited = 0;
    for (let delay = 250; d.state === "new" || d.state === "preparing"; delay = Math.min(delay * 2, 2000)) {
      d = await getDeploy(d.id, "the deploy");
      if (d.state !== "new" && d.state !== "preparing") break;
      if (waited >= PREPARE_WAIT_MS) {
        throw new ProviderError("netlify", `Netlify is still preparing deploy ${d.id}`, undefined, true);
      }
      await sleep(delay);
      waited += delay;
    }
    return d;
  }

  async function ensureTarget(input: EnsureTargetInput): Promise<ProviderTarget & { provider: "netlify" }> {
    if (input.target?.provider === "netlify") return input.target;
    const site = requireId("netlify", await createSite(netlifySiteName(input.name)), "the new site");
    return { provider: "netlify", siteId: site.id, siteName: site.name };
  }

  return {
    name: "netlify",
    ensureTarget,

    async createDeployment(input) {
      const target = await ensureTarget(input);

      const manifest: Record<string, string> = {};
      const bySha = new Map<string, DeployFile>();
      for (const f of input.files) {
        const sha = await sha1Hex(await f.read());
        manifest[`/${f.path}`] = sha;
        if (!bySha.has(sha)) bySha.set(sha, f);
      }
      let d = checkedDeploy(
        await http.json<unknown>({
          method: "POST",
          url: `${base}/sites/${encodeURIComponent(target.siteId)}/deploys`,
          headers: json,
          body: JSON.stringify({
            files: manifest,
            async: true,
            ...(input.environment === "preview" ? { draft: true } : {}),
          }),
        }),
        "the deploy",
      );
      d = await prepared(d);

      // One upload per required digest: Netlify fills every path with that content.
      const required = [...new Set(d.required ?? [])];
      await mapLimit(required, UPLOAD_CONCURRENCY, async (sha) => {
        const f = bySha.get(sha);
        if (!f)
          throw new ProviderError("netlify", `Netlify asked for a file we did not send (${sha})`, undefined, false);
        const bytes = await f.read();
        await http.send({
          method: "PUT",
          url: `${base}/deploys/${encodeURIComponent(d.id)}/files/${filePath(f.path)}`,
          headers: { ...auth, "Content-Type": "application/octet-stream" },
          body: asBufferSource(bytes),
          timeoutFactor: UPLOAD_TIMEOUT_FACTOR,
        });
      });
      return { deployment: netlifyDeployment(d), target };
    },

    async getDeployment(id) {
      return netlifyDeployment(await getDeploy(id));
    },

    async cancelDeployment(id) {
      await http.send({ method: "POST", url: `${base}/deploys/${encodeURIComponent(id)}/cancel`, headers: auth });
    },

    /** Netlify has no public log endpoint for API deploys: lines are synthesized from the deploy's state. */
    async getLogs(id, sinceId) {
      return afterId(netlifyLogLines(await getDeploy(id)), sinceId);
    },

    async getDeploymentWithLogs(id, sinceId) {
      const d = await getDeploy(id);
      return { deployment: netlifyDeployment(d), lines: afterId(netlifyLogLines(d), sinceId) };
    },
  };
}

const LADDER: { state: ProviderState; text: string }[] = [
  { state: "queued", text: "Deploy created" },
  { state: "uploading", text: "Uploading changed files" },
  { state: "building", text: "Files received; processing the deploy" },
  { state: "deploying", text: "Publishing" },
];

/** One line per stage the deploy has reached, with ids that stay the same on every poll. */
export function netlifyLogLines(d: NetlifyDeploy): ProviderLogLine[] {
  const dep = netlifyDeployment(d);
  const created = Date.parse(d.created_at ?? "") || 0;
  const updated = Date.parse(d.updated_at ?? "") || created;
  const reached = LADDER.findIndex((s) => s.state === dep.state);
  const upTo = reached >= 0 ? reached : dep.state === "ready" ? LADDER.length - 1 : 0;
  const lines: ProviderLogLine[] = LADDER.slice(0, upTo + 1).map((s, i) => ({
    id: `${d.id}:${s.state}`,
    at: i === 0 ? created : updated,
    level: "info",
    text: s.text,
  }));
  if (dep.state === "ready")
    lines.push({
      id: `${d.id}:ready`,
      at: Date.parse(d.published_at ?? "") || updated,
      level: "info",
      text: `Deploy is live${dep.url ? ` at ${dep.url}` : ""}`,
    });
  if (dep.state === "error")
    lines.push({
      id: `${d.id}:error`,
      at: updated,
      level: "error",
      text: `Deploy failed: ${dep.errorMessage ?? d.state}`,
    });
  if (dep.state === "canceled")
    lines.push({ id: `${d.id}:canceled`, at: updated, level: "warn", text: "Deploy canceled" });
  return lines;
}
