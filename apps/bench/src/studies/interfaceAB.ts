/**
 * Study 3, interface A/B: the same job and the same budget written every N seconds
 * through the three syntaxes Hao Jia's proactive writeback went through:
 *
 * - v1 `memory.zswap.proactive_writeback "max=<bytes> <age>"` (original bytes, entries
 *   at least <age> old),
 * - v2 `memory.reclaim "<bytes> zswap_writeback_only"` (original bytes, no age),
 * - v5 `memory.reclaim "<bytes> source=zswap"` (compressed bytes, no age),
 *
 * and, for reference, no writeback at all. Per interface: pages and bytes written back,
 * memory saved, refaults from disk and from zswap, and CPU (codec time and the whole
 * run's process time). The point it makes in numbers: the same "<bytes>" means
 * different amounts (a compressed-byte budget moves ratio-times more pages), and an
 * age is what keeps hot entries from being written back.
 */

import { zipfPattern } from '@tierswap/workload';
import { z } from 'zod';
import { JOB_DIR, nodeBinarySource, runJob } from './jobWorkload.js';
import {
  finishStudy,
  MiB,
  mdTable,
  measurePanels,
  PAGE,
  round,
  type StudyChart,
  type StudyOptions,
  type StudyOutput,
} from './studyKit.js';

export const INTERFACES = ['none', 'v1-age', 'v2-writeback-only', 'v5-source-zswap'] as const;
export type InterfaceName = (typeof INTERFACES)[number];

export interface InterfaceABOptions extends StudyOptions {
  readonly pages?: number;
  readonly durationSeconds?: number;
  readonly everySeconds?: number;
  /** The budget per write, bytes (default 2% of the job). */
  readonly budgetBytes?: number;
  /** v1's age, seconds (default 120). */
  readonly ageSeconds?: number;
}

const rowSchema = z.object({
  interface: z.enum(INTERFACES),
  write: z.string(),
  writtenBackPages: z.number(),
  writtenBackBytes: z.number(),
  savedBytes: z.number(),
  diskRefaultsPerMinute: z.number(),
  zswapRefaultsPerMinute: z.number(),
  codecMs: z.number(),
  cpuMs: z.number(),
  eagain: z.number(),
});

export const interfaceABSchema = z.object({
  pages: z.number(),
  durationSeconds: z.number(),
  everySeconds: z.number(),
  budgetBytes: z.number(),
  ageSeconds: z.number(),
  rows: z.array(rowSchema),
});
export type InterfaceABData = z.output<typeof interfaceABSchema>;

function writeFor(i: InterfaceName, budget: number, age: number) {
  switch (i) {
    case 'none':
      return undefined;
    case 'v1-age':
      return { file: 'memory.zswap.proactive_writeback', value: `max=${budget} ${age}` };
    case 'v2-writeback-only':
      return { file: 'memory.reclaim', value: `${budget} zswap_writeback_only` };
    case 'v5-source-zswap':
      return { file: 'memory.reclaim', value: `${budget} source=zswap` };
  }
}

export async function interfaceABStudy(
  options: InterfaceABOptions = {},
): Promise<StudyOutput<typeof interfaceABSchema>> {
  const quick = options.quick === true;
  const pages = options.pages ?? (quick ? 1024 : 8192);
  const duration = options.durationSeconds ?? (quick ? 600 : 3600);
  const every = options.everySeconds ?? 30;
  const budget = options.budgetBytes ?? Math.max(1, Math.floor(pages * 0.02)) * PAGE;
  const age = options.ageSeconds ?? 120;
  const source = nodeBinarySource(pages);
  const pattern = zipfPattern({ rate: pages / 20, exponent: 1.1 });
  const rows: z.input<typeof rowSchema>[] = [];
  let baseline = 0;
  // A short run first, discarded: the first run in a process pays for JIT warm-up.
  await runJob({ source, durationSeconds: 60, pattern });
  for (const [k, name] of INTERFACES.entries()) {
    const w = writeFor(name, budget, age);
    const m = await runJob({
      source,
      durationSeconds: duration,
      pattern,
      timeline:
        w === undefined
          ? []
          : [{ kind: 'write', path: `${JOB_DIR}/${w.file}`, value: w.value, every }],
    });
    if (name === 'none') baseline = m.meanCurrentBytes;
    rows.push({
      interface: name,
      write: w === undefined ? '' : `echo "${w.value}" > ${w.file}`,
      writtenBackPages: m.writtenBackPages,
      writtenBackBytes: m.writtenBackPages * PAGE,
      savedBytes: Math.round(baseline - m.meanCurrentBytes),
      diskRefaultsPerMinute: round(m.diskRefaultsPerMinute),
      zswapRefaultsPerMinute: round(m.zswapRefaultsPerMinute),
      codecMs: round(m.codecMs),
      cpuMs: round(m.cpuMs),
      // Only this interface's writes (the agent's memory.reclaim can say EAGAIN too).
      eagain: m.run.timeline.filter((l) => l.value === w?.value && l.errno === 'EAGAIN').length,
    });
    options.onProgress?.(k + 1, INTERFACES.length, name);
  }
  const data: InterfaceABData = {
    pages,
    durationSeconds: duration,
    everySeconds: every,
    budgetBytes: budget,
    ageSeconds: age,
    rows: rows as InterfaceABData['rows'],
  };
  return finishStudy(options, {
    id: 'interface-ab',
    title: 'Interface A/B: v1 max=<bytes> <age>, v2 zswap_writeback_only, v5 source=zswap',
    order: 3,
    schema: interfaceABSchema,
    data,
    summary: summary(data),
    charts: [chart(data)],
  });
}

function summary(d: InterfaceABData): string {
  const by = (i: InterfaceName) => d.rows.find((r) => r.interface === i)!;
  const v1 = by('v1-age');
  const v2 = by('v2-writeback-only');
  const v5 = by('v5-source-zswap');
  const ratio = v2.writtenBackPages > 0 ? v5.writtenBackPages / v2.writtenBackPages : 0;
  return [
    '# Interface A/B',
    '',
    `One job of ${d.pages} real pages (the node binary), zipf 1.1, an agent reclaiming 2% every 5 s, ` +
      `${d.durationSeconds} virtual seconds; every ${d.everySeconds} s one write with the same budget, ` +
      `${d.budgetBytes} bytes (${round(d.budgetBytes / MiB, 2)} MiB), through each interface.`,
    '',
    mdTable(
      [
        'interface',
        'write',
        'pages written back',
        'MiB saved',
        'disk refaults/min',
        'zswap refaults/min',
        'codec ms',
        'CPU ms',
        'EAGAIN',
      ],
      d.rows.map((r) => [
        r.interface,
        r.write === '' ? '-' : `\`${r.write}\``,
        r.writtenBackPages,
        round(r.savedBytes / MiB, 2),
        r.diskRefaultsPerMinute,
        r.zswapRefaultsPerMinute,
        r.codecMs,
        r.cpuMs,
        r.eagain,
      ]),
    ),
    '',
    `- The same number means different amounts: v5's compressed-byte budget wrote back ` +
      `${round(ratio, 2)}x the pages of v2's original-byte budget (${v5.writtenBackPages} vs ${v2.writtenBackPages}).`,
    `- v1's age (${d.ageSeconds} s) only takes entries that stayed cold that long: ${v1.writtenBackPages} pages, ` +
      `${v1.diskRefaultsPerMinute} disk refaults/min against ${v2.diskRefaultsPerMinute} for v2 with no age.`,
    `- CPU (codec ms, measured): ${d.rows.map((r) => `${r.interface} ${r.codecMs}`).join(', ')}. ` +
      'Writeback decompresses each page it moves once, but every page moved to disk is one fewer zswap ' +
      'refault (a decompression) and one fewer recompression when the agent reclaims it again.',
  ].join('\n');
}

function chart(d: InterfaceABData): StudyChart {
  const values = d.rows.flatMap((r) => [
    { interface: r.interface, metric: 'pages written back', value: r.writtenBackPages },
    { interface: r.interface, metric: 'disk refaults / min', value: r.diskRefaultsPerMinute },
    { interface: r.interface, metric: 'MiB saved', value: round(r.savedBytes / MiB, 3) },
    { interface: r.interface, metric: 'codec ms', value: r.codecMs },
  ]);
  return measurePanels(
    {
      id: 'interfaces',
      title: 'The same budget through each interface',
      caption: 'One panel per measure, one bar per interface (none = no proactive writeback).',
    },
    'interface',
    values,
    { width: 220, height: 160 },
  );
}
