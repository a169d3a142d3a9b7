/**
 * seriesToCsv: a scenario's time series as CSV, one row per sample and one column per
 * number, for spreadsheets and plotting tools. Nested metrics become dotted column
 * names (`cgroup./job.current`, `tier.ssd.refault`, `vmstat.zswpwb`); a cgroup or tier
 * that exists only in some samples gets empty cells in the others. Columns come in the
 * order they first appear, so runs of one scenario give the same header.
 */

import type { ScenarioSample } from './metrics.js';
import type { ScenarioResult } from './scenarioRunner.js';

function flatten(s: ScenarioSample): Map<string, number | boolean> {
  const row = new Map<string, number | boolean>();
  row.set('t', s.t);
  row.set('accesses', s.accesses);
  row.set('faults', s.faults);
  row.set('majorFaults', s.majorFaults);
  row.set('residentPages', s.residentPages);
  row.set('swappedPages', s.swappedPages);
  row.set('processes', s.processes);
  for (const [k, v] of Object.entries(s.pool)) row.set(`pool.${k}`, v);
  for (const [k, v] of Object.entries(s.vmstat)) row.set(`vmstat.${k}`, v);
  for (const [name, c] of Object.entries(s.cgroups)) {
    for (const [k, v] of Object.entries(c)) row.set(`cgroup.${name}.${k}`, v);
  }
  for (const [name, t] of Object.entries(s.tiers)) {
    for (const [k, v] of Object.entries(t)) row.set(`tier.${name}.${k}`, v);
  }
  for (const [name, d] of Object.entries(s.devices)) {
    for (const [k, v] of Object.entries(d)) row.set(`device.${name}.${k}`, v);
  }
  row.set('cpu.compressNs', s.cpu.compressNs);
  row.set('cpu.decompressNs', s.cpu.decompressNs);
  return row;
}

/** RFC 4180 quoting, for the few names (cgroup paths, tiers) that could need it. */
function cell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function seriesToCsv(result: Pick<ScenarioResult, 'series'>): string {
  const rows = result.series.map(flatten);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k of r.keys()) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) {
    lines.push(
      columns
        .map((c) => {
          const v = r.get(c);
          if (v === undefined) return '';
          if (typeof v === 'boolean') return v ? '1' : '0';
          return String(v);
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
