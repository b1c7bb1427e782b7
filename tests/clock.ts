// The stack's clock. One per process (Date and setTimeout are process-wide), shared by
// every stack in it and ref-counted.
//
// `Date` is virtual: frozen, it moves only when a test calls advance(). Only the timers
// convex-test's scheduler sets (runAfter/runAt) go to the virtual timer queue; every
// other timer (undici, @hono/node-server, the SDKs' retry backoff) stays real, because
// faking those hangs live HTTP servers in the same process.
import * as FakeTimers from "@sinonjs/fake-timers";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** convex-test 0.0.60's internal name for the scheduler's setTimeout wrapper. */
const SCHEDULER_FRAME = "frameworkSetTimeout";

type InstalledClock = ReturnType<ReturnType<typeof FakeTimers.withGlobal>["install"]>;
type Shared = { clock: InstalledClock; refs: number; restore: () => void };
let shared: Shared | undefined;

function install(): Shared {
  const src = readFileSync(createRequire(import.meta.url).resolve("convex-test"), "utf8");
  if (!src.includes(`function ${SCHEDULER_FRAME}(`)) {
    throw new Error(
      `convex-test no longer has ${SCHEDULER_FRAME}(); the stack clock cannot tell its scheduler timers apart. Update tests/clock.ts.`,
    );
  }
  const clock = FakeTimers.withGlobal(globalThis).install({ toFake: ["Date"], now: Date.now() });
  const g = globalThis as any;
  const realSet = g.setTimeout as typeof setTimeout;
  const realClear = g.clearTimeout as typeof clearTimeout;
  const virtual = new WeakSet<object>();
  // Raw V8 call sites: cheap, and immune to source maps or a small Error.stackTraceLimit.
  const calledFromScheduler = () => {
    const { prepareStackTrace, stackTraceLimit } = Error;
    Error.prepareStackTrace = (_e, cs) => cs;
    Error.stackTraceLimit = 8;
    const o: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(o, dispatchSet);
    const cs = o.stack;
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
    return !!cs?.some((c) => c.getFunctionName() === SCHEDULER_FRAME);
  };
  const dispatchSet = function (cb: (...a: any[]) => void, ms?: number, ...args: any[]) {
    if (calledFromScheduler()) {
      const h = clock.setTimeout(cb, ms ?? 0, ...args) as unknown as object;
      virtual.add(h);
      return h;
    }
    return realSet(cb, ms, ...args);
  } as unknown as typeof setTimeout;
  const dispatchClear = ((h: any) =>
    h && virtual.has(h) ? clock.clearTimeout(h) : realClear(h)) as typeof clearTimeout;
  g.setTimeout = dispatchSet;
  g.clearTimeout = dispatchClear;
  return {
    clock,
    refs: 0,
    restore: () => {
      if (g.setTimeout === dispatchSet) g.setTimeout = realSet;
      if (g.clearTimeout === dispatchClear) g.clearTimeout = realClear;
      clock.uninstall();
    },
  };
}

export function acquireClock() {
  const s = (shared ??= install());
  s.refs++;
  let released = false;
  return {
    now: () => s.clock.now,
    /** The earliest pending virtual timer, if any. */
    nextTimerAt(): number | undefined {
      let min: number | undefined;
      // @sinonjs/fake-timers 15 keeps timers in a Map (older versions: a plain object).
      const timers = (s.clock as any).timers;
      const all = (timers instanceof Map ? [...timers.values()] : Object.values(timers ?? {})) as { callAt: number }[];
      for (const t of all) {
        if (min === undefined || t.callAt < min) min = t.callAt;
      }
      return min;
    },
    /** Moves virtual time forward, firing virtual timers due on the way. */
    tick: (ms: number) => void s.clock.tick(ms),
    release() {
      if (released) return;
      released = true;
      if (--s.refs === 0) {
        s.restore();
        shared = undefined;
      }
    },
  };
}
export type StackClock = ReturnType<typeof acquireClock>;
