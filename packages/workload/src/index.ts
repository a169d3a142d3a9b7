/**
 * @tierswap/workload: real pages (files, live process memory, snapshots, generated),
 * access patterns and traces (synthetic, DAMON, Valgrind Lackey), and scenarios run
 * through the tierswap stack on a virtual clock.
 */

export type { FileSource, FileSourceOptions, SkippedPath } from './fileSource.js';
export { fileSource } from './fileSource.js';
export type {
  GeneratedPageKind,
  GeneratedSource,
  GeneratedSourceOptions,
} from './generatedSource.js';
export { generatedSource } from './generatedSource.js';
export type { ProcessReadStats, ProcessSource, ProcessSourceOptions } from './processSource.js';
export { processSource } from './processSource.js';
export type { RecipeName, RecipeOptions, RecipeResult } from './recipes.js';
export { RECIPE_NAMES, recipeAvailability, runRecipe } from './recipes.js';
export type { SnapshotSource, SnapshotWriteResult } from './snapshotFile.js';
export { readSnapshot, writeSnapshot } from './snapshotFile.js';
// Shared types and the package's error.
export type { Access, AccessPattern, PageSource, Region, SourcePage } from './types.js';
export type { WorkloadErrorCode } from './workloadError.js';
export { WORKLOAD_ERROR_CODES, WorkloadError } from './workloadError.js';

// End of page sources.

// Scenarios: the model (a zod schema), loading JSON / YAML, the runner and its series.
export type {
  CgroupSample,
  DeviceSample,
  PoolSample,
  SampledMemoryStat,
  SampledVmstat,
  ScenarioSample,
  TierSample,
} from './metrics.js';
export { SAMPLED_MEMORY_STAT, SAMPLED_VMSTAT } from './metrics.js';
export { seriesToCsv } from './metricsCsv.js';
export { loadScenario, parseScenario } from './scenarioLoad.js';
export type { ScenarioProgress, ScenarioResult, ScenarioRunOptions } from './scenarioRunner.js';
export { runScenario } from './scenarioRunner.js';
export type {
  CgroupSpec,
  DeviceSpec,
  PatternSpec,
  ProcessSpec,
  ScenarioInput,
  ScenarioSpec,
  SourceSpec,
  StackSpec,
} from './scenarioSpec.js';
export { scenarioJsonSchema, scenarioSchema } from './scenarioSpec.js';
export type { TimelineLogEntry } from './timeline.js';
export type { TimelineEntry, TimelineEntryKind } from './timelineSpec.js';
// End of scenarios.

// Access patterns and traces (wl-traces): synthetic patterns, trace files, Lackey, DAMON.
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
// End of access patterns and traces.
