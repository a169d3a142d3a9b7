/**
 * @tierswap/workload: real pages (files, live process memory, snapshots, generated),
 * access patterns and traces (synthetic, DAMON, Valgrind Lackey), and scenarios run
 * through the tierswap stack on a virtual clock.
 */

// Scenarios: the model (a zod schema), loading JSON / YAML, the runner and its series.
export type {
  CgroupSample,
  DeviceSample,
  PoolSample,
  SampledVmstat,
  ScenarioSample,
  TierSample,
} from './metrics.js';
export { SAMPLED_VMSTAT } from './metrics.js';
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
export { scenarioSchema } from './scenarioSpec.js';
export type { TimelineLogEntry } from './timeline.js';
export type { TimelineEntry, TimelineEntryKind } from './timelineSpec.js';
export type { Access, AccessPattern, PageSource, Region, SourcePage } from './types.js';
export type { WorkloadErrorCode } from './workloadError.js';
export { WORKLOAD_ERROR_CODES, WorkloadError } from './workloadError.js';
