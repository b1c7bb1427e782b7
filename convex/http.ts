import { httpRouter } from "convex/server";
import { edgeHealth, edgeMe } from "./edgeApi";
import { clerkWebhook } from "./clerkWebhook";
import { edgeBegin, edgeComplete, edgeModels, edgeUsage } from "./aiEdge";
import { edgeBuildBegin, edgeBuildTurn } from "./buildEdge";
import { edgeDeployCancel, edgeDeployGet, edgeDeployLogs, edgeDeployRequest } from "./deployEdge";
import { netlifyWebhook, vercelWebhook } from "./deploymentWebhooks";

const http = httpRouter();

// Identity provider webhooks (svix-signed).
http.route({ path: "/clerk/webhook", method: "POST", handler: clerkWebhook });
// Deployment providers (Vercel: x-vercel-signature HMAC; Netlify: JWS X-Webhook-Signature).
http.route({ path: "/webhooks/vercel", method: "POST", handler: vercelWebhook });
http.route({ path: "/webhooks/netlify", method: "POST", handler: netlifyWebhook });

// The edge seam: only our Hono app (holding EDGE_SECRET) may call these.
http.route({ path: "/edge/health", method: "GET", handler: edgeHealth });
http.route({ path: "/edge/me", method: "POST", handler: edgeMe });
// AI: one call before Claude's first byte, one after the last.
http.route({ path: "/edge/ai/begin", method: "POST", handler: edgeBegin });
http.route({ path: "/edge/ai/complete", method: "POST", handler: edgeComplete });
http.route({ path: "/edge/ai/models", method: "POST", handler: edgeModels });
http.route({ path: "/edge/ai/usage", method: "POST", handler: edgeUsage });
// The build agent: one call before Claude's first byte, one per Claude turn (tool calls run in Convex).
http.route({ path: "/edge/ai/build/begin", method: "POST", handler: edgeBuildBegin });
http.route({ path: "/edge/ai/build/turn", method: "POST", handler: edgeBuildTurn });
// Deployments: request, read, cancel, logs (edge/routes/deploy.ts).
http.route({ path: "/edge/deploy/request", method: "POST", handler: edgeDeployRequest });
http.route({ path: "/edge/deploy/get", method: "POST", handler: edgeDeployGet });
http.route({ path: "/edge/deploy/cancel", method: "POST", handler: edgeDeployCancel });
http.route({ path: "/edge/deploy/logs", method: "POST", handler: edgeDeployLogs });

export default http;
