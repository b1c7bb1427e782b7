import type { EdgeConfig } from "./config";
import type { Caller } from "../convex/edge/contract.js";
import type { ConvexSeam } from "./convex";

export type { Caller };

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
    /** Set by requireAuth: the verified caller, as the seam passes it to Convex. */
    caller: Caller;
  };
};

/** The client asked for Server-Sent Events (`Accept: text/event-stream`). */
export function wantsStream(c: { req: { header(name: string): string | undefined } }): boolean {
  return (c.req.header("Accept") ?? "").includes("text/event-stream");
}
