// Claude models we offer and what they cost us. Prices are integer micro-USD per million
// tokens (so $2 / MTok is 2_000_000), which keeps every cost computation in integers.
// Cache writes use the 5-minute TTL rate: we send `cache_control: { type: "ephemeral" }`.
//
// Source, as published on PRICES_AS_OF (re-checked 2026-11 against the stored docs):
//   https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing": base input,
//     5m cache writes, cache hits, output), and the model pages
//   https://platform.claude.com/docs/en/models/{haiku-5-5,sonnet-5-5,opus-5-5,fable-5-1,sonnet-4-5}/overview
//     (model id, context window, max output; Haiku 5.5's two prompt-length bands).
// Sonnet 5.5's cache-read cut ($0.20 → $0.10 on 2026-10-07) is newer than some stored
// copies of its model page; pricing-tool changelogs checked against the live page on
// 2026-10-24 agree on $0.10. Change a price by editing this table (and the date) only.
import type { Usage } from "../validators";

export const PRICES_AS_OF = "2026-10-24";

export type Rates = {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
};

export type ModelInfo = {
  id: string;
  label: string;
  contextWindow: number;
  maxOutputTokens: number;
  rates: Rates;
  /** Haiku 5.5 bills every token of a request at higher rates once its prompt passes a threshold. */
  longPrompt?: { overTokens: number; rates: Rates };
  legacy?: boolean;
  /** The day Anthropic retired the model (requests to it fail): kept to price old ledger rows, never offered. */
  retiredOn?: string;
};

const usd = (dollarsPerMTok: number) => Math.round(dollarsPerMTok * 1_000_000);

export const MODELS: Record<string, ModelInfo> = {
  "claude-haiku-5-5": {
    id: "claude-haiku-5-5",
    label: "Claude Haiku 5.5",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    rates: { input: usd(0.1), output: usd(0.5), cacheWrite: usd(0.125), cacheRead: usd(0.01) },
    longPrompt: {
      overTokens: 100_000,
      rates: { input: usd(0.5), output: usd(2.5), cacheWrite: usd(0.625), cacheRead: usd(0.05) },
    },
  },
  // Cache reads were cut from $0.20 to $0.10 / MTok on 2026-10-07.
  "claude-sonnet-5-5": {
    id: "claude-sonnet-5-5",
    label: "Claude Sonnet 5.5",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    rates: { input: usd(2), output: usd(10), cacheWrite: usd(2.5), cacheRead: usd(0.1) },
  },
  "claude-opus-5-5": {
    id: "claude-opus-5-5",
    label: "Claude Opus 5.5",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    rates: { input: usd(4), output: usd(20), cacheWrite: usd(5), cacheRead: usd(0.2) },
  },
  "claude-fable-5-1": {
    id: "claude-fable-5-1",
    label: "Claude Fable 5.1",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    rates: { input: usd(10), output: usd(50), cacheWrite: usd(12.5), cacheRead: usd(0.25) },
  },
  // Retired by Anthropic on 2026-11-30: no plan offers it; its prices stay for the ledger's old rows.
  "claude-sonnet-4-5": {
    id: "claude-sonnet-4-5",
    label: "Claude Sonnet 4.5 (legacy)",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    rates: { input: usd(3), output: usd(15), cacheWrite: usd(3.75), cacheRead: usd(0.3) },
    legacy: true,
    retiredOn: "2026-11-30",
  },
};

export function modelInfo(id: string): ModelInfo | undefined {
  return Object.prototype.hasOwnProperty.call(MODELS, id) ? MODELS[id] : undefined;
}

export function totalTokens(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}

/** The rates that apply to one request (the prompt = input + cache reads + cache writes). */
export function ratesFor(model: ModelInfo, u: Usage): Rates {
  const prompt = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  return model.longPrompt && prompt > model.longPrompt.overTokens ? model.longPrompt.rates : model.rates;
}

/**
 * Cost of one request in integer micro-USD, rounded once (half up). Exact: token counts and
 * rates are integers, and their products stay far below 2^53.
 */
export function costMicros(modelId: string, u: Usage): number {
  const model = modelInfo(modelId);
  if (!model) throw new Error(`No price for model ${modelId}`);
  const r = ratesFor(model, u);
  const picoUsd =
    u.inputTokens * r.input +
    u.outputTokens * r.output +
    u.cacheWriteTokens * r.cacheWrite +
    u.cacheReadTokens * r.cacheRead;
  return Math.floor((picoUsd + 500_000) / 1_000_000);
}

/** Rates as USD per million tokens, for display. */
export function ratesInUsd(r: Rates) {
  return {
    inputPerMTok: r.input / 1_000_000,
    outputPerMTok: r.output / 1_000_000,
    cacheWritePerMTok: r.cacheWrite / 1_000_000,
    cacheReadPerMTok: r.cacheRead / 1_000_000,
  };
}
