/**
 * A scenario's swap devices, made for one run: file and SQLite devices in a temporary
 * directory the run removes (or at the path a device names, kept afterwards), Redis
 * devices on the server a device's url names or the Cluster its seed nodes lead to,
 * each under a namespace of its own so two runs never share keys. close() closes every device and removes the directory, and
 * is safe to call after a failed creation (what was made is undone).
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockDevice } from '@tierswap/tiered-store';
import { createFileDevice, createSqliteDevice } from '@tierswap/tiered-store';
import type { DeviceSpec } from './scenarioSpec.js';
import { WorkloadError } from './workloadError.js';

const PAGE = 4096;

export interface ScenarioDevices {
  /** By the scenario's device name, in declaration order. */
  readonly byName: ReadonlyMap<string, BlockDevice>;
  close(): void;
}

function slotsOf(d: DeviceSpec): number {
  return d.slots ?? Math.floor(d.size! / PAGE);
}

export async function createScenarioDevices(
  specs: readonly DeviceSpec[],
): Promise<ScenarioDevices> {
  const byName = new Map<string, BlockDevice>();
  let dir: string | undefined;
  const tempDir = () => {
    dir ??= mkdtempSync(join(tmpdir(), 'tierswap-scenario-'));
    return dir;
  };
  const close = () => {
    for (const dev of byName.values()) {
      try {
        dev.close();
      } catch {
        // Closing is best effort: the directory below goes anyway.
      }
    }
    byName.clear();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  };
  let current = '';
  try {
    for (const d of specs) {
      current = `${d.kind} device ${d.name}`;
      const slots = slotsOf(d);
      let dev: BlockDevice;
      if (d.kind === 'file') {
        dev = createFileDevice({ path: d.path ?? join(tempDir(), `${d.name}.swap`), slots });
      } else if (d.kind === 'sqlite') {
        dev = createSqliteDevice({ path: d.path ?? join(tempDir(), `${d.name}.db`), slots });
      } else {
        // Loaded only when a scenario asks for Redis, so other runs never load a network client.
        const { createRedisDevice } = await import('@tierswap/redis-device');
        const device = `scenario-${randomBytes(4).toString('hex')}-${d.name}`.slice(0, 64);
        dev =
          d.cluster !== undefined
            ? createRedisDevice({ device, slots, cluster: d.cluster })
            : createRedisDevice({ device, slots, url: d.url! });
      }
      byName.set(d.name, dev);
    }
  } catch (e) {
    close();
    throw new WorkloadError(
      'IO_ERROR',
      'runScenario',
      `cannot create the ${current}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return { byName, close };
}
