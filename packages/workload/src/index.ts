/**
 * @tierswap/workload: real pages (files, live process memory, snapshots, generated),
 * access patterns and traces (synthetic, DAMON, Valgrind Lackey), and scenarios run
 * through the tierswap stack on a virtual clock.
 */

export type { DamonPatternOptions } from './damonPattern.js';
export { damonPattern } from './damonPattern.js';
export type { DamonRecording, RecordDamonOptions } from './damonRecorder.js';
export { damonUnavailableReason, recordDamon } from './damonRecorder.js';
export type { DamonRegionRow, DamonTrace, DamonTraceInfo } from './damonTrace.js';
export { damonRows, damonTrace } from './damonTrace.js';
export type { LackeyOptions } from './lackey.js';
export { importLackey } from './lackey.js';
export type {
  PhasedPatternOptions,
  UniformPatternOptions,
  ZipfPatternOptions,
} from './patterns.js';
export { phasedPattern, uniformPattern, zipfPattern } from './patterns.js';
export type { AccessTrace, TraceBuilder, TraceRecord } from './trace.js';
export { accessTrace, createTraceBuilder, traceRecords } from './trace.js';
export { readTrace, writeTrace } from './traceFile.js';
export type { TracePattern, TracePatternOptions } from './tracePattern.js';
export { tracePattern } from './tracePattern.js';
export type { Access, AccessPattern, PageSource, Region, SourcePage } from './types.js';
export type { WorkloadErrorCode } from './workloadError.js';
export { WORKLOAD_ERROR_CODES, WorkloadError } from './workloadError.js';
