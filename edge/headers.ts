// The HTTP headers of the edge API, declared once: CORS allows the request headers and
// exposes the response headers listed here (tests/edge/cors.test.ts checks that every header
// a route reads or sets is listed). CORS-safelisted ones (Accept, Cache-Control, ...) need no entry.

/** Headers a browser may send (Access-Control-Allow-Headers). */
export const REQUEST_HEADERS = [
  "Authorization", // Bearer <Clerk session token>
  "Content-Type", // application/json is not CORS-safelisted
  "Accept", // text/event-stream selects SSE
  "Idempotency-Key", // POST /api/deploy
  "Last-Event-ID", // an EventSource resuming a log stream
  "X-Request-Id", // a caller's trace id, kept when well-formed
] as const;

/** Headers a browser may read (Access-Control-Expose-Headers). */
export const RESPONSE_HEADERS = [
  "X-Request-Id", // every response
  "Retry-After", // 429 RATE_LIMITED / QUOTA_EXCEEDED, 503 QUEUE_FULL
  "Idempotent-Replayed", // POST /api/deploy answered from an earlier request with the same key
  "Content-Disposition", // GET /api/admin/export: the CSV's file name
] as const;
