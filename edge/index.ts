// Builds the app from the process environment (Vercel, `npm run dev`).
import { createApp } from "./app.js";
import { loadConfig, type Env } from "./config.js";
import { createConvexSeam } from "./convex.js";

export function appFromEnv(env: Env) {
  const config = loadConfig(env);
  const convex = createConvexSeam({ siteUrl: config.convexSiteUrl, secret: config.edgeSecret });
  return createApp({ config, convex });
}
