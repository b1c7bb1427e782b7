// Usage per billing period, from the daily rollups: a period is read as whole UTC days, from
// the day it starts to the day before the day it ends, so consecutive periods never share a
// day and a period's total equals the sum of the request ledger (by day started) exactly.
import { fail } from "./errors";
import { calendarMonth } from "./billingPlan";
import { DAY_MS, dayOf } from "./usageRollup";

export type PeriodDays = { start: number; end: number; from: string; to: string; days: number };

export function periodDays(start: number, end: number): PeriodDays {
  const firstDay = Math.floor(start / DAY_MS) * DAY_MS;
  // The day before the UTC day the period ends on (that day belongs to the next period).
  const lastDay = Math.max(firstDay, Math.floor(end / DAY_MS) * DAY_MS - DAY_MS);
  return { start, end, from: dayOf(firstDay), to: dayOf(lastDay), days: (lastDay - firstDay) / DAY_MS + 1 };
}

const MONTH_RE = /^(\d{4})-(\d{2})$/;

/** "YYYY-MM" → that month's [start, end) in UTC. */
export function monthPeriod(period: string): { start: number; end: number } {
  const m = MONTH_RE.exec(period);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) fail("INVALID", "period must be a month as YYYY-MM", { field: "period" });
  return calendarMonth(Date.UTC(Number(m[1]), month - 1, 1));
}

/**
 * The billing period that starts in the month `period` ("YYYY-MM"): anchored on `anchor`'s day
 * of month and time (a subscription's period start), or the calendar month without one.
 */
export function userPeriod(anchor: number | undefined, period: string): { start: number; end: number } {
  const month = monthPeriod(period);
  if (anchor === undefined) return month;
  const a = new Date(anchor);
  const at = (monthOffset: number) => {
    const m = new Date(month.start);
    const y = m.getUTCFullYear();
    const mo = m.getUTCMonth() + monthOffset;
    const lastDay = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
    return Date.UTC(y, mo, Math.min(a.getUTCDate(), lastDay), a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds());
  };
  return { start: at(0), end: at(1) };
}
