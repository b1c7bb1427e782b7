// GET /api/admin/export?period=YYYY-MM → text/csv: every user's AI usage and cost in that UTC
// month (administrators only). Streamed page by page from Convex (/edge/admin/export), so the
// edge holds one page at a time; costs are integer micro-dollars plus the exact USD string,
// and their sum equals the request ledger's for the month.
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { requireAuth } from "../auth.js";
import type { EdgeAnswer } from "../../convex/edge/contract.js";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";

type ExportRow = EdgeAnswer<"/edge/admin/export">["rows"][number];

export const CSV_HEADER =
  "user_id,email,plan,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_micros,cost_usd";

/** A CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ is defused (spreadsheet formulas). */
function field(s: string): string {
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** 1234567 micro-USD → "1.234567" (exact: integer arithmetic, no floating point). */
export function microsToUsd(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, "0")}`;
}

export function csvLine(r: ExportRow): string {
  return [
    field(r.userId),
    field(r.email),
    field(r.plan),
    r.requests,
    r.inputTokens,
    r.outputTokens,
    r.cacheReadTokens,
    r.cacheWriteTokens,
    r.costMicros,
    microsToUsd(r.costMicros),
  ].join(",");
}

export const admin = new Hono<AppEnv>().get("/api/admin/export", requireAuth, async (c) => {
  const period = c.req.query("period") ?? "";
  if (!/^\d{4}-\d{2}$/.test(period))
    throw new ApiError("INVALID", "period must be a month as YYYY-MM", { field: "period" });
  const { convex } = c.var.deps;
  const fetchPage = (cursor: string | null) => convex.call("/edge/admin/export", c.var.caller, { period, cursor });
  // The first page before any byte: a refusal (not an admin, bad period) is still a JSON error.
  const first = await fetchPage(null);
  c.header("Content-Type", "text/csv; charset=utf-8");
  c.header("Content-Disposition", `attachment; filename="usage-${period}.csv"`);
  c.header("Cache-Control", "no-store");
  return stream(c, async (out) => {
    await out.write(`${CSV_HEADER}\n`);
    let page = first;
    for (;;) {
      if (page.rows.length) await out.write(page.rows.map(csvLine).join("\n") + "\n");
      if (page.done || out.aborted) return;
      page = await fetchPage(page.cursor);
    }
  });
});
