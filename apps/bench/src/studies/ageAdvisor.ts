/**
 * Study 2, the age advisor: the reviewers of Hao Jia's proactive writeback asked "how
 * would users determine the age?". This sweeps the age of
 * `memory.zswap.proactive_writeback "max=<budget> <age>"`, written every N seconds, on
 * a job whose real pages (the node binary's) are touched with a hot/cold pattern
 * (zipf, or zipf whose hot set moves in phases), while a Senpai-like agent keeps
 * pushing cold pages into zswap with memory.reclaim. For each age it measures the
 * memory saved against the run without writeback (mean memory.current over the second
 * half: resident plus zswap bytes) and the disk refaults per minute (the cost), and
 * marks Google's far-memory SLO, promotions of at most 0.2% of the working set per
 * minute. The advice is the smallest age that stays under that line: the most memory
 * for the allowed refaults.
 *
 * Why a reclaim agent and no memory.max: under a fixed limit the bytes writeback frees
 * are refilled by resident pages, so memory.current never shows a saving; proactive
 * reclaim plus proactive writeback is the deployment the series describes.
 */

import {
  type AccessPattern,
  type PageSource,
  phasedPattern,
  readSnapshot,
  readTrace,
  tracePattern,
  zipfPattern,
} from '@tierswap/workload';
import { z } from 'zod';
import { JOB_DIR, nodeBinarySource, runJob } from './jobWorkload.js';
import {
  finishStudy,
  MiB,
  mdTable,
  PAGE,
  round,
  type StudyChart,
  type StudyOptions,
  type StudyOutput,
} from './studyKit.js';

/** Google's far memory SLO: promotions per minute, as a share of the working set. */
export const GOOGLE_PROMOTION_SLO = 0.002;

export interface AgeAdvisorOptions extends StudyOptions {
  /** Ages to try, seconds (default 30..1800; quick: 30, 120). */
  readonly ages?: readonly number[];
  /** Pages of the job (default 4096; quick 1024). */
  readonly pages?: number;
  /** Virtual seconds per run (default 3600; quick 600). */
  readonly durationSeconds?: number;
  /** Writeback every this many seconds (default 30). */
  readonly everySeconds?: number;
  /** Access patterns to run (default both; quick zipf only). */
  readonly patterns?: readonly ('zipf' | 'phased')[];
  /** A snapshot file (writeSnapshot / `tierswap snapshot`) to use instead of the node binary's pages. */
  readonly snapshot?: string;
  /** A recorded trace (readTrace's format) to replay instead of the synthetic patterns. */
  readonly trace?: string;
}

const pointSchema = z.object({
  pattern: z.enum(['zipf', 'phased', 'trace']),
  /** null: the baseline without proactive writeback. */
  ageSeconds: z.number().nullable(),
  meanCurrentBytes: z.number(),
  savedBytes: z.number(),
  savedShare: z.number(),
  diskRefaultsPerMinute: z.number(),
  zswapRefaultsPerMinute: z.number(),
  writtenBackPages: z.number(),
  withinSlo: z.boolean(),
});

export const ageAdvisorSchema = z.object({
  source: z.string(),
  pages: z.number(),
  durationSeconds: z.number(),
  everySeconds: z.number(),
  budgetBytes: z.number(),
  sloRefaultsPerMinute: z.number(),
  points: z.array(pointSchema),
  advice: z.array(
    z.object({ pattern: z.enum(['zipf', 'phased', 'trace']), ageSeconds: z.number().nullable() }),
  ),
});
export type AgeAdvisorData = z.output<typeof ageAdvisorSchema>;
type Point = z.output<typeof pointSchema>;

async function runOnce(
  pattern: AccessPattern,
  age: number | null,
  input: { source: PageSource },
  duration: number,
  every: number,
  budget: number,
) {
  const m = await runJob({
    source: input.source,
    durationSeconds: duration,
    pattern,
    timeline:
      age === null
        ? []
        : [
            {
              kind: 'write',
              path: `${JOB_DIR}/memory.zswap.proactive_writeback`,
              value: `max=${budget} ${age}`,
              every,
            },
          ],
  });
  return {
    meanCurrent: m.meanCurrentBytes,
    diskRefaults: m.diskRefaultsPerMinute,
    zswapRefaults: m.zswapRefaultsPerMinute,
    writtenBack: m.writtenBackPages,
  };
}

export async function ageAdvisorStudy(
  options: AgeAdvisorOptions = {},
): Promise<StudyOutput<typeof ageAdvisorSchema>> {
  const quick = options.quick === true;
  const ages = options.ages ?? (quick ? [30, 120] : [30, 60, 120, 300, 600, 900, 1200, 1800]);
  const input: { source: PageSource; name: string } =
    options.snapshot === undefined
      ? {
          source: nodeBinarySource(options.pages ?? (quick ? 1024 : 4096)),
          name: 'the node binary',
        }
      : { source: readSnapshot(options.snapshot), name: `snapshot ${options.snapshot}` };
  const pages = input.source.pageCount;
  const duration = options.durationSeconds ?? (quick ? 600 : 3600);
  const every = options.everySeconds ?? 30;
  const patterns: readonly ('zipf' | 'phased' | 'trace')[] =
    options.trace !== undefined
      ? ['trace']
      : (options.patterns ?? (quick ? ['zipf'] : ['zipf', 'phased']));
  const rate = pages / 20;
  const trace = options.trace === undefined ? undefined : await readTrace(options.trace);
  const patternOf = (p: 'zipf' | 'phased' | 'trace'): AccessPattern =>
    p === 'trace' && trace !== undefined
      ? tracePattern(trace)
      : p === 'zipf'
        ? zipfPattern({ rate, exponent: 1.1 })
        : phasedPattern({ rate, workingSetShare: 0.25, phaseSeconds: duration / 4, exponent: 1.1 });
  const budget = Math.floor(pages / 4) * PAGE;
  const slo = GOOGLE_PROMOTION_SLO * pages;
  const points: Point[] = [];
  const total = patterns.length * (ages.length + 1);
  let done = 0;
  for (const pattern of patterns) {
    const base = await runOnce(patternOf(pattern), null, input, duration, every, budget);
    options.onProgress?.(++done, total, `${pattern} baseline`);
    const row = (age: number | null, m: typeof base): Point => ({
      pattern,
      ageSeconds: age,
      meanCurrentBytes: Math.round(m.meanCurrent),
      savedBytes: Math.round(base.meanCurrent - m.meanCurrent),
      savedShare: round((base.meanCurrent - m.meanCurrent) / base.meanCurrent, 4),
      diskRefaultsPerMinute: round(m.diskRefaults, 2),
      zswapRefaultsPerMinute: round(m.zswapRefaults, 2),
      writtenBackPages: m.writtenBack,
      withinSlo: m.diskRefaults <= slo,
    });
    points.push(row(null, base));
    for (const age of ages) {
      points.push(row(age, await runOnce(patternOf(pattern), age, input, duration, every, budget)));
      options.onProgress?.(++done, total, `${pattern} age ${age}`);
    }
  }
  const advice = patterns.map((pattern) => {
    const ok = points
      .filter((p) => p.pattern === pattern && p.ageSeconds !== null && p.withinSlo)
      .sort((a, b) => a.ageSeconds! - b.ageSeconds!);
    return { pattern, ageSeconds: ok[0]?.ageSeconds ?? null };
  });
  const data: AgeAdvisorData = {
    source: input.name,
    pages,
    durationSeconds: duration,
    everySeconds: every,
    budgetBytes: budget,
    sloRefaultsPerMinute: round(slo, 2),
    points,
    advice,
  };
  return finishStudy(options, {
    id: 'age-advisor',
    title: 'Age advisor: which proactive-writeback age?',
    order: 2,
    schema: ageAdvisorSchema,
    data,
    summary: summary(data),
    charts: [chart(data)],
  });
}

function summary(d: AgeAdvisorData): string {
  const lines = [
    '# Age advisor',
    '',
    `A job of ${d.pages} real pages (${round((d.pages * PAGE) / MiB, 1)} MiB of ${d.source}), ` +
      `touched with a hot/cold pattern for ${d.durationSeconds} virtual seconds while an agent reclaims 2% of it ` +
      `every 5 s into zswap; \`memory.zswap.proactive_writeback "max=${d.budgetBytes} <age>"\` every ${d.everySeconds} s. ` +
      `Memory saved is the mean memory.current over the second half against the run without writeback; ` +
      `the cost is disk refaults per minute. Google's SLO, 0.2% of the working set (the job's ${d.pages} pages) ` +
      `per minute, is ${d.sloRefaultsPerMinute} refaults/min.`,
    '',
    mdTable(
      [
        'pattern',
        'age (s)',
        'saved MiB',
        'saved %',
        'disk refaults/min',
        'zswap refaults/min',
        'written back',
        'within SLO',
      ],
      d.points.map((p) => [
        p.pattern,
        p.ageSeconds ?? 'none',
        round(p.savedBytes / MiB, 2),
        round(p.savedShare * 100, 1),
        p.diskRefaultsPerMinute,
        p.zswapRefaultsPerMinute,
        p.writtenBackPages,
        p.withinSlo ? 'yes' : 'no',
      ]),
    ),
    '',
  ];
  for (const a of d.advice) {
    const best = d.points.find((p) => p.pattern === a.pattern && p.ageSeconds === a.ageSeconds);
    lines.push(
      a.ageSeconds === null
        ? `- **${a.pattern}**: no age tried stays under the SLO; use a longer age or a smaller budget.`
        : `- **${a.pattern}**: use **${a.ageSeconds} s**, the shortest age under the SLO: it saves ` +
            `${round((best?.savedBytes ?? 0) / MiB, 2)} MiB (${round((best?.savedShare ?? 0) * 100, 1)}%) ` +
            `at ${best?.diskRefaultsPerMinute} disk refaults/min.`,
    );
  }
  lines.push(
    '',
    'How to pick the age on a real machine: run the same sweep on a snapshot of the job ' +
      '(or watch `workingset_refault_disk` in /proc/vmstat while stepping the age down) and take the shortest ' +
      'age whose refault rate stays under the budget you accept.',
  );
  return lines.join('\n');
}

function chart(d: AgeAdvisorData): StudyChart {
  const values = d.points
    .filter((p) => p.ageSeconds !== null)
    .map((p) => ({
      pattern: p.pattern,
      age: `${p.ageSeconds} s`,
      savedMiB: round(p.savedBytes / MiB, 3),
      refaults: p.diskRefaultsPerMinute,
    }));
  return {
    id: 'saved-vs-refaults',
    title: 'Memory saved against disk refaults per minute, by age',
    png: true,
    caption: `Each point is one age; the red line is Google's 0.2% of the working set per minute (${d.sloRefaultsPerMinute}/min). Points under it are safe; the one furthest right saves most.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 480,
      height: 300,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'savedMiB', type: 'quantitative', title: 'memory saved (MiB)' },
            // symlog: the rates span four decades and the SLO line sits near the bottom.
            y: {
              field: 'refaults',
              type: 'quantitative',
              title: 'disk refaults per minute (symlog)',
              scale: { type: 'symlog' },
            },
            color: { field: 'pattern', type: 'nominal' },
            order: { field: 'savedMiB', type: 'quantitative' },
          },
        },
        {
          data: { values },
          mark: { type: 'text', dy: -10, fontSize: 10 },
          encoding: {
            x: { field: 'savedMiB', type: 'quantitative' },
            y: { field: 'refaults', type: 'quantitative' },
            text: { field: 'age', type: 'nominal' },
          },
        },
        {
          data: { values: [{ slo: d.sloRefaultsPerMinute }] },
          mark: { type: 'rule', color: 'red', strokeDash: [4, 4] },
          encoding: { y: { field: 'slo', type: 'quantitative' } },
        },
        {
          data: {
            values: [
              { slo: d.sloRefaultsPerMinute, label: "Google's SLO: 0.2% of the working set / min" },
            ],
          },
          mark: { type: 'text', color: 'red', align: 'right', dy: -6, x: 'width' },
          encoding: {
            y: { field: 'slo', type: 'quantitative' },
            text: { field: 'label', type: 'nominal' },
          },
        },
      ],
    },
  };
}
