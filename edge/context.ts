import type { EdgeConfig } from "./config";
import type { ConvexSeam } from "./convex";

/** What the app needs from the outside world; tests and the stack pass their own. */
export type AppDeps = {
  config: EdgeConfig;
  convex: ConvexSeam;
  /** One JSON object per line; defaults to stdout. */
  log?: (line: Record<string, unknown>) => void;
};

/** Hono generics shared by every route. */
export type AppEnv = {
  Variables: {
    deps: AppDeps;
    requestId: string;
    /** Set by requireAuth: the verified Clerk user id (`sub`). */
    userId: string;
    claims: { sub: string; sid?: string; email?: string; name?: string };
  };
};
