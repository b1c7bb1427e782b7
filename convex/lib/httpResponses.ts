// JSON answers of Convex's HTTP actions (the edge seam and the webhooks), in the one error
// envelope `{ "error": { "code", "message", ...details } }`.
import { ERROR_STATUS, errorData, type ErrorCode } from "./errors";
import { sha256 } from "./hash";

/** Constant-time string equality (compares fixed-length digests, so length leaks nothing). */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const utf8 = new TextEncoder();
  const [x, y] = await Promise.all([sha256(utf8.encode(a)), sha256(utf8.encode(b))]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

export function errorResponse(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
  return Response.json({ error: { ...extra, code, message } }, { status: ERROR_STATUS[code] });
}

/** Maps a thrown error to the envelope: our ConvexErrors keep their code; anything else is a 500 without details. */
export function responseForError(err: unknown): Response {
  const data = errorData(err);
  if (data) {
    const { code, message, ...details } = data;
    return errorResponse(code, message, details);
  }
  console.error("http action: unexpected error", err instanceof Error ? err.message : String(err));
  return errorResponse("INTERNAL", "Internal error");
}
