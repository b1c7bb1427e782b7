// Documents read, as Convex counts them: convex-test 0.0.60 already meters every document a
// transaction reads (components included) in its TransactionMetricsTracker, but does not
// expose the figure; this wraps its trackRead once per process. A bench section calls
// `documentsRead(() => as.query(...))` on the real call path (auth wrapper included).
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";

let total = 0;
const trackRead = TransactionMetricsTracker.prototype.trackRead;
if (!(trackRead as { counted?: boolean }).counted) {
  const counting = function (this: TransactionMetricsTracker, size: number) {
    total++;
    return trackRead.call(this, size);
  };
  (counting as { counted?: boolean }).counted = true;
  TransactionMetricsTracker.prototype.trackRead = counting;
}

/** Runs `fn` (one Convex call, nothing else in flight) and counts the documents it read. */
export async function documentsRead<T>(fn: () => Promise<T>): Promise<{ result: T; docs: number }> {
  const before = total;
  const result = await fn();
  return { result, docs: total - before };
}
