import { ERROR_STATUS, isErrorCode, type ErrorCode } from "../convex/edge/contract.js";

export { ERROR_STATUS, type ErrorCode };

/** An error with a stable code; `onError` turns it into `{ error: { code, message, ...details } }`. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
  }
}

export function envelope(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  return { error: { ...details, code, message } };
}

/** Builds an ApiError from a `{ error: { code, message, ... } }` body (as the Convex seam returns). */
export function apiErrorFromBody(body: unknown, fallbackStatus: number): ApiError {
  const e = (body as { error?: Record<string, unknown> } | null)?.error;
  if (e && isErrorCode(e.code) && typeof e.message === "string") {
    const { code, message, ...details } = e;
    return new ApiError(code, message, details);
  }
  return new ApiError(fallbackStatus >= 500 ? "UNAVAILABLE" : "INTERNAL", `Convex answered ${fallbackStatus}`);
}

/** Refusals that say how long to wait (`retryAfterMs`) carry it as Retry-After (seconds) for HTTP clients. */
export function withRetryAfter(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err;
  const ms = Number(err.details.retryAfterMs);
  if (!Number.isFinite(ms) || ms <= 0) return err;
  return new ApiError(err.code, err.message, err.details, {
    ...err.headers,
    "Retry-After": String(Math.ceil(ms / 1000)),
  });
}
