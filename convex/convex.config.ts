import { defineApp } from "convex/server";
import { v } from "convex/values";
import rateLimiter from "@convex-dev/rate-limiter/convex.config";
import workpool from "@convex-dev/workpool/convex.config";
import aggregate from "@convex-dev/aggregate/convex.config";

// Environment variables the functions read (set with `npx convex env set NAME value`).
// All optional so a fresh deployment starts; each feature explains what is off without its var.
const app = defineApp({
  env: {
    /** Shared with the edge; guards every /edge/* HTTP action. */
    EDGE_SECRET: v.optional(v.string()),
    /** svix signing secret of the Clerk webhook endpoint (whsec_...). */
    CLERK_WEBHOOK_SECRET: v.optional(v.string()),
    // ---- sign-in (read by auth.config.ts at push time) ----
    /** Clerk Frontend API URL (issuer of Clerk tokens); without it Convex accepts no Clerk token. */
    CLERK_JWT_ISSUER_DOMAIN: v.optional(v.string()),
    /** "production" on the production deployment: refuses development sign-in there. */
    AUTOCREA_ENV: v.optional(v.string()),
    /** Set by `npm run dev` (never in production): accept tokens of the edge's development issuer. */
    AUTOCREA_DEV_AUTH: v.optional(v.string()),
    /** The development issuer (`iss`), the local edge's URL. */
    AUTOCREA_DEV_ISSUER: v.optional(v.string()),
    /** The development issuer's JWKS: a data: URI (npm run dev) or a URL. */
    AUTOCREA_DEV_JWKS: v.optional(v.string()),
    // ---- AI ----
    /** Anthropic API key for the conversation analysis (the edge has its own copy for requests). */
    ANTHROPIC_API_KEY: v.optional(v.string()),
    /** Override of the Anthropic API base URL (a fake in tests and dev); default https://api.anthropic.com. */
    ANTHROPIC_BASE_URL: v.optional(v.string()),
    // ---- deployments ----
    /** Concurrent start jobs per deployment pool (free and paid each); default 4. */
    DEPLOY_MAX_PARALLELISM: v.optional(v.string()),
    /** A deployment still building after this many ms ends as error TIMEOUT; default 1800000 (30 min). */
    DEPLOY_TIMEOUT_MS: v.optional(v.string()),
    /** base64 of 32 random bytes: AES-GCM key for users' own provider tokens. Without it users cannot connect tokens. */
    PROVIDER_TOKEN_KEY: v.optional(v.string()),
    /** Comma list of services faked in dev (e.g. "vercel,netlify"); their deployments are flagged mock. */
    AUTOCREA_MOCK_SERVICES: v.optional(v.string()),
    VERCEL_API_URL: v.optional(v.string()),
    VERCEL_TOKEN: v.optional(v.string()),
    VERCEL_TEAM_ID: v.optional(v.string()),
    VERCEL_WEBHOOK_SECRET: v.optional(v.string()),
    NETLIFY_API_URL: v.optional(v.string()),
    NETLIFY_TOKEN: v.optional(v.string()),
    NETLIFY_WEBHOOK_SECRET: v.optional(v.string()),
    RAILWAY_API_URL: v.optional(v.string()),
    RAILWAY_TOKEN: v.optional(v.string()),
    RAILWAY_WORKSPACE_ID: v.optional(v.string()),
    /** Per-request timeout of provider API calls in ms; default 30000. */
    PROVIDER_TIMEOUT_MS: v.optional(v.string()),
    // ---- notifications (docs/notifications.md) ----
    /** Resend API key; without it email channels cannot be created. */
    RESEND_API_KEY: v.optional(v.string()),
    /** Override of Resend's API base URL (a fake in tests and dev); default https://api.resend.com. */
    RESEND_BASE_URL: v.optional(v.string()),
    /** Sender of notification emails; default "AUTOCREA <notifications@autocrea.app>". */
    NOTIFY_EMAIL_FROM: v.optional(v.string()),
    /** The IDE's URL, for links in Slack messages and emails; default https://autocrea.app. */
    APP_URL: v.optional(v.string()),
    /** Development only (ignored when AUTOCREA_ENV is production): webhook/Slack targets may be http://127.0.0.1. */
    NOTIFY_ALLOW_LOOPBACK: v.optional(v.string()),
    /** Per-attempt timeout in ms; default 10000. */
    NOTIFY_TIMEOUT_MS: v.optional(v.string()),
    /** Attempts per delivery (first try included); default 6. */
    NOTIFY_MAX_ATTEMPTS: v.optional(v.string()),
    /** Failed deliveries in a row that disable a channel; default 5. */
    NOTIFY_DISABLE_AFTER: v.optional(v.string()),
    /** Concurrent delivery attempts (the notifyPool workpool); default 10. */
    NOTIFY_MAX_PARALLELISM: v.optional(v.string()),
    // ---- payments (docs/billing.md) ----
    STRIPE_SECRET_KEY: v.optional(v.string()),
    STRIPE_WEBHOOK_SECRET: v.optional(v.string()),
    /** starter=price_...,pro=price_...,business=price_... */
    STRIPE_PRICES: v.optional(v.string()),
    STRIPE_API_URL: v.optional(v.string()),
    /** Per Stripe API call, in ms; default 10000. */
    STRIPE_TIMEOUT_MS: v.optional(v.string()),
    /** The event name of a Stripe Billing Meter; set, AI tokens are reported to it daily. */
    STRIPE_METER_EVENT: v.optional(v.string()),
    LEMONSQUEEZY_CHECKOUT_URL: v.optional(v.string()),
    LEMONSQUEEZY_WEBHOOK_SECRET: v.optional(v.string()),
    /** starter=<variant id>,pro=...,business=... */
    LEMONSQUEEZY_VARIANTS: v.optional(v.string()),
    BILLING_RETURN_URL: v.optional(v.string()),
    BILLING_GRACE_DAYS: v.optional(v.string()),
  },
});
// Rate limits: AI requests, deployments.
app.use(rateLimiter, { name: "rateLimiter" });
// Deployment jobs: free plans and paid plans in separate pools, so paid never waits behind free.
app.use(workpool, { name: "deployPool" });
app.use(workpool, { name: "paidDeployPool" });
// Notification deliveries: bounded concurrency; retries are scheduled by convex/notificationDelivery.ts.
app.use(workpool, { name: "notifyPool" });
// O(1) deployment stats (counts by project and status).
app.use(aggregate, { name: "deploymentStats" });

export default app;
