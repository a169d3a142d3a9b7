/**
 * Study 5, swap metadata (seeds 002 and 004): bytes of swap metadata per swapped page
 * for three designs, at the occupancy a real run had, next to what the stack spent.
 *
 * The run: a job on the node binary's pages (zipf), an agent reclaiming into zswap and
 * proactive writeback to a file device, once in each stack mode. At its end: S pages
 * swapped, of which Z in zswap and D on disk (the rest zero-filled); the ghost swapfile
 * has G slots (the stack's default, one per page of RAM, as deployments size it), the
 * disk P slots. The designs, with the numbers the threads give:
 *
 * - classic with a ghost swapfile (Yosry Ahmed in seed 004: Google runs zswap on sparse
 *   "ghost" swapfiles): 3 B static per slot of every swapfile (swap_map 1 B +
 *   swap_cgroup 2 B) and 8 B dynamic per used slot (the swap table), Chris Li's
 *   "3 static + 8 dynamic"; plus zswap's own tree (an xarray, ~9 B per zswap page);
 * - virtual swap v3 (Nhat Pham, seed 002's series): a 24 B descriptor per swapped page
 *   (it holds the zswap entry, the swap cache and the memcg id, so no zswap tree and no
 *   swap_cgroup) and two bitmaps per physical slot (2 bits);
 * - the swap-table edition of virtual swap (Kairui Song, 2026): 8 B per virtual slot
 *   (clusters allocated on demand; counted dense here) and, for a page on disk, its
 *   physical slot's 8 B table entry holding the reverse map; physical devices keep
 *   their 3 B static per slot.
 *
 * Cluster headers and allocator bookkeeping are left out of all three alike. The
 * stack's own figure is stack.metadataBytes(): its swap words, zswap's entry tables
 * and arena metadata, vswap's descriptors and the slot maps (typed arrays sized by
 * capacity, so it is what the process holds, not a per-live-entry ideal).
 */

import type { StackMode } from '@tierswap/stack';
import { fileSource, runScenario, zipfPattern } from '@tierswap/workload';
import { z } from 'zod';
import {
  finishStudy,
  mdTable,
  PAGE,
  round,
  type StudyChart,
  type StudyOptions,
  type StudyOutput,
} from './studyKit.js';

export interface SwapMetadataOptions extends StudyOptions {
  readonly pages?: number;
  readonly durationSeconds?: number;
}

/** The per-design byte costs the threads give. */
export const DESIGN_COSTS = {
  classicStaticPerSlot: 3,
  classicDynamicPerUsedSlot: 8,
  zswapTreePerEntry: 9,
  vswapDescriptor: 24,
  vswapBitsPerPhysicalSlot: 2,
  swapTableVirtualSlot: 8,
  swapTableReverseMap: 8,
} as const;

export interface Occupancy {
  /** Pages swapped out: in zswap, on disk, zero-filled. */
  readonly swapped: number;
  readonly zswap: number;
  readonly disk: number;
  readonly ghostSlots: number;
  readonly diskSlots: number;
}

/** Bytes of swap metadata of each design at an occupancy. */
export function designBytes(o: Occupancy) {
  const c = DESIGN_COSTS;
  return {
    classicGhost:
      c.classicStaticPerSlot * (o.ghostSlots + o.diskSlots) +
      c.classicDynamicPerUsedSlot * o.swapped +
      c.zswapTreePerEntry * o.zswap,
    vswapV3:
      c.vswapDescriptor * o.swapped + Math.ceil((o.diskSlots * c.vswapBitsPerPhysicalSlot) / 8),
    swapTableEdition:
      c.swapTableVirtualSlot * o.swapped +
      c.swapTableReverseMap * o.disk +
      c.classicStaticPerSlot * o.diskSlots,
  };
}

const designSchema = z.object({
  classicGhost: z.number(),
  vswapV3: z.number(),
  swapTableEdition: z.number(),
});

const runSchema = z.object({
  mode: z.enum(['vswap', 'classic']),
  occupancy: z.object({
    swapped: z.number(),
    zswap: z.number(),
    disk: z.number(),
    ghostSlots: z.number(),
    diskSlots: z.number(),
  }),
  /** swapped / ghost slots. */
  ghostOccupancy: z.number(),
  designBytesPerSwappedPage: designSchema,
  stack: z.object({
    swapWords: z.number(),
    zswap: z.number(),
    vswap: z.number(),
    slots: z.number(),
    bytesPerSwappedPage: z.number(),
  }),
});

export const swapMetadataSchema = z.object({
  pages: z.number(),
  durationSeconds: z.number(),
  costs: z.record(z.string(), z.number()),
  runs: z.array(runSchema),
  /** The designs' bytes per swapped page over ghost occupancy, the run's split kept. */
  sweep: z.array(z.object({ occupancy: z.number(), design: z.string(), bytesPerPage: z.number() })),
});
export type SwapMetadataData = z.output<typeof swapMetadataSchema>;

const JOB = '/job';

export async function swapMetadataStudy(
  options: SwapMetadataOptions = {},
): Promise<StudyOutput<typeof swapMetadataSchema>> {
  const quick = options.quick === true;
  const pages = options.pages ?? (quick ? 1024 : 16384);
  const duration = options.durationSeconds ?? (quick ? 300 : 1800);
  const ramBytes = pages * PAGE * 4;
  // The stack's default ghost swapfile (scenarios take the default): one slot per page of RAM.
  const ghostSlots = Math.max(1024, Math.floor(ramBytes / PAGE));
  const runs: z.input<typeof runSchema>[] = [];
  for (const [k, mode] of (['vswap', 'classic'] as StackMode[]).entries()) {
    const r = await runScenario(
      {
        name: `metadata-${mode}`,
        durationSeconds: duration,
        stack: { mode, ramBytes, zswap: { maxPoolPercent: 100 } },
        devices: [{ name: 'disk', kind: 'file', slots: pages + 64, priority: 10 }],
        cgroups: [{ path: JOB }],
        processes: [
          {
            name: 'app',
            cgroup: JOB,
            source: { kind: 'generated', pages },
            pattern: { kind: 'uniform', rate: 1 },
          },
        ],
        timeline: [
          {
            kind: 'write',
            path: `/sys/fs/cgroup${JOB}/memory.reclaim`,
            value: `${Math.max(1, Math.floor(pages * 0.02)) * PAGE}`,
            every: 5,
          },
          {
            kind: 'write',
            path: `/sys/fs/cgroup${JOB}/memory.zswap.proactive_writeback`,
            value: `max=${Math.floor(pages / 4) * PAGE} 120`,
            every: 30,
          },
        ],
      },
      {
        sources: { app: fileSource(process.execPath, { maxPages: pages }) },
        patterns: { app: zipfPattern({ rate: pages / 20, exponent: 1.1 }) },
      },
    );
    const f = r.final;
    const swapped = f.stats.swappedPages;
    const zswapPages = r.series.at(-1)!.pool.storedPages;
    // Zero-filled entries still out (no exits in this run), then what is neither zero nor zswap is on disk.
    // (Device slots in use are not it: a classic-mode zswap page also holds a disk slot.)
    const zero = (f.stats.vmstat.swpout_zero ?? 0) - (f.stats.vmstat.swpin_zero ?? 0);
    const disk = Math.max(0, swapped - zswapPages - zero);
    const occ: Occupancy = {
      swapped,
      zswap: zswapPages,
      disk,
      ghostSlots,
      diskSlots: pages + 64,
    };
    const per = designBytes(occ);
    const m = f.metadata;
    const stackBytes = m.swapWords + m.zswap + m.vswap + m.slots;
    runs.push({
      mode,
      occupancy: occ,
      ghostOccupancy: round(swapped / ghostSlots, 4),
      designBytesPerSwappedPage: {
        classicGhost: round(per.classicGhost / swapped),
        vswapV3: round(per.vswapV3 / swapped),
        swapTableEdition: round(per.swapTableEdition / swapped),
      },
      stack: {
        swapWords: m.swapWords,
        zswap: m.zswap,
        vswap: m.vswap,
        slots: m.slots,
        bytesPerSwappedPage: round(stackBytes / swapped),
      },
    });
    options.onProgress?.(k + 1, 2, mode);
  }
  const ref = runs[0]!.occupancy;
  const sweep: z.input<typeof swapMetadataSchema>['sweep'] = [];
  for (const occ of [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1]) {
    const swapped = Math.max(1, Math.round(occ * ghostSlots));
    const scale = swapped / ref.swapped;
    const b = designBytes({
      swapped,
      zswap: Math.round(ref.zswap * scale),
      disk: Math.min(ref.diskSlots, Math.round(ref.disk * scale)),
      ghostSlots,
      diskSlots: ref.diskSlots,
    });
    sweep.push({
      occupancy: occ,
      design: 'classic + ghost',
      bytesPerPage: round(b.classicGhost / swapped),
    });
    sweep.push({
      occupancy: occ,
      design: 'vswap v3 (24 B)',
      bytesPerPage: round(b.vswapV3 / swapped),
    });
    sweep.push({
      occupancy: occ,
      design: 'swap-table edition (8 B + rmap)',
      bytesPerPage: round(b.swapTableEdition / swapped),
    });
  }
  const data: SwapMetadataData = {
    pages,
    durationSeconds: duration,
    costs: { ...DESIGN_COSTS },
    runs: runs as SwapMetadataData['runs'],
    sweep,
  };
  return finishStudy(options, {
    id: 'swap-metadata',
    title: 'Swap metadata: bytes per swapped page, three designs and the stack',
    order: 5,
    schema: swapMetadataSchema,
    data,
    summary: summary(data),
    charts: [chart(data)],
  });
}

function summary(d: SwapMetadataData): string {
  const rows = d.runs.map((r) => [
    r.mode,
    `${r.occupancy.swapped} (${r.occupancy.zswap} zswap, ${r.occupancy.disk} disk)`,
    `${round(r.ghostOccupancy * 100, 1)}%`,
    r.designBytesPerSwappedPage.classicGhost,
    r.designBytesPerSwappedPage.vswapV3,
    r.designBytesPerSwappedPage.swapTableEdition,
    r.stack.bytesPerSwappedPage,
  ]);
  const v = d.runs.find((r) => r.mode === 'vswap')!;
  const full = d.sweep.filter((s) => s.occupancy === 1);
  const at = (occ: number, prefix: string) =>
    d.sweep.find((s) => s.occupancy === occ && s.design.startsWith(prefix))!.bytesPerPage;
  const cross = [...new Set(d.sweep.map((s) => s.occupancy))].find(
    (o) => at(o, 'classic') < at(o, 'vswap'),
  );
  return [
    '# Swap metadata per swapped page',
    '',
    `A job of ${d.pages} pages of the node binary (zipf 1.1), an agent reclaiming 2% every 5 s into zswap and ` +
      `proactive writeback of entries older than 120 s to a file device, ${d.durationSeconds} virtual seconds, ` +
      'once per stack mode. The designs are costed at the occupancy each run ended with; the ghost swapfile has ' +
      `${v.occupancy.ghostSlots} slots (one per page of RAM) and the disk ${v.occupancy.diskSlots}.`,
    '',
    mdTable(
      [
        'stack mode',
        'swapped pages',
        'ghost occupancy',
        'classic + ghost B/page',
        'vswap v3 B/page',
        'swap-table edition B/page',
        'this stack B/page',
      ],
      rows,
    ),
    '',
    `- At this occupancy the classic design pays ${v.designBytesPerSwappedPage.classicGhost} B per swapped page, ` +
      "most of it the ghost swapfile's static 3 B per slot spread over few used slots; the swap-table edition " +
      `${v.designBytesPerSwappedPage.swapTableEdition} B; vswap v3's 24 B descriptor ${v.designBytesPerSwappedPage.vswapV3} B.`,
    `- At a full ghost swapfile: ${full.map((s) => `${s.design} ${s.bytesPerPage} B`).join(', ')}. ` +
      (cross === undefined
        ? 'The 24 B descriptor costs less than classic + ghost at every occupancy swept.'
        : `The 24 B descriptor costs more than classic + ghost from ${round(cross * 100)}% occupancy of the ghost file on, ` +
          'as the vswap cover letter found (a full swapfile costs more with vswap); the swap-table edition costs least throughout.'),
    `- The stack itself: ${d.runs.map((r) => `${r.mode} ${r.stack.bytesPerSwappedPage} B`).join(', ')} per swapped page ` +
      "(typed arrays sized by capacity, zswap's 24 B entry and its arena tables included).",
  ].join('\n');
}

function chart(d: SwapMetadataData): StudyChart {
  const points = d.runs.map((r) => ({
    occupancy: r.ghostOccupancy,
    bytesPerPage: r.stack.bytesPerSwappedPage,
    design: `this stack (${r.mode})`,
  }));
  return {
    id: 'bytes-per-page',
    title: 'Swap metadata per swapped page against ghost swapfile occupancy',
    png: true,
    caption:
      "Lines: the designs' costs with the run's zswap/disk split; points: what the stack spent at the run's occupancy.",
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 480,
      height: 300,
      layer: [
        {
          data: { values: d.sweep },
          mark: { type: 'line', point: true },
          encoding: {
            x: {
              field: 'occupancy',
              type: 'quantitative',
              title: 'swapped pages / ghost swapfile slots',
              axis: { format: '%' },
            },
            y: {
              field: 'bytesPerPage',
              type: 'quantitative',
              title: 'bytes per swapped page',
              scale: { type: 'log' },
            },
            color: { field: 'design', type: 'nominal' },
          },
        },
        {
          data: { values: points },
          mark: { type: 'point', shape: 'diamond', size: 120, filled: true },
          encoding: {
            x: { field: 'occupancy', type: 'quantitative' },
            y: { field: 'bytesPerPage', type: 'quantitative' },
            color: { field: 'design', type: 'nominal' },
          },
        },
      ],
    },
  };
}
