/**
 * Where a `run` command's pages and accesses come from, in @tierswap/workload's terms:
 * `--source` names a PageSource and `--pattern` an AccessPattern.
 *
 * - `generated` (default): generatedSource with a heap-like mix, 10% zero pages, 5%
 *   same-filled, 10% incompressible, the rest compressible about 2:1 with lz4;
 *   `file:PATH` (a file, or a directory walked in name order): fileSource;
 *   `snapshot:FILE`: readSnapshot (a process snapshot made by `tierswap snapshot`).
 * - `zipf[:EXPONENT]` (default 1.1), `uniform`, `phased[:SHARE[:SECONDS]]` (a working
 *   set of SHARE of the pages, default 0.2, moving every SECONDS, default 600), each at
 *   `--rate` accesses per virtual second; `trace:FILE[:PROCESS]` replays a recorded
 *   access or DAMON trace (readTrace, tracePattern) at its own times.
 *
 * A spec that names nothing is a usage error (a string); what the workload package
 * refuses (a missing file, a foreign trace) comes back as a Refusal with its errno.
 */

import type { Refusal } from '@tierswap/base';
import type { AccessPattern, PageSource } from '@tierswap/workload';
import {
  fileSource,
  generatedSource,
  phasedPattern,
  readSnapshot,
  readTrace,
  tracePattern,
  uniformPattern,
  zipfPattern,
} from '@tierswap/workload';
import { asRefusal } from './shellSession.js';

export const SOURCE_USAGE = 'generated, file:PATH or snapshot:FILE';
export const PATTERN_USAGE =
  'zipf[:EXP], uniform, phased[:SHARE[:SECONDS]] or trace:FILE[:PROCESS]';

/** The pages `--source` names (at most `pages` of them), a usage error, or a refusal. */
export function pageSource(
  spec: string,
  pages: number,
  seed: number,
): PageSource | Refusal | string {
  try {
    if (spec === 'generated') {
      return generatedSource({
        pages,
        seed,
        zeroShare: 0.1,
        sameFilledShare: 0.05,
        incompressibleShare: 0.1,
        compressibility: 0.6,
      });
    }
    if (spec.startsWith('file:') && spec.length > 5) {
      return fileSource(spec.slice(5), { maxPages: pages });
    }
    if (spec.startsWith('snapshot:') && spec.length > 9) return readSnapshot(spec.slice(9));
  } catch (e) {
    return asRefusal(e);
  }
  return `source "${spec}" is not ${SOURCE_USAGE}`;
}

const NUMBER = /^[0-9]+(?:\.[0-9]+)?$/;

/** The accesses `--pattern` names, a usage error, or a refusal. */
export async function accessPattern(
  spec: string,
  rate: number,
): Promise<AccessPattern | Refusal | string> {
  const [kind, ...args] = spec.split(':');
  const bad = `pattern "${spec}" is not ${PATTERN_USAGE}`;
  try {
    if (kind === 'trace' && args.length >= 1 && args[0] !== '') {
      // trace:FILE or trace:FILE:N, N the process of the trace to replay (default the first).
      const m = /^(.+):([0-9]+)$/.exec(args.join(':'));
      const path = m === null ? args.join(':') : m[1]!;
      return tracePattern(await readTrace(path), { stream: m === null ? 0 : Number(m[2]) });
    }
    if (!args.every((a) => NUMBER.test(a))) return bad;
    const n = args.map(Number);
    if (kind === 'uniform' && n.length === 0) return uniformPattern({ rate });
    if (kind === 'zipf' && n.length <= 1) return zipfPattern({ rate, exponent: n[0] ?? 1.1 });
    if (kind === 'phased' && n.length <= 2) {
      return phasedPattern({ rate, workingSetShare: n[0] ?? 0.2, phaseSeconds: n[1] ?? 600 });
    }
  } catch (e) {
    return asRefusal(e);
  }
  return bad;
}
