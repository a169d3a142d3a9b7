/**
 * The demo as a scenario for @tierswap/workload's runScenario: three cgroups holding
 * real pages from this machine, a stack of zswap (lz4) → ssd (a file) → hdd (SQLite),
 * and a timeline of writes to the kernel's interface files. Sizes scale with the pages
 * per cgroup and times with the run's length, so a short run in a test tells the same
 * story as the default virtual hour.
 *
 * The story:
 * - web (the node binary's pages) is busy all along on a zipf pattern and is squeezed
 *   twice: a proactive memory.reclaim, then a lower memory.max;
 * - logs (files under /usr/share) is never touched again: proactive writeback by age
 *   (memory.zswap.proactive_writeback, v1 syntax) moves its cold zswap entries to ssd,
 *   then `memory.reclaim ... demote=ssd` moves some on to hdd;
 * - batch (the shared libraries) sleeps and ages (memory.swap.demote_age moves its old
 *   entries down a tier at each reclaim), then wakes and reads everything: refaults
 *   from every tier.
 */

import { existsSync, realpathSync } from 'node:fs';
import type { AccessPattern, PageSource, ScenarioInput } from '@tierswap/workload';
import { fileSource, uniformPattern, zipfPattern } from '@tierswap/workload';

export interface DemoScenarioOptions {
  /** Pages of real data per cgroup. */
  readonly pages: number;
  readonly seconds: number;
  readonly seed: number;
}

export interface DemoScenario {
  readonly input: ScenarioInput;
  /**
   * Every process's pattern built here and passed to runScenario: the spec's, and two a
   * scenario file cannot say (idle; idle, then waking).
   */
  readonly patterns: Readonly<Record<string, AccessPattern>>;
  /** The spec's file sources, built here (fileSource) and passed to runScenario too. */
  readonly sources: Readonly<Record<string, PageSource>>;
}

const CG = '/sys/fs/cgroup/demo';

/** A size for an interface file: whole MiB from 4 MiB up or when exact, else KiB. */
function size(bytes: number): string {
  const kib = Math.max(4, Math.round(bytes / 1024));
  if (bytes >= 4 << 20 || kib % 1024 === 0) return `${Math.round(kib / 1024)}M`;
  return `${kib}K`;
}

/** The machine's shared libraries: the multiarch directory when there is one. */
function libraryDirs(): string[] {
  for (const d of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64']) {
    if (existsSync(d)) return [d];
  }
  return ['/usr/lib'];
}

/** No accesses until `from` seconds, then `pattern`'s, shifted to start there. */
function startingAt(from: number, pattern: AccessPattern): AccessPattern {
  return {
    name: `${pattern.name} from ${from} s`,
    *accesses(o) {
      if (o.durationSeconds <= from) return;
      for (const a of pattern.accesses({ ...o, durationSeconds: o.durationSeconds - from })) {
        yield { ...a, time: a.time + from };
      }
    },
  };
}

/** A pattern that never touches a page (a process that only holds its memory). */
const IDLE: AccessPattern = { name: 'idle', accesses: () => [] };

export function demoScenario(options: DemoScenarioOptions): DemoScenario {
  const { pages, seconds, seed } = options;
  const s = (fraction: number) => Math.round(seconds * fraction);
  const bytes = pages * 4096;
  const groupFiles = {
    'memory.max': size(bytes / 2),
    'memory.zswap.max': size(bytes / 8),
  };
  const paths = {
    web: [realpathSync(process.execPath)],
    batch: libraryDirs(),
    logs: ['/usr/share'],
  };
  const input: ScenarioInput = {
    name: 'tierswap demo',
    seed,
    durationSeconds: seconds,
    sampleEverySeconds: Math.max(1, s(1 / 60)),
    stack: {
      mode: 'vswap',
      ramBytes: 3 * bytes,
      zswap: { compressor: 'lz4' },
      tiers: '+ssd:100 +hdd:-1',
    },
    devices: [
      { name: 'ssd', kind: 'file', slots: 3 * pages, priority: 200 },
      { name: 'hdd', kind: 'sqlite', slots: 3 * pages, priority: 10 },
    ],
    cgroups: [
      { path: '/demo' },
      { path: '/demo/web', files: groupFiles },
      { path: '/demo/batch', files: { ...groupFiles, 'memory.swap.demote_age': s(1 / 3) } },
      { path: '/demo/logs', files: groupFiles },
    ],
    processes: [
      {
        name: 'web',
        cgroup: '/demo/web',
        source: { kind: 'files', paths: paths.web, maxPages: pages },
        pattern: { kind: 'zipf', rate: 300, exponent: 1.3 },
      },
      {
        name: 'batch',
        cgroup: '/demo/batch',
        source: { kind: 'files', paths: paths.batch, maxPages: pages },
        // Replaced by the waking pattern below; a file can only say a rate from the start.
        pattern: { kind: 'uniform', rate: 60 },
      },
      {
        name: 'logs',
        cgroup: '/demo/logs',
        source: { kind: 'files', paths: paths.logs, maxPages: pages },
        pattern: { kind: 'uniform', rate: 1 },
      },
    ],
    timeline: [
      {
        kind: 'write',
        every: s(1 / 12),
        from: s(1 / 4),
        path: `${CG}/logs/memory.zswap.proactive_writeback`,
        value: `max=${size(bytes / 8)} ${s(1 / 6)}`,
      },
      { kind: 'write', at: s(1 / 2), path: `${CG}/web/memory.reclaim`, value: size(bytes / 8) },
      {
        kind: 'write',
        at: s(7 / 12),
        path: `${CG}/logs/memory.reclaim`,
        value: `${size(bytes / 8)} demote=ssd`,
      },
      { kind: 'write', at: s(2 / 3), path: `${CG}/web/memory.max`, value: size(bytes * 0.3) },
      { kind: 'write', at: s(0.7), path: `${CG}/batch/memory.reclaim`, value: size(bytes / 16) },
    ],
  };
  return {
    input,
    patterns: {
      web: zipfPattern({ rate: 300, exponent: 1.3 }),
      batch: startingAt(s(0.75), uniformPattern({ rate: 60 })),
      logs: IDLE,
    },
    sources: {
      web: fileSource(paths.web, { maxPages: pages }),
      batch: fileSource(paths.batch, { maxPages: pages }),
      logs: fileSource(paths.logs, { maxPages: pages }),
    },
  };
}
