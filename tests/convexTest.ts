// convex-test with the real schema and every component registered.
import { convexTest } from "convex-test";
import rateLimiterTest from "@convex-dev/rate-limiter/test";
import workpoolTest from "@convex-dev/workpool/test";
import aggregateTest from "@convex-dev/aggregate/test";
import schema from "../convex/schema";
import { convexModules } from "./convexModules";

export function newConvexTest() {
  const t = convexTest(schema, convexModules());
  rateLimiterTest.register(t, "rateLimiter");
  workpoolTest.register(t, "deployPool");
  workpoolTest.register(t, "paidDeployPool");
  aggregateTest.register(t, "deploymentStats");
  return t;
}
export type ConvexTest = ReturnType<typeof newConvexTest>;

/** The caller as Convex sees a verified Clerk token for `clerkId`. */
export function asUser(t: ConvexTest, clerkId: string, profile: { email?: string; name?: string } = {}) {
  const issuer = "https://clerk.autocrea.test";
  return t.withIdentity({ subject: clerkId, issuer, tokenIdentifier: `${issuer}|${clerkId}`, ...profile });
}
