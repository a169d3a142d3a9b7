/**
 * The demo's scenario as data: three cgroups holding real pages from this machine, the
 * access pattern of each over the run, and a timeline of writes to the kernel's
 * interface files. Kept as a plain description (no code runs here) so that it maps onto
 * @tierswap/workload's scenario spec when its runner lands: then this becomes a spec and
 * interimScenario.ts goes.
 *
 * The story, on the virtual clock (an hour by default):
 * - web (the node binary's pages) is busy all along on a hot/cold pattern, and is
 *   squeezed twice: a proactive memory.reclaim, then a lower memory.max;
 * - logs (text under /usr/share) is never touched again: proactive writeback by age
 *   moves its cold zswap entries to the ssd tier, then `demote=ssd` moves some to hdd;
 * - batch (shared libraries under /usr/lib) sleeps, ages (memory.swap.demote_age moves
 *   its old entries down at each reclaim), then wakes and scans: refaults from every tier.
 */

import type { PageSource } from '@tierswap/workload';

/** How a process touches its pages from `from` seconds on (until the next phase). */
export interface PlanPhase {
  readonly from: number;
  /** Accesses per virtual second (0: idle). */
  readonly rate: number;
  /** Share of the pages that are hot, and the probability an access goes to one. */
  readonly hotShare: number;
  readonly hotProbability: number;
}

export interface PlanProcess {
  readonly group: string;
  readonly source: PageSource;
  readonly phases: readonly PlanPhase[];
}

/** A write to an interface file at `at` seconds, repeated every `every` seconds if given. */
export interface PlanWrite {
  readonly at: number;
  readonly every?: number;
  readonly path: string;
  readonly text: string;
  /** What it is for, shown next to what it did. */
  readonly note: string;
}

export interface DemoPlan {
  readonly seconds: number;
  readonly sampleEvery: number;
  readonly seed: number;
  /** Cgroup paths (under /sys/fs/cgroup), parents first, made before anything else. */
  readonly groups: readonly string[];
  readonly processes: readonly PlanProcess[];
  /** Writes in time order; `at: 0` ones run before any page is loaded. */
  readonly timeline: readonly PlanWrite[];
}

export interface DemoSources {
  readonly web: PageSource;
  readonly batch: PageSource;
  readonly logs: PageSource;
}

const CG = '/sys/fs/cgroup/demo';

/** A size for an interface file: whole MiB from 4 MiB up or when exact, else KiB (small runs stay distinct). */
function mib(bytes: number): string {
  const kib = Math.max(4, Math.round(bytes / 1024));
  if (bytes >= 4 << 20 || kib % 1024 === 0) return `${Math.round(kib / 1024)}M`;
  return `${kib}K`;
}

/** The demo's plan over `sources`, `seconds` long (scaled from the one-hour story). */
export function demoPlan(sources: DemoSources, seconds = 3600, seed = 1): DemoPlan {
  const s = (fraction: number) => Math.round(seconds * fraction);
  const bytes = (src: PageSource) => src.pageCount * 4096;
  return {
    seconds,
    sampleEvery: Math.max(1, s(1 / 60)),
    seed,
    groups: ['/demo', '/demo/web', '/demo/batch', '/demo/logs'],
    processes: [
      {
        group: '/demo/web',
        source: sources.web,
        phases: [{ from: 0, rate: 400, hotShare: 0.1, hotProbability: 0.98 }],
      },
      {
        group: '/demo/batch',
        source: sources.batch,
        phases: [
          { from: 0, rate: 0, hotShare: 1, hotProbability: 1 },
          { from: s(0.75), rate: 60, hotShare: 1, hotProbability: 1 },
        ],
      },
      {
        group: '/demo/logs',
        source: sources.logs,
        phases: [{ from: 0, rate: 0, hotShare: 1, hotProbability: 1 }],
      },
    ],
    timeline: [
      ...(['web', 'batch', 'logs'] as const).flatMap((g) => [
        {
          at: 0,
          path: `${CG}/${g}/memory.max`,
          text: mib(bytes(sources[g]) / 2),
          note: `${g} may keep half its pages' worth of memory`,
        },
        {
          at: 0,
          path: `${CG}/${g}/memory.zswap.max`,
          text: mib(bytes(sources[g]) / 8),
          note: 'an eighth of its pages may be compressed bytes',
        },
      ]),
      {
        at: 0,
        path: `${CG}/batch/memory.swap.demote_age`,
        text: String(s(1 / 3)),
        note: "batch's swapped pages move down a tier at reclaim once this old",
      },
      {
        at: s(1 / 4),
        every: s(1 / 12),
        path: `${CG}/logs/memory.zswap.proactive_writeback`,
        text: `max=${mib(bytes(sources.logs) / 8)} ${s(1 / 6)}`,
        note: "write logs' zswap entries older than this back to ssd (v1 syntax)",
      },
      {
        at: s(0.5),
        path: `${CG}/web/memory.reclaim`,
        text: mib(bytes(sources.web) / 8),
        note: 'proactive reclaim of web',
      },
      {
        at: s(7 / 12),
        path: `${CG}/logs/memory.reclaim`,
        text: `${mib(bytes(sources.logs) / 8)} demote=ssd`,
        note: 'demote logs from ssd to hdd',
      },
      {
        at: s(2 / 3),
        path: `${CG}/web/memory.max`,
        text: mib(bytes(sources.web) * 0.3),
        note: 'web squeezed to 30%',
      },
      {
        at: s(0.7),
        path: `${CG}/batch/memory.reclaim`,
        text: mib(bytes(sources.batch) / 16),
        note: 'reclaim batch: its old entries demote by age first',
      },
    ],
  };
}
