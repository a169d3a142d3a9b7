/**
 * The workload studies 2, 3, 5 and 6 share: one job cgroup whose process holds real
 * pages, touched with a hot/cold pattern, while a Senpai-like agent writes
 * memory.reclaim every few seconds (cold pages go to zswap; refaults bring hot ones
 * back), plus whatever the study writes on its own timeline (proactive writeback in one
 * of its syntaxes, zswap parameters at t = 0). One place builds the scenario and
 * reduces its time series to the numbers the studies compare, so they compare the
 * same thing.
 *
 * Why an agent and no memory.max: under a fixed limit, bytes freed in zswap are
 * refilled by resident pages and memory.current never shows a saving.
 */

import type { StackMode } from '@tierswap/stack';
import {
  type AccessPattern,
  fileSource,
  type PageSource,
  runScenario,
  type ScenarioInput,
  type ScenarioResult,
  type TimelineEntry,
} from '@tierswap/workload';
import { mean, PAGE } from './studyKit.js';

export const JOB = '/job';
export const JOB_DIR = `/sys/fs/cgroup${JOB}`;

type TimelineInput = NonNullable<ScenarioInput['timeline']>[number];

export interface JobRun {
  /** The job's pages (fileSource, readSnapshot, processSource... or built in code). */
  readonly source: PageSource;
  /** Its accesses (zipfPattern, phasedPattern, tracePattern...). */
  readonly pattern: AccessPattern;
  readonly durationSeconds: number;
  readonly mode?: StackMode;
  /** Share of the job the agent reclaims every `agentEverySeconds` (default 0.02 every 5 s). */
  readonly agentShare?: number;
  readonly agentEverySeconds?: number;
  readonly timeline?: readonly TimelineInput[];
  readonly seed?: number;
}

/** What a run of the job comes to. */
export interface JobMetrics {
  /** Mean memory.current (resident + zswap bytes) over the second half of the run. */
  readonly meanCurrentBytes: number;
  /** Mean memory.zswap.current over the second half. */
  readonly meanZswapBytes: number;
  readonly diskRefaultsPerMinute: number;
  readonly zswapRefaultsPerMinute: number;
  readonly writtenBackPages: number;
  readonly pswpout: number;
  /** Codec time (compress + decompress), ms, measured. */
  readonly codecMs: number;
  /** The process's CPU time for the whole run (user + system), ms, measured. */
  readonly cpuMs: number;
  /** The timeline's writes refused, by errno (EAGAIN: less than asked was done). */
  readonly refusals: Readonly<Record<string, number>>;
  /** The run itself, for studies that read more. */
  readonly run: ScenarioResult;
}

export async function runJob(job: JobRun): Promise<JobMetrics> {
  const n = job.source.pageCount;
  const share = job.agentShare ?? 0.02;
  const timeline: TimelineInput[] = [];
  if (share > 0) {
    timeline.push({
      kind: 'write',
      path: `${JOB_DIR}/memory.reclaim`,
      value: `${Math.max(1, Math.floor(n * share)) * PAGE}`,
      every: job.agentEverySeconds ?? 5,
    });
  }
  timeline.push(...(job.timeline ?? []));
  const spec: ScenarioInput = {
    name: 'job',
    seed: job.seed ?? 1,
    durationSeconds: job.durationSeconds,
    sampleEverySeconds: 10,
    stack: { mode: job.mode ?? 'vswap', ramBytes: n * PAGE * 4, zswap: { maxPoolPercent: 100 } },
    devices: [{ name: 'disk', kind: 'file', slots: n + 64, priority: 10 }],
    cgroups: [{ path: JOB }],
    processes: [
      {
        name: 'app',
        cgroup: JOB,
        // Placeholders the runner validates; the run uses the source and pattern below.
        source: { kind: 'generated', pages: n },
        pattern: { kind: 'uniform', rate: 1 },
      },
    ],
    timeline,
  };
  const cpu0 = process.cpuUsage();
  const run = await runScenario(spec, {
    sources: { app: job.source },
    patterns: { app: job.pattern },
  });
  const cpu = process.cpuUsage(cpu0);
  const s = run.series;
  const half = s.filter((x) => x.t >= job.durationSeconds / 2);
  const last = s.at(-1)!;
  const minutes = job.durationSeconds / 60;
  return {
    meanCurrentBytes: mean(half.map((x) => x.cgroups[JOB]!.current)),
    meanZswapBytes: mean(half.map((x) => x.cgroups[JOB]!.zswapCurrent)),
    diskRefaultsPerMinute: last.vmstat.workingset_refault_disk / minutes,
    zswapRefaultsPerMinute: last.vmstat.workingset_refault_zswap / minutes,
    writtenBackPages: last.vmstat.zswpwb,
    pswpout: last.vmstat.pswpout,
    codecMs: (last.cpu.compressNs + last.cpu.decompressNs) / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1000,
    refusals: run.final.refusals,
    run,
  };
}

/** The node binary's first `pages` pages: real code and data, the same on every run. */
export function nodeBinarySource(pages: number): PageSource {
  return fileSource(process.execPath, { maxPages: pages });
}

export type { TimelineEntry };
