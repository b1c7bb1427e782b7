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
  },
});
// Rate limits: AI requests, deployments.
app.use(rateLimiter, { name: "rateLimiter" });
// Deployment jobs: free plans and paid plans in separate pools, so paid never waits behind free.
app.use(workpool, { name: "deployPool" });
app.use(workpool, { name: "paidDeployPool" });
// O(1) deployment stats (counts by project and status).
app.use(aggregate, { name: "deploymentStats" });

export default app;
