// The plan catalogue: what each plan costs and may do (AI daily quotas and models, deployment
// pool, how many projects and stored bytes), and the per-user rate limits (the one RateLimiter
// instance of AI requests, build turns, invitations and browser mutations). billing.plans()
// shows this table and every limit check reads it; nothing else declares a plan's limit.
// AI quotas are checked against the usageDaily rollup (UTC days).
import { HOUR, MINUTE, RateLimiter } from "@convex-dev/rate-limiter";
import { components } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { AiRequestType, DeployPool, Plan } from "../validators";
import { fail } from "./errors";
import { MODELS, modelInfo, PRICES_AS_OF, ratesInUsd, type ModelInfo } from "./pricing";
import { dayOf, nextDayStart, userDay } from "./usageRollup";

export type PlanLimits = {
  /** Shown to people choosing a plan. */
  name: string;
  /** US cents per month; 0 = free. */
  monthlyPriceCents: number;
  /** null = unlimited. */
  dailyRequests: number | null;
  /** Input + output + cache tokens per UTC day; null = unlimited. */
  dailyTokens: number | null;
  models: string[];
  defaultModel: string;
  /** Which deployment workpool runs this plan's deployments (paid never waits behind free). */
  deployPool: DeployPool;
  /** Projects a user may own at once (deleted ones do not count). */
  maxProjects: number;
  /** Bytes of files across all projects a user owns. */
  maxStoredBytes: number;
};

const MB = 1024 * 1024;

const BASE_MODELS = ["claude-haiku-5-5", "claude-sonnet-5-5"];

export const PLAN_LIMITS: Record<Plan, PlanLimits> = {
  free: {
    name: "Free",
    monthlyPriceCents: 0,
    dailyRequests: 100,
    dailyTokens: 50_000,
    models: BASE_MODELS,
    defaultModel: "claude-sonnet-5-5",
    deployPool: "free",
    maxProjects: 10,
    maxStoredBytes: 100 * MB,
  },
  starter: {
    name: "Starter",
    monthlyPriceCents: 1_900,
    dailyRequests: 1_000,
    dailyTokens: 500_000,
    models: BASE_MODELS,
    defaultModel: "claude-sonnet-5-5",
    deployPool: "paid",
    maxProjects: 50,
    maxStoredBytes: 1024 * MB,
  },
  pro: {
    name: "Pro",
    monthlyPriceCents: 4_900,
    dailyRequests: 10_000,
    dailyTokens: 5_000_000,
    models: [...BASE_MODELS, "claude-opus-5-5"],
    defaultModel: "claude-sonnet-5-5",
    deployPool: "paid",
    maxProjects: 200,
    maxStoredBytes: 10 * 1024 * MB,
  },
  business: {
    name: "Business",
    monthlyPriceCents: 19_900,
    dailyRequests: null,
    dailyTokens: null,
    models: [...BASE_MODELS, "claude-opus-5-5", "claude-fable-5-1"],
    defaultModel: "claude-sonnet-5-5",
    deployPool: "paid",
    maxProjects: 1_000,
    maxStoredBytes: 50 * 1024 * MB,
  },
};

export const PLANS = Object.keys(PLAN_LIMITS) as Plan[];

/** Plans in price order: a higher rank is an upgrade. */
export const planRank = (plan: Plan): number => PLANS.indexOf(plan);

/** Output budget per operation; `complete` (at the cursor) always uses the fastest model. */
export const OPERATIONS: Record<AiRequestType, { maxTokens: number; model?: string }> = {
  generate: { maxTokens: 8_192 },
  explain: { maxTokens: 2_048 },
  fix: { maxTokens: 4_096 },
  refactor: { maxTokens: 8_192 },
  complete: { maxTokens: 256, model: "claude-haiku-5-5" },
  chat: { maxTokens: 4_096 },
  /** Per Claude call of a build; the whole build is bounded by BUILD_LIMITS. */
  build: { maxTokens: 16_384 },
};

/** The build agent's loop: Claude calls per change set run, and output tokens per run. */
export const BUILD_LIMITS = { maxTurns: 25, maxOutputTokens: 200_000 } as const;

/** Build turns after the first (each one Claude call): a bucket of their own, since one build makes many calls. */
export const BUILD_TURN_RATE = { rate: 100, period: 15 * MINUTE } as const;

/** The small model the conversation analysis uses. */
export const ANALYSIS_MODEL = "claude-haiku-5-5";

/**
 * Calls through the edge per user (every route; the seam calls that continue a request already
 * counted are not counted again): 100 per 15 minutes, as a token bucket.
 */
export const API_RATE = { rate: 100, period: 15 * MINUTE } as const;

/** AI requests per user: 20 per 15 minutes, as a token bucket (a burst of 20, then one every 45 s). */
export const AI_RATE = { rate: 20, period: 15 * MINUTE } as const;

/** Invitations per inviter: a burst of 20, then 20 per hour (guessing addresses stays slow). */
export const INVITATION_RATE = { rate: 20, period: HOUR } as const;

/**
 * Public mutations per user (every userMutation, i.e. what a browser calls directly): a burst
 * of 120, then 120 per minute. Queries are reactive reads and are not counted.
 */
export const BROWSER_MUTATION_RATE = { rate: 120, period: MINUTE } as const;

const bucket = (r: { rate: number; period: number }) =>
  ({ kind: "token bucket", rate: r.rate, period: r.period, capacity: r.rate }) as const;

/** The rate-limiter component's one client: every named per-user limit is declared here. */
export const rateLimiter = new RateLimiter(components.rateLimiter, {
  apiRequest: bucket(API_RATE),
  aiRequest: bucket(AI_RATE),
  buildTurn: bucket(BUILD_TURN_RATE),
  invitation: bucket(INVITATION_RATE),
  browserMutation: bucket(BROWSER_MUTATION_RATE),
});

/**
 * The model for a request: the one asked for (must exist and be in the plan), else the
 * operation's own, else the user's preference when the plan allows it, else the plan's default.
 */
export function chooseModel(
  plan: Plan,
  type: AiRequestType,
  requested: string | undefined,
  preferred: string,
): ModelInfo {
  const limits = PLAN_LIMITS[plan];
  if (requested !== undefined) {
    const info = modelInfo(requested);
    if (!info) fail("INVALID", `Unknown model ${requested}`, { model: requested });
    if (info.retiredOn) {
      fail("INVALID", `${requested} was retired on ${info.retiredOn}; choose another model`, {
        model: requested,
        retiredOn: info.retiredOn,
      });
    }
    if (!limits.models.includes(requested)) {
      fail("FORBIDDEN", `The ${plan} plan does not include ${requested}`, { model: requested, plan });
    }
    return info;
  }
  const fixed = OPERATIONS[type].model;
  if (fixed) return modelInfo(fixed)!;
  if (limits.models.includes(preferred) && modelInfo(preferred)) return modelInfo(preferred)!;
  return modelInfo(limits.defaultModel)!;
}

/** Rough prompt size: ~4 characters per token (Claude's tokenizer averages close to that for code and prose). */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Throws QUOTA_EXCEEDED (which limit, when it resets) when today's rollup has reached a plan limit. */
export async function enforceDailyQuota(ctx: QueryCtx, user: Doc<"users">, now: number): Promise<void> {
  const limits = PLAN_LIMITS[user.plan];
  const used = await userDay(ctx, user._id, dayOf(now));
  const resetsAt = new Date(nextDayStart(now)).toISOString();
  const refuse = (limit: "requests" | "tokens", max: number, usedSoFar: number) =>
    fail(
      "QUOTA_EXCEEDED",
      `Daily limit of ${max} AI ${limit} on the ${user.plan} plan reached; it resets at ${resetsAt}`,
      {
        limit,
        max,
        used: usedSoFar,
        plan: user.plan,
        resetsAt,
        retryAfterMs: Date.parse(resetsAt) - now,
      },
    );
  if (limits.dailyRequests !== null && (used?.requests ?? 0) >= limits.dailyRequests)
    refuse("requests", limits.dailyRequests, used!.requests);
  if (limits.dailyTokens !== null && (used?.totalTokens ?? 0) >= limits.dailyTokens)
    refuse("tokens", limits.dailyTokens, used!.totalTokens);
}

/** What GET /api/ai/models shows: the plan's models with prices (USD per million tokens). */
export function planModels(plan: Plan) {
  const limits = PLAN_LIMITS[plan];
  return {
    plan,
    defaultModel: limits.defaultModel,
    pricesAsOf: PRICES_AS_OF,
    quotas: { dailyRequests: limits.dailyRequests, dailyTokens: limits.dailyTokens },
    models: limits.models.map((id) => {
      const m = MODELS[id];
      return {
        id: m.id,
        label: m.label,
        contextWindow: m.contextWindow,
        maxOutputTokens: m.maxOutputTokens,
        legacy: m.legacy ?? false,
        prices: ratesInUsd(m.rates),
        longPromptPrices: m.longPrompt
          ? { overTokens: m.longPrompt.overTokens, ...ratesInUsd(m.longPrompt.rates) }
          : undefined,
      };
    }),
  };
}
