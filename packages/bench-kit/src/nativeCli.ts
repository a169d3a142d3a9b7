/**
 * The native baseline of the compress and zswap benchmarks: the lz4 / zstd command-line tools'
 * own benchmark mode (`lz4 -b1 -B4096 -i1 FILE`, `zstd -b3 -B4096 -i1 FILE`) on the
 * same bytes, read back as microseconds per 4 KiB block.
 *
 * Why the CLIs: they are the C libraries at their best (no binding, no allocation per
 * call), which is what the issue's "x native" goals compare against. They report
 * their fastest iteration, so the benches compare against their own best rounds.
 */

import { spawnSync } from 'node:child_process';

const BLOCK = 4096;

/** Ratio and per-block times (us) reported by a CLI's benchmark mode. */
export interface Native {
  ratio: number;
  compUs: number;
  decompUs: number;
}

/** Run `tool -b<level> -B4096 -i1 file` and parse its last result line. */
export function nativeCli(tool: 'lz4' | 'zstd', level: number, file: string): Native {
  const r = spawnSync(tool, [`-b${level}`, `-B${BLOCK}`, '-i1', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
  const re = /\(x?([\d.]+)\),\s*([\d.]+) MB\/s\s*,\s*([\d.]+) MB\/s/g;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(r.stderr + r.stdout); m !== null; m = re.exec(r.stderr + r.stdout)) last = m;
  if (last === null) throw new Error(`cannot parse ${tool} output`);
  return {
    ratio: Number(last[1]),
    compUs: BLOCK / Number(last[2]),
    decompUs: BLOCK / Number(last[3]),
  };
}
