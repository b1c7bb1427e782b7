import { HttpRouterWithHono } from "convex-helpers/server/hono";
import { clerkWebhook } from "./clerkWebhook";
import { netlifyWebhook, vercelWebhook } from "./deploymentWebhooks";
import { edgeRoutes } from "./edge/router";

// The edge seam: every /edge/* call, only for our Hono app (holding EDGE_SECRET); see convex/edge/.
const http = new HttpRouterWithHono(edgeRoutes());

// Identity provider webhooks (svix-signed).
http.route({ path: "/clerk/webhook", method: "POST", handler: clerkWebhook });
// Deployment providers (Vercel: x-vercel-signature HMAC; Netlify: JWS X-Webhook-Signature).
http.route({ path: "/webhooks/vercel", method: "POST", handler: vercelWebhook });
http.route({ path: "/webhooks/netlify", method: "POST", handler: netlifyWebhook });

export default http;
