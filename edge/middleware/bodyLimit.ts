// The request body limit (EDGE_BODY_LIMIT_BYTES). Unlike hono/body-limit, an over-limit body
// is read to its end (discarded) before the 413 goes out: a server that answers while the
// client is still sending, then stops reading, leaves a keep-alive client writing into a
// connection that is being torn down, and it reads EPIPE / UND_ERR_SOCKET instead of the 413.
// A body too big or too slow to discard gets `Connection: close` instead of being read on.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";

/** At most this much of an over-limit body is read and discarded (beyond it the connection is closed). */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;
/** An over-limit body still arriving after this long is not waited for (the connection is closed). */
const MAX_DISCARD_MS = 5_000;

type Reader = ReadableStreamDefaultReader<Uint8Array>;

/** Reads the rest of a body and throws it away; false when it was too big or too slow to finish. */
async function discardRest(reader: Reader): Promise<boolean> {
  let read = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), MAX_DISCARD_MS);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timedOut]);
      if (next === "timeout") return false;
      if (next.done) return true;
      read += next.value.byteLength;
      if (read > MAX_DISCARD_BYTES) return false;
    }
  } catch {
    return false; // the client went away: nothing left to answer on anyway
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}

async function tooLarge(maxSize: number, reader: Reader): Promise<never> {
  const drained = await discardRest(reader);
  throw new ApiError(
    "PAYLOAD_TOO_LARGE",
    `Request body is over ${maxSize} bytes`,
    { limit: maxSize },
    drained ? {} : { Connection: "close" },
  );
}

export function bodyLimit(maxSize: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = c.req.raw;
    // `raw.body` is read only when the body must be: asking for it makes @hono/node-server build
    // its full web Request (a ReadableStream over the socket), and the route's `json()` then
    // reads through it instead of straight from the socket (measured: docs/performance.md).
    if (raw.method === "GET" || raw.method === "HEAD") return next();
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) {
      if (Number(declared) <= maxSize || !raw.body) return next();
      return tooLarge(maxSize, raw.body.getReader());
    }
    if (!raw.body) return next();
    // Streamed without a length: buffer up to the limit, then hand the route the buffered copy.
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxSize) return tooLarge(maxSize, reader);
      chunks.push(value);
    }
    const buffer = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      buffer.set(chunk, offset);
      offset += chunk.byteLength;
    }
    // From its parts, not `new Request(raw, ...)`: under @hono/node-server with
    // overrideGlobalObjects: false, `raw` is the server's own Request class, which the global
    // Request cannot copy.
    c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body: buffer, signal: raw.signal });
    return next();
  };
}
