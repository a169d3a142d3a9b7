/**
 * What the options of the page sources that read real data share: an options object and
 * `maxPages`, a cap that stops the read early. Checked here once so fileSource and
 * processSource refuse the same bad values with the same words.
 */

import { showValue } from '@tierswap/base';
import { WorkloadError } from './workloadError.js';

/** Checks `options` is an object and returns its `maxPages` (no cap when absent). */
export function sourceMaxPages(options: unknown, where: string): number {
  if (typeof options !== 'object' || options === null) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      where,
      `options must be an object, got ${showValue(options)}`,
    );
  }
  const given = (options as { maxPages?: unknown }).maxPages;
  const maxPages = given ?? Number.MAX_SAFE_INTEGER;
  if (typeof maxPages !== 'number' || !Number.isSafeInteger(maxPages) || maxPages < 0) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      where,
      `maxPages must be an integer >= 0, got ${showValue(given)}`,
    );
  }
  return maxPages;
}
