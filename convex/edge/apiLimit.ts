import { v } from "convex/values";
import { internalMutation } from "../_generated/server";
import { limitApiRequest } from "../lib/apiLimit";

/**
 * Spends one API token for an edge call, in its own transaction so a call that then fails
 * (bad input, not found) still counts. The router runs it before the call's handler.
 */
export const spend = internalMutation({
  args: { tokenIdentifier: v.string() },
  returns: v.null(),
  handler: async (ctx, { tokenIdentifier }) => {
    await limitApiRequest(ctx, tokenIdentifier);
    return null;
  },
});
