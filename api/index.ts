// Vercel entry (Node runtime, Fluid compute). Vercel calls the default export's
// Web-standard `fetch(request)`; vercel.json rewrites /api/* and /health here.
// (`hono/vercel`'s handle() is deprecated; a Hono app already has `fetch`.)
import { appFromEnv } from "../edge/index.js";

const app = appFromEnv(process.env);

export default app;
