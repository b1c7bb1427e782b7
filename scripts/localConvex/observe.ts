// Every write to a convex-test instance, whatever its source (a test's t.mutation, the edge
// seam's t.fetch, a provider webhook, a scheduled function settled by the stack clock), ends
// in one of these calls: wrapping them tells the local Convex to re-run subscriptions.

const WRITING = new Set([
  "mutation",
  "action",
  "run",
  "fetch",
  "finishInProgressScheduledFunctions",
  "finishAllScheduledFunctions",
]);
const DERIVED = new Set(["withIdentity", "withRequestMetadata"]);

export function observeWrites<T extends object>(t: T, onWrite: () => void): T {
  return new Proxy(t, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      if (DERIVED.has(key)) return (...args: unknown[]) => observeWrites(value.apply(target, args), onWrite);
      if (!WRITING.has(key)) return value.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } finally {
          onWrite();
        }
      };
    },
  });
}
