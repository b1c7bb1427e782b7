import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Convex functions run in convex-test's edge-runtime, like Convex itself.
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["tests/**/*.test.ts", "convex/**/*.test.ts"],
    // The stack owns a process-wide clock; files run in separate workers.
    pool: "forks",
    // Most test time is waiting on loopback sockets and child processes, so two workers
    // halve the wall time even on 2 cores (vitest's default there is one).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
