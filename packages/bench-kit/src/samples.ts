/**
 * Statistics of benchmark samples.
 */

/**
 * The median of a set of samples. Benchmarks report medians of interleaved rounds rather
 * than means: on a shared 2-core machine one round that lost its core to another job
 * would drag a mean, but not the median.
 */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median: no samples');
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The best (smallest) of a set of timings. The machine is shared, so slow rounds measure
 * other jobs; the native CLIs report their fastest iteration, so a bench that compares
 * against them compares best with best.
 */
export function best(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('best: no samples');
  return Math.min(...samples);
}
