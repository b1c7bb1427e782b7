import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Convex functions run in convex-test's edge-runtime, like Convex itself.
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["tests/**/*.test.ts", "convex/**/*.test.ts"],
    // The stack owns a process-wide clock; files run in separate workers.
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
