// Paginated lists. A client picks `numItems`; every list clamps it to its own maximum, so
// no request can read an unbounded page.
import type { PaginationOptions } from "convex/server";

/** The answer for a caller who owns nothing yet (signed in, no `users` row). */
export const EMPTY_PAGE = { page: [], isDone: true, continueCursor: "" };

/** `opts` with `numItems` a whole number from 1 to `max` (NaN, 0 and negatives become 1). */
export function boundedPage(opts: PaginationOptions, max: number): PaginationOptions {
  return { ...opts, numItems: Math.max(1, Math.min(Math.floor(opts.numItems) || 1, max)) };
}
