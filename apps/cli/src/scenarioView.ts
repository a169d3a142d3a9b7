/**
 * A scenario run in the terminal: what the timeline's writes answered, a zramctl-style
 * table of zswap and the pages in each place, each cgroup's readings (memory.current,
 * zswap and swap use, and the memory.stat counters the samples carry), each tier's
 * counters, and a chart of memory.current and the pool over virtual time. Tables are
 * cli-table3 with plain borders, so a pipe gets plain text; headers are bold on a TTY.
 */

import type { ScenarioSample, TimelineLogEntry } from '@tierswap/workload';
import Table from 'cli-table3';
import { formatCount, formatRatio, formatSeconds, formatSize } from './format.js';
import type { ScenarioSummary } from './scenarioSummary.js';
import type { Terminal } from './terminal.js';
import { renderChart } from './terminalChart.js';

function table(term: Terminal, head: readonly string[]): Table.Table {
  return new Table({
    head: head.map((h) => term.colors.bold(h)),
    colAligns: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    // cli-table3 colours borders and headers itself by default; the Terminal decides instead.
    style: { head: [], border: [], compact: true },
  });
}

const CG = '/sys/fs/cgroup';

/** The timeline's answers, each entry's repeats folded into one line with their counts. */
export function timelineLines(term: Terminal, log: readonly TimelineLogEntry[]): string[] {
  const c = term.colors;
  const folded = new Map<
    string,
    { first: TimelineLogEntry; times: number[]; answers: Map<string, number> }
  >();
  for (const e of log) {
    const key = `${e.origin}:${e.index}`;
    let f = folded.get(key);
    if (!f) {
      f = { first: e, times: [], answers: new Map() };
      folded.set(key, f);
    }
    f.times.push(e.t);
    const answer = e.ok ? (e.detail ?? 'ok') : `${e.errno}: ${e.reason}`;
    f.answers.set(answer, (f.answers.get(answer) ?? 0) + 1);
  }
  const lines: string[] = [];
  for (const { first, times, answers } of folded.values()) {
    const when =
      times.length === 1
        ? `${first.t} s`
        : `${times[0]}..${times[times.length - 1]} s ×${times.length}`;
    const target = first.target.startsWith(CG) ? `…${first.target.slice(CG.length)}` : first.target;
    const what =
      first.kind === 'write'
        ? `echo "${first.value}" > ${c.cyan(target)}`
        : `${first.kind} ${c.cyan(target)}`;
    const said = [...answers]
      .map(([a, n]) => {
        const text = times.length > 1 ? `${a} ×${n}` : a;
        return a.startsWith('E') && /^E[A-Z]+:/.test(a) ? c.yellow(text) : c.green(text);
      })
      .join('; ');
    lines.push(`  ${c.dim(when.padStart(16))}  ${what}`, `  ${' '.repeat(16)}  → ${said}`);
  }
  return lines;
}

/** The cgroup rows shown: bytes first, then whichever memory.stat counters the sample has. */
const CGROUP_BYTES = [
  ['memory.current', 'current'],
  ['memory.zswap.current', 'zswapCurrent'],
  ['memory.swap.current', 'swapCurrent'],
] as const;
const CGROUP_COUNTS = [
  'zswpout',
  'zswpin',
  'zswpwb',
  'zswpwb_proactive',
  'pswpout',
  'pswpin',
  'swap_demote',
  'pgmajfault',
] as const;

export function renderSummary(term: Terminal, s: ScenarioSummary): string[] {
  const c = term.colors;
  const out: string[] = [];
  const z = s.zswap;
  const devices = Object.keys(s.placement).filter(
    (k) => !['resident', 'zero', 'zswap'].includes(k),
  );
  const zram = table(term, [
    'ALGORITHM',
    'DATA',
    'COMPR',
    'TOTAL',
    'RATIO',
    'ZERO',
    'RESIDENT',
    'ZSWAP',
    ...devices.map((d) => d.toUpperCase()),
  ]);
  zram.push([
    z.algorithm,
    formatSize(z.dataBytes),
    formatSize(z.compressedBytes),
    formatSize(z.poolBytes),
    formatRatio(z.ratio),
    ...['zero', 'resident', 'zswap', ...devices].map((p) => formatCount(s.placement[p] ?? 0)),
  ]);
  out.push(
    c.bold('zswap and the tiers at the end') +
      c.dim(' (sizes as zramctl prints them; ZERO and on: pages)'),
    zram.toString(),
  );

  const groups = Object.entries(s.cgroups);
  const cg = table(term, ['', ...groups.map(([g]) => g)]);
  for (const [label, key] of CGROUP_BYTES) {
    cg.push([label, ...groups.map(([, x]) => formatSize(x[key]))]);
  }
  for (const key of CGROUP_COUNTS) {
    const values = groups.map(([, x]) => (x as unknown as Record<string, number | undefined>)[key]);
    if (values.every((v) => v === undefined)) continue;
    cg.push([`memory.stat ${key}`, ...values.map((v) => formatCount(v ?? 0))]);
  }
  out.push('', c.bold('Per cgroup'), cg.toString());

  const tiers = table(term, [
    'tier',
    'swpout',
    'swpin',
    'refault',
    'demoted in',
    'demoted out',
    'written',
    'read',
  ]);
  for (const [name, t] of Object.entries(s.tiers)) {
    tiers.push([
      name,
      ...[t.swpout, t.swpin, t.refault, t.demoted_in, t.demoted_out].map(formatCount),
      formatSize(t.bytesWritten),
      formatSize(t.bytesRead),
    ]);
  }
  const r = s.refaults;
  out.push(
    '',
    c.bold('Swap tiers') +
      c.dim(
        ` (${formatCount(s.accesses)} accesses, ${formatCount(s.majorFaults)} major faults; refaults: ${formatCount(r.zero)} zero, ${formatCount(r.zswap)} zswap, ${formatCount(r.disk)} disk)`,
      ),
    tiers.toString(),
  );
  return out;
}

/** memory.current of `group` (or of every top-level cgroup summed), the pool and the devices over time. */
export function renderSeriesChart(term: Terminal, series: readonly ScenarioSample[]): string {
  const mib = (b: number) => b / (1 << 20);
  const top = (x: ScenarioSample) =>
    Object.entries(x.cgroups)
      .filter(([g]) => g.lastIndexOf('/') === 0)
      .reduce((n, [, v]) => n + v.current, 0);
  return renderChart(
    term,
    [
      { label: 'memory.current (top-level cgroups)', values: series.map((x) => mib(top(x))) },
      { label: 'zswap pool (pool_total_size)', values: series.map((x) => mib(x.pool.poolBytes)) },
      {
        label: 'on swap devices',
        values: series.map((x) =>
          mib(Object.values(x.devices).reduce((n, d) => n + d.usedSlots * 4096, 0)),
        ),
      },
    ],
    series.map((x) => x.t),
    'MiB',
  );
}

export function renderScenario(
  term: Terminal,
  s: ScenarioSummary,
  series: readonly ScenarioSample[],
  heading: string,
): string {
  const c = term.colors;
  const out = [
    `${c.bold(heading)}: ${formatSize(s.pages * 4096)} of pages, ${s.mode} design, ${s.virtualSeconds} virtual seconds in ${formatSeconds(s.wallSeconds)}`,
  ];
  out.push('', c.bold('What the timeline’s writes answered'), ...timelineLines(term, s.timeline));
  out.push('', ...renderSummary(term, s));
  out.push('', c.bold('Over virtual time') + c.dim(' (MiB)'), renderSeriesChart(term, series));
  return out.join('\n');
}
