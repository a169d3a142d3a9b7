/**
 * Shared helpers of the tiered-store benchmarks: a tinybench run of a
 * baseline/subject pair repeated over interleaved rounds (so both see the same
 * machine state; the machine's 2 cores are shared). Results are saved with
 * saveBenchRecord from @tierswap/bench-kit.
 */
import { median } from '@tierswap/bench-kit';
import { Bench } from 'tinybench';

export interface PairResult {
  baseline: string;
  subject: string;
  /** Pages (operations × opsPerCall) per second, median over rounds. */
  baselinePerSec: number;
  subjectPerSec: number;
  /** subject / baseline, median of the per-round ratios. */
  ratio: number;
  rounds: number[];
}

function perSec(bench: Bench, name: string, opsPerCall: number): number {
  const task = bench.tasks.find((t) => t.name === name);
  const r = task?.result as { throughput?: { mean: number } } | undefined;
  return (r?.throughput?.mean ?? 0) * opsPerCall;
}

/** Runs baseline and subject `rounds` times, alternating which goes first. */
export function runPair(
  baseline: [string, () => void],
  subject: [string, () => void],
  opsPerCall: number,
  rounds = 3,
  timeMs = 600,
): PairResult {
  const b: number[] = [];
  const s: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: timeMs, warmupTime: 150 });
    const order = r % 2 === 0 ? [baseline, subject] : [subject, baseline];
    for (const [name, fn] of order) bench.add(name, fn);
    bench.runSync();
    const bb = perSec(bench, baseline[0], opsPerCall);
    const ss = perSec(bench, subject[0], opsPerCall);
    b.push(bb);
    s.push(ss);
    ratios.push(ss / bb);
  }
  return {
    baseline: baseline[0],
    subject: subject[0],
    baselinePerSec: median(b),
    subjectPerSec: median(s),
    ratio: median(ratios),
    rounds: ratios,
  };
}
