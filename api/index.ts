// Vercel entry (Node runtime, Fluid compute). Vercel calls the default export's
// Web-standard `fetch(request)`; vercel.json rewrites /api/* and /health here.
import { appFromEnv } from "../edge/index";

const app = appFromEnv(process.env);

export default app;
