/**
 * The global files of the stack, at the kernel's paths: zswap's module parameters,
 * the swap tiers, /proc/swaps, /proc/vmstat and zswap's debugfs counters. Each is a
 * reader and maybe a writer; a writer validates everything before it changes anything
 * and answers like the kernel's handler:
 *
 * - /sys/module/zswap/parameters/enabled, shrinker_enabled: kstrtobool (y/Y/1/n/N/0,
 *   on/off), else EINVAL.
 * - compressor: a codec name (lz4, zstd, none), else ENOENT as zswap's
 *   "compressor not available"; in-flight entries keep their codec.
 * - max_pool_percent: kstrtouint, then 0..100 (the kernel takes any uint; the pool
 *   refuses above 100), else EINVAL. accept_threshold_percent: 0..100, else EINVAL
 *   (param_set_uint_minmax).
 * - /sys/kernel/mm/swap/tiers: tiered-store's SwapTiers (EINVAL, EEXIST, EBUSY, ...).
 * - /proc/swaps, /proc/vmstat, /sys/kernel/debug/zswap/*: read-only (EACCES on write).
 */

import type { Refusal } from '@tierswap/base';
import { isRefusal, refuse } from '@tierswap/base';
import { createCodec, isCodecName } from '@tierswap/compress';
import { parseKernelInt, ROOT_GROUP, strstrip } from '@tierswap/memcg';
import type { StackCore } from './core.js';
import { timedCodec } from './timedCodec.js';

export interface GlobalFile {
  read?: () => string;
  write?: (text: string) => Refusal | undefined;
}

function parseBool(text: string): boolean | Refusal {
  const s = text.endsWith('\n') ? text.slice(0, -1) : text;
  const c = s.charAt(0);
  if (s.length === 1 || s.length === 0) {
    if (c === 'y' || c === 'Y' || c === '1') return true;
    if (c === 'n' || c === 'N' || c === '0') return false;
  }
  if (s === 'on') return true;
  if (s === 'off') return false;
  return refuse('EINVAL', `"${s}" is not a boolean (y/n/1/0/on/off)`);
}

function percent(text: string, name: string): number | Refusal {
  const n = parseKernelInt(strstrip(text), 0, 0xffffffff);
  if (isRefusal(n)) return n;
  if (n > 100) return refuse('EINVAL', `${name} ${n} is above 100`);
  return n;
}

/**
 * tierswap's own zswap parameters, for the studies (none is in the kernel):
 * proactive_cursor (kstrtobool: N walks every proactive request from the first child,
 * as v4 of Hao Jia's series), incompressible (reject | store_raw | retry, else EINVAL),
 * raw_retry_seconds (kstrtouint), retry_compressor (a codec name, else ENOENT) and
 * max_compressed_bytes (1..PAGE_SIZE-1, else EINVAL; Google's far memory uses 2990).
 */
function studyParams(core: StackCore, m: Map<string, GlobalFile>): void {
  const pool = core.pool;
  const P = '/sys/module/zswap/parameters/';
  m.set(`${P}proactive_cursor`, {
    read: () => (pool.tunables().proactiveCursor ? 'Y\n' : 'N\n'),
    write: (t) => {
      const b = parseBool(t);
      if (isRefusal(b)) return b;
      pool.setTunables({ proactiveCursor: b });
      return undefined;
    },
  });
  m.set(`${P}incompressible`, {
    read: () => `${pool.tunables().incompressible}\n`,
    write: (t) => {
      const v = strstrip(t);
      if (v !== 'reject' && v !== 'store_raw' && v !== 'retry') {
        return refuse('EINVAL', `"${v}" is not reject, store_raw or retry`);
      }
      pool.setTunables({ incompressible: v });
      return undefined;
    },
  });
  m.set(`${P}raw_retry_seconds`, {
    read: () => `${pool.tunables().rawRetrySeconds}\n`,
    write: (t) => {
      const v = strstrip(t);
      // kstrtouint: digits only (a sign other than '+' is EINVAL).
      if (!/^\+?[0-9]+$/.test(v)) return refuse('EINVAL', `"${v}" is not a number of seconds`);
      const n = parseKernelInt(v, 0, 0x7fffffff);
      if (isRefusal(n)) return n;
      pool.setTunables({ rawRetrySeconds: n });
      return undefined;
    },
  });
  m.set(`${P}retry_compressor`, {
    read: () => `${pool.retryCodec.name}\n`,
    write: (t) => {
      const name = strstrip(t);
      if (!isCodecName(name)) return refuse('ENOENT', `compressor "${name}" not available`);
      pool.setRetryCodec(timedCodec(createCodec(name), core.codecTimes));
      return undefined;
    },
  });
  m.set(`${P}max_compressed_bytes`, {
    read: () => `${pool.tunables().maxCompressedBytes}\n`,
    write: (t) => {
      const n = parseKernelInt(strstrip(t), 0, 0xffffffff);
      if (isRefusal(n)) return n;
      if (n < 1 || n >= core.pageSize) {
        return refuse('EINVAL', `max_compressed_bytes ${n} is not in 1..${core.pageSize - 1}`);
      }
      pool.setTunables({ maxCompressedBytes: n });
      return undefined;
    },
  });
}

export function globalFiles(core: StackCore): Map<string, GlobalFile> {
  const pool = core.pool;
  const m = new Map<string, GlobalFile>();
  const P = '/sys/module/zswap/parameters/';
  m.set(`${P}enabled`, {
    read: () => (core.zswapEnabled ? 'Y\n' : 'N\n'),
    write: (t) => {
      const b = parseBool(t);
      if (isRefusal(b)) return b;
      core.zswapEnabled = b;
      return undefined;
    },
  });
  m.set(`${P}compressor`, {
    read: () => `${pool.compressor.name}\n`,
    write: (t) => {
      const name = t.endsWith('\n') ? t.slice(0, -1) : t;
      if (!isCodecName(name)) return refuse('ENOENT', `compressor "${name}" not available`);
      pool.setCompressor(timedCodec(createCodec(name), core.codecTimes));
      return undefined;
    },
  });
  m.set(`${P}max_pool_percent`, {
    read: () => `${pool.tunables().maxPoolPercent}\n`,
    write: (t) => {
      const n = percent(t, 'max_pool_percent');
      if (isRefusal(n)) return n;
      pool.setTunables({ maxPoolPercent: n });
      return undefined;
    },
  });
  m.set(`${P}accept_threshold_percent`, {
    read: () => `${pool.tunables().acceptThresholdPercent}\n`,
    write: (t) => {
      const n = percent(t, 'accept_threshold_percent');
      if (isRefusal(n)) return n;
      pool.setTunables({ acceptThresholdPercent: n });
      return undefined;
    },
  });
  m.set(`${P}shrinker_enabled`, {
    read: () => (pool.tunables().shrinkerEnabled ? 'Y\n' : 'N\n'),
    write: (t) => {
      const b = parseBool(t);
      if (isRefusal(b)) return b;
      pool.setTunables({ shrinkerEnabled: b });
      return undefined;
    },
  });
  studyParams(core, m);
  m.set('/sys/kernel/mm/swap/tiers', {
    read: () => core.swap.tiers.read(),
    write: (t) => core.swap.tiers.write(t),
  });
  m.set('/proc/swaps', {
    read: () => {
      let out = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
      for (const d of core.swap.swaps()) {
        const kib = core.pageSize / 1024;
        out += `${d.name}\t\t${d.kind}\t\t${d.slots * kib}\t\t${d.used * kib}\t\t${d.priority}\n`;
      }
      return out;
    },
  });
  m.set('/proc/vmstat', { read: () => vmstat(core) });
  for (const key of Object.keys(pool.stats())) {
    m.set(`/sys/kernel/debug/zswap/${key}`, {
      read: () => `${(pool.stats() as unknown as Record<string, number>)[key]}\n`,
    });
  }
  return m;
}

/** /proc/vmstat: the swap lines, the stack's reclaim lines, measured codec time, per tier. */
export function vmstat(core: StackCore): string {
  const c = core.counters;
  const z = core.pool.stats();
  const tree = core.tree;
  const proactive = tree.stats.lookup('zswpwb_proactive');
  const lines: [string, number][] = [
    ['pgfault', c.pgfault],
    ['pgmajfault', c.pgmajfault],
    ['pswpin', c.pswpin],
    ['pswpout', c.pswpout],
    ['pgscan', c.pgscan],
    ['pgsteal', c.pgsteal],
    ['pgactivate', c.pgactivate],
    ['pgdeactivate', c.pgdeactivate],
    ['zswpin', c.zswpin],
    ['zswpout', c.zswpout],
    ['zswpwb', z.written_back_pages],
    ['zswpwb_proactive', proactive === undefined ? 0 : tree.statTotal(ROOT_GROUP, proactive)],
    ['swpin_zero', c.swpin_zero],
    ['swpout_zero', c.swpout_zero],
    ['swpout_kept', c.swpout_kept],
    ['workingset_refault_zero', c.refault_zero],
    ['workingset_refault_zswap', c.refault_zswap],
    ['workingset_refault_disk', c.refault_disk],
    ['swap_demote', c.swap_demote],
    ['pte_rewrites', c.pte_rewrites],
    ['swapoff_swapin', c.swapoff_swapin],
    ['oom_kill', c.oom],
    ['zswap_compress_ns', Math.round(core.codecTimes.compressNs)],
    ['zswap_decompress_ns', Math.round(core.codecTimes.decompressNs)],
  ];
  for (const [name, t] of c.tiers) {
    lines.push([`swpout_tier_${name}`, t.swpout]);
    lines.push([`swpin_tier_${name}`, t.swpin]);
    lines.push([`refault_tier_${name}`, t.refault]);
    lines.push([`demote_in_tier_${name}`, t.demoted_in]);
    lines.push([`demote_out_tier_${name}`, t.demoted_out]);
  }
  return lines.map(([k, v]) => `${k} ${v}\n`).join('');
}
