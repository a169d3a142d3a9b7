/**
 * fileSource: the pages of files and directories a user points at, each file one
 * Region, its last page zero-padded (as a file's tail sits in a page-cache page).
 *
 * Decisions, and why:
 * - Paths the user names are taken as they are (a named symlink is followed: the user
 *   chose it). Inside a directory nothing is followed: the walk never leaves the tree
 *   and never loops, as `du` without -L.
 * - The walk is recursive and sorted by name at every level, so the same tree gives the
 *   same pages in the same order on every machine.
 * - A named path that is missing, unreadable or not a file or directory is an error
 *   naming it: the user asked for it. Inside a directory, entries that cannot be used
 *   (unreadable files and directories, symlinks, fifos, sockets, devices) are skipped
 *   and listed in `skipped` with the reason, so one unreadable file in a large tree
 *   does not stop a study, and nothing is dropped silently. Empty files have no pages
 *   and no region.
 * - Sizes are taken when the source is made; bytes are read when `pages()` runs, in
 *   chunks of 64 pages (a page is a view into its chunk). A file that shrank since
 *   reads as zeros past its end; one that vanished is an error naming it.
 * - `maxPages` stops the walk as soon as enough pages are found, so pointing at /usr
 *   costs only what is used; the last file's region is cut to the pages kept.
 *
 * Paths appear in messages in full (JSON-quoted), not cut like other values: a
 * path cut to 40 characters does not say which file it was.
 */

import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { showValue } from '@tierswap/base';
import { sourceMaxPages } from './sourceOptions.js';
import type { PageSource, Region, SourcePage } from './types.js';
import { WorkloadError, type WorkloadErrorCode } from './workloadError.js';

const PAGE_SIZE = 4096;
const CHUNK_PAGES = 64;
const WHERE = 'fileSource';

export interface FileSourceOptions {
  /** Stop after this many pages (an integer >= 0). Default: every page of every file. */
  readonly maxPages?: number;
}

/** An entry inside a directory that was left out, and why. */
export interface SkippedPath {
  readonly path: string;
  readonly reason: string;
}

export interface FileSource extends PageSource {
  /** Entries inside the named directories that were left out (unreadable, symlinks, special files). */
  readonly skipped: readonly SkippedPath[];
}

/** The code a failed fs call on a path maps to. */
function codeOf(err: unknown): WorkloadErrorCode {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'NOT_FOUND';
  if (code === 'EACCES' || code === 'EPERM') return 'PERMISSION_DENIED';
  return 'IO_ERROR';
}

function fsError(where: string, what: string, path: string, err: unknown): WorkloadError {
  const code = codeOf(err);
  const sys = (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
  const detail =
    code === 'NOT_FOUND'
      ? `${what} ${JSON.stringify(path)} does not exist (${sys})`
      : code === 'PERMISSION_DENIED'
        ? `cannot read ${what} ${JSON.stringify(path)} (${sys}): grant read permission or run as its owner`
        : `cannot read ${what} ${JSON.stringify(path)} (${sys})`;
  return new WorkloadError(code, where, detail, { cause: err });
}

/** Can this regular file be opened for reading? Returns the error code or undefined. */
function openError(path: string): unknown {
  try {
    closeSync(openSync(path, 'r'));
    return undefined;
  } catch (err) {
    return err;
  }
}

function checkPaths(paths: unknown): readonly string[] {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (!Array.isArray(list) || list.length === 0) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `paths must be a path or a non-empty array of paths, got ${showValue(paths)}`,
    );
  }
  for (const p of list) {
    if (typeof p !== 'string' || p === '' || p.includes('\0')) {
      throw new WorkloadError(
        'INVALID_ARGUMENT',
        WHERE,
        `each path must be a non-empty string without NUL, got ${showValue(p)}`,
      );
    }
  }
  return list as readonly string[];
}

/**
 * Pages of the files at `paths` (files, or directories walked recursively in name
 * order). Throws WorkloadError: NOT_FOUND for a named path that does not exist,
 * PERMISSION_DENIED for one that cannot be read, INVALID_ARGUMENT for bad arguments or
 * a named path that is neither a file nor a directory.
 */
export function fileSource(
  paths: string | readonly string[],
  options: FileSourceOptions = {},
): FileSource {
  const list = checkPaths(paths);
  const maxPages = sourceMaxPages(options, WHERE);

  const regions: Region[] = [];
  const regionPages: number[] = [];
  const skipped: SkippedPath[] = [];
  let total = 0;

  const addFile = (path: string, size: number): void => {
    if (size === 0 || total >= maxPages) return;
    const pages = Math.min(Math.ceil(size / PAGE_SIZE), maxPages - total);
    regions.push(
      Object.freeze({
        name: path,
        start: 0,
        end: Math.min(size, pages * PAGE_SIZE),
        perms: 'file',
      }),
    );
    regionPages.push(pages);
    total += pages;
  };

  const walk = (dir: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      skipped.push({
        path: dir,
        reason: `directory not readable (${(err as NodeJS.ErrnoException).code})`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (total >= maxPages) return;
      const path = join(dir, e.name);
      if (e.isSymbolicLink()) skipped.push({ path, reason: 'symbolic link (not followed)' });
      else if (e.isDirectory()) walk(path);
      else if (e.isFile()) {
        const err = openError(path);
        if (err !== undefined) {
          skipped.push({ path, reason: `not readable (${(err as NodeJS.ErrnoException).code})` });
          continue;
        }
        const st = statSync(path, { throwIfNoEntry: false });
        if (st === undefined) skipped.push({ path, reason: 'vanished during the walk' });
        else addFile(path, st.size);
      } else skipped.push({ path, reason: 'not a regular file (fifo, socket or device)' });
    }
  };

  for (const given of list) {
    if (total >= maxPages) break;
    const path = resolve(given);
    let st: import('node:fs').Stats;
    try {
      st = statSync(path);
    } catch (err) {
      throw fsError(WHERE, 'path', path, err);
    }
    if (st.isDirectory()) {
      try {
        readdirSync(path);
      } catch (err) {
        throw fsError(WHERE, 'directory', path, err);
      }
      walk(path);
    } else if (st.isFile()) {
      const err = openError(path);
      if (err !== undefined) throw fsError(WHERE, 'file', path, err);
      addFile(path, st.size);
    } else {
      throw new WorkloadError(
        'INVALID_ARGUMENT',
        WHERE,
        `path ${JSON.stringify(path)} is neither a regular file nor a directory`,
      );
    }
  }

  const frozenRegions = Object.freeze(regions);
  const pageCount = total;
  const name = list.length === 1 ? `files(${list[0]})` : `files(${list.length} paths)`;
  return Object.freeze({
    name,
    regions: frozenRegions,
    pageCount,
    skipped: Object.freeze(skipped.map((s) => Object.freeze(s))),
    *pages(): Iterable<SourcePage> {
      for (let r = 0; r < frozenRegions.length; r++) {
        const path = frozenRegions[r]!.name;
        let fd: number;
        try {
          fd = openSync(path, 'r');
        } catch (err) {
          throw fsError(`${WHERE}.pages`, 'file', path, err);
        }
        try {
          const pages = regionPages[r]!;
          for (let first = 0; first < pages; first += CHUNK_PAGES) {
            const n = Math.min(CHUNK_PAGES, pages - first);
            // Fresh zeroed memory per chunk: a short read (the file shrank) leaves zeros.
            const chunk = new Uint8Array(n * PAGE_SIZE);
            // Never past the size taken at creation: the last page stays zero-padded
            // even if the file has grown since.
            const want = Math.min(chunk.length, frozenRegions[r]!.end - first * PAGE_SIZE);
            let got = 0;
            while (got < want) {
              let k: number;
              try {
                k = readSync(fd, chunk, got, want - got, first * PAGE_SIZE + got);
              } catch (err) {
                throw fsError(`${WHERE}.pages`, 'file', path, err);
              }
              if (k === 0) break;
              got += k;
            }
            for (let i = 0; i < n; i++) {
              yield { bytes: chunk.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), region: r };
            }
          }
        } finally {
          closeSync(fd);
        }
      }
    },
  });
}
