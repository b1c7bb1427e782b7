// Timing figures shared by the bench sections: percentiles of samples, and a timed loop.

export const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Nearest-rank percentiles (with max and mean) of timing samples in milliseconds. */
export function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return {
    n: s.length,
    p50: at(0.5),
    p99: at(0.99),
    max: s[s.length - 1],
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

/**
 * p50 and p99 of a sample, or p50 and max below 100 samples: there the nearest-rank p99 is
 * simply the largest value, and printing it as a p99 would claim more than was measured.
 */
export const spread = (s: ReturnType<typeof stats>) =>
  `p50 ${ms(s.p50)}, ${s.n >= 100 ? `p99 ${ms(s.p99)}` : `max ${ms(s.max)}`} (n=${s.n})`;

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

/**
 * Runs every function of `fns` once per round, `runs` rounds after `warmup` untimed ones,
 * interleaved request by request (the order rotates each round, so none always goes first).
 * Each returns its measurements; rows[i][name] are round i's. Compare two of them with
 * `pairedDiff`, so a machine that slows down or speeds up during the run moves both alike.
 */
export async function interleaved<N extends string, K extends string>(
  runs: number,
  warmup: number,
  fns: Record<N, () => Promise<Record<K, number>>>,
) {
  const names = Object.keys(fns) as N[];
  const rows: Record<N, Record<K, number>>[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const row = {} as Record<N, Record<K, number>>;
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      row[name] = await fns[name]();
    }
    if (i >= warmup) rows.push(row);
  }
  return rows;
}

/** Percentiles of `key` for one side, and of the per-round differences a − b. */
export function pairedDiff<N extends string, K extends string>(
  rows: Record<N, Record<K, number>>[],
  key: K,
  a: N,
  b: N,
) {
  return {
    a: stats(rows.map((r) => r[a][key])),
    b: stats(rows.map((r) => r[b][key])),
    diff: stats(rows.map((r) => r[a][key] - r[b][key])),
  };
}

export const signed = (x: number) => `${x >= 0 ? "+" : ""}${ms(x)}`;

/** One printed figure: p50 and p99 of the paired differences, and both sides' p50. */
export const diffLine = (label: string, d: ReturnType<typeof pairedDiff>) =>
  `  ${label.padEnd(34)} p50 ${signed(d.diff.p50).padStart(10)}  p99 ${signed(d.diff.p99).padStart(10)}   (${ms(d.a.p50)} vs ${ms(d.b.p50)} at p50)`;
