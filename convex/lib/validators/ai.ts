// AI requests and usage rollups (docs/ai.md). Part of the validators declared once; import them from convex/validators.ts.
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";

export const vAiRequestType = v.union(
  v.literal("generate"),
  v.literal("explain"),
  v.literal("fix"),
  v.literal("refactor"),
  v.literal("complete"),
  v.literal("chat"),
  v.literal("build"),
);

export type AiRequestType = Infer<typeof vAiRequestType>;

/** How an AI request ends, as the edge reports it. One spelling: "canceled", as deployments. */
export const vAiSettleStatus = literals("completed", "failed", "canceled");

export const vAiRequestStatus = v.union(v.literal("streaming"), ...vAiSettleStatus.members);

export type AiRequestStatus = Infer<typeof vAiRequestStatus>;

/** As stored: rows written before the spelling was unified say "cancelled"; they are read as "canceled". */
export const vStoredAiRequestStatus = v.union(...vAiRequestStatus.members, v.literal("cancelled"));

export const readAiStatus = (s: Infer<typeof vStoredAiRequestStatus>): AiRequestStatus =>
  s === "cancelled" ? "canceled" : s;

/** A range of UTC days, both ends included: "YYYY-MM-DD" (checked where it is read). */
export const vDayRange = v.object({ from: v.string(), to: v.string() });

export const vUsage = v.object({
  inputTokens: v.number(),
  outputTokens: v.number(),
  cacheReadTokens: v.number(),
  cacheWriteTokens: v.number(),
});

export type Usage = Infer<typeof vUsage>;

/** The counters of a usage rollup row (usageDaily per user, usageDailyTotals for everyone). */
export const vUsageTotals = v.object({
  requests: v.number(),
  ...vUsage.fields,
  totalTokens: v.number(),
  costMicros: v.number(),
  byType: v.record(v.string(), v.number()),
});

export type UsageTotals = Infer<typeof vUsageTotals>;
