/**
 * The per-memcg interface file zswap owns, registered into a @tierswap/memcg
 * InterfaceFiles registry (as tiered-store registers memory.swap.tiers):
 *
 * memory.zswap.proactive_writeback (Hao Jia's v1, seed thread 001; write-only, not on
 * the root), e.g. `echo "max=10M 3600" > memory.zswap.proactive_writeback`:
 * - tokens separated by spaces: `max=<bytes>` (memparse: K/M/G... suffixes; optional,
 *   default unlimited) and `<age>` (seconds, an unsigned int; required);
 * - EINVAL when the age is missing, 0 or given twice, when `max` is 0, has trailing
 *   junk or is given twice, for any other token, and when writeback is disabled for
 *   the group (memory.zswap.writeback 0 here or above);
 * - then the pool's proactive walk over the group's subtree with its own cursor;
 *   EAGAIN when nothing could be written after 16 fruitless rounds; success otherwise
 *   (also when the age exceeds the uptime: nothing to do).
 * The write blocks until the walk is done, as the kernel's does (the pool is
 * synchronous).
 *
 * The pool must have been built on the registry's tree.
 */

import type { Refusal } from '@tierswap/base';
import { isRefusal, refuse, showValue } from '@tierswap/base';
import {
  type GroupId,
  type InterfaceFiles,
  memparse,
  parseKernelInt,
  parseKeyValue,
  tokenize,
} from '@tierswap/memcg';
import { ZswapError } from './zswapError.js';
import { ZswapPool } from './zswapPool.js';

/** A parsed write to memory.zswap.proactive_writeback. */
export interface ProactiveWritebackArgs {
  /** Budget in original bytes; Infinity when no `max=` was given. */
  readonly maxBytes: number;
  readonly minAgeSeconds: number;
}

const UINT_MAX = 0xffffffff;

/** The v1 syntax, `[max=<bytes>] <age>` in any order, or the refusal the kernel gives. */
export function parseProactiveWriteback(text: string): ProactiveWritebackArgs | Refusal {
  if (typeof text !== 'string') {
    throw new ZswapError(
      'INVALID_ARGUMENT',
      'parseProactiveWriteback',
      `text must be a string, got ${showValue(text)}`,
    );
  }
  let maxBytes: number | undefined;
  let age: number | undefined;
  for (const token of tokenize(text)) {
    const { key, value } = parseKeyValue(token);
    if (key === 'max' && value !== undefined) {
      if (maxBytes !== undefined) return refuse('EINVAL', `"${token}": max given twice`);
      const { bytes, end } = memparse(value);
      if (end !== value.length || value.length === 0) {
        return refuse('EINVAL', `"${token}": not a size (memparse stops at "${value.slice(end)}")`);
      }
      if (bytes === 0n) return refuse('EINVAL', `"${token}": max must not be 0`);
      maxBytes = Number(bytes);
      continue;
    }
    if (value === undefined && /^[0-9]/.test(token)) {
      if (age !== undefined) return refuse('EINVAL', `"${token}": the age is given twice`);
      const n = parseKernelInt(token, 0, UINT_MAX);
      if (typeof n !== 'number') return refuse('EINVAL', `"${token}": not an age in seconds`);
      if (n === 0) return refuse('EINVAL', `"${token}": the age must be at least 1 second`);
      age = n;
      continue;
    }
    return refuse('EINVAL', `"${token}": expected max=<bytes> or an age in seconds`);
  }
  if (age === undefined) return refuse('EINVAL', 'the age in seconds is required');
  return { maxBytes: maxBytes ?? Number.POSITIVE_INFINITY, minAgeSeconds: age };
}

/** Define memory.zswap.proactive_writeback in `files`, running on `pool`. */
export function registerZswapFiles(files: InterfaceFiles, pool: ZswapPool): void {
  if (!(pool instanceof ZswapPool) || pool.memcg !== files.tree) {
    throw new ZswapError(
      'INVALID_ARGUMENT',
      'registerZswapFiles',
      "the pool was not built on this registry's tree (createZswapPool({ memcg: files.tree, ... }))",
    );
  }
  files.define('memory.zswap.proactive_writeback', {
    notOnRoot: true,
    write: (g: GroupId, text: string) => {
      const args = parseProactiveWriteback(text);
      if (isRefusal(args)) return args;
      const r = pool.proactiveWriteback({
        memcg: g,
        maxBytes: args.maxBytes,
        minAgeSeconds: args.minAgeSeconds,
      });
      return isRefusal(r) ? r : undefined;
    },
  });
}
