/**
 * BenchError: the one error class of @tierswap/bench, for what is thrown: a bad argument
 * to a study or to the report kit, study data that does not match its schema, a native
 * tool or a worker that fails. Studies have no expected refusals: anything that stops
 * a study is thrown, with the values that stopped it.
 */

import { type Errno, TierswapError } from '@tierswap/base';

export const BENCH_ERROR_CODES = Object.freeze({
  /** An argument of the wrong type or out of range; the message names it. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A study's results do not match the schema it declared (a bug in the study). */
  SCHEMA_MISMATCH: 'SCHEMA_MISMATCH',
  /** A native tool (lz4, zstd), a worker thread or a chart renderer failed. */
  TOOL_FAILED: 'TOOL_FAILED',
} as const);

export type BenchErrorCode = (typeof BENCH_ERROR_CODES)[keyof typeof BENCH_ERROR_CODES];

const ERRNO_OF: Readonly<Record<BenchErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  SCHEMA_MISMATCH: 'EINVAL',
  TOOL_FAILED: 'EIO',
});

export class BenchError extends TierswapError<BenchErrorCode> {
  override readonly name = 'BenchError';
  readonly errno: Errno;

  /** `where` is `module.method`; the message reads `@tierswap/bench/<where>: <detail>`. */
  constructor(code: BenchErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('bench', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}
