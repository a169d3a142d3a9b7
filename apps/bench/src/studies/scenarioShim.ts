/**
 * TEMPORARY: the subset of @tierswap/workload's runScenario the fairness and swap
 * metadata studies use, with the same input keys and sample field names, plus what
 * runScenario does not return yet: each cgroup's memory.stat zswpwb and pswpin, and
 * the stack's metadataBytes() at the end (requested from the runner's owner). Once
 * runScenario returns those, both studies call it and this file goes. It runs a ScenarioInput-shaped
 * object (stack, file devices, cgroups with their first files, processes whose pages
 * and accesses come from `options.sources` / `options.patterns`, and `write` timeline
 * entries `at` a time or `every` period) on a virtual clock, sampling the metrics the
 * studies read.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock, isRefusal } from '@tierswap/base';
import {
  createSwapStack,
  type StackMetadata,
  type SwapStack,
  type SwapStackStats,
} from '@tierswap/stack';
import { createFileDevice, type FileDevice } from '@tierswap/tiered-store';
import type { Access, AccessPattern, PageSource } from '@tierswap/workload';

const CG = '/sys/fs/cgroup';

export interface ShimWrite {
  readonly kind: 'write';
  readonly path: string;
  readonly value: string | number;
  readonly at?: number;
  readonly every?: number;
  readonly from?: number;
  readonly until?: number;
}

export interface ShimScenario {
  readonly name: string;
  readonly seed?: number;
  readonly durationSeconds: number;
  readonly stepSeconds?: number;
  readonly sampleEverySeconds?: number;
  readonly stack: {
    readonly mode?: 'vswap' | 'classic';
    readonly ramBytes: number;
    readonly ghostSlots?: number;
    readonly zswap?: {
      readonly compressor?: 'lz4' | 'zstd' | 'none';
      readonly level?: number;
      readonly maxPoolPercent?: number;
    };
  };
  readonly devices?: readonly {
    readonly name: string;
    readonly kind: 'file';
    readonly slots: number;
    readonly priority?: number;
  }[];
  readonly cgroups?: readonly {
    readonly path: string;
    readonly files?: Readonly<Record<string, string | number>>;
  }[];
  readonly processes?: readonly {
    readonly name: string;
    readonly cgroup: string;
    readonly source: { readonly kind: 'generated'; readonly pages: number };
    readonly pattern: { readonly kind: 'uniform'; readonly rate: number };
  }[];
  readonly timeline?: readonly ShimWrite[];
}

export interface ShimSample {
  readonly t: number;
  readonly accesses: number;
  readonly residentPages: number;
  readonly swappedPages: number;
  readonly cgroups: Readonly<
    Record<
      string,
      { current: number; swapCurrent: number; zswapCurrent: number; zswpwb: number; pswpin: number }
    >
  >;
  readonly pool: { storedPages: number; poolBytes: number };
  readonly vmstat: Readonly<Record<string, number>>;
  readonly cpu: { readonly compressNs: number; readonly decompressNs: number };
}

export interface ShimResult {
  readonly series: readonly ShimSample[];
  readonly timeline: readonly { t: number; path: string; value: string; errno?: string }[];
  readonly final: {
    readonly stats: SwapStackStats;
    readonly metadata: StackMetadata;
    /** Pages in zswap, and slots and used slots of each real device, at the end. */
    readonly zswapPages: number;
    readonly devices: readonly { readonly slots: number; readonly used: number }[];
  };
}

export interface ShimOptions {
  readonly sources?: Readonly<Record<string, PageSource>>;
  readonly patterns?: Readonly<Record<string, AccessPattern>>;
}

function readNumber(stack: SwapStack, path: string): number {
  const r = stack.fs.read(path);
  return isRefusal(r) ? 0 : Number(r.trim());
}

/** One line of a group's memory.stat (hierarchical, as the kernel shows it). */
function statLine(stack: SwapStack, g: string, key: string): number {
  const r = stack.fs.read(`${CG}${g}/memory.stat`);
  if (isRefusal(r)) return 0;
  const line = r.split('\n').find((l) => l.startsWith(`${key} `));
  return line === undefined ? 0 : Number(line.slice(key.length + 1));
}

function sample(stack: SwapStack, t: number, accesses: number, groups: string[]): ShimSample {
  const vm: Record<string, number> = {};
  const text = stack.fs.read('/proc/vmstat');
  if (!isRefusal(text)) {
    for (const line of text.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) vm[line.slice(0, sp)] = Number(line.slice(sp + 1));
    }
  }
  const cgroups: Record<
    string,
    { current: number; swapCurrent: number; zswapCurrent: number; zswpwb: number; pswpin: number }
  > = {};
  for (const g of groups) {
    cgroups[g] = {
      current: readNumber(stack, `${CG}${g}/memory.current`),
      swapCurrent: readNumber(stack, `${CG}${g}/memory.swap.current`),
      zswapCurrent: readNumber(stack, `${CG}${g}/memory.zswap.current`),
      zswpwb: statLine(stack, g, 'zswpwb'),
      pswpin: statLine(stack, g, 'pswpin'),
    };
  }
  const st = stack.stats();
  const z = stack.pool.stats();
  return {
    t,
    accesses,
    residentPages: st.residentPages,
    swappedPages: st.swappedPages,
    cgroups,
    pool: { storedPages: z.stored_pages, poolBytes: z.pool_total_size },
    vmstat: vm,
    cpu: { compressNs: st.compressNs, decompressNs: st.decompressNs },
  };
}

export async function runScenarioShim(
  spec: ShimScenario,
  options: ShimOptions = {},
): Promise<ShimResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-study-'));
  const devices: FileDevice[] = [];
  try {
    const clock = createVirtualClock();
    for (const d of spec.devices ?? []) {
      devices.push(createFileDevice({ path: join(dir, `${d.name}.swap`), slots: d.slots }));
    }
    const stack = createSwapStack({
      clock,
      ramBytes: spec.stack.ramBytes,
      mode: spec.stack.mode ?? 'vswap',
      ...(spec.stack.ghostSlots === undefined ? {} : { ghostSlots: spec.stack.ghostSlots }),
      zswap: spec.stack.zswap ?? {},
      devices: devices.map((device, i) => ({
        device,
        priority: spec.devices?.[i]?.priority ?? -1,
      })),
    });
    const groups: string[] = [];
    for (const c of spec.cgroups ?? []) {
      stack.fs.mkdir(`${CG}${c.path}`);
      groups.push(c.path);
      for (const [f, v] of Object.entries(c.files ?? {})) {
        const r = stack.fs.write(`${CG}${c.path}/${f}`, String(v));
        if (isRefusal(r)) throw new Error(`${c.path}/${f} ${v}: ${r.errno} ${r.reason}`);
      }
    }
    const end = spec.durationSeconds;
    // Timeline writes, in time order.
    const events: { t: number; path: string; value: string }[] = [];
    for (const e of spec.timeline ?? []) {
      const times: number[] = [];
      if (e.at !== undefined) times.push(e.at);
      else if (e.every !== undefined) {
        const from = e.from ?? e.every;
        const until = Math.min(e.until ?? end, end);
        for (let k = 0; from + k * e.every <= until && from + k * e.every < end; k++) {
          times.push(from + k * e.every);
        }
      }
      for (const t of times) events.push({ t, path: e.path, value: String(e.value) });
    }
    events.sort((a, b) => a.t - b.t);
    // Processes: spawn, write the source's pages, then replay the pattern.
    const streams: { pid: number; it: Iterator<Access>; head: Access | undefined }[] = [];
    const seed = spec.seed ?? 1;
    for (const [i, p] of (spec.processes ?? []).entries()) {
      const source = options.sources?.[p.name];
      const pattern = options.patterns?.[p.name];
      if (source === undefined || pattern === undefined) {
        throw new Error(`process ${p.name}: the shim needs options.sources and options.patterns`);
      }
      const pid = stack.spawn(p.cgroup, source.pageCount);
      let k = 0;
      for (const page of source.pages()) stack.write(pid, k++, page.bytes);
      const it = pattern
        .accesses({ pages: source.pageCount, durationSeconds: end, seed: seed * 7919 + i })
        [Symbol.iterator]();
      const first = it.next();
      streams.push({ pid, it, head: first.done ? undefined : first.value });
    }
    const log: { t: number; path: string; value: string; errno?: string }[] = [];
    const series: ShimSample[] = [];
    const every = spec.sampleEverySeconds ?? 10;
    let accesses = 0;
    let nextSample = every;
    let ev = 0;
    series.push(sample(stack, 0, 0, groups));
    const replayUntil = (t: number) => {
      for (;;) {
        let best = -1;
        let bt = Number.POSITIVE_INFINITY;
        for (let s = 0; s < streams.length; s++) {
          const h = streams[s]!.head;
          if (h !== undefined && h.time < t && h.time < bt) {
            bt = h.time;
            best = s;
          }
        }
        if (best < 0) return;
        const s = streams[best]!;
        const ms = s.head!.time * 1000;
        if (ms > clock.now()) clock.set(ms);
        stack.touch(s.pid, s.head!.page);
        accesses++;
        const n = s.it.next();
        s.head = n.done ? undefined : n.value;
      }
    };
    const step = spec.stepSeconds ?? 1;
    for (let k = 0; k * step < end; k++) {
      const t1 = Math.min((k + 1) * step, end);
      while (ev < events.length && events[ev]!.t < t1) {
        const e = events[ev++]!;
        replayUntil(e.t);
        if (e.t * 1000 > clock.now()) clock.set(e.t * 1000);
        const r = stack.fs.write(e.path, e.value);
        log.push({
          t: e.t,
          path: e.path,
          value: e.value,
          ...(isRefusal(r) ? { errno: r.errno } : {}),
        });
      }
      replayUntil(t1);
      if (t1 * 1000 > clock.now()) clock.set(t1 * 1000);
      if (t1 >= nextSample - 1e-9 || t1 >= end) {
        series.push(sample(stack, t1, accesses, groups));
        accesses = 0;
        nextSample = (Math.floor(t1 / every + 1e-9) + 1) * every;
      }
    }
    return {
      series,
      timeline: log,
      final: {
        stats: stack.stats(),
        metadata: stack.metadataBytes(),
        zswapPages: stack.pool.stats().stored_pages,
        devices: stack.swapSpace.swaps().map((d) => ({ slots: d.slots, used: d.used })),
      },
    };
  } finally {
    for (const d of devices) d.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
