/**
 * Study 4, fairness (seed 003, "is this a problem in practice?"): repeated small-budget
 * proactive writeback on a parent whose children all hold zswap pages, with the
 * per-memcg cursor (v1-v3 of Hao Jia's series) and without it (v4 dropped it: every
 * request starts again at the first child). Each child runs the same job on its own
 * real pages (zipf: a hot head that refaults and is reclaimed again, young in zswap,
 * and a cold tail that ages there); three quarters of each child go to zswap at the
 * start and an agent reclaims 1% of the parent every 5 s after that. The
 * parent gets `memory.reclaim "<budget> zswap_writeback_only"` (no age, as from v2 on)
 * every few seconds with a budget under the 128-page batch. Measured over time: the
 * pages written back from each child (memory.stat zswpwb), and disk refaults.
 *
 * The seed's scenario, in numbers: without the cursor, the first child's cold pages go
 * first, then its hot ones (refaulting from disk) while the other children's cold
 * pages stay in zswap.
 */

import {
  type AccessPattern,
  fileSource,
  type PageSource,
  runScenario,
  type ScenarioInput,
  zipfPattern,
} from '@tierswap/workload';
import { z } from 'zod';
import { BenchError } from '../benchError.js';
import {
  finishStudy,
  mdTable,
  PAGE,
  round,
  type StudyChart,
  type StudyOptions,
  type StudyOutput,
} from './studyKit.js';

export interface FairnessOptions extends StudyOptions {
  /** Children of the parent (default 3). */
  readonly children?: number;
  /** Pages per child (default 4096; quick 512). */
  readonly pages?: number;
  readonly durationSeconds?: number;
  /** Writeback every this many seconds (default 20). */
  readonly everySeconds?: number;
  /** Pages per writeback request (default 32: under PROACTIVE_WB_BATCH, 128). */
  readonly budgetPages?: number;
}

const pointSchema = z.object({
  cursor: z.boolean(),
  t: z.number(),
  child: z.string(),
  writtenBack: z.number(),
});

const runSchema = z.object({
  cursor: z.boolean(),
  perChild: z.record(z.string(), z.number()),
  /** Pages each child read back from disk (memory.stat pswpin): who pays for the writeback. */
  swapinsPerChild: z.record(z.string(), z.number()),
  /** max / min of the children's written-back pages at the end (Infinity when one got none). */
  imbalance: z.number().nullable(),
  diskRefaultsPerMinute: z.number(),
  /** Seconds until every child had at least one page written back (null: never). */
  allChildrenReachedAt: z.number().nullable(),
});

export const fairnessSchema = z.object({
  children: z.number(),
  pagesPerChild: z.number(),
  durationSeconds: z.number(),
  everySeconds: z.number(),
  budgetPages: z.number(),
  runs: z.array(runSchema),
  series: z.array(pointSchema),
});
export type FairnessData = z.output<typeof fairnessSchema>;

const PARENT = '/p';

export async function fairnessStudy(
  options: FairnessOptions = {},
): Promise<StudyOutput<typeof fairnessSchema>> {
  const quick = options.quick === true;
  const nChildren = options.children ?? 3;
  // Fairness is between siblings: one child has nobody to be unfair to.
  if (!Number.isInteger(nChildren) || nChildren < 2 || nChildren > 64) {
    throw new BenchError(
      'INVALID_ARGUMENT',
      'fairnessStudy',
      `children ${JSON.stringify(nChildren)} must be an integer in 2..64`,
    );
  }
  const pages = options.pages ?? (quick ? 512 : 4096);
  const duration = options.durationSeconds ?? (quick ? 600 : 3600);
  const every = options.everySeconds ?? 20;
  const budgetPages = options.budgetPages ?? 32;
  const names = Array.from({ length: nChildren }, (_, i) => `${PARENT}/m${i + 1}`);
  const runs: z.input<typeof runSchema>[] = [];
  const series: z.input<typeof pointSchema>[] = [];
  for (const [k, cursor] of [true, false].entries()) {
    const timeline: NonNullable<ScenarioInput['timeline']> = [
      {
        kind: 'write',
        path: '/sys/module/zswap/parameters/proactive_cursor',
        value: cursor ? 'Y' : 'N',
        at: 0,
      },
      // Fill zswap: three quarters of every child, at once (the seed's "200 MB each").
      {
        kind: 'write',
        path: `/sys/fs/cgroup${PARENT}/memory.reclaim`,
        value: `${Math.floor(pages * nChildren * 0.75) * PAGE}`,
        at: 20,
      },
      // Then an agent keeps reclaiming 1% every 5 s: hot pages come back and go again (young in zswap).
      {
        kind: 'write',
        path: `/sys/fs/cgroup${PARENT}/memory.reclaim`,
        value: `${Math.max(1, Math.floor(pages * nChildren * 0.01)) * PAGE}`,
        every: 5,
        from: 25,
      },
      {
        kind: 'write',
        path: `/sys/fs/cgroup${PARENT}/memory.reclaim`,
        value: `${budgetPages * PAGE} zswap_writeback_only`,
        every,
        from: 60,
      },
    ];
    const sources: Record<string, PageSource> = {};
    const patterns: Record<string, AccessPattern> = {};
    names.forEach((_, i) => {
      sources[`app${i}`] = sliceSource(fileSource(process.execPath), i * pages, pages);
      patterns[`app${i}`] = zipfPattern({ rate: pages / 20, exponent: 1.1 });
    });
    const r = await runScenario(
      {
        name: `fairness-${cursor ? 'cursor' : 'no-cursor'}`,
        durationSeconds: duration,
        sampleEverySeconds: Math.max(10, duration / 60),
        stack: {
          mode: 'vswap',
          ramBytes: pages * nChildren * PAGE * 4,
          zswap: { maxPoolPercent: 100 },
        },
        devices: [{ name: 'disk', kind: 'file', slots: pages * nChildren + 64, priority: 10 }],
        cgroups: [{ path: PARENT }, ...names.map((path) => ({ path }))],
        processes: names.map((cgroup, i) => ({
          name: `app${i}`,
          cgroup,
          source: { kind: 'generated' as const, pages },
          pattern: { kind: 'uniform' as const, rate: 1 },
        })),
        timeline,
      },
      { sources, patterns },
    );
    let reached: number | null = null;
    for (const s of r.series) {
      for (const c of names) {
        series.push({ cursor, t: s.t, child: c, writtenBack: s.cgroups[c]!.zswpwb });
      }
      if (reached === null && names.every((c) => s.cgroups[c]!.zswpwb > 0)) reached = s.t;
    }
    const last = r.series.at(-1)!;
    const perChild: Record<string, number> = {};
    const swapinsPerChild: Record<string, number> = {};
    for (const c of names) {
      perChild[c] = last.cgroups[c]!.zswpwb;
      swapinsPerChild[c] = last.cgroups[c]!.pswpin;
    }
    const counts = Object.values(perChild);
    const min = Math.min(...counts);
    runs.push({
      cursor,
      perChild,
      swapinsPerChild,
      imbalance: min === 0 ? null : round(Math.max(...counts) / min, 2),
      diskRefaultsPerMinute: round(last.vmstat.workingset_refault_disk / (duration / 60)),
      allChildrenReachedAt: reached,
    });
    options.onProgress?.(k + 1, 2, cursor ? 'with cursor' : 'without cursor');
  }
  const data: FairnessData = {
    children: nChildren,
    pagesPerChild: pages,
    durationSeconds: duration,
    everySeconds: every,
    budgetPages,
    runs: runs as FairnessData['runs'],
    series: series as FairnessData['series'],
  };
  return finishStudy(options, {
    id: 'fairness',
    title: 'Fairness: proactive writeback with and without the per-memcg cursor',
    order: 4,
    schema: fairnessSchema,
    data,
    summary: summary(data),
    charts: [chart(data)],
  });
}

/** Pages [first, first + count) of a source: each child gets its own part of the binary. */
function sliceSource(source: PageSource, first: number, count: number): PageSource {
  return {
    name: `${source.name} pages ${first}..${first + count - 1}`,
    regions: source.regions,
    pageCount: count,
    *pages() {
      let i = 0;
      for (const p of source.pages()) {
        if (i >= first + count) return;
        if (i++ >= first) yield p;
      }
    },
  };
}

function summary(d: FairnessData): string {
  const [withC, without] = [d.runs.find((r) => r.cursor)!, d.runs.find((r) => !r.cursor)!];
  const children = Object.keys(withC.perChild);
  const show = (r: FairnessData['runs'][number]) =>
    r.imbalance === null ? 'some child got none' : `${r.imbalance}x`;
  return [
    '# Fairness: the per-memcg cursor',
    '',
    `A parent with ${d.children} children, each running the same job on ${d.pagesPerChild} real pages ` +
      `(zipf 1.1), three quarters of each put in zswap at 20 s and an agent reclaiming 1% of the parent every 5 s, ` +
      `and from 60 s every ${d.everySeconds} s ` +
      `\`echo "${d.budgetPages * PAGE} zswap_writeback_only" > memory.reclaim\` on the parent ` +
      `(${d.budgetPages} pages, under the 128-page batch), for ${d.durationSeconds} virtual seconds.`,
    '',
    mdTable(
      [
        'cursor',
        ...children.map((c) => `${c} written back (swapped in)`),
        'max/min',
        'all children reached at (s)',
        'disk refaults/min',
      ],
      d.runs.map((r) => [
        r.cursor ? 'per-memcg (v1-v3)' : 'none (v4)',
        ...children.map((c) => `${r.perChild[c]} (${r.swapinsPerChild[c]})`),
        show(r),
        r.allChildrenReachedAt ?? 'never',
        r.diskRefaultsPerMinute,
      ]),
    ),
    '',
    `- With the cursor the children share the writeback (${show(withC)} between the most and least written).`,
    `- Without it every request starts at the first child: ${show(without)}` +
      (without.allChildrenReachedAt === null
        ? ', and the other children were never reached in the run.'
        : `; the last child was first reached after ${without.allChildrenReachedAt} s.`),
    `- Who pays: disk swap-ins per child (memory.stat pswpin) with the cursor ` +
      `${children.map((c) => withC.swapinsPerChild[c]).join(' / ')}, without it ` +
      `${children.map((c) => without.swapinsPerChild[c]).join(' / ')}; disk refaults in all ` +
      `${withC.diskRefaultsPerMinute}/min against ${without.diskRefaultsPerMinute}/min.`,
    `- So yes, in practice: with budgets under the batch, a cursorless walk takes the first child's ` +
      'young (hot) entries once its cold ones are gone while its siblings keep their cold pages in zswap; ' +
      'the first child then pays for the refaults from disk. A per-memcg cursor (or any round-robin) is what keeps it fair.',
  ].join('\n');
}

function chart(d: FairnessData): StudyChart {
  return {
    id: 'written-back-per-child',
    title: 'Pages written back per child over time',
    png: true,
    caption: 'Left: with the per-memcg cursor; right: without it (v4). One line per child.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: {
        values: d.series.map((p) => ({
          ...p,
          walk: p.cursor ? 'with cursor' : 'without cursor (v4)',
        })),
      },
      facet: {
        column: {
          field: 'walk',
          type: 'nominal',
          title: null,
          sort: ['with cursor', 'without cursor (v4)'],
        },
      },
      spec: {
        width: 300,
        height: 220,
        mark: 'line',
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'virtual seconds' },
          y: { field: 'writtenBack', type: 'quantitative', title: 'pages written back (zswpwb)' },
          color: { field: 'child', type: 'nominal' },
        },
      },
    },
  };
}
