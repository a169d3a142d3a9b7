/**
 * openSource: the page source a command line names: a running process (`--pid`), a
 * tierswap snapshot file (recognised by its magic, so a snapshot is never studied as
 * an ordinary file), or files and directories (every file under them, in name order).
 * The sources themselves are @tierswap/workload's; this only picks one.
 */

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { fileSource, type PageSource, processSource, readSnapshot } from '@tierswap/workload';
import { BenchError } from './benchError.js';

const SNAPSHOT_MAGIC = 'TSWPSNAP';

export interface OpenSourceOptions {
  /** Study a running process's memory instead of paths. */
  readonly pid?: number;
  readonly maxPages?: number;
}

function isSnapshot(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(8);
      return readSync(fd, head, 0, 8, 0) === 8 && head.toString('latin1') === SNAPSHOT_MAGIC;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The source `paths` (or `pid`) name. */
export function openSource(paths: readonly string[], options: OpenSourceOptions = {}): PageSource {
  const max = options.maxPages === undefined ? {} : { maxPages: options.maxPages };
  if (options.pid !== undefined) {
    if (paths.length > 0) {
      throw new BenchError(
        'INVALID_ARGUMENT',
        'openSource',
        `give paths or --pid, not both (got ${paths.length} paths and pid ${options.pid})`,
      );
    }
    return processSource(options.pid, max);
  }
  if (paths.length === 0)
    throw new BenchError(
      'INVALID_ARGUMENT',
      'openSource',
      'no path given (a file, a directory, a snapshot, or --pid)',
    );
  const [first] = paths;
  if (paths.length === 1 && first !== undefined && isSnapshot(first)) return readSnapshot(first);
  return fileSource(paths, max);
}
