import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppDeps, AppEnv } from "./context";
import { ApiError, envelope, type ErrorCode } from "./errors";
import { health } from "./routes/health";
import { me } from "./routes/me";

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
  app.use(async (c, next) => {
    c.set("deps", deps);
    const started = performance.now();
    await next();
    log({
      level: c.res.status >= 500 ? "error" : "info",
      msg: "request",
      requestId: c.var.requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
      userId: c.var.userId,
    });
  });
  app.use(secureHeaders());
  app.use(
    cors({
      origin: (origin) => (deps.config.corsOrigins.includes(origin) ? origin : null),
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "Accept"],
      exposeHeaders: ["X-Request-Id", "Retry-After"],
      credentials: true,
      maxAge: 600,
    }),
  );
  app.use(
    bodyLimit({
      maxSize: deps.config.bodyLimitBytes,
      onError: () => {
        throw new ApiError("PAYLOAD_TOO_LARGE", `Body over ${deps.config.bodyLimitBytes} bytes`);
      },
    }),
  );

  app.route("/", health);
  app.route("/", me);

  app.notFound((c) => c.json(envelope("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(envelope(err.code, err.message, err.details), err.status as 400);
    }
    if (err instanceof HTTPException) {
      const code = STATUS_CODES[err.status] ?? (err.status >= 500 ? "INTERNAL" : "INVALID");
      return c.json(envelope(code, err.message || code), err.status);
    }
    log({ level: "error", msg: "unhandled", requestId: c.var.requestId, error: err.message });
    return c.json(envelope("INTERNAL", "Internal error"), 500);
  });
  return app;
}
