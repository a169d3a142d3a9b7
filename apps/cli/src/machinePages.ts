/**
 * Real pages from files on this machine, as a PageSource: the demo's inputs (the node
 * binary, the shared libraries under /usr/lib, the text under /usr/share). Interim: when
 * @tierswap/workload's fileSource lands on main this file goes and the demo calls that.
 *
 * Directories are walked in sorted order and files read in 4 KiB pages (the last one
 * zero-padded), so the same machine gives the same pages on every run. Files that cannot
 * be read (permissions, a socket, a file that vanished) are skipped: the demo wants some
 * real bytes, not every byte.
 */

import { closeSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { PageSource, Region, SourcePage } from '@tierswap/workload';
import { CliError } from './cliError.js';

const PAGE = 4096;

interface FileSpan {
  readonly path: string;
  readonly pages: number;
}

function collect(path: string, budget: { left: number }, out: FileSpan[]): void {
  if (budget.left <= 0) return;
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (budget.left <= 0) return;
      collect(join(path, name), budget, out);
    }
    return;
  }
  if (!st.isFile() || st.size === 0) return;
  const pages = Math.min(Math.ceil(st.size / PAGE), budget.left);
  out.push({ path, pages });
  budget.left -= pages;
}

/** Up to `maxPages` pages of the files under `paths` (files or directories), in order. */
export function machinePages(name: string, paths: readonly string[], maxPages: number): PageSource {
  if (!Number.isInteger(maxPages) || maxPages < 1) {
    throw new CliError('INVALID_ARGUMENT', 'machinePages', `maxPages must be ≥ 1, got ${maxPages}`);
  }
  const spans: FileSpan[] = [];
  const budget = { left: maxPages };
  for (const p of paths) collect(p, budget, spans);
  if (spans.length === 0) {
    throw new CliError('NOT_FOUND', 'machinePages', `no readable file under ${paths.join(', ')}`);
  }
  const regions: Region[] = spans.map((s) => ({
    name: s.path,
    start: 0,
    end: s.pages * PAGE,
    perms: 'file',
  }));
  const pageCount = spans.reduce((n, s) => n + s.pages, 0);
  return {
    name,
    regions,
    pageCount,
    *pages(): Iterable<SourcePage> {
      for (let region = 0; region < spans.length; region++) {
        const span = spans[region] as FileSpan;
        let fd: number | undefined;
        try {
          fd = openSync(span.path, 'r');
        } catch {
          fd = undefined;
        }
        try {
          for (let i = 0; i < span.pages; i++) {
            const bytes = new Uint8Array(PAGE);
            // A file that shrank or went away since the walk reads as zero pages: the
            // page count promised stays true.
            if (fd !== undefined) {
              try {
                readSync(fd, bytes, 0, PAGE, i * PAGE);
              } catch {
                // unreadable now: keep the zero page
              }
            }
            yield { bytes, region };
          }
        } finally {
          // Also when the consumer stops early (break runs the generator's finally).
          if (fd !== undefined) closeSync(fd);
        }
      }
    },
  };
}
