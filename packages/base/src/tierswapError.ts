/**
 * TierswapError: the base of each package's one error class, for what is thrown:
 * programmer misuse (a bad argument, an unknown id) and failures a caller cannot be
 * expected to handle in line (a device I/O error the swap layer catches and counts).
 * Expected refusals are returned as a Refusal instead (./refusal.ts).
 *
 * Every package's class has the same constructor, `(code, where, detail, options?)`,
 * and the same message, `@tierswap/<package>/<module.method>: <detail>`, so a message
 * says where it came from and the values involved; `code` comes from the package's
 * closed `as const` map, where a bad argument is always `INVALID_ARGUMENT`.
 */

import type { Errno } from './errno.js';

export abstract class TierswapError<Code extends string = string> extends Error {
  readonly code: Code;
  /** `module.method` that threw. */
  readonly where: string;
  /** The message without its location prefix. */
  readonly detail: string;
  /** The errno this failure would be reported as through an interface file. */
  abstract readonly errno: Errno;

  constructor(pkg: string, code: Code, where: string, detail: string, options?: ErrorOptions) {
    super(`@tierswap/${pkg}/${where}: ${detail}`, options);
    this.code = code;
    this.where = where;
    this.detail = detail;
  }
}
