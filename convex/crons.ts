import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Files: delete blobs no file or snapshot references, and uploads never committed.
crons.daily("sweep unreferenced blobs", { hourUTC: 3, minuteUTC: 17 }, internal.blobs.sweep, {});

// AI: close requests whose edge never reported back (left `streaming` over 10 minutes).
crons.interval("close stale AI requests", { minutes: 5 }, internal.aiRequests.closeStale, {});

// Deployments: end those whose poll chain or start job was lost (still queued or building
// past their deadline) as error TIMEOUT. One entry per status: a sweep pages one index range.
crons.interval("end stuck queued deployments", { minutes: 5 }, internal.deploymentWatchdog.sweep, { status: "queued" });
crons.interval("end stuck building deployments", { minutes: 5 }, internal.deploymentWatchdog.sweep, {
  status: "building",
});

// Billing: yesterday's AI tokens (and the day before's, reconciled) to Stripe's meter, when one is configured.
crons.daily("report metered usage to Stripe", { hourUTC: 1, minuteUTC: 7 }, internal.billingMeters.report, {});

export default crons;
