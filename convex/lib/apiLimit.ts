// The per-user limit on public mutations a browser calls directly (the edge's own per-user
// API limit is checked inside the Convex call each edge route makes; internal functions are
// not counted here). A refused call is RATE_LIMITED with `retryAfterMs` and writes nothing:
// the whole mutation, the limiter's own bookkeeping included, rolls back.
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { fail } from "./errors";
import { BROWSER_MUTATION_RATE, INVITATION_RATE, rateLimiter } from "./plans";

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
