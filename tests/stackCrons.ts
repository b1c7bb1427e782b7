// The crons of convex/crons.ts on the stack's clock. convex-test never runs crons, so the
// stack does: each entry's next due time is computed from its schedule (croner for the
// calendar shapes, in UTC as Convex does), and advance() runs the entries that fall due, in
// time order, through the same convex-test instance (so their writes reach subscribers).
// An interval cron first runs one interval after the stack starts.
import { Cron } from "croner";
import { makeFunctionReference, type CronJob, type FunctionReference } from "convex/server";
import crons from "../convex/crons";

type Schedule = CronJob["schedule"];
type Runner = {
  mutation(fn: FunctionReference<"mutation", "internal">, args: Record<string, unknown>): Promise<unknown>;
  action(fn: FunctionReference<"action", "internal">, args: Record<string, unknown>): Promise<unknown>;
};
type Entry = { name: string; udfPath: string; args: Record<string, unknown>; schedule: Schedule; due: number };

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** A cron expression (minute hour day month weekday) for Convex's calendar schedules. */
function cronExpression(s: Exclude<Schedule, { type: "interval" }>): string {
  switch (s.type) {
    case "cron":
      return s.cron;
    case "hourly":
      return `${s.minuteUTC ?? 0} * * * *`;
    case "daily":
      return `${s.minuteUTC ?? 0} ${s.hourUTC} * * *`;
    case "weekly":
      return `${s.minuteUTC ?? 0} ${s.hourUTC} * * ${DAYS.indexOf(s.dayOfWeek)}`;
    case "monthly":
      return `${s.minuteUTC ?? 0} ${s.hourUTC} ${s.day} * *`;
    default:
      throw new Error(`unknown cron schedule ${JSON.stringify(s)}`);
  }
}

function intervalMs(s: Extract<Schedule, { type: "interval" }>): number {
  if ("seconds" in s) return s.seconds * 1000;
  if ("minutes" in s) return s.minutes * 60_000;
  return s.hours * 3_600_000;
}

/** The first due time strictly after `after`. */
function nextDue(schedule: Schedule, after: number): number {
  if (schedule.type === "interval") return after + intervalMs(schedule);
  const next = new Cron(cronExpression(schedule), { timezone: "UTC" }).nextRun(new Date(after));
  if (!next) throw new Error(`cron schedule ${JSON.stringify(schedule)} never runs`);
  return next.getTime();
}

export function stackCrons(modules: Record<string, () => Promise<any>>, now: number) {
  const entries: Entry[] = Object.entries(crons.crons).map(([name, c]) => ({
    name,
    udfPath: c.name,
    args: ((c.args as Record<string, unknown>[] | null)?.[0] ?? {}) as Record<string, unknown>,
    schedule: c.schedule,
    due: nextDue(c.schedule, now),
  }));
  const kinds = new Map<string, Promise<"mutation" | "action">>();
  const kindOf = (udfPath: string) => {
    let kind = kinds.get(udfPath);
    if (!kind) {
      const [module, fn] = udfPath.split(":");
      const load = Object.entries(modules).find(
        ([key]) => key.replace(/^\.\/convex\//, "").replace(/\.[cm]?[jt]s$/, "") === module,
      )?.[1];
      if (!load) throw new Error(`cron target ${udfPath}: no module convex/${module}`);
      kind = load().then((m) => {
        if (m[fn]?.isMutation) return "mutation" as const;
        if (m[fn]?.isAction) return "action" as const;
        throw new Error(`cron target ${udfPath} is not a mutation or an action`);
      });
      kinds.set(udfPath, kind);
    }
    return kind;
  };

  return {
    /** When the earliest cron falls due. */
    nextAt: (): number => Math.min(...entries.map((e) => e.due)),
    /** Runs every cron due at `now` (earliest first) and schedules its next run. */
    async runDue(now: number, t: Runner): Promise<string[]> {
      const ran: string[] = [];
      for (const e of [...entries].sort((a, b) => a.due - b.due)) {
        if (e.due > now) continue;
        e.due = nextDue(e.schedule, now);
        ran.push(e.name);
        // As on a deployment, a failing cron is logged and the next run still happens.
        try {
          if ((await kindOf(e.udfPath)) === "mutation")
            await t.mutation(makeFunctionReference<"mutation">(e.udfPath) as any, e.args);
          else await t.action(makeFunctionReference<"action">(e.udfPath) as any, e.args);
        } catch (err) {
          console.error(`cron "${e.name}" failed:`, err instanceof Error ? err.message : err);
        }
      }
      return ran;
    },
  };
}
