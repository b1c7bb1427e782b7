// A loopback Vercel: /v2/files (SHA-1 content store), /v13/deployments (create + get),
// /v12/deployments/:id/cancel, /v3/deployments/:id/events, with Vercel's error shapes,
// builds that advance with the clock and signed `x-vercel-signature` webhooks.
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { jsonOrUndefined } from "../../convex/providers/http";
import { signVercelWebhook } from "../../convex/providers/webhooks";
import {
  BUILD_FAILURE_MESSAGE,
  bearer,
  createBuildBook,
  fakeControls,
  hostLabel,
  idMaker,
  logsOf,
  phaseOf,
  webhookSender,
} from "./builds";
import type { Phase, ProviderFakeOptions } from "./builds";
import { sendJson, startFakeServer, type RecordedRequest } from "./server";

export type VercelWebhookEvent =
  "deployment.created" | "deployment.succeeded" | "deployment.error" | "deployment.canceled";

type Deployment = {
  id: string;
  name: string;
  projectId: string;
  host: string;
  target: "production" | null;
  createdAt: number;
  files: Map<string, Buffer>;
  query: URLSearchParams;
};

const READY_STATE: Record<Phase, string> = {
  queued: "QUEUED",
  building: "BUILDING",
  deploying: "BUILDING",
  ready: "READY",
  error: "ERROR",
  canceled: "CANCELED",
};

const vercelError = (status: number, message: string, extra: Record<string, unknown> = {}) => ({
  error: {
    code:
      status === 404
        ? "not_found"
        : status === 403
          ? "forbidden"
          : status >= 500
            ? "internal_server_error"
            : status === 429
              ? "rate_limited"
              : "bad_request",
    message,
    ...extra,
  },
});

export async function startVercelFake(opts: ProviderFakeOptions = {}) {
  const token = opts.token ?? "vercel-fake-token";
  const book = createBuildBook(opts);
  const blobs = new Map<string, Buffer>(); // sha1 -> bytes
  const projects = new Map<string, { id: string; name: string }>(); // by name
  const deployments = new Map<string, Deployment>();
  const newDeploymentId = idMaker("dpl_");
  const newProjectId = idMaker("prj_");
  const hooks = webhookSender({
    provider: "vercel",
    webhook: opts.webhook,
    path: "/webhooks/vercel",
    header: "x-vercel-signature",
    sign: signVercelWebhook,
  });
  let losing = 0;
  const label = hostLabel(opts);
  const dashboard = (name: string) => `https://vercel.com/fake/${label(name)}`;

  const json = (d: Deployment) => {
    const phase = phaseOf(book.builds.get(d.id)!, book.now()) as Phase;
    return {
      id: d.id,
      uid: d.id,
      name: d.name,
      url: d.host,
      projectId: d.projectId,
      target: d.target,
      readyState: READY_STATE[phase],
      status: READY_STATE[phase],
      createdAt: d.createdAt,
      inspectorUrl: `${dashboard(d.name)}/${d.id}`,
      ...(phase === "error" ? { errorCode: "BUILD_FAILED", errorMessage: BUILD_FAILURE_MESSAGE } : {}),
    };
  };

  function createDeployment(rec: RecordedRequest, res: ServerResponse, query: URLSearchParams) {
    let body: { name?: unknown; project?: unknown; target?: unknown; files?: unknown };
    try {
      body = JSON.parse(rec.body);
    } catch {
      return sendJson(res, 400, vercelError(400, "Invalid JSON body"));
    }
    if (typeof body.name !== "string" || !body.name) {
      return sendJson(res, 400, vercelError(400, "Invalid request: should have required property 'name'"));
    }
    if (!Array.isArray(body.files) || body.files.length === 0) {
      return sendJson(res, 400, vercelError(400, "Invalid request: `files` should NOT have fewer than 1 items"));
    }
    const files = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const f of body.files as { file: string; data?: string; encoding?: string; sha?: string; size?: number }[]) {
      if (typeof f.data === "string")
        files.set(f.file, Buffer.from(f.data, f.encoding === "base64" ? "base64" : "utf8"));
      else if (typeof f.sha === "string" && blobs.has(f.sha)) files.set(f.file, blobs.get(f.sha)!);
      else if (typeof f.sha === "string") missing.push(f.sha);
      else return sendJson(res, 400, vercelError(400, `Invalid file entry for ${f.file}`));
    }
    if (missing.length)
      return sendJson(res, 400, vercelError(400, "Missing files", { code: "missing_files", missing }));
    const wanted = typeof body.project === "string" ? body.project : body.name;
    const project =
      [...projects.values()].find((p) => p.id === wanted || p.name === wanted) ??
      (() => {
        const p = { id: newProjectId(), name: body.name as string };
        projects.set(p.name, p);
        return p;
      })();
    const id = newDeploymentId();
    const d: Deployment = {
      id,
      name: project.name,
      projectId: project.id,
      host: `${label(`${project.name}-${id.slice(4)}`)}.vercel.app`,
      target: body.target === "production" ? "production" : null,
      createdAt: book.now(),
      files,
      query,
    };
    deployments.set(id, d);
    book.create(id);
    sendJson(res, 200, json(d));
  }

  /** POST /v11/projects: a taken name is 409 (a deployment under that name would join the existing project). */
  function createProject(rec: RecordedRequest, res: ServerResponse) {
    const body = jsonOrUndefined(rec.body) as { name?: unknown } | undefined;
    const name = body?.name;
    if (typeof name !== "string" || !/^[a-z0-9._-]{1,100}$/.test(name)) {
      return sendJson(res, 400, vercelError(400, "Invalid request: `name` should match the project name rules"));
    }
    if (projects.has(name)) {
      return sendJson(res, 409, {
        error: { code: "conflict", message: `Project "${name}" already exists, please use a new name.` },
      });
    }
    const project = { id: newProjectId(), name };
    projects.set(name, project);
    sendJson(res, 200, { ...project, accountId: "team_fake", createdAt: book.now(), framework: null });
  }

  const server = await startFakeServer("vercel", (rec, res) => {
    if (bearer(rec.headers.authorization) !== token) {
      return sendJson(res, 403, vercelError(403, "Not authorized", { invalidToken: true }));
    }
    const u = new URL(rec.path, "http://fake");
    const p = u.pathname;
    let m: RegExpExecArray | null;
    if (rec.method === "POST" && p === "/v2/files") {
      const digest = rec.headers["x-vercel-digest"];
      if (typeof digest !== "string") return sendJson(res, 400, vercelError(400, "Missing `x-vercel-digest` header"));
      const sha = createHash("sha1").update(rec.raw).digest("hex");
      if (sha !== digest)
        return sendJson(
          res,
          400,
          vercelError(400, "File SHA does not match `x-vercel-digest`", { code: "incorrect_file_sha" }),
        );
      if (losing > 0) losing--;
      else blobs.set(sha, rec.raw);
      return sendJson(res, 200, { urls: [] });
    }
    if (rec.method === "POST" && p === "/v11/projects") return createProject(rec, res);
    if (rec.method === "POST" && p === "/v13/deployments") return createDeployment(rec, res, u.searchParams);
    if (rec.method === "GET" && (m = /^\/v13\/deployments\/([^/]+)$/.exec(p))) {
      const d = deployments.get(decodeURIComponent(m[1]));
      return d
        ? sendJson(res, 200, json(d))
        : sendJson(res, 404, vercelError(404, "The deployment could not be found."));
    }
    if (rec.method === "PATCH" && (m = /^\/v12\/deployments\/([^/]+)\/cancel$/.exec(p))) {
      const d = deployments.get(decodeURIComponent(m[1]));
      if (!d) return sendJson(res, 404, vercelError(404, "The deployment could not be found."));
      if (!book.cancel(d.id))
        return sendJson(res, 400, vercelError(400, `Cannot cancel a deployment that is ${json(d).readyState}`));
      return sendJson(res, 200, json(d));
    }
    if (rec.method === "GET" && (m = /^\/v3\/deployments\/([^/]+)\/events$/.exec(p))) {
      const d = deployments.get(decodeURIComponent(m[1]));
      if (!d) return sendJson(res, 404, vercelError(404, "The deployment could not be found."));
      const lines = logsOf(book.builds.get(d.id)!, book.now());
      const events = [
        {
          type: "delimiter",
          created: d.createdAt,
          payload: { id: `${d.id}-delimiter`, deploymentId: d.id, date: d.createdAt, text: "Build machine" },
        },
        ...lines.map((l, i) => ({
          type: l.level === "error" ? "stderr" : "stdout",
          created: l.at,
          payload: { id: l.id, deploymentId: d.id, date: l.at, serial: String(i), text: l.text },
        })),
      ];
      return sendJson(res, 200, events);
    }
    sendJson(res, 404, vercelError(404, "The requested path was not found"));
  });

  async function sendWebhook(deploymentId: string, event: VercelWebhookEvent) {
    hooks.configured();
    const d = deployments.get(deploymentId);
    if (!d) throw new Error(`vercel fake: no deployment ${deploymentId}`);
    if (event === "deployment.succeeded") book.finish(d.id, "ready");
    if (event === "deployment.error") book.finish(d.id, "error");
    if (event === "deployment.canceled") book.finish(d.id, "canceled");
    if (event !== "deployment.created") hooks.notified.add(d.id);
    const body = JSON.stringify({
      id: `evt_${d.id}_${event.split(".")[1]}`,
      type: event,
      createdAt: book.now(),
      region: "iad1",
      payload: {
        deployment: { id: d.id, url: d.host, name: d.name, meta: {} },
        project: { id: d.projectId },
        target: d.target,
        team: null,
        user: { id: "usr_fake" },
        links: { deployment: json(d).inspectorUrl, project: dashboard(d.name) },
        plan: "pro",
      },
    });
    return await hooks.deliver(body);
  }

  const END_EVENT: Partial<Record<Phase, VercelWebhookEvent>> = {
    ready: "deployment.succeeded",
    error: "deployment.error",
    canceled: "deployment.canceled",
  };

  return {
    ...fakeControls(server, token, book, (status, message) => vercelError(status, message)),
    /** The next `n` uploads answer 200 but are not kept (Vercel then reports `missing_files`). */
    loseUploads(n = 1) {
      losing += n;
    },
    deployment(id: string) {
      const d = deployments.get(id);
      return d && { ...d, phase: book.phase(id) as Phase };
    },
    deployments: () => [...deployments.values()],
    projects: () => [...projects.values()],
    uploadedShas: () => [...blobs.keys()],
    configureWebhook: hooks.configure,
    sendWebhook,
    /** Sends one terminal webhook per deployment that has ended since the last flush. */
    flushWebhooks: () => hooks.flush(deployments.keys(), (id) => END_EVENT[book.phase(id) as Phase], sendWebhook),
  };
}
