// Per-user call limits: the edge's API limit (spent by the seam's router inside the Convex call
// each edge route makes) and the limit on public mutations a browser calls directly (internal
// functions are not counted). A refused call is RATE_LIMITED with `retryAfterMs` and writes nothing:
// the whole mutation, the limiter's own bookkeeping included, rolls back.
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { fail } from "./errors";
import { API_RATE, BROWSER_MUTATION_RATE, INVITATION_RATE, rateLimiter } from "./plans";

/** Spends one of the caller's browser-mutation tokens (userMutation calls it for every call). */
export async function limitBrowserMutation(ctx: MutationCtx, userId: Id<"users">): Promise<void> {
  const rate = await rateLimiter.limit(ctx, "browserMutation", { key: userId });
  if (!rate.ok) {
    fail("RATE_LIMITED", `At most ${BROWSER_MUTATION_RATE.rate} changes per minute; try again shortly`, {
      limit: "browserMutation",
      retryAfterMs: Math.ceil(rate.retryAfter),
    });
  }
}

/** Spends one of the inviter's invitation tokens. */
export async function limitInvitation(ctx: MutationCtx, inviterId: Id<"users">): Promise<void> {
  const rate = await rateLimiter.limit(ctx, "invitation", { key: inviterId });
  if (!rate.ok) {
    fail("RATE_LIMITED", `At most ${INVITATION_RATE.rate} invitations per hour`, {
      limit: "invitation",
      retryAfterMs: Math.ceil(rate.retryAfter),
    });
  }
}

/**
 * Spends one of the caller's edge API tokens, keyed by the verified identity (the user row may
 * not exist yet on a first call).
 */
export async function limitApiRequest(ctx: MutationCtx, tokenIdentifier: string): Promise<void> {
  const rate = await rateLimiter.limit(ctx, "apiRequest", { key: tokenIdentifier });
  if (!rate.ok) {
    fail(
      "RATE_LIMITED",
      `At most ${API_RATE.rate} requests per ${API_RATE.period / 60_000} minutes; try again shortly`,
      {
        limit: "api",
        retryAfterMs: Math.ceil(rate.retryAfter),
      },
    );
  }
}
