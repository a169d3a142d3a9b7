/**
 * @tierswap/workload: real pages (files, live process memory, snapshots, generated),
 * access patterns and traces (synthetic, DAMON, Valgrind Lackey), and scenarios run
 * through the tierswap stack on a virtual clock.
 */

// Access patterns and traces (wl-traces).
export type {
  PhasedPatternOptions,
  UniformPatternOptions,
  ZipfPatternOptions,
} from './patterns.js';
export { phasedPattern, uniformPattern, zipfPattern } from './patterns.js';
export type { Access, AccessPattern, PageSource, Region, SourcePage } from './types.js';
export type { WorkloadErrorCode } from './workloadError.js';
export { WORKLOAD_ERROR_CODES, WorkloadError } from './workloadError.js';
