import { ConvexError } from "convex/values";

/**
 * The fixed set of error codes clients see. Each maps to one HTTP status on the edge
 * and in Convex HTTP actions, with body `{ "error": { "code", "message" } }`.
 */
export const ERROR_STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  // An administrator suspended the account: every request is refused until they lift it.
  ACCOUNT_SUSPENDED: 403,
  NOT_FOUND: 404,
  INVALID: 400,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  CONTEXT_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  QUEUE_FULL: 429,
  UPSTREAM: 502,
  UPSTREAM_OVERLOADED: 503,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Extra, code-specific fields (e.g. `retryAfterMs`, `limit`, `resetsAt`). */
export type ErrorDetails = Record<string, string | number | boolean | null>;

export type AppErrorData = { code: ErrorCode; message: string } & ErrorDetails;

export function appError(code: ErrorCode, message: string, details: ErrorDetails = {}) {
  return new ConvexError<AppErrorData>({ ...details, code, message });
}

/** Throw a ConvexError with a stable code. */
export function fail(code: ErrorCode, message: string, details: ErrorDetails = {}): never {
  throw appError(code, message, details);
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

/** The `{ code, message, ...details }` of a ConvexError we threw, or undefined. */
export function errorData(err: unknown): AppErrorData | undefined {
  if (err instanceof ConvexError && typeof err.data === "object" && err.data !== null) {
    const data = err.data as Record<string, unknown>;
    if (isErrorCode(data.code) && typeof data.message === "string") return data as AppErrorData;
  }
  return undefined;
}
