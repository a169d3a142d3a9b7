/**
 * The one place a scenario's source and pattern specs become a PageSource and an
 * AccessPattern: each spec kind maps to the constructor of the part of this package
 * that owns it (generatedSource, fileSource, readSnapshot, processSource; uniformPattern,
 * zipfPattern, phasedPattern, readTrace + tracePattern). The constructors check their
 * own arguments; the schema has already checked the types and ranges a file can get
 * wrong, so what they refuse here is about the machine (a missing file, a gone pid).
 */

import { fileSource } from './fileSource.js';
import { generatedSource } from './generatedSource.js';
import { phasedPattern, uniformPattern, zipfPattern } from './patterns.js';
import { processSource } from './processSource.js';
import type { PatternSpec, SourceSpec } from './scenarioSpec.js';
import { readSnapshot } from './snapshotFile.js';
import { readTrace } from './traceFile.js';
import { tracePattern } from './tracePattern.js';
import type { AccessPattern, PageSource } from './types.js';
import { WorkloadError } from './workloadError.js';

/** Options with their undefined fields left out (the constructors' options are exact). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** The PageSource a spec names; `seed` seeds a generated source. */
export function sourceFromSpec(spec: SourceSpec, seed: number): PageSource {
  switch (spec.kind) {
    case 'generated': {
      const { kind: _, ...options } = spec;
      return generatedSource({ ...defined(options), seed });
    }
    case 'files':
      return fileSource(spec.paths, defined({ maxPages: spec.maxPages }));
    case 'snapshot':
      return readSnapshot(spec.path);
    case 'process':
      return processSource(spec.pid, defined({ maxPages: spec.maxPages }));
  }
}

/** The address of each of a source's pages, when it knows them (snapshot and process sources). */
function sourceAddresses(source: PageSource | undefined): Float64Array | undefined {
  const addressOf = (source as { addressOf?: unknown } | undefined)?.addressOf;
  if (source === undefined || typeof addressOf !== 'function') return undefined;
  return Float64Array.from({ length: source.pageCount }, (_, i) =>
    (addressOf as (i: number) => number).call(source, i),
  );
}

/**
 * The AccessPattern a spec names (a trace is read from its file first). `source` is the
 * process's own: a DAMON trace with `addresses: source` replays onto its pages.
 */
export async function patternFromSpec(
  spec: PatternSpec,
  source?: PageSource,
): Promise<AccessPattern> {
  switch (spec.kind) {
    case 'uniform': {
      const { kind: _, ...options } = spec;
      return uniformPattern(defined(options));
    }
    case 'zipf': {
      const { kind: _, ...options } = spec;
      return zipfPattern(defined(options));
    }
    case 'phased': {
      const { kind: _, ...options } = spec;
      return phasedPattern(defined(options));
    }
    case 'trace': {
      let addresses: Float64Array | undefined;
      if (spec.addresses === 'source') {
        addresses = sourceAddresses(source);
        if (addresses === undefined) {
          throw new WorkloadError(
            'INVALID_SCENARIO',
            'scenarioInputs.patternFromSpec',
            `trace ${spec.path}: addresses: source needs a source that knows its pages' addresses (snapshot or process), got ${source?.name ?? 'none'}`,
          );
        }
      }
      const trace = await readTrace(spec.path);
      if (addresses !== undefined && trace.kind !== 'damon') {
        throw new WorkloadError(
          'INVALID_SCENARIO',
          'scenarioInputs.patternFromSpec',
          `trace ${spec.path}: addresses: source is for DAMON recordings, and this is an access trace`,
        );
      }
      return tracePattern(trace, defined({ stream: spec.stream, rate: spec.rate, addresses }));
    }
  }
}
