/**
 * What the parts of @tierswap/workload agree on: a page source yields real pages with
 * the region (a file, a process's mapping) each came from; an access pattern yields
 * timed accesses to page indices. The scenario runner joins the two on the stack.
 */

/** Where pages came from: a file, or a mapping (VMA) of a process. */
export interface Region {
  /** A file's path, or the mapping's name as /proc/PID/maps shows it ('[heap]', a path, '' for anonymous). */
  readonly name: string;
  /** The mapping's address range [start, end) and permissions ('rw-p'); 0, size, 'file' for a file. */
  readonly start: number;
  readonly end: number;
  readonly perms: string;
}

/** One page of real bytes. */
export interface SourcePage {
  /** Exactly one page (4096 bytes); a file's last page is zero-padded. */
  readonly bytes: Uint8Array;
  /** Index into the source's regions. */
  readonly region: number;
}

/** Real pages, re-iterable: each call to pages() starts over, in the same order. */
export interface PageSource {
  readonly name: string;
  readonly regions: readonly Region[];
  readonly pageCount: number;
  pages(): Iterable<SourcePage>;
}

/** One access: at `time` seconds, stream (process) `stream` touches its page `page`. */
export interface Access {
  readonly time: number;
  readonly stream: number;
  readonly page: number;
  readonly write: boolean;
}

/** Timed accesses, in time order; the same for the same options. */
export interface AccessPattern {
  readonly name: string;
  accesses(options: {
    readonly pages: number;
    readonly durationSeconds: number;
    readonly seed: number;
  }): Iterable<Access>;
}
