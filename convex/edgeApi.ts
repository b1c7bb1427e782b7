// HTTP actions for the edge seam that belong to no single feature.
import { internal } from "./_generated/api";
import { env } from "./_generated/server";
import { edgeAction } from "./lib/edgeHttp";
import { convexServiceModes } from "./lib/mockServices";

/**
 * Convex is up and the secret matches; with the modes of the services Convex calls, read from
 * Convex's own environment (the provider tokens live here, not on the edge).
 */
export const edgeHealth = edgeAction(async () => ({ ok: true, services: convexServiceModes(env) }), { requireUser: false });

/** The verified caller's profile (the user row is created on first sight). */
export const edgeMe = edgeAction<{ email?: string; name?: string }>(async (ctx, { userId, body }): Promise<unknown> => {
  return await ctx.runMutation(internal.users.ensureForEdge, {
    clerkId: userId!,
    email: typeof body.email === "string" ? body.email : undefined,
    name: typeof body.name === "string" ? body.name : undefined,
  });
});
