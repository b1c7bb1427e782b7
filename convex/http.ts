import { httpRouter } from "convex/server";
import { edgeHealth, edgeMe } from "./edgeApi";
import { clerkWebhook } from "./clerkWebhook";

const http = httpRouter();

// Identity provider webhooks (svix-signed).
http.route({ path: "/clerk/webhook", method: "POST", handler: clerkWebhook });

// The edge seam: only our Hono app (holding EDGE_SECRET) may call these.
http.route({ path: "/edge/health", method: "GET", handler: edgeHealth });
http.route({ path: "/edge/me", method: "POST", handler: edgeMe });

export default http;
