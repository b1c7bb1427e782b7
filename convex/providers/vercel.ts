// Vercel REST client: deploys our files straight from the snapshot. Small files travel
// inline in the create call; larger ones are uploaded first (content-addressed by SHA-1)
// and referenced by digest. The project is created once (never joined by name) and reused by
// id. `teamId` is added to every call when configured.
import {
  afterId,
  asBufferSource,
  createHttp,
  httpsUrl,
  mapLimit,
  notUnderstood,
  optionalString,
  requireId,
  sha1Hex,
} from "./http";
import { toBase64, utf8OrUndefined } from "./http";
import {
  ProviderError,
  type DeployFile,
  type DeployProviderClient,
  type EnsureTargetInput,
  type ProviderClientOptions,
} from "./types";
import type { ProviderLogLine, ProviderState, ProviderTarget } from "./types";

export const VERCEL_API_URL = "https://api.vercel.com";
const DEFAULT_INLINE_MAX = 256 * 1024;
/** Keeps the create call's JSON body well below Vercel's request limit. */
const INLINE_TOTAL_MAX = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;
/** Uploads may take longer than one API call: this many times the call timeout. */
const UPLOAD_TIMEOUT_FACTOR = 4;

type VercelDeployment = {
  id: string;
  url?: string;
  name?: string;
  projectId?: string;
  readyState?: string;
  status?: string;
  errorMessage?: string | null;
  errorCode?: string;
};
type VercelEvent = {
  type: string;
  created: number;
  payload?: { id?: string; text?: string; date?: number; serial?: string; info?: { readyState?: string } };
};
type VercelProject = { id: string; name?: string };
type InlineFile = { file: string; data: string; encoding: "utf-8" | "base64" };
type ShaFile = { file: string; sha: string; size: number };

const STATES: Record<string, ProviderState> = {
  QUEUED: "queued",
  INITIALIZING: "building",
  BUILDING: "building",
  READY: "ready",
  ERROR: "error",
  CANCELED: "canceled",
};

export function vercelStateOf(readyState: string | undefined): ProviderState {
  return STATES[readyState ?? ""] ?? "building";
}

/** Vercel project names: lowercase letters, digits, '.', '_', '-'; at most 100 characters. */
export function vercelProjectName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100);
  return s || "app";
}

export function vercelMessageOf(body: unknown): string | undefined {
  const e = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof e?.message === "string" ? e.message : undefined;
}

export function createVercelClient(opts: ProviderClientOptions): DeployProviderClient {
  const base = (opts.baseUrl ?? VERCEL_API_URL).replace(/\/+$/, "");
  const http = createHttp({
    provider: "vercel",
    fetch: opts.fetch,
    timeoutMs: opts.timeoutMs,
    messageOf: vercelMessageOf,
  });
  const inlineMax = opts.inlineMaxBytes ?? DEFAULT_INLINE_MAX;
  const auth = { Authorization: `Bearer ${opts.token}` };

  const url = (path: string, query: Record<string, string> = {}) => {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    if (opts.teamId) u.searchParams.set("teamId", opts.teamId);
    return u.toString();
  };

  /** Our view of a deployment body; a body we cannot read is a transient "not understood". */
  const toDeployment = (body: unknown, what: string) => {
    const d = requireId("vercel", body as VercelDeployment | null, what);
    const str = (value: unknown) => optionalString("vercel", value, what);
    const rawState = str(d.readyState) ?? str(d.status) ?? "QUEUED";
    return {
      id: d.id,
      state: vercelStateOf(rawState),
      rawState,
      url: httpsUrl(str(d.url)),
      errorMessage: str(d.errorMessage),
    };
  };

  async function upload(bytes: Uint8Array, sha: string) {
    await http.send({
      method: "POST",
      url: url("/v2/files"),
      headers: {
        ...auth,
        "Content-Type": "application/octet-stream",
        "x-vercel-digest": sha,
        "Content-Length": String(bytes.length),
      },
      body: asBufferSource(bytes),
      timeoutFactor: UPLOAD_TIMEOUT_FACTOR,
    });
  }

  /**
   * Inline entries for small files; larger ones are uploaded as soon as they are read, a few at
   * a time, so their bytes are never all held at once (the deployment action's memory is small).
   * `bySha` lets an upload Vercel lost be read and sent again.
   */
  async function prepareFiles(files: DeployFile[]) {
    let inlineTotal = 0;
    const inline = files.map((f) => {
      const fits = f.size <= inlineMax && inlineTotal + f.size <= INLINE_TOTAL_MAX;
      if (fits) inlineTotal += f.size;
      return fits;
    });
    const bySha = new Map<string, DeployFile>();
    const entries = await mapLimit(
      files.map((f, i) => ({ f, inline: inline[i] })),
      UPLOAD_CONCURRENCY,
      async ({ f, inline }): Promise<InlineFile | ShaFile> => {
        const bytes = await f.read();
        if (inline) {
          const text = utf8OrUndefined(bytes);
          return text !== undefined
            ? { file: f.path, data: text, encoding: "utf-8" }
            : { file: f.path, data: toBase64(bytes), encoding: "base64" };
        }
        const sha = await sha1Hex(bytes);
        if (!bySha.has(sha)) {
          bySha.set(sha, f);
          await upload(bytes, sha);
        }
        return { file: f.path, sha, size: bytes.length };
      },
    );
    return { entries, bySha };
  }

  /**
   * A new project, ours alone. A deployment created under a name Vercel already knows would
   * land in that project, whoever made it: Vercel answers 409 to a taken name here instead, and
   * we create the project once more under a random suffix.
   */
  async function createProject(name: string): Promise<VercelProject> {
    const post = async (n: string) =>
      requireId(
        "vercel",
        await http.json<VercelProject>({
          method: "POST",
          url: url("/v11/projects"),
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ name: n }),
        }),
        "the new project",
      );
    try {
      return await post(name);
    } catch (err) {
      if (!(err instanceof ProviderError) || err.status !== 409) throw err;
      return await post(`${name.slice(0, 93)}-${crypto.randomUUID().slice(0, 6)}`);
    }
  }

  async function ensureTarget(input: EnsureTargetInput): Promise<ProviderTarget & { provider: "vercel" }> {
    if (input.target?.provider === "vercel") return input.target;
    const name = vercelProjectName(input.name);
    const project = await createProject(name);
    return {
      provider: "vercel",
      projectName: optionalString("vercel", project.name, "the new project") ?? name,
      projectId: project.id,
    };
  }

  return {
    name: "vercel",
    ensureTarget,

    async createDeployment(input) {
      const target = await ensureTarget(input);
      const projectName = target.projectName;
      const { entries, bySha } = await prepareFiles(input.files);
      const body = {
        name: projectName,
        // A project we created (by id), or one recorded by name before projects were created first.
        project: target.projectId ?? projectName,
        ...(input.environment === "production" ? { target: "production" } : {}),
        files: entries,
      };
      const create = async () =>
        requireId(
          "vercel",
          await http.json<VercelDeployment>({
            method: "POST",
            url: url("/v13/deployments", { skipAutoDetectionConfirmation: "1" }),
            headers: { ...auth, "Content-Type": "application/json" },
            body: JSON.stringify(body),
          }),
          "the create call",
        );
      let d: VercelDeployment;
      try {
        d = await create();
      } catch (err) {
        // Vercel may have evicted an upload between our upload and the create call:
        // it names the missing digests, we upload them once more and retry once.
        const missing = missingShas(err);
        if (!missing) throw err;
        for (const sha of missing) {
          const f = bySha.get(sha);
          if (f) await upload(await f.read(), sha);
        }
        d = await create();
      }
      const projectId = optionalString("vercel", d.projectId, "the create call") ?? target.projectId;
      return { deployment: toDeployment(d, "the create call"), target: { provider: "vercel", projectName, projectId } };
    },

    async getDeployment(id) {
      const body = await http.json<unknown>({
        method: "GET",
        url: url(`/v13/deployments/${encodeURIComponent(id)}`),
        headers: auth,
      });
      return toDeployment(body, "the status check");
    },

    async cancelDeployment(id) {
      await http.send({
        method: "PATCH",
        url: url(`/v12/deployments/${encodeURIComponent(id)}/cancel`),
        headers: auth,
      });
    },

    async getLogs(id, sinceId) {
      const events = await http.json<unknown>({
        method: "GET",
        url: url(`/v3/deployments/${encodeURIComponent(id)}/events`, {
          direction: "forward",
          follow: "0",
          limit: "-1",
          builds: "1",
        }),
        headers: auth,
      });
      if (!Array.isArray(events)) throw notUnderstood("vercel", "the log request");
      const lines: ProviderLogLine[] = [];
      for (const e of events as (VercelEvent | null)[]) {
        // Only events with text are lines; anything else in the list is skipped.
        const text = e?.payload?.text;
        if (!e || typeof text !== "string" || !text || e.type === "delimiter" || typeof e.created !== "number")
          continue;
        const { id: eventId, date, serial } = e.payload ?? {};
        lines.push({
          id:
            typeof eventId === "string"
              ? eventId
              : `${e.created}:${typeof serial === "string" ? serial : lines.length}`,
          at: typeof date === "number" ? date : e.created,
          level: e.type === "stderr" || e.type === "fatal" ? "error" : "info",
          text,
        });
      }
      return afterId(lines, sinceId);
    },
  };
}

function missingShas(err: unknown): string[] | undefined {
  if (!(err instanceof ProviderError) || err.status !== 400) return undefined;
  const e = (err.body as { error?: { code?: string; missing?: unknown } } | null)?.error;
  return e?.code === "missing_files" && Array.isArray(e.missing) ? (e.missing as string[]) : undefined;
}
