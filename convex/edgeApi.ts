// HTTP actions for the edge seam that belong to no single feature.
import { internal } from "./_generated/api";
import { edgeAction } from "./lib/edgeHttp";

/** Convex is up and the secret matches. */
export const edgeHealth = edgeAction(async () => ({ ok: true }), { requireUser: false });

/** The verified caller's profile (the user row is created on first sight). */
export const edgeMe = edgeAction<{ email?: string; name?: string }>(async (ctx, { userId, body }): Promise<unknown> => {
  return await ctx.runMutation(internal.users.ensureForEdge, {
    clerkId: userId!,
    email: typeof body.email === "string" ? body.email : undefined,
    name: typeof body.name === "string" ? body.name : undefined,
  });
});
