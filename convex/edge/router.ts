// The Convex side of the edge seam: ONE Hono app serves every /edge/* call. Before any
// handler runs it checks the edge's secret, the caller the edge verified, and the body
// against the declaration in ./contract.ts, and spends one of the caller's API tokens
// (unless the edge marks the call a follow-up of one already counted); handlers get the typed body and the caller, and
// each runs ONE internal function whose wrapper (edgeQuery / edgeMutation) resolves the user.
import type { HonoWithConvex } from "convex-helpers/server/hono";
import { validate, ValidationError } from "convex-helpers/validators";
import { Hono } from "hono";
import { internal } from "../_generated/api";
import { env, type ActionCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { errorResponse, responseForError, safeEqual } from "../lib/httpResponses";
import { convexServiceModes, paymentsHealth } from "../lib/mockServices";
import { vCaller, type Caller } from "../validators";
import {
  edgeCalls,
  FOLLOW_UP_HEADER,
  PROFILE_HEADER,
  USER_HEADER,
  type EdgeAnswer,
  type EdgeBody,
  type EdgeHealth,
  type EdgeMetrics,
  type EdgePath,
} from "./contract";

type Handlers = { [P in EdgePath]: (ctx: ActionCtx, caller: Caller, body: EdgeBody<P>) => Promise<EdgeAnswer<P>> };

/** What each declared call runs; the type makes every call served and every answer as declared. */
const handlers: Handlers = {
  "/edge/me": (ctx, caller) => ctx.runMutation(internal.users.meForEdge, { caller }),
  "/edge/ai/begin": (ctx, caller, body) => ctx.runMutation(internal.ai.begin, { caller, ...body }),
  "/edge/ai/settle": (ctx, caller, body) => ctx.runMutation(internal.ai.settle, { caller, ...body }),
  "/edge/ai/models": (ctx, caller) => ctx.runQuery(internal.ai.models, { caller }),
  "/edge/ai/usage": (ctx, caller, body) => ctx.runQuery(internal.usage.statsForCaller, { caller, ...body }),
  "/edge/deploy/request": (ctx, caller, body) => ctx.runMutation(internal.edge.deploy.request, { caller, ...body }),
  "/edge/deploy/get": (ctx, caller, body) => ctx.runQuery(internal.edge.deploy.get, { caller, ...body }),
  "/edge/deploy/cancel": (ctx, caller, body) => ctx.runMutation(internal.edge.deploy.cancel, { caller, ...body }),
  "/edge/deploy/logs": (ctx, caller, body) => ctx.runQuery(internal.edge.deploy.logs, { caller, ...body }),
  "/edge/ai/build/begin": (ctx, caller, body) => ctx.runMutation(internal.build.begin, { caller, ...body }),
  "/edge/ai/build/turn": (ctx, caller, body) => ctx.runMutation(internal.build.turn, { caller, ...body }),
  "/edge/admin/export": (ctx, caller, body) => ctx.runQuery(internal.billingExport.exportPage, { caller, ...body }),
};

async function hasEdgeSecret(request: Request): Promise<boolean> {
  const secret = env.EDGE_SECRET;
  const auth = request.headers.get("Authorization") ?? "";
  const given = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
  return !!secret && !!given && (await safeEqual(given, secret));
}

function callerOf(request: Request): Caller {
  const tokenIdentifier = request.headers.get(USER_HEADER);
  if (!tokenIdentifier) fail("UNAUTHENTICATED", "No verified user");
  let profile: unknown = {};
  const raw = request.headers.get(PROFILE_HEADER);
  try {
    if (raw) profile = JSON.parse(decodeURIComponent(raw));
  } catch {
    fail("INVALID", `${PROFILE_HEADER} is not URI-encoded JSON`);
  }
  const caller = { ...(profile as object), tokenIdentifier };
  if (!validate(vCaller, caller)) fail("INVALID", `${PROFILE_HEADER} must be { email?, name?, emailVerified? }`);
  return caller;
}

async function bodyOf<P extends EdgePath>(request: Request, path: P): Promise<EdgeBody<P>> {
  let body: unknown;
  try {
    const text = await request.text();
    body = text ? JSON.parse(text) : {};
  } catch {
    fail("INVALID", "Body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) fail("INVALID", "Body must be a JSON object");
  try {
    validate(edgeCalls[path], body, { throw: true });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const field = err.path || "body";
    fail("INVALID", `${field}: expected ${err.expected}, got ${err.got}`, { field });
  }
  return body as EdgeBody<P>;
}

export function edgeRoutes(): HonoWithConvex<ActionCtx> {
  const app: HonoWithConvex<ActionCtx> = new Hono();
  app.use("/edge/*", async (c, next) => {
    if (!(await hasEdgeSecret(c.req.raw))) return errorResponse("UNAUTHENTICATED", "Missing or wrong edge secret");
    await next();
  });
  app.get("/edge/health", (c) =>
    c.json({ ok: true, services: convexServiceModes(env), payments: paymentsHealth(env) } satisfies EdgeHealth),
  );
  app.get("/edge/metrics", async (c) =>
    c.json((await c.env.runQuery(internal.metrics.snapshot, {})) satisfies EdgeMetrics),
  );
  for (const path of Object.keys(edgeCalls) as EdgePath[]) {
    app.post(path, async (c) => {
      const caller = callerOf(c.req.raw);
      if (c.req.header(FOLLOW_UP_HEADER) !== "1") {
        await c.env.runMutation(internal.edge.apiLimit.spend, { tokenIdentifier: caller.tokenIdentifier });
      }
      const body = await bodyOf(c.req.raw, path);
      const answer = await (handlers[path] as (ctx: ActionCtx, caller: Caller, body: unknown) => Promise<unknown>)(
        c.env,
        caller,
        body,
      );
      return c.json(answer ?? null);
    });
  }
  app.notFound((c) => errorResponse("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`));
  app.onError((err) => responseForError(err));
  return app;
}
