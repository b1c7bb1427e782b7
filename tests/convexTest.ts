// convex-test with the real schema and every component registered.
import { convexTest } from "convex-test";
import schema from "../convex/schema";
import { registerComponents } from "./convexComponents";
import { convexModules } from "./convexModules";
import { TEST_ISSUER } from "./keys";

export function newConvexTest() {
  const t = convexTest(schema, convexModules());
  // Not the packages' `@convex-dev/*/test` helpers: they need vite's import.meta.glob,
  // which tsx (`npm run stack`, the bench) does not have. See tests/convexComponents.ts.
  registerComponents(t);
  return t;
}
export type ConvexTest = ReturnType<typeof newConvexTest>;

/** The caller as Convex sees a verified Clerk token for `clerkId`. */
export function asUser(t: ConvexTest, clerkId: string, profile: { email?: string; name?: string } = {}) {
  return t.withIdentity({
    subject: clerkId,
    issuer: TEST_ISSUER,
    tokenIdentifier: `${TEST_ISSUER}|${clerkId}`,
    ...profile,
  });
}

/** The `users` row of a Clerk id, or null (what tests assert was or was not written). */
export async function userRow(t: ConvexTest, clerkId: string) {
  return await t.run(async (ctx) =>
    ctx.db
      .query("users")
      .withIndex("by_clerkId", (q) => q.eq("clerkId", clerkId))
      .unique(),
  );
}
