/**
 * The kernel's own zram as a reference: fill a fresh zram device with given pages and
 * read its mm_stat.
 *
 * Why: how well zsmalloc packs depends on the object sizes, so a packing figure means
 * little without the data behind it. A zram device of the running kernel, filled with
 * the very pages a benchmark gives our arena, tells what the real zsmalloc makes of
 * them (its chain length and class table are the running kernel's).
 *
 * Safety: only a device created here through /sys/class/zram-control/hot_add is ever
 * touched, and it is reset and removed before returning, also on failure. An existing
 * zram device (perhaps someone's swap) is left alone.
 */

import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';

const CONTROL = '/sys/class/zram-control';
const PAGE = 4096;

/** /sys/block/zramN/mm_stat, in bytes except where named pages. */
export interface ZramMmStat {
  readonly origDataSize: number;
  readonly comprDataSize: number;
  readonly memUsedTotal: number;
  readonly samePages: number;
  readonly pagesCompacted: number;
  readonly hugePages: number;
  /** The compressor the device used. */
  readonly algorithm: string;
}

/** Why a zram device cannot be created here, or undefined when it can. */
export function zramUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `zram is Linux only (platform ${process.platform})`;
  if (!existsSync(`${CONTROL}/hot_add`)) {
    return `no ${CONTROL}/hot_add: the kernel has no zram (CONFIG_ZRAM) or the module is not loaded`;
  }
  try {
    accessSync(`${CONTROL}/hot_add`, constants.R_OK);
    accessSync(`${CONTROL}/hot_remove`, constants.W_OK);
  } catch {
    return `${CONTROL} is not writable by uid ${process.getuid?.()}: creating a zram device needs root`;
  }
  return undefined;
}

/**
 * Create a zram device using `algorithm`, write `count` pages to it (pages[i % length],
 * 4 KiB each), and return its mm_stat. Throws, naming the cause, when zram is
 * unavailable or does not offer `algorithm`.
 */
export function zramFill(
  pages: readonly Uint8Array[],
  count: number,
  algorithm: string,
): ZramMmStat {
  const why = zramUnavailable();
  if (why !== undefined) throw new Error(`zramFill: ${why}`);
  if (pages.length === 0 || pages.some((p) => p.length !== PAGE)) {
    throw new Error(`zramFill: pages must be ${PAGE} B each (the kernel's page), and at least one`);
  }
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`zramFill: count ${count} is not a positive integer`);
  const id = Number(readFileSync(`${CONTROL}/hot_add`, 'utf8').trim());
  const dir = `/sys/block/zram${id}`;
  try {
    const offered = readFileSync(`${dir}/comp_algorithm`, 'utf8');
    if (!offered.split(/\s+/).some((a) => a.replace(/[[\]]/g, '') === algorithm)) {
      throw new Error(
        `zramFill: this kernel's zram has no ${algorithm} (it offers: ${offered.trim()})`,
      );
    }
    writeFileSync(`${dir}/comp_algorithm`, algorithm);
    writeFileSync(`${dir}/disksize`, String(count * PAGE));
    const fd = openSync(`/dev/zram${id}`, 'w');
    try {
      // 1 MiB writes through the page cache; fsync pushes every page into zram.
      const chunk = Buffer.alloc(256 * PAGE);
      for (let i = 0; i < count; ) {
        let n = 0;
        for (; n < 256 && i < count; n++, i++) chunk.set(pages[i % pages.length]!, n * PAGE);
        writeSync(fd, chunk, 0, n * PAGE, (i - n) * PAGE);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const f = readFileSync(`${dir}/mm_stat`, 'utf8').trim().split(/\s+/).map(Number);
    return {
      origDataSize: f[0]!,
      comprDataSize: f[1]!,
      memUsedTotal: f[2]!,
      samePages: f[5]!,
      pagesCompacted: f[6]!,
      hugePages: f[7]!,
      algorithm,
    };
  } finally {
    writeFileSync(`${dir}/reset`, '1');
    writeFileSync(`${CONTROL}/hot_remove`, String(id));
  }
}
