import { HttpRouterWithHono } from "convex-helpers/server/hono";
import { clerkWebhook } from "./clerkWebhook";
import { netlifyWebhook, vercelWebhook } from "./deploymentWebhooks";
import { edgeRoutes } from "./edge/router";
import { lemonWebhook, stripeWebhook } from "./billingWebhooks";
import { checkoutPage, confirmCheckout, portalAction, portalPage } from "./stripeMock";

// The edge seam: every /edge/* call, only for our Hono app (holding EDGE_SECRET); see convex/edge/.
const http = new HttpRouterWithHono(edgeRoutes());

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

export default http;
