// Shared by the provider client tests: one fake on a manual clock with the real client
// pointed at it, files as the lifecycle hands them over, and a way to catch a ProviderError.
import { createHash } from "node:crypto";
import { afterAll, beforeEach, expect } from "vitest";
import { providerClient } from "../../convex/providers/index";
import {
  ProviderError,
  type DeployFile,
  type ProviderClientOptions,
  type Provider,
} from "../../convex/providers/types";
import type { ProviderFakeOptions } from "../fakes/builds";
import type { FakeServer } from "../fakes/server";

export type TestFile = DeployFile & { reads: number; bytes: Uint8Array };

export function file(path: string, content: string | Uint8Array): TestFile {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const f: TestFile = {
    path,
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    size: bytes.length,
    reads: 0,
    async read() {
      f.reads++;
      return bytes;
    },
  };
  return f;
}

/** Deterministic non-UTF-8 bytes of length n. */
export function binary(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  b[0] = 0xff; // never valid UTF-8
  return b;
}

export const sha1 = (b: Uint8Array) => createHash("sha1").update(b).digest("hex");

export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

export async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

/**
 * Starts `start`'s fake (builds of 30 s on a manual clock) for this test file, with the real
 * `name` client pointed at it; closed after the file, its requests and faults reset before
 * each test. Call with top-level await.
 */
export async function fakeWithClient<F extends FakeServer & { token: string; baseUrl: string }>(
  start: (opts: ProviderFakeOptions) => Promise<F>,
  name: Provider,
  clientOpts: Partial<ProviderClientOptions> = {},
) {
  const clock = manualClock();
  const fake = await start({ now: clock.now, buildMs: 30_000 });
  const client = providerClient(name, { token: fake.token, baseUrl: fake.baseUrl, ...clientOpts });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.clearFaults();
  });
  return { clock, fake, client };
}
