/**
 * `tierswap snapshot --pid N -o FILE`: saves a live process's memory as a snapshot file
 * (@tierswap/workload's processSource read through /proc/PID/pagemap and /proc/PID/mem,
 * then writeSnapshot), so studies and scenarios can replay its real pages later. Pages
 * that are not present, swapped out or still page cache are skipped and never faulted
 * in, so the process's RSS and swap do not change.
 */

import { processSource, writeSnapshot } from '@tierswap/workload';
import type { Command } from 'commander';
import { formatCount, formatSize } from './format.js';
import { intOption } from './options.js';
import type { Terminal } from './terminal.js';

export interface SnapshotOptions {
  readonly pid: number;
  readonly output: string;
  readonly maxPages?: number;
  readonly anonymousOnly?: boolean;
  readonly json?: boolean;
}

export async function runSnapshot(term: Terminal, o: SnapshotOptions): Promise<void> {
  const source = processSource(o.pid, {
    ...(o.maxPages === undefined ? {} : { maxPages: o.maxPages }),
    anonymousOnly: o.anonymousOnly === true,
  });
  const bar = term.progress('snapshot', source.pageCount);
  let written: Awaited<ReturnType<typeof writeSnapshot>>;
  try {
    written = await writeSnapshot(source, o.output, (done) => bar.update(done));
  } finally {
    bar.stop();
  }
  const s = source.stats;
  if (o.json) {
    term.out(
      JSON.stringify({ pid: o.pid, ...written, regions: source.regions.length, stats: s }, null, 2),
    );
    return;
  }
  const c = term.colors;
  term.out(
    [
      `${c.bold(`snapshot of pid ${o.pid}`)} → ${c.cyan(written.path)} (${formatSize(written.bytes)})`,
      `  ${formatCount(written.pages)} pages (${formatCount(written.zeroPages)} zero) from ${formatCount(source.regions.length)} mappings`,
      `  of ${formatCount(s.mappedPages)} mapped pages in ${formatCount(s.mappings)} private writable mappings: ` +
        `${formatCount(s.notPresentPages)} not present, ${formatCount(s.swappedPages)} swapped, ` +
        `${formatCount(s.filePages)} page cache, ${formatCount(s.vanishedPages)} gone while reading (all skipped)`,
    ].join('\n'),
  );
}

export function registerSnapshot(program: Command, term: Terminal): void {
  program
    .command('snapshot')
    .description("Save a live process's resident private memory to a snapshot file.")
    // 2^22: the kernel's PID_MAX_LIMIT.
    .requiredOption('--pid <n>', 'the process to read', intOption(1, 4_194_304))
    .requiredOption('-o, --output <file>', 'the snapshot file to write (replaced atomically)')
    .option('--max-pages <n>', 'stop after this many pages', intOption(1, 2 ** 31 - 1))
    .option('--anonymous-only', 'only mappings without a file ([heap], [stack], anonymous)')
    .option('--json', 'print what was written as JSON')
    .action(async (opts: SnapshotOptions) => {
      await runSnapshot(term, opts);
    });
}
