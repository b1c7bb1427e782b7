// The official Convex clients pointed at a stack's local Convex, and a small reader for
// live subscriptions (every value the server pushed, awaited by predicate).
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import type { FunctionReference } from "convex/server";
import WebSocket from "ws";
import type { Stack } from "../stack";

/** Node 20 has no global WebSocket: the client is given the `ws` package's. */
export function liveClient(stack: Stack, token?: string): ConvexClient {
  const client = new ConvexClient(stack.convexUrl, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    logger: false,
  });
  if (token) client.setAuth(async () => token);
  return client;
}

export function httpClient(stack: Stack, token?: string): ConvexHttpClient {
  const client = new ConvexHttpClient(stack.convexUrl);
  if (token) client.setAuth(token);
  return client;
}

export type Subscription<T> = {
  values: T[];
  errors: Error[];
  /** Resolves with the first pushed value (past or future) that satisfies `test`. */
  until(test: (value: T) => boolean, what?: string): Promise<T>;
  failure(): Promise<Error>;
  stop(): void;
};

export function subscribe<Q extends FunctionReference<"query">>(
  client: ConvexClient,
  query: Q,
  args: Q["_args"],
  timeoutMs = 5_000,
): Subscription<Q["_returnType"]> {
  const values: Q["_returnType"][] = [];
  const errors: Error[] = [];
  let wake = () => {};
  const stop = client.onUpdate(
    query,
    args,
    (v) => {
      values.push(v);
      wake();
    },
    (e) => {
      errors.push(e);
      wake();
    },
  );
  const waitFor = <R>(pick: () => R | undefined, what: string): Promise<R> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(values.at(-1))}`)),
        timeoutMs,
      );
      const check = () => {
        const found = pick();
        if (found !== undefined) {
          clearTimeout(timer);
          wake = () => {};
          resolve(found);
        }
      };
      wake = check;
      check();
    });
  return {
    values,
    errors,
    until: (test, what = "matching value") => waitFor(() => values.find(test), what),
    failure: () => waitFor(() => errors[0], "error"),
    stop: () => stop(),
  };
}
