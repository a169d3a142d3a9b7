/**
 * runScenario: a scenario run through the stack on a virtual clock. It builds the
 * stack, the devices and the cgroups (writing their first interface-file values),
 * then advances time step by step: within a step, timeline entries and the processes'
 * own starts and exits fire at their times, in time order, between the processes'
 * accesses, which replay merged in time order; the clock moves to each action's time
 * and to the end of each step. Metrics are sampled at the start, every
 * sampleEverySeconds and at the end.
 *
 * Everything a run does depends on the spec and its seed alone (the clock is virtual,
 * each process's pattern is seeded from the scenario's seed and its index), so two
 * runs give the same series; only the measured codec time (`cpu`) differs. Devices
 * and their temporary directory are removed whatever happens.
 */

import type { Errno } from '@tierswap/base';
import { createVirtualClock, showValue, TierswapError } from '@tierswap/base';
import type { StackMetadata, SwapStackStats } from '@tierswap/stack';
import { createSwapStack } from '@tierswap/stack';
import type { BlockDevice, DeviceStats } from '@tierswap/tiered-store';
import { type SampleContext, type ScenarioSample, takeSample } from './metrics.js';
import { createScenarioDevices } from './scenarioDevices.js';
import { patternFromSpec, sourceFromSpec } from './scenarioInputs.js';
import { parseScenario } from './scenarioLoad.js';
import {
  type AccessCounts,
  mixSeed,
  ScenarioProcesses,
  stackFailure,
} from './scenarioProcesses.js';
import type { ScenarioInput, ScenarioSpec } from './scenarioSpec.js';
import type { TimelineLogEntry } from './timeline.js';
import { logLine, runEntry, scheduleTimeline } from './timeline.js';
import type { AccessPattern, PageSource } from './types.js';
import { WorkloadError } from './workloadError.js';

export interface ScenarioProgress {
  /** Virtual seconds done, of durationSeconds. */
  readonly t: number;
  readonly durationSeconds: number;
  readonly accesses: number;
  readonly samples: number;
}

export interface ScenarioRunOptions {
  /** Called after each sample. */
  readonly onProgress?: (progress: ScenarioProgress) => void;
  /** Per process name: a source built in code, used instead of the spec's. */
  readonly sources?: Readonly<Record<string, PageSource>>;
  /** Per process name: a pattern built in code, used instead of the spec's. */
  readonly patterns?: Readonly<Record<string, AccessPattern>>;
  /**
   * Stops the run at the next sample (devices removed, the signal's reason thrown): how
   * a command stops a run on Ctrl-C. The run yields to the event loop after each sample,
   * so a signal handler or a timer gets to run.
   */
  readonly signal?: AbortSignal;
}

export interface ScenarioResult {
  /** The validated spec that ran. */
  readonly spec: ScenarioSpec;
  readonly series: readonly ScenarioSample[];
  /** Every timeline entry and process start / exit, with what it answered. */
  readonly timeline: readonly TimelineLogEntry[];
  readonly final: {
    readonly stats: SwapStackStats;
    /** Bytes of the stack's own metadata per layer at the end (stack.metadataBytes()). */
    readonly metadata: StackMetadata;
    readonly devices: Readonly<Record<string, DeviceStats>>;
    readonly accesses: Readonly<AccessCounts>;
    /** Timeline entries refused, by errno. */
    readonly refusals: Readonly<Partial<Record<Errno, number>>>;
  };
}

const CGROUP_ROOT = '/sys/fs/cgroup';

interface ProcessInputs {
  readonly spec: ScenarioSpec['processes'][number];
  readonly source: PageSource;
  readonly pattern: AccessPattern;
}

/** A spec's processes with their sources and patterns built (before anything else is made). */
async function buildInputs(
  spec: ScenarioSpec,
  options: ScenarioRunOptions,
): Promise<ProcessInputs[]> {
  const out: ProcessInputs[] = [];
  for (const [i, p] of spec.processes.entries()) {
    const source =
      options.sources?.[p.name] ?? sourceFromSpec(p.source, mixSeed(spec.seed, i, 0xf00d));
    const pattern = options.patterns?.[p.name] ?? (await patternFromSpec(p.pattern, source));
    if (
      typeof source !== 'object' ||
      source === null ||
      typeof source.pages !== 'function' ||
      !Number.isSafeInteger(source.pageCount)
    ) {
      throw invalid(
        `the source of process ${p.name} must be a PageSource, got ${showValue(source)}`,
      );
    }
    if (source.pageCount < 1 || source.pageCount > 2 ** 26) {
      throw invalid(
        `source ${source.name} of process ${p.name} has ${source.pageCount} pages; a process needs 1..2^26`,
      );
    }
    if (typeof pattern !== 'object' || pattern === null || typeof pattern.accesses !== 'function') {
      throw invalid(
        `the pattern of process ${p.name} must be an AccessPattern, got ${showValue(pattern)}`,
      );
    }
    out.push({ spec: p, source, pattern });
  }
  return out;
}

/** Runs a scenario (validated first: an invalid one throws WorkloadError and nothing runs). */
export async function runScenario(
  input: ScenarioInput | ScenarioSpec,
  options: ScenarioRunOptions = {},
): Promise<ScenarioResult> {
  if (typeof options !== 'object' || options === null) {
    throw new WorkloadError('INVALID_ARGUMENT', 'runScenario', 'options must be an object');
  }
  const spec = parseScenario(input);
  for (const [kind, given] of [
    ['sources', options.sources],
    ['patterns', options.patterns],
  ] as const) {
    for (const name of Object.keys(given ?? {})) {
      if (!spec.processes.some((p) => p.name === name)) {
        throw new WorkloadError(
          'INVALID_ARGUMENT',
          'runScenario',
          `options.${kind} names process "${name}", which the scenario does not declare`,
        );
      }
    }
  }
  const inputs = await buildInputs(spec, options);
  const devices = await createScenarioDevices(spec.devices);
  try {
    return await run(spec, inputs, devices.byName, options);
  } finally {
    devices.close();
  }
}

async function run(
  spec: ScenarioSpec,
  inputs: readonly ProcessInputs[],
  devices: ReadonlyMap<string, BlockDevice>,
  options: ScenarioRunOptions,
): Promise<ScenarioResult> {
  const clock = createVirtualClock();
  const s = spec.stack;
  const stack = createSwapStack({
    clock,
    ramBytes: s.ramBytes,
    mode: s.mode,
    ...(s.zswap === undefined ? {} : { zswap: withoutUndefined(s.zswap) }),
    ...(s.tiers === undefined ? {} : { tiers: s.tiers }),
    devices: spec.devices
      .filter((d) => d.on)
      .map((d) => ({ device: devices.get(d.name)!, priority: d.priority })),
  });

  const cgroups = new Set<string>();
  spec.cgroups.forEach((c, i) => {
    const r = stack.fs.mkdir(`${CGROUP_ROOT}${c.path}`);
    if (r !== undefined) throw setupError(`cgroups[${i}].path ${c.path}: ${r.errno} ${r.reason}`);
    cgroups.add(c.path);
    for (const [file, value] of Object.entries(c.files ?? {})) {
      const w = stack.fs.write(`${CGROUP_ROOT}${c.path}/${file}`, String(value));
      if (w !== undefined) {
        throw setupError(`cgroups[${i}].files.${file} "${value}": ${w.errno} ${w.reason}`);
      }
    }
  });

  const procs = new ScenarioProcesses(stack, spec.seed, spec.durationSeconds, inputs);
  const log: TimelineLogEntry[] = [];
  const actions = {
    stack,
    devices,
    devicePriority: (name: string) => spec.devices.find((d) => d.name === name)!.priority,
    spawn: (name: string, t: number) => procs.spawn(name, t),
    exit: (name: string) => procs.exit(name),
    cgroupMade: (path: string) => cgroups.add(path),
  };

  // The processes' own starts and exits, in one schedule with the timeline's entries.
  type Event = { t: number; order: number; fire: () => void };
  const events: Event[] = [];
  const spawnedByTimeline = new Set(
    spec.timeline.flatMap((e) => (e.kind === 'spawn' ? [e.process] : [])),
  );
  spec.processes.forEach((p, index) => {
    const start = p.start ?? (spawnedByTimeline.has(p.name) ? undefined : 0);
    const base = { origin: 'process' as const, index, target: p.name };
    if (start !== undefined) {
      events.push({
        t: start,
        order: 1,
        fire: () =>
          log.push(logLine({ ...base, t: start, kind: 'spawn' }, procs.spawn(p.name, start))),
      });
    }
    if (p.exit !== undefined && p.exit < spec.durationSeconds) {
      const exit = p.exit;
      events.push({
        t: exit,
        order: 2,
        fire: () => log.push(logLine({ ...base, t: exit, kind: 'exit' }, procs.exit(p.name))),
      });
    }
  });
  for (const e of scheduleTimeline(spec.timeline, spec.durationSeconds)) {
    events.push({ t: e.t, order: 0, fire: () => log.push(runEntry(e, actions)) });
  }
  // Stable sort: by time, then timeline entries (in file order: a write at 0 configures
  // before anything starts), processes' own starts, their exits.
  events.sort((a, b) => a.t - b.t || a.order - b.order);

  const ctx: SampleContext = { stack, cgroups, devices, deviceTier: new Map() };
  const series: ScenarioSample[] = [];
  let sinceSample = 0;
  let total = 0;
  const sample = (t: number) => {
    series.push(takeSample(ctx, t, sinceSample));
    sinceSample = 0;
    options.onProgress?.({
      t,
      durationSeconds: spec.durationSeconds,
      accesses: total,
      samples: series.length,
    });
  };
  const setClock = (t: number) => {
    const ms = t * 1000;
    if (ms > clock.now()) clock.set(ms);
  };

  async function play(): Promise<void> {
    options.signal?.throwIfAborted();
    sample(0);
    const end = spec.durationSeconds;
    const step = spec.stepSeconds;
    const every = spec.sampleEverySeconds;
    let nextSample = every;
    let ev = 0;
    for (let k = 0; ; k++) {
      const t0 = tidy(k * step);
      if (t0 >= end) break;
      const t1 = Math.min(tidy((k + 1) * step), end);
      setClock(t0);
      while (ev < events.length && events[ev]!.t < t1) {
        const e = events[ev++]!;
        const n = procs.replayUntil(e.t);
        sinceSample += n;
        total += n;
        setClock(e.t);
        e.fire();
      }
      const n = procs.replayUntil(t1);
      sinceSample += n;
      total += n;
      setClock(t1);
      if (t1 >= nextSample - 1e-9 || t1 >= end) {
        sample(t1);
        await new Promise((resolve) => setImmediate(resolve));
        options.signal?.throwIfAborted();
        // The next multiple of the period after t1, computed, not summed, so it never drifts.
        nextSample = tidy((Math.floor(t1 / every + 1e-9) + 1) * every);
      }
    }
  }

  try {
    await play();
  } catch (e) {
    // Only the stack's and devices' errors are wrapped; a callback's own error passes as it is.
    if (!(e instanceof TierswapError) || e instanceof WorkloadError) throw e;
    throw stackFailure(e, `at ${clock.now() / 1000} s`);
  }

  const refusals: Partial<Record<Errno, number>> = {};
  for (const l of log) if (l.errno !== undefined) refusals[l.errno] = (refusals[l.errno] ?? 0) + 1;
  const deviceStats: Record<string, DeviceStats> = {};
  for (const [name, dev] of devices) deviceStats[name] = dev.stats();
  return {
    spec,
    series,
    timeline: log,
    final: {
      stats: stack.stats(),
      metadata: stack.metadataBytes(),
      devices: deviceStats,
      accesses: { ...procs.counts },
      refusals,
    },
  };
}

/** The object without its undefined fields (zod's optional fields are `T | undefined`). */
function withoutUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** A time computed as k × step, rounded to the nanosecond: 0.3, not 0.30000000000000004. */
function tidy(t: number): number {
  return Math.round(t * 1e9) / 1e9;
}

function invalid(detail: string): WorkloadError {
  return new WorkloadError('INVALID_ARGUMENT', 'runScenario', detail);
}

function setupError(detail: string): WorkloadError {
  return new WorkloadError('INVALID_SCENARIO', 'runScenario', `setting up: ${detail}`);
}
