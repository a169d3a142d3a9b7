/**
 * The native baseline of the compression study: the lz4 and zstd command-line tools'
 * own benchmark mode on the same bytes the study compressed, in the same run:
 * `lz4 -b1 -B4096 -i1 FILE` and `zstd -bN -B4096 -i1 FILE`. With -B4096 each tool cuts
 * the file into independent 4 KiB blocks, compresses each alone (as zswap compresses a
 * page) and prints the exact total of the compressed blocks, so the study's total of
 * per-page sizes can be compared byte for byte, and its speeds (MB/s of input, the best
 * of the iterations within the minimum time -i1) are the C libraries at their best.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { BenchError } from '../benchError.js';

export interface NativeRun {
  /** The command line run. */
  readonly command: string;
  readonly inputBytes: number;
  /** Sum of the compressed blocks, as the tool prints it. */
  readonly compressedBytes: number;
  readonly ratio: number;
  /** Single-thread speeds the tool reports, MB/s (10^6 bytes) of input. */
  readonly compressMBps: number;
  readonly decompressMBps: number;
  /** Wall time of the whole command (both directions and loading the file). */
  readonly wallSeconds: number;
}

/** Which tool and level runs a study codec (`lz4`, `zstd-3`). */
export function nativeCommand(
  codec: 'lz4' | 'zstd',
  level: number,
  file: string,
  blockBytes = 4096,
): string[] {
  return codec === 'lz4'
    ? ['lz4', '-b1', `-B${blockBytes}`, '-i1', file]
    : ['zstd', `-b${level}`, `-B${blockBytes}`, '-i1', file];
}

/** Whether `tool` runs here (the study leaves the native columns out otherwise). */
export function hasTool(tool: 'lz4' | 'zstd'): boolean {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Run one CLI benchmark and read its last result line. */
export function runNative(
  codec: 'lz4' | 'zstd',
  level: number,
  file: string,
  blockBytes = 4096,
): NativeRun {
  const [tool, ...args] = nativeCommand(codec, level, file, blockBytes);
  const command = [tool, ...args].join(' ');
  const started = performance.now();
  const r = spawnSync(tool ?? codec, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallSeconds = (performance.now() - started) / 1000;
  if (r.status !== 0) {
    throw new BenchError(
      'TOOL_FAILED',
      'compressionNative.runNative',
      `${command} failed (status ${r.status}): ${(r.stderr ?? String(r.error)).slice(-300)}`,
    );
  }
  const out = `${r.stderr}${r.stdout}`;
  const re = /:\s*(\d+)\s*->\s*(\d+)\s*\(x?([\d.]+)\),\s*([\d.]+)\s*MB\/s\s*,\s*([\d.]+)\s*MB\/s/g;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(out); m !== null; m = re.exec(out)) last = m;
  if (last === null) {
    throw new BenchError(
      'TOOL_FAILED',
      'compressionNative.runNative',
      `cannot read ${command}'s output: ${out.slice(-300)}`,
    );
  }
  const inputBytes = Number(last[1]);
  const compressedBytes = Number(last[2]);
  return {
    command,
    inputBytes,
    compressedBytes,
    ratio: inputBytes / compressedBytes,
    compressMBps: Number(last[4]),
    decompressMBps: Number(last[5]),
    wallSeconds,
  };
}

/** Write `pageCount` pages of `pages` to `path` (the bytes the CLIs read). */
export function writePages(
  pages: SharedArrayBuffer,
  pageCount: number,
  pageSize: number,
  path: string,
): void {
  const fd = openSync(path, 'w');
  try {
    const all = new Uint8Array(pages, 0, pageCount * pageSize);
    const step = 16 << 20;
    for (let at = 0; at < all.length; at += step) {
      const part = all.subarray(at, Math.min(all.length, at + step));
      let done = 0;
      while (done < part.length) done += writeSync(fd, part, done);
    }
  } finally {
    closeSync(fd);
  }
}
