// Limits the edge enforces by itself, in the memory of ONE instance (each Vercel function
// instance or `npm run dev` process counts on its own; nothing is shared between them): the
// per-address limit of unauthenticated requests, concurrent log streams per user, and how a
// log stream's Convex polling backs off. The per-user API limit lives in Convex (one store
// for every instance). Numbers: docs/security.md, "Limits".
import type { AppDeps } from "./context.js";

/** Addresses remembered at most; beyond it idle (full) buckets, then the oldest, are forgotten. */
const MAX_TRACKED_KEYS = 10_000;

/**
 * Token buckets keyed by a string: `capacity` requests at once, refilled at `capacity` per
 * minute. `now` is a monotonic millisecond clock (performance.now by default).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perMs = capacity / 60_000;
  }

  /** Takes one token for `key`: 0 when granted, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.perMs) : this.capacity;
    const granted = tokens >= 1;
    this.buckets.delete(key); // re-inserted last: the Map's order is least recently used first
    this.buckets.set(key, { tokens: granted ? tokens - 1 : tokens, at: now });
    if (this.buckets.size > MAX_TRACKED_KEYS) this.forget(now);
    return granted ? 0 : Math.ceil((1 - tokens) / this.perMs);
  }

  get size() {
    return this.buckets.size;
  }

  private forget(now: number) {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.capacity) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= MAX_TRACKED_KEYS * 0.9) break;
      this.buckets.delete(key);
    }
  }
}

/** Concurrent log streams per user. */
export class StreamSlots {
  private readonly open = new Map<string, number>();
  constructor(readonly max: number) {}

  /** Opens a slot for `userId`; false when the user already has `max` open. */
  acquire(userId: string): boolean {
    const n = this.open.get(userId) ?? 0;
    if (n >= this.max) return false;
    this.open.set(userId, n + 1);
    return true;
  }

  release(userId: string) {
    const n = (this.open.get(userId) ?? 1) - 1;
    if (n > 0) this.open.set(userId, n);
    else this.open.delete(userId);
  }
}

/** A stream's wait before its next Convex poll: `base` after new lines, then 2×, then 5× `base` (the cap) while none come. */
export function nextPollDelay(previousMs: number | undefined, gotLines: boolean, base: number): number {
  if (gotLines || previousMs === undefined || previousMs < base) return base;
  return previousMs < 2 * base ? 2 * base : 5 * base;
}

export type EdgeLimits = { unauthenticated: TokenBuckets; logStreams: StreamSlots };

const perApp = new WeakMap<AppDeps, EdgeLimits>();

/** The limits of one app instance (createApp's deps), created on first use. */
export function limitsOf(deps: AppDeps): EdgeLimits {
  let limits = perApp.get(deps);
  if (!limits) {
    limits = {
      unauthenticated: new TokenBuckets(deps.config.limits.unauthenticatedPerMinute),
      logStreams: new StreamSlots(deps.config.limits.logStreamsPerUser),
    };
    perApp.set(deps, limits);
  }
  return limits;
}
