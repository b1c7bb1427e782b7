// The edge app: shared middleware, then the routes in edge/routes/*. Every error leaves as
// `{ "error": { "code", "message" } }`. Relative imports carry `.js`: on Vercel each file is
// compiled to Node ESM as is, and Node refuses extensionless specifiers.
import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppDeps, AppEnv } from "./context.js";
import { ApiError, envelope, type ErrorCode } from "./errors.js";
import { REQUEST_HEADERS, RESPONSE_HEADERS } from "./headers.js";
import { health } from "./routes/health.js";
import { me } from "./routes/me.js";
import { deploy } from "./routes/deploy.js";
import { ai } from "./routes/ai.js";
import { build } from "./routes/build.js";
import { metrics } from "./routes/metrics.js";
import { recordMetrics } from "./middleware/metrics.js";
import { admin } from "./routes/admin.js";
import { devAuthRoutes } from "./dev/routes.js";
import { devPageRoutes } from "./dev/page.js";
import { bodyLimit } from "./middleware/bodyLimit.js";
import { unauthenticatedLimit } from "./middleware/ipLimit.js";

const STATUS_CODES: Record<number, ErrorCode> = {
  400: "INVALID",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  429: "RATE_LIMITED",
};

const stdoutLog = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

export function createApp(deps: AppDeps) {
  const log = deps.log ?? stdoutLog;
  const app = new Hono<AppEnv>();

  app.use(requestId());
  // One JSON line per request, written after the response (errors included) is known.
  app.use(async (c, next) => {
    c.set("deps", deps);
    const started = performance.now();
    await next();
    const status = c.res.status;
    const line: Record<string, unknown> = {
      level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
      msg: "request",
      requestId: c.var.requestId,
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 100) / 100,
    };
    if (c.var.caller) line.userId = c.var.caller.tokenIdentifier;
    const err = c.error;
    if (err instanceof ApiError) line.code = err.code;
    else if (err instanceof HTTPException) line.code = codeForStatus(err.status);
    else if (err) {
      // Unexpected: the details go to the log only, never to the client.
      line.code = "INTERNAL";
      line.error = { name: err.name, message: err.message, stack: err.stack?.split("\n").slice(0, 6).join("\n") };
    }
    log(line);
  });
  app.use(recordMetrics);
  app.use(
    secureHeaders({
      // JSON only: nothing here may be framed, scripted or embedded.
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      xFrameOptions: "DENY",
      overwrite: false, // the development page (edge/dev/page.ts) sets its own CSP
    }),
  );
  app.use(
    cors({
      origin: (origin) => (deps.config.corsOrigins.includes(origin) ? origin : null),
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: [...REQUEST_HEADERS],
      exposeHeaders: [...RESPONSE_HEADERS],
      credentials: true,
      maxAge: 600,
    }),
  );
  app.use(unauthenticatedLimit);
  app.use(bodyLimit(deps.config.bodyLimitBytes));

  app.route("/", health);
  app.route("/", me);
  app.route("/", deploy);
  app.route("/", ai);
  app.route("/", build);
  app.route("/", metrics);
  app.route("/", admin);
  // Development sign-in only when configured (never in production): otherwise these paths 404.
  if (deps.config.devAuth) app.route("/", devAuthRoutes);
  // The reference IDE page: development only (never in production).
  if (!deps.config.production) app.route("/", devPageRoutes);

  app.notFound((c) => c.json(envelope("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(envelope(err.code, err.message, err.details), err.status as 400);
    }
    if (err instanceof HTTPException) {
      const code = codeForStatus(err.status);
      return c.json(envelope(code, err.status >= 500 ? "Internal error" : err.message || code), err.status);
    }
    return c.json(envelope("INTERNAL", "Internal error"), 500);
  });
  return app;
}

function codeForStatus(status: number): ErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? "INTERNAL" : "INVALID");
}
