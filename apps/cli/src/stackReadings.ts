/**
 * Readings of a live stack through its interface files, the way a person on a real
 * machine would take them: memory.current and memory.stat per cgroup, zswap's debugfs
 * counters, /proc/swaps and /proc/vmstat. One sample is a plain JSON-able object, so a
 * run's time series prints with --json as it is.
 */

import { isRefusal } from '@tierswap/base';
import type { SwapStack } from '@tierswap/stack';
import { CliError } from './cliError.js';

export interface GroupReading {
  /** memory.current, bytes. */
  readonly current: number;
  /** memory.stat, every key. */
  readonly stat: Readonly<Record<string, number>>;
}

export interface StackSample {
  /** Virtual seconds since the start. */
  readonly time: number;
  readonly groups: Readonly<Record<string, GroupReading>>;
  /** The root's memory.stat (the whole machine). */
  readonly root: Readonly<Record<string, number>>;
  /** /sys/kernel/debug/zswap/*. */
  readonly zswap: Readonly<Record<string, number>>;
  /** Bytes used per swap device (/proc/swaps "Used", KiB × 1024), by device name (or file name). */
  readonly swapUsed: Readonly<Record<string, number>>;
  readonly vmstat: Readonly<Record<string, number>>;
}

/** `key value` lines into numbers (memory.stat, /proc/vmstat). */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

/** Read `path`, failing loudly: the demo reads only files the stack serves. */
export function readFile(stack: SwapStack, path: string): string {
  const r = stack.fs.read(path);
  if (isRefusal(r)) {
    throw new CliError('FAILED', 'readFile', `cat ${path}: ${r.errno}: ${r.reason}`);
  }
  return r;
}

/** The device lines of /proc/swaps: file name to bytes used. */
export function parseProcSwaps(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 5 && cols[0] && /^\d+$/.test(cols[3] ?? '')) {
      out[cols[0]] = Number(cols[3]) * 1024;
    }
  }
  return out;
}

/** One sample of `groups` (paths under /sys/fs/cgroup, like '/demo/web'). */
export function sampleStack(
  stack: SwapStack,
  groups: readonly string[],
  time: number,
  deviceNames: Readonly<Record<string, string>> = {},
): StackSample {
  const readings: Record<string, GroupReading> = {};
  for (const g of groups) {
    const dir = `/sys/fs/cgroup${g}`;
    readings[g] = {
      current: Number(readFile(stack, `${dir}/memory.current`).trim()),
      stat: parseKeyValues(readFile(stack, `${dir}/memory.stat`)),
    };
  }
  const zswap: Record<string, number> = {};
  const debug = stack.fs.ls('/sys/kernel/debug/zswap');
  if (!isRefusal(debug)) {
    for (const name of debug) {
      const v = Number(readFile(stack, `/sys/kernel/debug/zswap/${name}`).trim());
      if (Number.isFinite(v)) zswap[name] = v;
    }
  }
  return {
    time,
    groups: readings,
    root: parseKeyValues(readFile(stack, '/sys/fs/cgroup/memory.stat')),
    zswap,
    swapUsed: Object.fromEntries(
      Object.entries(parseProcSwaps(readFile(stack, '/proc/swaps'))).map(([file, used]) => [
        deviceNames[file] ?? file,
        used,
      ]),
    ),
    vmstat: parseKeyValues(readFile(stack, '/proc/vmstat')),
  };
}
