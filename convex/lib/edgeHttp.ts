// Convex side of the edge seam. The edge (our Hono app) calls HTTP actions under /edge/*
// with `Authorization: Bearer EDGE_SECRET` and the verified Clerk user id in `X-User-Id`.
// Browsers never reach these: without the secret every call is 401.
import { env, httpAction, type ActionCtx } from "../_generated/server";
import { ERROR_STATUS, errorData, type ErrorCode } from "./errors";
import { sha256 } from "./hash";

export const USER_HEADER = "X-User-Id";

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

/** Maps a thrown error to the JSON envelope: our ConvexErrors keep their code; anything else is a 500 without details. */
export function responseForError(err: unknown): Response {
  const data = errorData(err);
  if (data) {
    const { code, message, ...details } = data;
    return errorResponse(code, message, details);
  }
  console.error("edge seam: unexpected error", err instanceof Error ? err.message : String(err));
  return errorResponse("INTERNAL", "Internal error");
}

export type EdgeRequest<B> = { userId: string | null; body: B; request: Request };

/**
 * An HTTP action reachable only by the edge. `handler` gets the verified caller's Clerk id
 * (null for calls that are not on behalf of a user, e.g. health) and the parsed JSON body (always
 * an object: anything else, or no valid JSON, is 400 INVALID before the handler runs),
 * and returns a JSON-serialisable value (sent with 200) or a Response.
 */
export function edgeAction<B = unknown>(
  handler: (ctx: ActionCtx, req: EdgeRequest<B>) => Promise<unknown>,
  opts: { requireUser?: boolean } = { requireUser: true },
) {
  return httpAction(async (ctx, request) => {
    const secret = env.EDGE_SECRET;
    const auth = request.headers.get("Authorization") ?? "";
    const given = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
    if (!secret || !given || !(await safeEqual(given, secret))) {
      return errorResponse("UNAUTHENTICATED", "Missing or wrong edge secret");
    }
    const userId = request.headers.get(USER_HEADER);
    if (opts.requireUser !== false && !userId) return errorResponse("UNAUTHENTICATED", "No verified user");
    let body: unknown;
    try {
      const text = request.method === "GET" ? "" : await request.text();
      body = text ? JSON.parse(text) : {};
    } catch {
      return errorResponse("INVALID", "Body is not valid JSON");
    }
    // Handlers read fields off the body: null, a number or an array would reach them as garbage.
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return errorResponse("INVALID", "Body must be a JSON object");
    }
    try {
      const result = await handler(ctx, { userId, body: body as B, request });
      return result instanceof Response ? result : Response.json(result ?? null);
    } catch (err) {
      return responseForError(err);
    }
  });
}
