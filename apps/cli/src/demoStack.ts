/**
 * The demo's stack: zswap with lz4 in front of a file tier named ssd and a SQLite tier
 * named hdd, both in a fresh temporary directory that close() removes. close() is safe
 * to call twice, so the command can call it from both its finally and a signal handler.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VirtualClock } from '@tierswap/base';
import { createVirtualClock } from '@tierswap/base';
import type { SwapStack } from '@tierswap/stack';
import { createSwapStack } from '@tierswap/stack';
import type { FileDevice, SqliteDevice } from '@tierswap/tiered-store';
import { createFileDevice, createSqliteDevice } from '@tierswap/tiered-store';

export interface DemoStack {
  readonly stack: SwapStack;
  readonly clock: VirtualClock;
  readonly dir: string;
  /** Tier name of each device's file name as /proc/swaps shows it. */
  readonly tierOf: Readonly<Record<string, string>>;
  close(): void;
}

export interface DemoStackOptions {
  /** Pages the devices must be able to hold (each tier gets this many slots). */
  readonly pages: number;
  /** RAM of the stack: its page frames and the base of zswap's max_pool_percent. */
  readonly ramBytes: number;
}

export function createDemoStack(options: DemoStackOptions): DemoStack {
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-demo-'));
  let ssd: FileDevice | undefined;
  let hdd: SqliteDevice | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      ssd?.close();
      hdd?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const ssdPath = join(dir, 'ssd.swap');
    const hddPath = join(dir, 'hdd.db');
    ssd = createFileDevice({ path: ssdPath, slots: options.pages, preallocate: 'sparse' });
    hdd = createSqliteDevice({ path: hddPath, slots: options.pages });
    const clock = createVirtualClock();
    const stack = createSwapStack({
      clock,
      ramBytes: options.ramBytes,
      mode: 'vswap',
      zswap: { compressor: 'lz4' },
      tiers: '+ssd:100 +hdd:-1',
      devices: [
        { device: ssd, priority: 200 },
        { device: hdd, priority: 10 },
      ],
    });
    return { stack, clock, dir, tierOf: { [ssdPath]: 'ssd', [hddPath]: 'hdd' }, close };
  } catch (e) {
    close();
    throw e;
  }
}
