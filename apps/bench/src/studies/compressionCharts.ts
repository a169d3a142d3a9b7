/**
 * The compression study's charts, as vega-lite specs built from its result: ratios by
 * method, the compressed-size histogram, latency, throughput beside the CLIs, pool
 * packing as the pool grows, the bindings, and the regions. Each chart holds its data
 * inline, so its .vl.json file alone redraws it.
 */

import type { ChartSpec } from '../report/charts.js';
import type { ChartInput } from '../report/reportWriter.js';
import type { CompressionResult } from './compressionResult.js';

const WIDTH = 640;
const MIB = 2 ** 20;

function bars(
  values: Record<string, unknown>[],
  x: string,
  y: string,
  color: string,
  yTitle: string,
  options: { log?: boolean; sort?: string[]; colorSort?: string[] } = {},
): ChartSpec {
  return {
    width: WIDTH,
    height: 260,
    data: { values },
    // Bars cannot start at zero on a log scale: a log chart shows points instead.
    mark:
      options.log === true
        ? { type: 'point', filled: true, size: 90, tooltip: true }
        : { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: x,
        type: 'nominal',
        title: null,
        axis: { labelAngle: 0 },
        ...(options.sort && { sort: options.sort }),
      },
      xOffset: { field: color, type: 'nominal', ...(options.sort && { sort: null }) },
      y: {
        field: y,
        type: 'quantitative',
        title: yTitle,
        ...(options.log === true && { scale: { type: 'log' } }),
      },
      color: {
        field: color,
        type: 'nominal',
        title: null,
        legend: { orient: 'bottom', columns: 3, labelLimit: 320 },
        ...(options.colorSort && { sort: options.colorSort }),
      },
    },
  } as ChartSpec;
}

export function compressionCharts(r: CompressionResult): ChartInput[] {
  const charts: ChartInput[] = [];
  const order = r.codecs.map((c) => c.codec);

  const ratios: Record<string, unknown>[] = [];
  for (const c of r.codecs) {
    ratios.push({ codec: c.codec, method: '4 KiB pages', ratio: c.ratio });
    ratios.push({
      codec: c.codec,
      method: '4 KiB in the zswap pool (footprint)',
      ratio: c.pool.ratio,
    });
  }
  for (const u of r.units)
    ratios.push({ codec: u.codec, method: `${u.unitBytes / 1024} KiB units`, ratio: u.ratio });
  for (const d of r.dictionary?.rows ?? []) {
    ratios.push({
      codec: d.codec,
      method: `4 KiB + ${Math.round((r.dictionary?.dictionaryBytes ?? 0) / 1024)} KiB dictionary`,
      ratio: d.ratio,
    });
  }
  charts.push({
    id: 'ratios',
    title: 'Compression ratio by codec and method',
    png: true,
    caption:
      'Input bytes / compressed bytes. The pool bar counts what the zsmalloc-like arena really held after packing.',
    spec: bars(ratios, 'codec', 'ratio', 'method', 'ratio (higher is better)', {
      sort: order,
      colorSort: [...new Set(ratios.map((x) => String(x.method)))],
    }),
  });

  const sizes: Record<string, unknown>[] = [];
  for (const c of r.codecs) {
    for (const b of c.sizeHistogram) {
      sizes.push({ codec: c.codec, from: b.fromBytes, share: b.pages / Math.max(1, c.pages) });
    }
  }
  charts.push({
    id: 'sizes',
    title: 'Compressed size per page',
    png: true,
    caption:
      "Share of pages per 256 B bin; the dashed rule is Google's 2990 B cut-off, the last bin (from 4096) holds incompressible pages.",
    spec: {
      width: WIDTH,
      height: 260,
      layer: [
        {
          data: { values: sizes },
          mark: { type: 'line', interpolate: 'step-after', point: true, tooltip: true },
          encoding: {
            x: {
              field: 'from',
              type: 'quantitative',
              title: 'compressed size (bytes, bin start)',
              scale: { domain: [0, 4352] },
            },
            y: {
              field: 'share',
              type: 'quantitative',
              title: 'share of pages',
              axis: { format: '%' },
            },
            color: { field: 'codec', type: 'nominal', sort: order, legend: { orient: 'bottom' } },
          },
        },
        {
          data: { values: [{ x: 2990, label: '2990 B' }] },
          layer: [
            {
              mark: { type: 'rule', strokeDash: [4, 4], color: '#b33' },
              encoding: { x: { field: 'x', type: 'quantitative' } },
            },
            {
              mark: { type: 'text', align: 'left', dx: 4, dy: -120, color: '#b33' },
              encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'label' } },
            },
          ],
        },
      ],
    } as ChartSpec,
  });

  const lat: Record<string, unknown>[] = [];
  for (const c of r.codecs) {
    lat.push({ codec: c.codec, metric: 'store p50', us: c.store.p50Us });
    lat.push({ codec: c.codec, metric: 'store p99', us: c.store.p99Us });
    lat.push({ codec: c.codec, metric: 'load p50', us: c.load.p50Us });
    lat.push({ codec: c.codec, metric: 'load p99', us: c.load.p99Us });
  }
  charts.push({
    id: 'latency',
    title: 'Pool store and load per page',
    caption: 'Microseconds per page through a real @tierswap/zswap pool (log scale).',
    spec: bars(lat, 'codec', 'us', 'metric', 'µs per page (log)', { log: true, sort: order }),
  });

  const thr: Record<string, unknown>[] = [];
  for (const c of r.codecs) {
    thr.push({
      codec: c.codec,
      series: 'pool store at p50 (ours)',
      mbps: c.throughput.storeMBpsAtP50,
    });
    thr.push({
      codec: c.codec,
      series: 'pool load at p50 (ours)',
      mbps: c.throughput.loadMBpsAtP50,
    });
    if (c.native !== null) {
      thr.push({ codec: c.codec, series: 'CLI compress', mbps: c.native.compressMBps });
      thr.push({ codec: c.codec, series: 'CLI decompress', mbps: c.native.decompressMBps });
    }
  }
  charts.push({
    id: 'throughput',
    title: 'Throughput per core beside the native CLIs',
    png: true,
    caption:
      'MB/s of input on one core: our pool (compression + packing, or decompression; one page over the median time) against `lz4 -b1 -B4096` / `zstd -bN -B4096` (their best iteration) on the same bytes.',
    spec: bars(thr, 'codec', 'mbps', 'series', 'MB/s per core', {
      sort: order,
      colorSort: [
        'pool store at p50 (ours)',
        'CLI compress',
        'pool load at p50 (ours)',
        'CLI decompress',
      ],
    }),
  });

  const packing: Record<string, unknown>[] = [];
  for (const c of r.codecs) {
    for (const g of c.pool.growth) {
      packing.push({
        codec: c.codec,
        pages: g.pages,
        overhead: g.footprintBytes / Math.max(1, g.heldBytes) - 1,
      });
    }
  }
  if (packing.length > 0) {
    charts.push({
      id: 'packing',
      title: 'Packing overhead as the pool grows',
      caption:
        'Footprint / compressed bytes held - 1, by pages stored in one pool: partly filled zspages of each size class weigh less as the pool grows.',
      spec: {
        width: WIDTH,
        height: 220,
        data: { values: packing },
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: {
            field: 'pages',
            type: 'quantitative',
            title: 'pages in the pool',
            scale: { type: 'log' },
          },
          y: {
            field: 'overhead',
            type: 'quantitative',
            title: 'footprint overhead',
            axis: { format: '%' },
          },
          color: { field: 'codec', type: 'nominal', sort: order, legend: { orient: 'bottom' } },
        },
      } as ChartSpec,
    });
  }

  if (r.bindings.length > 0) {
    const b: Record<string, unknown>[] = [];
    for (const row of r.bindings) {
      const label = `${row.codec}: ${row.binding.replace(/ \(.*\)$/, '')}`;
      b.push({ binding: label, direction: 'compress', mbps: row.compressMBps });
      b.push({ binding: label, direction: 'decompress', mbps: row.decompressMBps });
    }
    charts.push({
      id: 'bindings',
      title: 'Node bindings side by side',
      caption: `MB/s on one thread over ${r.bindings[0]?.pages ?? 0} sample pages.`,
      spec: {
        width: WIDTH - 200,
        data: { values: b },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'binding', type: 'nominal', title: null, axis: { labelLimit: 280 } },
          yOffset: { field: 'direction', type: 'nominal' },
          x: { field: 'mbps', type: 'quantitative', title: 'MB/s (one thread)' },
          color: { field: 'direction', type: 'nominal', title: null, legend: { orient: 'bottom' } },
        },
      } as ChartSpec,
    });
  }

  if (r.regions.length > 1) {
    const top = r.regions.slice(0, 15);
    const reg: Record<string, unknown>[] = [];
    for (const g of top) {
      // Processes have many mappings of one name ([anon], a library's segments): the
      // address tells them apart.
      const name = g.name.length > 36 ? `…${g.name.slice(-35)}` : g.name;
      const at = g.start > 0 ? ` @${g.start.toString(16)}` : '';
      const label = `${name}${at} (${((g.pages * r.pageSize) / MIB).toFixed(1)} MiB)`;
      for (const [codec, ratio] of Object.entries(g.ratios))
        reg.push({ region: label, codec, ratio });
    }
    charts.push({
      id: 'regions',
      title: 'Ratio per region (largest 15)',
      caption:
        'Each mapping (VMA) or file on its own: where the compressible memory is. Log scale: bars start at ratio 1.',
      spec: {
        width: WIDTH - 240,
        data: { values: reg },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: {
            field: 'region',
            type: 'nominal',
            title: null,
            sort: null,
            axis: { labelLimit: 280 },
          },
          yOffset: { field: 'codec', type: 'nominal', sort: order },
          // Log scale, bars from ratio 1: a nearly empty mapping (ratio 100+) would
          // otherwise flatten every other bar.
          x: {
            field: 'ratio',
            type: 'quantitative',
            title: 'ratio (log scale)',
            scale: { type: 'log' },
          },
          x2: { datum: 1 },
          color: { field: 'codec', type: 'nominal', sort: order, legend: { orient: 'bottom' } },
        },
      } as ChartSpec,
    });
  }
  return charts;
}
