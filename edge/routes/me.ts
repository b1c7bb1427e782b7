import { Hono } from "hono";
import { requireAuth } from "../auth.js";
import type { AppEnv } from "../context.js";

/** The verified caller, read through the seam (the user row exists afterwards). */
export const me = new Hono<AppEnv>().get("/api/me", requireAuth, async (c) => {
  const profile = await c.var.deps.convex.call("/edge/me", c.var.caller, {});
  return c.json(profile);
});
