/**
 * The charts a scenario run writes beside its series: memory.current per cgroup, the
 * zswap pool (stored, compressed, footprint) and refaults per tier, over virtual time.
 * Vega-lite specs rendered to SVG by apps/bench's report kit (renderChart), so a run's
 * charts look like the studies' charts.
 */

import type { ChartSpec } from '@tierswap/bench';
import type { ScenarioSample } from '@tierswap/workload';

interface Point {
  readonly t: number;
  readonly series: string;
  readonly value: number;
}

function lineChart(title: string, yTitle: string, values: readonly Point[]): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 240,
    data: { values: values.map((v) => ({ ...v })) },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'virtual seconds' },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

const MIB = 1 << 20;

/** id (a file stem) → chart spec, for a run's series. */
export function seriesCharts(series: readonly ScenarioSample[]): Record<string, ChartSpec> {
  const memory: Point[] = [];
  const pool: Point[] = [];
  const refaults: Point[] = [];
  for (const x of series) {
    for (const [g, c] of Object.entries(x.cgroups))
      memory.push({ t: x.t, series: g, value: c.current / MIB });
    pool.push(
      { t: x.t, series: 'stored (uncompressed)', value: x.pool.storedBytes / MIB },
      { t: x.t, series: 'compressed', value: x.pool.compressedBytes / MIB },
      { t: x.t, series: 'pool footprint', value: x.pool.poolBytes / MIB },
    );
    refaults.push({ t: x.t, series: 'zswap', value: x.vmstat.workingset_refault_zswap });
    for (const [name, tier] of Object.entries(x.tiers))
      refaults.push({ t: x.t, series: name, value: tier.refault });
  }
  return {
    memory: lineChart('memory.current per cgroup', 'MiB', memory),
    pool: lineChart('zswap pool', 'MiB', pool),
    refaults: lineChart('refaults by where the page came from (cumulative)', 'pages', refaults),
  };
}
