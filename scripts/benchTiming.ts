// Timing figures shared by the bench sections: percentiles of samples, and a timed loop.

export const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Nearest-rank percentiles (and mean) of timing samples in milliseconds. */
export function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** Runs `fn` `warmup` times untimed, then `runs` times one after another, and times each run. */
export async function time(runs: number, fn: () => Promise<unknown>, warmup = 0) {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return stats(out);
}
