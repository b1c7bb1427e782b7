// A local Convex over a convex-test instance, on its own ports as `npx convex dev` serves one
// (client API on P, HTTP actions "site" on P + 1):
// - client HTTP API: POST /api/query, /api/mutation, /api/action, /api/function, as
//   ConvexHttpClient sends them (`Authorization: Bearer <token>`, convex_encoded_json);
// - sync WebSocket: GET /api/<version>/sync, for ConvexClient / ConvexReactClient (./sync.ts);
// - site: every route of convex/http.ts (webhooks, the edge seam).
// After every write the hub re-runs all subscriptions and pushes only changed results.
// What is not emulated is answered with a clear error (docs/local-convex.md).
import type { Duplex } from "node:stream";
import { jsonToConvex } from "convex/values";
import { WebSocketServer } from "ws";
import type { ConvexTest } from "../../tests/convexTest";
import { createFunctionResolver, RequestRefused, type FunctionKind } from "./functions";
import { closeServer, serveLoopback } from "./loopback";
import { runFunction, type Identity } from "./run";
import { SyncSession, type SyncHub, type Verified } from "./sync";

export type LocalConvexOptions = {
  /** The convex-test instance functions run on (un-observed: queries must not count as writes). */
  t: ConvexTest;
  modules: Record<string, () => Promise<any>>;
  /** The caller a bearer token names (and when the token expires); throws when it is bad or expired. */
  verify(token: string): Promise<Verified>;
  /** Client API port (0: any free pair P, P + 1). */
  port?: number;
  /** Sync protocol Ping interval (the client reconnects after 60 s of silence). */
  pingMs?: number;
};

/** What a deployment answers for a token it cannot verify. */
export const AUTH_FAILED =
  "Could not verify OIDC token claim. Check that the token signature is valid and the token hasn't expired.";

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type, Convex-Client",
  "Access-Control-Max-Age": "600",
};
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...CORS } });
/** ConvexHttpClient reads 560 as "the function ran and failed". */
const UDF_FAILED = 560;
const API_KINDS: Record<string, FunctionKind | "any"> = {
  query: "query",
  mutation: "mutation",
  action: "action",
  function: "any",
};

export async function startLocalConvex(opts: LocalConvexOptions) {
  const { t, verify } = opts;
  const resolve = createFunctionResolver(opts.modules);
  const sessions = new Set<SyncSession>();
  // Commit timestamps: monotonic, one per recorded write.
  let ts = BigInt(Date.now()) * 1_000_000n;
  let dirty = false;
  let refreshing: Promise<void> | null = null;
  const stats = { refreshes: 0, queriesRerun: 0 };

  const kick = () => {
    if (refreshing) return;
    refreshing = (async () => {
      while (dirty) {
        dirty = false;
        const at = ts;
        stats.refreshes++;
        await Promise.all([...sessions].map((s) => ((stats.queriesRerun += s.subscriptionCount), s.refresh(at))));
      }
    })().finally(() => {
      refreshing = null;
      if (dirty) kick();
    });
  };
  const hub: SyncHub = {
    resolve,
    run: (fn, args, identity) => runFunction(t, fn, args, identity),
    verify,
    wrote() {
      ts += 1n;
      dirty = true;
      kick();
      return ts;
    },
    async settled() {
      while (refreshing) await refreshing;
    },
    currentTs: () => ts,
  };

  async function callerOf(req: Request): Promise<Identity | null | Response> {
    const header = req.headers.get("Authorization");
    if (!header) return null;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m)
      return json(401, {
        code: "Unauthenticated",
        message: "The local Convex accepts `Authorization: Bearer <user token>` only (no admin keys).",
      });
    try {
      return (await verify(m[1])).identity;
    } catch {
      return json(401, { code: "Unauthenticated", message: AUTH_FAILED });
    }
  }

  async function clientApi(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (req.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
    const m = /^\/api\/(query|mutation|action|function)$/.exec(url.pathname);
    if (!m || req.method !== "POST") {
      return json(404, {
        code: "NotFound",
        message: `The local Convex does not serve ${req.method} ${url.pathname}. It serves POST /api/query, /api/mutation, /api/action, /api/function and the sync WebSocket /api/<version>/sync (docs/local-convex.md).`,
      });
    }
    let body: { path?: string; args?: unknown; format?: string; componentPath?: string };
    try {
      body = (await req.json()) as typeof body;
    } catch {
      return json(400, { code: "BadJsonBody", message: "The request body is not JSON" });
    }
    if (body.format !== undefined && body.format !== "convex_encoded_json") {
      return json(400, {
        code: "BadRequest",
        message: `Unsupported format ${body.format}; the local Convex speaks convex_encoded_json`,
      });
    }
    const caller = await callerOf(req);
    if (caller instanceof Response) return caller;
    const rawArgs = Array.isArray(body.args) ? body.args[0] : body.args;
    try {
      const fn = await resolve(body.path ?? "", API_KINDS[m[1]], body.componentPath);
      const outcome = await runFunction(t, fn, jsonToConvex((rawArgs ?? {}) as any), caller);
      if (fn.kind !== "query") hub.wrote();
      return outcome.ok
        ? json(200, { status: "success", value: outcome.value, logLines: [] })
        : json(UDF_FAILED, {
            status: "error",
            errorMessage: outcome.errorMessage,
            errorData: outcome.errorData,
            logLines: [],
          });
    } catch (err) {
      if (err instanceof RequestRefused)
        return json(err.code === "NotFound" ? 404 : 400, { code: err.code, message: err.message });
      throw err;
    }
  }

  async function site(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
    try {
      return await t.fetch(url.pathname + url.search, { method: req.method, headers: req.headers, body });
    } finally {
      hub.wrote();
    }
  }

  const { client, siteServer } = await listenPair(clientApi, site, opts.port ?? 0);
  const wss = new WebSocketServer({ noServer: true });
  client.server.on("upgrade", (req, socket: Duplex, head) => {
    if (!/^\/api\/[^/]+\/sync$/.test(new URL(req.url ?? "/", "http://x").pathname)) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new SyncSession(ws, hub);
      sessions.add(session);
      ws.on("message", (data) => session.onMessage(data.toString()));
      ws.on("close", () => {
        session.close();
        sessions.delete(session);
      });
    });
  });
  const pinger = setInterval(() => sessions.forEach((s) => s.ping()), opts.pingMs ?? 15_000);
  pinger.unref();

  return {
    /** CONVEX_URL: client API and sync WebSocket. */
    url: client.url,
    /** CONVEX_SITE_URL: HTTP actions. */
    siteUrl: siteServer.url,
    /** Tell the local Convex that something was written (subscriptions are re-run). */
    wrote: () => void hub.wrote(),
    /** Resolves once every subscription has been re-run for every write so far. */
    settled: () => hub.settled(),
    stats,
    get connections() {
      return sessions.size;
    },
    /** Drops every sync connection (clients reconnect and resubscribe). */
    dropConnections() {
      for (const c of wss.clients) c.terminate();
    },
    async close() {
      clearInterval(pinger);
      for (const c of wss.clients) c.terminate();
      wss.close();
      await hub.settled();
      await Promise.all([closeServer(client.server), closeServer(siteServer.server)]);
    },
  };
}

/** The client API on P and the site on P + 1, as `npx convex dev`'s local backend (3210/3211). */
async function listenPair(
  clientApi: (r: Request) => Promise<Response>,
  site: (r: Request) => Promise<Response>,
  port: number,
) {
  for (let attempt = 0; ; attempt++) {
    const wanted = attempt === 0 ? port : 0;
    const client = await serveLoopback(clientApi, wanted).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" && wanted !== 0) return null; // taken: any free pair instead
      throw err;
    });
    if (!client) continue;
    try {
      const siteServer = await serveLoopback(site, client.port + 1);
      return { client, siteServer };
    } catch (err) {
      await closeServer(client.server);
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt > 20) throw err;
    }
  }
}
