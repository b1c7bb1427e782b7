// Deployments over REST, all through the Convex seam as the verified user:
//   POST /api/deploy                       → 202 { deploymentId } (Idempotency-Key honoured)
//   GET  /api/deployments/:id              → the deployment
//   POST /api/deployments/:id/cancel       → the deployment, canceled
//   GET  /api/deployments/:id/logs         → JSON page ?after=<seq>&limit=<n>, or, with
//        Accept: text/event-stream, SSE `log` events as lines arrive, then one `end` event.
// Convex runs the deployment itself; nothing here waits for a provider.
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import * as z from "zod";
import { requireAuth } from "../auth.js";
import { PROVIDERS } from "../../convex/edge/contract.js";
import { wantsStream, type AppEnv } from "../context.js";
import { ApiError, withRetryAfter } from "../errors.js";
import { limitsOf, nextPollDelay } from "../limits.js";
import { documentId, invalidInput, jsonBody } from "../validation.js";

const LOG_BATCH = 500;
const DEFAULT_LOG_POLL_MS = 1_000;
/** An SSE stream ends after this long even if the deployment has not (the client reconnects with Last-Event-ID). */
const MAX_STREAM_MS = 15 * 60_000;
/** Retry-After of a log stream refused because the user has the most open. */
const STREAM_SLOT_RETRY_S = 5;

const deployBody = z.strictObject({
  projectId: documentId,
  provider: z.enum(PROVIDERS),
  environment: z.enum(["production", "preview"]).default("preview"),
});
const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

function idParam(raw: string): string {
  const parsed = documentId.safeParse(raw);
  if (!parsed.success) throw new ApiError("NOT_FOUND", "Deployment not found");
  return parsed.data;
}

function intQuery(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw invalidInput({ path: [name], message: `expected an integer from ${min} to ${max}` });
  return n;
}

export const deploy = new Hono<AppEnv>()
  .post("/api/deploy", requireAuth, async (c) => {
    const body = await jsonBody(c.req, deployBody, "{ projectId, provider, environment? }");
    const keyHeader = c.req.header("Idempotency-Key");
    let key: string | undefined;
    if (keyHeader !== undefined) {
      const parsed = idempotencyKey.safeParse(keyHeader);
      if (!parsed.success) throw invalidInput(parsed.error.issues[0], "Idempotency-Key");
      key = parsed.data;
    }
    try {
      const result = await c.var.deps.convex.call("/edge/deploy/request", c.var.caller, {
        ...body,
        idempotencyKey: key,
      });
      if (!result.created) c.header("Idempotent-Replayed", "true");
      return c.json({ deploymentId: result.deploymentId }, 202);
    } catch (err) {
      throw withRetryAfter(err);
    }
  })
  .get("/api/deployments/:id", requireAuth, async (c) => {
    const view = await c.var.deps.convex.call("/edge/deploy/get", c.var.caller, {
      deploymentId: idParam(c.req.param("id")),
    });
    c.header("Cache-Control", "no-store");
    return c.json(view);
  })
  .post("/api/deployments/:id/cancel", requireAuth, async (c) => {
    const view = await c.var.deps.convex.call("/edge/deploy/cancel", c.var.caller, {
      deploymentId: idParam(c.req.param("id")),
    });
    return c.json(view);
  })
  .get("/api/deployments/:id/logs", requireAuth, async (c) => {
    const { convex, config } = c.var.deps;
    const caller = c.var.caller;
    const id = idParam(c.req.param("id"));
    // An EventSource reconnects to the same URL (its ?after included) with Last-Event-ID:
    // the header is the newer position, so it wins.
    const lastEventId = c.req.header("Last-Event-ID");
    let after =
      lastEventId !== undefined
        ? intQuery("Last-Event-ID", lastEventId, -1, -1, Number.MAX_SAFE_INTEGER)
        : intQuery("after", c.req.query("after"), -1, -1, Number.MAX_SAFE_INTEGER);
    const limit = intQuery("limit", c.req.query("limit"), LOG_BATCH, 1, LOG_BATCH);
    // A stream's later polls continue the request its first page counted.
    const fetchPage = (afterSeq: number, n: number, followUp = false) =>
      convex.call("/edge/deploy/logs", caller, { deploymentId: id, afterSeq, limit: n }, { followUp });

    if (!wantsStream(c)) {
      const page = await fetchPage(after, limit);
      c.header("Cache-Control", "no-store");
      return c.json(page);
    }
    // At most config.limits.logStreamsPerUser open streams per user (per instance): each one polls Convex.
    const slots = limitsOf(c.var.deps).logStreams;
    if (!slots.acquire(caller.tokenIdentifier)) {
      throw new ApiError(
        "RATE_LIMITED",
        `At most ${slots.max} log streams at once; close one or retry in ${STREAM_SLOT_RETRY_S} s`,
        { retryAfterMs: STREAM_SLOT_RETRY_S * 1000, limit: "logStreams", max: slots.max },
        { "Retry-After": String(STREAM_SLOT_RETRY_S) },
      );
    }
    let first: Awaited<ReturnType<typeof fetchPage>>;
    try {
      // The first page is read before any streaming, so a refused caller gets a plain 404/403.
      first = await fetchPage(after, limit);
    } catch (err) {
      slots.release(caller.tokenIdentifier);
      throw err;
    }
    const basePollMs = config.deployLogsPollMs ?? DEFAULT_LOG_POLL_MS;
    return streamSSE(c, async (stream) => {
      let aborted = false;
      let wake = () => {};
      const closed = new Promise<void>((resolve) => (wake = resolve));
      stream.onAbort(() => {
        aborted = true;
        wake(); // ends a wait at once, so a closed stream frees its slot without delay
      });
      const started = Date.now();
      let page = first;
      let pollMs: number | undefined;
      try {
        for (;;) {
          for (const line of page.lines) {
            await stream.writeSSE({ event: "log", id: String(line.seq), data: JSON.stringify(line) });
          }
          after = page.nextSeq;
          if (page.done) {
            await stream.writeSSE({ event: "end", data: JSON.stringify({ status: page.status }) });
            return;
          }
          if (aborted || Date.now() - started > MAX_STREAM_MS) return;
          // A full batch: more is waiting, read on at once. Otherwise wait, longer while nothing changes.
          if (page.lines.length < LOG_BATCH) {
            pollMs = nextPollDelay(pollMs, page.lines.length > 0, basePollMs);
            await Promise.race([stream.sleep(pollMs), closed]);
          }
          if (aborted) return;
          page = await fetchPage(after, LOG_BATCH, true);
        }
      } catch (err) {
        // Headers are gone: report in-band and end the stream (the client may reconnect).
        const code = err instanceof ApiError ? err.code : "INTERNAL";
        const message = err instanceof ApiError ? err.message : "Log stream failed";
        await stream.writeSSE({ event: "error", data: JSON.stringify({ code, message }) });
      } finally {
        slots.release(caller.tokenIdentifier);
      }
    });
  });
