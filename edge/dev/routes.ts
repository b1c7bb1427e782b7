// Routes of the development token issuer. createApp mounts them ONLY when
// `config.devAuth` is set, which loadConfig never does in production: there these paths 404.
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../context.js";
import { jsonBody } from "../validation.js";
import { devJwks, devOpenIdConfiguration, signDevToken } from "./issuer.js";

const signInBody = z.object({
  // Becomes the token's `sub` (the user's id everywhere, like a Clerk user id).
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits and _ . : - only"),
  email: z.email().max(254),
  name: z.string().trim().min(1).max(100).optional(),
});

export const devAuthRoutes = new Hono<AppEnv>()
  .get("/.well-known/openid-configuration", (c) => {
    const auth = c.var.deps.config.devAuth!;
    return c.json(devOpenIdConfiguration(auth.issuer));
  })
  .get("/.well-known/jwks.json", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(devJwks(c.var.deps.config.devAuth!));
  })
  .post("/dev/sign-in", async (c) => {
    const { devAuth, authorizedParties } = c.var.deps.config;
    const user = await jsonBody(c.req, signInBody, "{ id, email, name? }");
    // With CLERK_AUTHORIZED_PARTIES set, verifyToken requires `azp` to be one of them.
    const origin = c.req.header("Origin");
    const azp = origin && authorizedParties.includes(origin) ? origin : authorizedParties[0];
    const { token, expiresAt } = await signDevToken(devAuth!, user, { azp });
    return c.json({ token, userId: user.id, expiresAt });
  });
