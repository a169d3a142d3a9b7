/**
 * renderChart: a vega-lite spec to SVG (and PNG), headless. vega-lite compiles the spec
 * to vega; a vega View with renderer 'none' lays it out and writes SVG without a DOM or
 * a canvas package; resvg rasterises that SVG to PNG for places that show no SVG
 * (chat, some Markdown viewers). Text in the PNG uses the system's fonts.
 */

import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { BenchError } from '../benchError.js';

export type { TopLevelSpec as ChartSpec } from 'vega-lite';

export interface RenderedChart {
  readonly svg: string;
  /** Present when asked for (`png: true`). */
  readonly png?: Uint8Array;
}

export interface RenderOptions {
  /** Also rasterise to PNG. */
  readonly png?: boolean;
  /** PNG pixels per SVG unit (default 2: sharp on high-DPI screens). */
  readonly scale?: number;
}

/** Render `spec` to SVG, and to PNG when asked. Throws BenchError on an invalid spec. */
export async function renderChart(
  spec: TopLevelSpec,
  options?: RenderOptions,
): Promise<RenderedChart> {
  let view: View | undefined;
  try {
    // vega tags inline data rows (a Symbol key) as it runs: work on a copy so the
    // caller's objects, often the study's own results, stay as they were.
    const vg = compile(structuredClone(spec)).spec;
    view = new View(parse(vg), { renderer: 'none' });
    const svg = await view.toSVG();
    if (options?.png !== true) return { svg };
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: options.scale ?? 2 },
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
      background: 'white',
    })
      .render()
      .asPng();
    return { svg, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new BenchError('TOOL_FAILED', 'charts.renderChart', `cannot render the chart: ${why}`, {
      cause: error,
    });
  } finally {
    view?.finalize();
  }
}
