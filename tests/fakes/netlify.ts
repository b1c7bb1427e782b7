// A loopback Netlify (/api/v1): sites, file-digest deploys that ask only for content the
// fake has not seen, per-file uploads checked against the manifest's SHA-1, deploy state
// that advances with the clock, cancel, and JWS-signed deploy webhooks.
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { jsonOrUndefined } from "../../convex/providers/http";
import { signNetlifyWebhook } from "../../convex/providers/webhooks";
import {
  BUILD_FAILURE_MESSAGE,
  bearer,
  createBuildBook,
  fakeControls,
  hostLabel,
  idMaker,
  phaseOf,
  phaseStartedAt,
  webhookSender,
} from "./builds";
import type { Phase, ProviderFakeOptions } from "./builds";
import { sendJson, startFakeServer, type RecordedRequest } from "./server";

export type NetlifyWebhookEvent = "deploy_created" | "deploy_building" | "deploy_succeeded" | "deploy_failed";

type Site = { id: string; name: string; createdAt: number };
type Deploy = {
  id: string;
  siteId: string;
  manifest: Record<string, string>; // "/path" -> sha1
  required: string[];
  uploaded: Set<string>;
  draft: boolean;
  /** An async deploy reports `preparing` until it is first read. */
  preparing: boolean;
  createdAt: number;
};

const STATE: Record<Phase, string> = {
  queued: "uploaded",
  building: "building",
  deploying: "processing",
  ready: "ready",
  error: "error",
  canceled: "error",
};

const netlifyError = (status: number, message: string) => ({ code: status, message });
const iso = (ms: number) => new Date(ms).toISOString();

export async function startNetlifyFake(opts: ProviderFakeOptions = {}) {
  const token = opts.token ?? "netlify-fake-token";
  const book = createBuildBook(opts);
  const known = new Set<string>(); // sha1s of content already uploaded
  const sites = new Map<string, Site>();
  const deploys = new Map<string, Deploy>();
  const newSiteId = idMaker("site-");
  const newDeployId = idMaker("dep");
  const hooks = webhookSender({
    provider: "netlify",
    webhook: opts.webhook,
    path: "/webhooks/netlify",
    header: "x-webhook-signature",
    sign: signNetlifyWebhook,
  });
  const label = hostLabel(opts);
  const host = (site: string) => `${label(site)}.netlify.app`;

  function deployJson(d: Deploy, override?: { state: string; error?: string }) {
    const site = sites.get(d.siteId)!;
    const b = book.builds.get(d.id)!;
    const phase = phaseOf(b, book.now());
    const state = override?.state ?? (phase === "pending" ? (d.preparing ? "preparing" : "uploading") : STATE[phase]);
    const error = override
      ? override.error
      : phase === "error"
        ? BUILD_FAILURE_MESSAGE
        : phase === "canceled"
          ? "Canceled build"
          : null;
    return {
      id: d.id,
      site_id: d.siteId,
      state,
      name: site.name,
      url: `http://${host(site.name)}`,
      ssl_url: `https://${host(site.name)}`,
      admin_url: `https://app.netlify.com/sites/${label(site.name)}`,
      deploy_url: `http://${d.id}--${host(site.name)}`,
      deploy_ssl_url: `https://${d.id}--${host(site.name)}`,
      required: d.preparing ? [] : d.required.filter((s) => !d.uploaded.has(s)),
      required_functions: [],
      error_message: error,
      draft: d.draft,
      context: d.draft ? "deploy-preview" : "production",
      created_at: iso(d.createdAt),
      updated_at: iso(phaseStartedAt(b, phase, d.createdAt)),
      published_at: phase === "ready" && !d.draft ? iso(phaseStartedAt(b, "ready", d.createdAt)) : null,
    };
  }

  function createSite(rec: RecordedRequest, res: ServerResponse) {
    const body = jsonOrUndefined(rec.body) as { name?: unknown } | undefined;
    const id = newSiteId();
    const name = typeof body?.name === "string" && body.name ? body.name : `site-${id.slice(5)}`;
    if (!/^[a-z0-9-]+$/.test(name))
      return sendJson(res, 422, netlifyError(422, "Validation failed: subdomain is invalid"));
    if ([...sites.values()].some((s) => s.name === name)) {
      return sendJson(res, 422, netlifyError(422, "Validation failed: subdomain must be unique"));
    }
    const site: Site = { id, name, createdAt: book.now() };
    sites.set(id, site);
    sendJson(res, 201, { id, name, url: `http://${host(name)}`, ssl_url: `https://${host(name)}`, state: "current" });
  }

  function createDeploy(siteId: string, rec: RecordedRequest, res: ServerResponse) {
    if (!sites.has(siteId)) return sendJson(res, 404, netlifyError(404, "Not Found"));
    const body = jsonOrUndefined(rec.body) as { files?: unknown; async?: unknown; draft?: unknown } | undefined;
    if (!body?.files || typeof body.files !== "object")
      return sendJson(res, 422, netlifyError(422, "Validation failed: files is required"));
    const manifest = body.files as Record<string, string>;
    const required = [...new Set(Object.values(manifest))].filter((sha) => !known.has(sha));
    const d: Deploy = {
      id: newDeployId(),
      siteId,
      manifest,
      required,
      uploaded: new Set(),
      draft: body.draft === true,
      preparing: body.async === true,
      createdAt: book.now(),
    };
    deploys.set(d.id, d);
    book.create(d.id, required.length === 0 && !d.preparing);
    sendJson(res, 200, deployJson(d));
  }

  /** An async deploy finishes preparing on its first read; a deploy with nothing to upload starts. */
  function read(d: Deploy) {
    if (d.preparing) {
      d.preparing = false;
      const b = book.builds.get(d.id)!;
      if (d.required.length === 0) b.startedAt ??= book.now();
    }
    return deployJson(d);
  }

  function upload(d: Deploy, path: string, rec: RecordedRequest, res: ServerResponse) {
    const expected = d.manifest[`/${path}`];
    if (!expected) return sendJson(res, 422, netlifyError(422, `File /${path} is not part of this deploy`));
    const sha = createHash("sha1").update(rec.raw).digest("hex");
    if (sha !== expected)
      return sendJson(res, 422, netlifyError(422, `SHA1 of /${path} does not match the deploy manifest`));
    known.add(sha);
    d.uploaded.add(sha);
    const b = book.builds.get(d.id)!;
    if (d.required.every((s) => d.uploaded.has(s))) b.startedAt ??= book.now();
    sendJson(res, 200, {
      id: `/${path}`,
      path: `/${path}`,
      sha,
      size: rec.raw.length,
      mime_type: "application/octet-stream",
    });
  }

  const server = await startFakeServer("netlify", (rec, res) => {
    if (bearer(rec.headers.authorization) !== token) {
      return sendJson(res, 401, netlifyError(401, "Access Denied: Invalid token"));
    }
    const p = new URL(rec.path, "http://fake").pathname;
    let m: RegExpExecArray | null;
    const dep = (id: string) => deploys.get(decodeURIComponent(id));
    if (rec.method === "POST" && p === "/api/v1/sites") return createSite(rec, res);
    if (rec.method === "POST" && (m = /^\/api\/v1\/sites\/([^/]+)\/deploys$/.exec(p)))
      return createDeploy(decodeURIComponent(m[1]), rec, res);
    if (rec.method === "GET" && (m = /^\/api\/v1\/deploys\/([^/]+)$/.exec(p))) {
      const d = dep(m[1]);
      return d ? sendJson(res, 200, read(d)) : sendJson(res, 404, netlifyError(404, "Not Found"));
    }
    if (rec.method === "PUT" && (m = /^\/api\/v1\/deploys\/([^/]+)\/files\/(.+)$/.exec(p))) {
      const d = dep(m[1]);
      if (!d) return sendJson(res, 404, netlifyError(404, "Not Found"));
      return upload(d, m[2].split("/").map(decodeURIComponent).join("/"), rec, res);
    }
    if (rec.method === "POST" && (m = /^\/api\/v1\/deploys\/([^/]+)\/cancel$/.exec(p))) {
      const d = dep(m[1]);
      if (!d) return sendJson(res, 404, netlifyError(404, "Not Found"));
      if (!book.cancel(d.id))
        return sendJson(res, 422, netlifyError(422, `Deploy can't be canceled in state ${deployJson(d).state}`));
      return sendJson(res, 201, deployJson(d));
    }
    sendJson(res, 404, netlifyError(404, "Not Found"));
  });

  async function sendWebhook(deployId: string, event: NetlifyWebhookEvent) {
    hooks.configured();
    const d = deploys.get(deployId);
    if (!d) throw new Error(`netlify fake: no deploy ${deployId}`);
    if (event === "deploy_succeeded") book.finish(d.id, "ready");
    if (event === "deploy_failed") book.finish(d.id, "error");
    if (event === "deploy_succeeded" || event === "deploy_failed") hooks.notified.add(d.id);
    return await hooks.deliver(
      JSON.stringify(event === "deploy_building" ? deployJson(d, { state: "building" }) : deployJson(d)),
    );
  }

  /** Netlify notifies success and failure (a canceled deploy sends nothing). */
  const END_EVENT: Partial<Record<Phase | "pending", NetlifyWebhookEvent>> = {
    ready: "deploy_succeeded",
    error: "deploy_failed",
  };

  return {
    ...fakeControls(server, token, book, netlifyError),
    site: (id: string) => sites.get(id),
    sites: () => [...sites.values()],
    deploy(id: string) {
      const d = deploys.get(id);
      return d && { ...d, phase: book.phase(id) };
    },
    deploys: () => [...deploys.values()],
    /** Requests that uploaded a file (PUT .../files/...). */
    uploads: () => server.requests.filter((r) => r.method === "PUT" && /\/files\//.test(r.path)),
    configureWebhook: hooks.configure,
    sendWebhook,
    /** Sends one terminal webhook per deploy that has ended since the last flush. */
    flushWebhooks: () => hooks.flush(deploys.keys(), (id) => END_EVENT[book.phase(id)!], sendWebhook),
  };
}
