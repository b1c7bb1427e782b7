import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Files: delete blobs no file or snapshot references, and uploads never committed.
crons.daily("sweep unreferenced blobs", { hourUTC: 3, minuteUTC: 17 }, internal.blobs.sweep, {});

// AI: close requests whose edge never reported back (left `streaming` over 10 minutes).
crons.interval("close stale AI requests", { minutes: 5 }, internal.aiRequests.closeStale, {});

export default crons;
