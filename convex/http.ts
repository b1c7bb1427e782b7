import { httpRouter } from "convex/server";
import { edgeHealth, edgeMe } from "./edgeApi";
import { clerkWebhook } from "./clerkWebhook";
import { edgeBegin, edgeComplete, edgeModels, edgeUsage } from "./aiEdge";
import { edgeDeployCancel, edgeDeployGet, edgeDeployLogs, edgeDeployRequest } from "./deployEdge";
import { netlifyWebhook, vercelWebhook } from "./deploymentWebhooks";
import { lemonWebhook, stripeWebhook } from "./billingWebhooks";
import { checkoutPage, confirmCheckout, portalAction, portalPage } from "./stripeMock";
import { edgeExportPage } from "./billingExport";

const http = httpRouter();

// Identity provider webhooks (svix-signed).
http.route({ path: "/clerk/webhook", method: "POST", handler: clerkWebhook });
// Deployment providers (Vercel: x-vercel-signature HMAC; Netlify: JWS X-Webhook-Signature).
http.route({ path: "/webhooks/vercel", method: "POST", handler: vercelWebhook });
http.route({ path: "/webhooks/netlify", method: "POST", handler: netlifyWebhook });
// Payments (billingWebhooks.ts): Stripe-Signature, and Lemon Squeezy's X-Signature HMAC.
http.route({ path: "/webhooks/stripe", method: "POST", handler: stripeWebhook });
http.route({ path: "/webhooks/lemonsqueezy", method: "POST", handler: lemonWebhook });
// Mocked payments only (stripeMock.ts): the local checkout and portal pages.
http.route({ path: "/billing/mock/checkout", method: "GET", handler: checkoutPage });
http.route({ path: "/billing/mock/confirm", method: "POST", handler: confirmCheckout });
http.route({ path: "/billing/mock/portal", method: "GET", handler: portalPage });
http.route({ path: "/billing/mock/portal", method: "POST", handler: portalAction });

// The edge seam: only our Hono app (holding EDGE_SECRET) may call these.
http.route({ path: "/edge/health", method: "GET", handler: edgeHealth });
http.route({ path: "/edge/me", method: "POST", handler: edgeMe });
// AI: one call before Claude's first byte, one after the last.
http.route({ path: "/edge/ai/begin", method: "POST", handler: edgeBegin });
http.route({ path: "/edge/ai/complete", method: "POST", handler: edgeComplete });
http.route({ path: "/edge/ai/models", method: "POST", handler: edgeModels });
http.route({ path: "/edge/ai/usage", method: "POST", handler: edgeUsage });
// Deployments: request, read, cancel, logs (edge/routes/deploy.ts).
http.route({ path: "/edge/deploy/request", method: "POST", handler: edgeDeployRequest });
http.route({ path: "/edge/deploy/get", method: "POST", handler: edgeDeployGet });
http.route({ path: "/edge/deploy/cancel", method: "POST", handler: edgeDeployCancel });
http.route({ path: "/edge/deploy/logs", method: "POST", handler: edgeDeployLogs });
// Administrators: the monthly usage export, one page per call (edge/routes/admin.ts streams it as CSV).
http.route({ path: "/edge/admin/export", method: "POST", handler: edgeExportPage });

export default http;
