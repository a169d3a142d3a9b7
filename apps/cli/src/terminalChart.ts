/**
 * A line chart in the terminal (asciichart) of series sampled over time: the series are
 * resampled to the width available, drawn in colour only when the terminal has it, and
 * followed by a time axis and a legend, which asciichart leaves to its caller.
 */

import asciichart from 'asciichart';
import type { Terminal } from './terminal.js';

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly number[];
}

const COLORS = [asciichart.blue, asciichart.green, asciichart.magenta, asciichart.yellow];
const MARKS = ['blue', 'green', 'magenta', 'yellow'] as const;

/** Pick `width` points of `values`, evenly spread, first and last kept. */
function resample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    out.push(values[Math.round((i * (values.length - 1)) / (width - 1))] as number);
  }
  return out;
}

/**
 * The chart as text: `series` share a y axis in `unit`, over `times` (seconds, one per
 * value). Axis labels take 12 columns; the plot takes the rest, up to 72. With colour the
 * series share one plot; without it lines would be indistinguishable, so each series
 * gets its own plot under its name.
 */
export function renderChart(
  term: Terminal,
  series: readonly ChartSeries[],
  times: readonly number[],
  unit: string,
  height = 12,
): string {
  const width = Math.max(20, Math.min(72, term.columns - 14));
  const data = series.map((s) => resample(s.values, width));
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  const points = data[0]?.length ?? 0;
  const pad = ' '.repeat(8 + unit.length + 3);
  const left = `${first} s`;
  const right = `${last} s (virtual)`;
  const axis = `${pad}${left}${' '.repeat(Math.max(1, points - left.length - right.length))}${right}`;
  const format = (x: number) => `${x.toFixed(1).padStart(8)} ${unit}`;
  // One y range for every plot, so separate plots still compare at a glance.
  const all = data.flat();
  const range = { min: Math.min(0, ...all), max: Math.max(...all, 1) };
  if (term.color) {
    const c = term.colors;
    const plot = asciichart.plot(data, {
      height,
      format,
      ...range,
      colors: COLORS.slice(0, data.length),
    });
    const legend = series
      .map((s, i) => `${c[MARKS[i % MARKS.length] as (typeof MARKS)[number]]('──')} ${s.label}`)
      .join('   ');
    return `${plot}\n${axis}\n${pad}${legend}`;
  }
  return data
    .map((values, i) => {
      const plot = asciichart.plot(values, { height: Math.ceil(height / 2), format, ...range });
      return `${pad}${series[i]?.label ?? ''}\n${plot}\n${axis}`;
    })
    .join('\n\n');
}
