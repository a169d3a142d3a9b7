/**
 * A process's pages and where they are in physical memory, for the DAMON recorder:
 * DAMON on this kind of kernel may only monitor physical addresses (the `paddr`
 * operations; `vaddr` is a separate build option), so the recorder asks DAMON to watch
 * exactly the physical pages that back the process and maps what DAMON reports back to
 * the process's virtual addresses.
 *
 * DAMON's cost is one check per region per sampling interval, and a process's frames
 * are scattered (a 70 MiB process's 17 000 pages sat in 17 000 separate physical runs
 * here, and 17 000 one-page regions took 4 s to set up and stretched each 100 ms
 * aggregation to a second). So the recorder watches at most `maxRegions` of the pages,
 * spread evenly over the process's present pages in address order, and each watched
 * page stands for the pages from it up to the next watched one: the same one sample
 * per region that DAMON's vaddr monitoring takes, with regions laid out by the
 * recorder instead of adapted by DAMON.
 *
 * The pages: every present page of the process's private writable mappings ('rw-p' in
 * /proc/PID/maps: heap, stack, anonymous mappings, private file data), the memory swap
 * deals with; shared and read-only mappings (library text) are everyone's and left
 * out. /proc/PID/pagemap gives each page's frame number (root only; others read 0):
 * bit 63 set = present, bits 0-54 = the page frame number.
 */

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { DamonRegionRow } from './damonTrace.js';
import { WorkloadError } from './workloadError.js';

const PAGE = 4096;
const WHERE = 'damonRecorder.recordDamon';

/** The process's present pages, in virtual address order: virtual page number and frame number. */
export interface ProcessFrames {
  readonly vpage: Float64Array;
  readonly pfn: Float64Array;
}

/** Reads the present pages of `pid`'s private writable mappings and their frames. */
export function readProcessFrames(pid: number): ProcessFrames {
  let maps: string;
  let fd: number;
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    fd = openSync(`/proc/${pid}/pagemap`, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      throw new WorkloadError('PROCESS_GONE', WHERE, `no process ${pid} (/proc/${pid} is gone)`, {
        cause: e,
      });
    }
    throw new WorkloadError(
      'PERMISSION_DENIED',
      WHERE,
      `cannot read /proc/${pid}/pagemap: ${code}`,
      {
        cause: e,
      },
    );
  }
  const vpages: number[] = [];
  const pfns: number[] = [];
  try {
    const buf = Buffer.alloc(8 * 1024);
    for (const line of maps.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4})/.exec(line);
      if (m === null || !m[3]?.startsWith('rw') || m[3][3] !== 'p') continue;
      const first = Number.parseInt(m[1] as string, 16) / PAGE;
      const end = Number.parseInt(m[2] as string, 16) / PAGE;
      for (let v = first; v < end; v += 1024) {
        const n = Math.min(1024, end - v);
        const got = readSync(fd, buf, 0, n * 8, v * 8);
        for (let k = 0; k * 8 < got; k++) {
          const lo = buf.readUInt32LE(k * 8);
          const hi = buf.readUInt32LE(k * 8 + 4);
          if ((hi & 0x80000000) === 0) continue;
          const pfn = lo + (hi & 0x7fffff) * 2 ** 32;
          if (pfn === 0) {
            throw new WorkloadError(
              'PERMISSION_DENIED',
              WHERE,
              `/proc/${pid}/pagemap shows no frame numbers (they need root, CAP_SYS_ADMIN)`,
            );
          }
          vpages.push(v + k);
          pfns.push(pfn);
        }
      }
    }
  } catch (e) {
    if (e instanceof WorkloadError) throw e;
    throw new WorkloadError(
      'PROCESS_GONE',
      WHERE,
      `process ${pid} went away while its pagemap was read`,
      { cause: e },
    );
  } finally {
    closeSync(fd);
  }
  return { vpage: Float64Array.from(vpages), pfn: Float64Array.from(pfns) };
}

/** Which pages are watched: their frames (sorted) and, for each, the pages it stands for. */
export interface WatchPlan {
  /** Physical address ranges [start, end) to give DAMON, sorted, adjacent frames merged. */
  readonly ranges: readonly (readonly [number, number])[];
  /** Watched frames sorted by frame number, with the index range [from, to) of `frames` each stands for. */
  readonly pfn: Float64Array;
  readonly from: Uint32Array;
  readonly to: Uint32Array;
}

/** Watches at most `maxRegions` pages, evenly spaced over the present pages in address order. */
export function watchPlan(frames: ProcessFrames, maxRegions: number): WatchPlan {
  const n = frames.pfn.length;
  const k = Math.min(n, maxRegions);
  const reps = Array.from({ length: k }, (_, j) => Math.floor((j * n) / k));
  const owners = reps.map((from, j) => ({
    pfn: frames.pfn[from] as number,
    from,
    to: reps[j + 1] ?? n,
  }));
  owners.sort((a, b) => a.pfn - b.pfn);
  const ranges: [number, number][] = [];
  for (const { pfn } of owners) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === pfn * PAGE) last[1] += PAGE;
    else if (last === undefined || last[1] < pfn * PAGE)
      ranges.push([pfn * PAGE, (pfn + 1) * PAGE]);
  }
  return {
    ranges,
    pfn: Float64Array.from(owners, (o) => o.pfn),
    from: Uint32Array.from(owners, (o) => o.from),
    to: Uint32Array.from(owners, (o) => o.to),
  };
}

/**
 * DAMON's physical regions (one snapshot) turned into the process's virtual regions:
 * each watched page gets the nr_accesses and age of the region holding its frame, and
 * so do the pages it stands for; runs of virtually adjacent pages with the same values
 * become one row.
 */
export function virtualRows(
  frames: ProcessFrames,
  plan: WatchPlan,
  physical: readonly DamonRegionRow[],
  time: number,
): DamonRegionRow[] {
  const n = frames.pfn.length;
  const acc = new Uint32Array(n);
  const age = new Uint32Array(n);
  const seen = new Uint8Array(n);
  const k = plan.pfn.length;
  for (const r of physical) {
    // The first watched frame at or after the region's start (plan.pfn is sorted).
    let lo = 0;
    let hi = k;
    const first = r.start / PAGE;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((plan.pfn[mid] as number) < first) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < k && (plan.pfn[j] as number) * PAGE < r.end; j++) {
      for (let i = plan.from[j] as number; i < (plan.to[j] as number); i++) {
        acc[i] = r.nrAccesses;
        age[i] = r.age;
        seen[i] = 1;
      }
    }
  }
  const rows: DamonRegionRow[] = [];
  let cur: { start: number; end: number; nrAccesses: number; age: number } | undefined;
  for (let i = 0; i < n; i++) {
    if (seen[i] === 0) continue;
    const v = frames.vpage[i] as number;
    const a = acc[i] as number;
    const g = age[i] as number;
    if (cur !== undefined && cur.end === v * PAGE && cur.nrAccesses === a && cur.age === g) {
      cur.end += PAGE;
      continue;
    }
    if (cur !== undefined) rows.push({ time, ...cur });
    cur = { start: v * PAGE, end: (v + 1) * PAGE, nrAccesses: a, age: g };
  }
  if (cur !== undefined) rows.push({ time, ...cur });
  return rows;
}
