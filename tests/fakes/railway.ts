// A loopback Railway: the GraphQL endpoint (/graphql/v2) for the operations the client
// uses (projectCreate, serviceCreate, serviceDomainCreate, deployment, deploymentCancel,
// buildLogs, deploymentLogs) and the CLI's upload endpoint
// (POST /project/:projectId/environment/:environmentId/up?serviceId=…, a .tar.gz body).
import type { ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import {
  BUILD_FAILURE_MESSAGE,
  bearer,
  createBuildBook,
  fakeControls,
  hostLabel,
  idMaker,
  logsOf,
  phaseOf,
} from "./builds";
import type { Phase, ProviderFakeOptions } from "./builds";
import { sendJson, startFakeServer, type RecordedRequest } from "./server";

type Project = { id: string; name: string; workspaceId?: string; environments: { id: string; name: string }[] };
type Service = { id: string; projectId: string; name: string; domain?: string };
type Deployment = {
  id: string;
  projectId: string;
  environmentId: string;
  serviceId: string;
  files: Map<string, Buffer>;
  createdAt: number;
};

const STATUS: Record<Phase, string> = {
  queued: "INITIALIZING",
  building: "BUILDING",
  deploying: "DEPLOYING",
  ready: "SUCCESS",
  error: "FAILED",
  canceled: "REMOVED",
};

const gqlError = (message: string, code?: string) => ({
  data: null,
  errors: [{ message, ...(code ? { extensions: { code } } : {}) }],
});

/** Top-level fields of a GraphQL operation, with aliases: `{ a: buildLogs(...) {…} deployment(...) {…} }`. */
export function rootFields(query: string): { alias: string; name: string }[] {
  let body = query.slice(query.indexOf("{") + 1, query.lastIndexOf("}"));
  for (let prev = ""; prev !== body;) {
    prev = body;
    body = body.replace(/\([^()]*\)/g, "").replace(/\{[^{}]*\}/g, "");
  }
  return [...body.matchAll(/([A-Za-z_]\w*)\s*(?::\s*([A-Za-z_]\w*))?/g)].map((m) => ({
    alias: m[1],
    name: m[2] ?? m[1],
  }));
}

/** Entries of an uncompressed (ustar/PAX) tar. */
export function untar(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let paxPath: string | undefined;
  for (let o = 0; o + 512 <= buf.length;) {
    const h = buf.subarray(o, o + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) =>
      h
        .subarray(a, a + n)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const size = parseInt(str(124, 12).trim() || "0", 8);
    const type = str(156, 1);
    const prefix = str(345, 155);
    const data = buf.subarray(o + 512, o + 512 + size);
    if (type === "x") paxPath = /\d+ path=(.*)\n/.exec(data.toString("utf8"))?.[1];
    else if (type === "0" || type === "") {
      out.set(paxPath ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100)), Buffer.from(data));
      paxPath = undefined;
    }
    o += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const nanoIso = (ms: number) => new Date(ms).toISOString().replace("Z", "000000Z");

export async function startRailwayFake(opts: ProviderFakeOptions = {}) {
  const token = opts.token ?? "railway-fake-token";
  const book = createBuildBook(opts);
  const projects = new Map<string, Project>();
  const services = new Map<string, Service>();
  const deployments = new Map<string, Deployment>();
  const newId = idMaker("00000000-0000-4000-8000-");
  const label = hostLabel(opts);
  const dashboard = (d: Deployment) =>
    `https://railway.com/project/${label(d.projectId)}/service/${d.serviceId}?id=${d.id}`;

  const deploymentJson = (d: Deployment) => {
    const status = STATUS[phaseOf(book.builds.get(d.id)!, book.now()) as Phase];
    const domain = services.get(d.serviceId)?.domain;
    return {
      id: d.id,
      status,
      staticUrl: domain ?? null,
      url: domain ? `https://${domain}` : null,
      createdAt: new Date(d.createdAt).toISOString(),
    };
  };

  const logs = (vars: Record<string, any>, stage: "build" | "deploy") => {
    const d = deployments.get(vars.deploymentId ?? vars.id);
    if (!d) throw new Error("Deployment not found");
    const from = vars.startDate ? Date.parse(vars.startDate) : -Infinity;
    return logsOf(book.builds.get(d.id)!, book.now())
      .filter((l) => l.stage === stage && l.at >= from)
      .slice(0, vars.limit ?? 500)
      .map((l) => ({
        message: l.text,
        severity: l.level === "error" ? "error" : l.level === "warn" ? "warn" : "info",
        timestamp: nanoIso(l.at),
        attributes: [],
        tags: null,
      }));
  };

  const resolvers: Record<string, (vars: Record<string, any>) => unknown> = {
    projectCreate({ input }) {
      const env = { id: newId(), name: "production" };
      const p: Project = {
        id: newId(),
        name: input?.name ?? "project",
        workspaceId: input?.workspaceId,
        environments: [env],
      };
      projects.set(p.id, p);
      return { id: p.id, name: p.name, environments: { edges: p.environments.map((node) => ({ node })) } };
    },
    serviceCreate({ input }) {
      if (!projects.has(input?.projectId)) throw new Error("Project not found");
      const s: Service = { id: newId(), projectId: input.projectId, name: input.name ?? "service" };
      services.set(s.id, s);
      return { id: s.id, name: s.name };
    },
    serviceDomainCreate({ input }) {
      const s = services.get(input?.serviceId);
      if (!s) throw new Error("Service not found");
      s.domain = `${label(`${s.name}-production-${s.id.slice(-4)}`)}.up.railway.app`;
      return { id: newId(), domain: s.domain };
    },
    deployment({ id }) {
      const d = deployments.get(id);
      if (!d) throw new Error("Deployment not found");
      return deploymentJson(d);
    },
    deploymentCancel({ id }) {
      const d = deployments.get(id);
      if (!d) throw new Error("Deployment not found");
      if (!book.cancel(d.id)) throw new Error("Deployment cannot be cancelled in its current state");
      return true;
    },
    buildLogs: (vars) => logs(vars, "build"),
    deploymentLogs: (vars) => logs(vars, "deploy"),
  };

  function graphql(rec: RecordedRequest, res: ServerResponse) {
    if (bearer(rec.headers.authorization) !== token)
      return sendJson(res, 200, gqlError("Not Authorized", "UNAUTHENTICATED"));
    let body: { query?: string; variables?: Record<string, any> };
    try {
      body = JSON.parse(rec.body);
    } catch {
      return sendJson(res, 400, gqlError("Invalid JSON body", "BAD_REQUEST"));
    }
    if (typeof body.query !== "string")
      return sendJson(res, 400, gqlError("Must provide query string.", "BAD_REQUEST"));
    const data: Record<string, unknown> = {};
    for (const f of rootFields(body.query)) {
      const resolve = resolvers[f.name];
      if (!resolve)
        return sendJson(
          res,
          400,
          gqlError(`Cannot query field "${f.name}" on type "Query".`, "GRAPHQL_VALIDATION_FAILED"),
        );
      try {
        data[f.alias] = resolve(body.variables ?? {});
      } catch (err) {
        return sendJson(res, 200, gqlError((err as Error).message, "NOT_FOUND"));
      }
    }
    sendJson(res, 200, { data });
  }

  function up(projectId: string, environmentId: string, rec: RecordedRequest, res: ServerResponse) {
    if (bearer(rec.headers.authorization) !== token) return sendJson(res, 401, { message: "Not Authorized" });
    const serviceId = new URL(rec.path, "http://fake").searchParams.get("serviceId") ?? "";
    const project = projects.get(projectId);
    const service = services.get(serviceId);
    if (!project || !project.environments.some((e) => e.id === environmentId))
      return sendJson(res, 400, { message: "Project or environment not found" });
    if (!service || service.projectId !== projectId) return sendJson(res, 400, { message: "Service not found" });
    let files: Map<string, Buffer>;
    try {
      files = untar(gunzipSync(rec.raw));
    } catch {
      return sendJson(res, 400, { message: "Invalid upload: not a gzipped tarball" });
    }
    const d: Deployment = { id: newId(), projectId, environmentId, serviceId, files, createdAt: book.now() };
    deployments.set(d.id, d);
    book.create(d.id);
    sendJson(res, 200, {
      deploymentId: d.id,
      url: dashboard(d),
      logsUrl: `${dashboard(d)}#build`,
      deploymentDomain: service.domain ?? "",
    });
  }

  const server = await startFakeServer("railway", (rec, res) => {
    const p = new URL(rec.path, "http://fake").pathname;
    let m: RegExpExecArray | null;
    if (rec.method === "POST" && p === "/graphql/v2") return graphql(rec, res);
    if (rec.method === "POST" && (m = /^\/project\/([^/]+)\/environment\/([^/]+)\/up$/.exec(p))) {
      return up(decodeURIComponent(m[1]), decodeURIComponent(m[2]), rec, res);
    }
    sendJson(res, 404, { message: "Not Found" });
  });

  const gqlFailure = (status: number, message: string) =>
    gqlError(message, status === 429 ? "RATE_LIMITED" : status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_USER_INPUT");

  return {
    ...fakeControls(server, token, book, gqlFailure),
    /** RAILWAY_API_URL for the client. */
    baseUrl: `${server.url}/graphql/v2`,
    /** The next `times` GraphQL calls answer HTTP 200 with `errors` (code decides transient or not). */
    failGraphql(message: string, code: string, times = 1) {
      server.failNext({ kind: "status", status: 200, body: gqlError(message, code) }, times, /^POST \/graphql/);
    },
    buildFailureMessage: BUILD_FAILURE_MESSAGE,
    projects: () => [...projects.values()],
    services: () => [...services.values()],
    deployment(id: string) {
      const d = deployments.get(id);
      return d && { ...d, phase: book.phase(id) as Phase };
    },
    deployments: () => [...deployments.values()],
  };
}
