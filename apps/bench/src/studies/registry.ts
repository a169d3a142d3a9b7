/**
 * STUDIES: every study by the name the CLI gives it (`tierswap study <name>`), with one
 * way to run it: `STUDIES[name].run(options)` takes the common options (quick, a report
 * writer, progress) plus the study's own, runs it, adds it to the report when given one
 * and returns its id, title, Markdown summary and data. One table, so the CLI and the
 * package never disagree on what exists.
 *
 * The compression study takes a page source where the others build their own
 * workload: here it takes `paths` (files, directories or a snapshot) or `pid`, like
 * the bench's own command line, and defaults to the node binary, a real file on every
 * machine.
 */

import { studyId } from '../main.js';
import { openSource } from '../openSource.js';
import type { ReportWriter } from '../report/reportWriter.js';
import { type AgeAdvisorOptions, ageAdvisorStudy } from './ageAdvisor.js';
import { compressionSummary, writeCompressionReport } from './compressionReport.js';
import { type CompressionStudyOptions, compressionStudy } from './compressionStudy.js';
import { type FairnessOptions, fairnessStudy } from './fairness.js';
import { type IncompressibleOptions, incompressibleStudy } from './incompressible.js';
import { type InterfaceABOptions, interfaceABStudy } from './interfaceAB.js';
import { type PackageBenchmarksOptions, packageBenchmarksStudy } from './packageBenchmarks.js';
import type { StudyOptions } from './studyKit.js';
import { type SwapMetadataOptions, swapMetadataStudy } from './swapMetadata.js';

/** What every study's run takes: the common options, and the study's own by name. */
export interface StudyRunOptions extends Omit<StudyOptions, 'report'> {
  readonly report?: ReportWriter;
  /** compression only: files, directories or one snapshot (default: the node binary). */
  readonly paths?: readonly string[];
  /** compression only: a running process's memory instead of paths. */
  readonly pid?: number;
  /** The study's own options (AgeAdvisorOptions, CompressionStudyOptions, ...). */
  readonly [option: string]: unknown;
}

/** What a run returns, whatever the study. */
export interface StudyRun {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly data: unknown;
}

export interface StudyEntry {
  readonly title: string;
  /** The study number (the report's order). */
  readonly order: number;
  run(options?: StudyRunOptions): Promise<StudyRun>;
}

function entry<O>(
  title: string,
  order: number,
  study: (o: O) => Promise<{ id: string; title: string; summary: string; data: unknown }>,
): StudyEntry {
  return {
    title,
    order,
    run: async (options = {}) => {
      const out = await study(options as O);
      return { id: out.id, title: out.title, summary: out.summary, data: out.data };
    },
  };
}

export const STUDIES: Readonly<Record<string, StudyEntry>> = Object.freeze({
  compression: {
    title: 'Compression: ratio, pool footprint, latency and throughput per codec',
    order: 1,
    run: async (options: StudyRunOptions = {}) => {
      const { paths, pid, report, onProgress: _p, ...rest } = options;
      const own = rest as CompressionStudyOptions;
      const source = openSource(pid === undefined ? (paths ?? [process.execPath]) : [], {
        ...(pid !== undefined && { pid }),
        ...(own.maxPages !== undefined && { maxPages: own.maxPages }),
      });
      const result = await compressionStudy(source, own);
      const id = studyId(result.source.name);
      if (report !== undefined) await writeCompressionReport(report, result, id);
      return {
        id,
        title: `Compression: ${result.source.name}`,
        summary: compressionSummary(result),
        data: result,
      };
    },
  },
  'age-advisor': entry<AgeAdvisorOptions>(
    'Age advisor: which proactive-writeback age?',
    2,
    ageAdvisorStudy,
  ),
  'interface-ab': entry<InterfaceABOptions>(
    'Interface A/B: v1 max=<bytes> <age>, v2 zswap_writeback_only, v5 source=zswap',
    3,
    interfaceABStudy,
  ),
  fairness: entry<FairnessOptions>(
    'Fairness: proactive writeback with and without the per-memcg cursor',
    4,
    fairnessStudy,
  ),
  'swap-metadata': entry<SwapMetadataOptions>(
    'Swap metadata: bytes per swapped page, three designs and the stack',
    5,
    swapMetadataStudy,
  ),
  incompressible: entry<IncompressibleOptions>(
    'Incompressible pages: reject, store raw, or store raw and retry',
    6,
    incompressibleStudy,
  ),
  'package-benchmarks': entry<PackageBenchmarksOptions>(
    'Package benchmarks: the latest record of each bench',
    7,
    packageBenchmarksStudy,
  ),
});

/** The studies' names in the report's order. */
export const STUDY_NAMES: readonly string[] = Object.freeze(
  Object.keys(STUDIES).sort((a, b) => STUDIES[a]!.order - STUDIES[b]!.order),
);
