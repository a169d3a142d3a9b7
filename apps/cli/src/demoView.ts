/**
 * The demo's report in the terminal: what the scripted writes did, a zramctl-style
 * summary, where each cgroup's pages are, the memory.stat counters worth a look and a
 * chart of memory.current and the zswap pool over virtual time. Tables are cli-table3,
 * uncoloured borders so a pipe gets plain text; headers are coloured on a TTY only.
 */

import Table from 'cli-table3';
import type { DemoReport } from './demoReport.js';
import { PLACES, STAT_HIGHLIGHTS } from './demoReport.js';
import { formatCount, formatRatio, formatSeconds, formatSize } from './format.js';
import type { WriteEvent } from './interimScenario.js';
import type { Terminal } from './terminal.js';
import { renderChart } from './terminalChart.js';

function table(term: Terminal, head: readonly string[], align?: ('left' | 'right')[]): Table.Table {
  return new Table({
    head: head.map((h) => term.colors.bold(h)),
    colAligns: align ?? head.map((_, i) => (i === 0 ? 'left' : 'right')),
    // cli-table3 colours borders and headers by default; the Terminal decides instead.
    style: { head: [], border: [], compact: true },
  });
}

const CG = '/sys/fs/cgroup';

/** The scripted writes, repeated ones folded into one line with their totals. */
function eventLines(term: Terminal, events: readonly WriteEvent[]): string[] {
  const c = term.colors;
  const folded = new Map<
    string,
    { first: WriteEvent; times: number[]; moved: Map<string, number>; results: Map<string, number> }
  >();
  for (const e of events) {
    const key = `${e.path}\0${e.text}\0${e.note}`;
    let f = folded.get(key);
    if (!f) {
      f = { first: e, times: [], moved: new Map(), results: new Map() };
      folded.set(key, f);
    }
    f.times.push(e.time);
    f.results.set(e.result, (f.results.get(e.result) ?? 0) + 1);
    for (const [k, n] of Object.entries(e.moved)) f.moved.set(k, (f.moved.get(k) ?? 0) + n);
  }
  const lines: string[] = [];
  for (const f of folded.values()) {
    const { first, times } = f;
    const when =
      times.length === 1
        ? `${first.time} s`
        : `${times[0]}..${times[times.length - 1]} s ×${times.length}`;
    const path = first.path.startsWith(CG) ? `…${first.path.slice(CG.length)}` : first.path;
    const moved = [...f.moved].map(([k, n]) => `${k} +${formatCount(n)}`).join(', ');
    // Each distinct answer once, counted when the write repeated.
    const answer = [...f.results]
      .map(([r, n]) => {
        const text = times.length > 1 ? `${r} ×${n}` : r;
        return r === 'ok' ? c.green(text) : c.yellow(text);
      })
      .join('; ');
    lines.push(`  ${c.dim(when.padStart(18))}  echo "${first.text}" > ${c.cyan(path)}`);
    lines.push(`  ${' '.repeat(18)}  ${c.dim(first.note)}: ${answer}${moved ? `, ${moved}` : ''}`);
  }
  return lines;
}

export function renderDemo(term: Terminal, report: DemoReport): string {
  const c = term.colors;
  const out: string[] = [];
  const totalPages = report.sources.reduce((n, s) => n + s.pages, 0);
  out.push(
    c.bold('tierswap demo') +
      `: ${formatSize(totalPages * 4096)} of this machine's pages in ${report.sources.length} cgroups, ` +
      `zswap (lz4) → ssd (file) → hdd (SQLite), ${report.virtualSeconds} virtual seconds in ${formatSeconds(report.wallSeconds)}`,
  );
  for (const s of report.sources) {
    out.push(
      `  ${c.cyan(s.group.padEnd(12))} ${formatCount(s.pages)} pages from ${s.name} (${formatCount(s.files)} files)`,
    );
  }

  out.push('', c.bold('What the scripted writes did'));
  out.push(...eventLines(term, report.events));

  const s = report.summary;
  const zram = table(term, [
    'ALGORITHM',
    'DATA',
    'COMPR',
    'TOTAL',
    'RATIO',
    'ZERO',
    'RESIDENT',
    'ZSWAP',
    'SSD',
    'HDD',
  ]);
  zram.push([
    s.algorithm,
    formatSize(s.dataBytes),
    formatSize(s.compressedBytes),
    formatSize(s.poolTotalBytes),
    formatRatio(s.ratio),
    formatCount(s.zeroPages),
    ...['resident', 'zswap', 'tier:ssd', 'tier:hdd'].map((p) => formatCount(s.pages[p] ?? 0)),
  ]);
  out.push(
    '',
    c.bold('zswap and the tiers at the end') + c.dim(' (sizes like zramctl; ZERO..HDD in pages)'),
  );
  out.push(zram.toString());

  const where = table(term, [
    'cgroup',
    'memory.current',
    ...PLACES.map((p) => p.replace('tier:', '')),
  ]);
  for (const [group, g] of Object.entries(report.groups)) {
    where.push([
      group,
      formatSize(g.current),
      ...PLACES.map((p) => formatCount(g.placement[p] ?? 0)),
    ]);
  }
  out.push('', c.bold('Where each cgroup’s pages are') + c.dim(' (pages)'));
  out.push(where.toString());

  const stats = table(term, ['memory.stat', ...Object.keys(report.groups)]);
  for (const key of STAT_HIGHLIGHTS) {
    const bytes = key === 'anon' || key === 'zswap' || key === 'zswapped';
    stats.push([
      key,
      ...Object.values(report.groups).map((g) => {
        const v = g.stat[key] ?? 0;
        return bytes ? formatSize(v) : formatCount(v);
      }),
    ]);
  }
  out.push('', c.bold('memory.stat highlights'));
  out.push(stats.toString());

  const tiers = table(term, ['tier', 'swpout', 'swpin', 'refault', 'demoted in', 'demoted out']);
  for (const [name, t] of Object.entries(report.tiers)) {
    tiers.push([
      name,
      ...[t.swpout, t.swpin, t.refault, t.demoted_in, t.demoted_out].map(formatCount),
    ]);
  }
  const r = report.refaults;
  out.push(
    '',
    c.bold('Swap tiers') +
      c.dim(
        ` (refaults: ${formatCount(r.zero ?? 0)} zero, ${formatCount(r.zswap ?? 0)} zswap, ${formatCount(r.disk ?? 0)} disk)`,
      ),
  );
  out.push(tiers.toString());

  const times = report.samples.map((x) => x.time);
  const mib = (b: number) => b / (1 << 20);
  out.push('', c.bold('Over virtual time') + c.dim(' (MiB)'));
  out.push(
    renderChart(
      term,
      [
        {
          label: 'memory.current of /demo',
          values: report.samples.map((x) => mib(x.groups['/demo']?.current ?? 0)),
        },
        {
          label: 'zswap pool (pool_total_size)',
          values: report.samples.map((x) => mib(x.zswap.pool_total_size ?? 0)),
        },
        {
          label: 'on ssd + hdd (/proc/swaps Used)',
          values: report.samples.map((x) =>
            mib(Object.values(x.swapUsed).reduce((a, b) => a + b, 0)),
          ),
        },
      ],
      times,
      'MiB',
    ),
  );
  return out.join('\n');
}
