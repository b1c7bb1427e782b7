// The policies in isolation: poll backoff, timeout and parallelism from env, mock flag, snapshot digest,
// AES-GCM sealing of provider tokens.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { open, seal, tokenKey } from "../../convex/lib/crypto";
import { fromBase64, toBase64 } from "../../convex/providers/http";
import { DEPLOY_RETRY, maxParallelism } from "../../convex/lib/deployQueue";
import { deployTimeoutMs, laterStep, pollDelay } from "../../convex/lib/deploymentLifecycle";
import { isMocked } from "../../convex/lib/mockServices";
import { snapshotDigest } from "../../convex/lib/snapshots";

describe("polling, retry and queue policy", () => {
  test("polls after 5 s, doubling to at most 60 s", () => {
    expect([0, 1, 2, 3, 4, 5, 30].map(pollDelay)).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });
  test("at most 3 attempts with exponential backoff", () => {
    expect(DEPLOY_RETRY).toEqual({ maxAttempts: 3, initialBackoffMs: 2_000, base: 2 });
  });
  test("timeout and parallelism come from env, with safe defaults", () => {
    expect(deployTimeoutMs(undefined)).toBe(30 * 60_000);
    expect(deployTimeoutMs("90000")).toBe(90_000);
    expect(deployTimeoutMs("soon")).toBe(30 * 60_000);
    expect(maxParallelism(undefined)).toBe(4);
    expect(maxParallelism("8")).toBe(8);
    expect(maxParallelism("0")).toBe(4);
    expect(maxParallelism("lots")).toBe(4);
  });
  test("steps only move forward", () => {
    expect(laterStep("building", "uploading")).toBe("building");
    expect(laterStep("building", "deploying")).toBe("deploying");
  });
  test("AUTOCREA_MOCK_SERVICES flags the named providers only", () => {
    expect(isMocked("vercel", "anthropic, vercel")).toBe(true);
    expect(isMocked("netlify", "anthropic, vercel")).toBe(false);
    expect(isMocked("railway", undefined)).toBe(false);
  });
  test("a snapshot's digest is the sha-256 hex of its path NUL hash lines (stored: the format never changes)", async () => {
    const files = [
      { path: "index.html", hash: "a".repeat(64) },
      { path: "src/ü.js", hash: "b".repeat(64) },
    ];
    const expected = createHash("sha256")
      .update(`index.html\0${"a".repeat(64)}\nsrc/ü.js\0${"b".repeat(64)}\n`)
      .digest("hex");
    expect(await snapshotDigest(files)).toBe(expected);
    expect(await snapshotDigest([])).toBe(createHash("sha256").update("").digest("hex"));
  });
});

describe("provider token sealing (AES-256-GCM)", () => {
  const keyText = toBase64(crypto.getRandomValues(new Uint8Array(32)));

  test("round trip, fresh IV each time, bound to its owner", async () => {
    const key = await tokenKey(keyText);
    const a = await seal(key, "tok_secret", "provider-token:u1:vercel");
    const b = await seal(key, "tok_secret", "provider-token:u1:vercel");
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.ciphertext).not.toContain("tok_secret");
    expect(fromBase64(a.iv)).toHaveLength(12);
    expect(await open(key, a, "provider-token:u1:vercel")).toBe("tok_secret");
    await expect(open(key, a, "provider-token:u2:vercel")).rejects.toThrow();
    const other = await tokenKey(toBase64(crypto.getRandomValues(new Uint8Array(32))));
    await expect(open(other, a, "provider-token:u1:vercel")).rejects.toThrow();
  });

  test("a missing or short key is UNAVAILABLE", async () => {
    await expect(tokenKey(undefined)).rejects.toThrow(/PROVIDER_TOKEN_KEY/);
    await expect(tokenKey(toBase64(new Uint8Array(16)))).rejects.toThrow(/PROVIDER_TOKEN_KEY/);
  });
});
