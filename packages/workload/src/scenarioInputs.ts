/**
 * The one place a scenario's source and pattern specs become a PageSource and an
 * AccessPattern: each spec kind maps to the constructor of the part of this package
 * that owns it (the page sources, the access patterns and traces). A kind whose
 * constructor is not in this build says so by name instead of running without it.
 */

import type { PatternSpec, SourceSpec } from './scenarioSpec.js';
import type { AccessPattern, PageSource } from './types.js';
import { WorkloadError } from './workloadError.js';

function unavailable(what: string): never {
  throw new WorkloadError(
    'UNSUPPORTED',
    'runScenario',
    `${what} is not available in this build of @tierswap/workload`,
  );
}

/** The PageSource a spec names; `seed` seeds a generated source. */
export function sourceFromSpec(spec: SourceSpec, _seed: number): PageSource {
  switch (spec.kind) {
    case 'generated':
      return unavailable('source kind "generated" (generatedSource)');
    case 'files':
      return unavailable('source kind "files" (fileSource)');
    case 'snapshot':
      return unavailable('source kind "snapshot" (readSnapshot)');
    case 'process':
      return unavailable('source kind "process" (processSource)');
  }
}

/** The AccessPattern a spec names. */
export function patternFromSpec(spec: PatternSpec): AccessPattern {
  switch (spec.kind) {
    case 'uniform':
      return unavailable('pattern kind "uniform" (uniformPattern)');
    case 'zipf':
      return unavailable('pattern kind "zipf" (zipfPattern)');
    case 'phased':
      return unavailable('pattern kind "phased" (phasedPattern)');
    case 'trace':
      return unavailable('pattern kind "trace" (readTrace, tracePattern)');
  }
}
