/**
 * processSource: a snapshot of a live process's anonymous memory, the pages swap would
 * hold, read without disturbing the process.
 *
 * How, and why:
 * - /proc/PID/maps lists the mappings; the private writable ones are kept (anonymous
 *   memory, the heap, stacks, and the copy-on-write data of private file mappings),
 *   since only private pages ever go to swap. `anonymousOnly` keeps just the mappings
 *   without a file.
 * - /proc/PID/pagemap says, 8 bytes per page, whether each page is present (bit 63),
 *   swapped (bit 62) or still a file's page-cache page (bit 61). Only present pages
 *   that are not the file's are read: reading a page that is not present through
 *   /proc/PID/mem would fault it in (growing RSS) or read it back from swap. Swapped
 *   and file pages are counted, never read. The high half of each entry is read as a
 *   32-bit word so no BigInt is made per page.
 * - Runs of consecutive present pages are read with one pread of /proc/PID/mem each.
 *   A page freed between the pagemap read and the mem read (the process is live) may
 *   fail with EIO or be faulted back as a zero page; a failed run is counted as
 *   vanished and skipped. Reading sets the pages' accessed bit (the kernel's
 *   FOLL_TOUCH), which ages them younger for reclaim and DAMON: nothing else changes.
 * - The snapshot is taken when the source is made and held in memory, so `pages()`
 *   yields the same bytes every time, as the PageSource contract asks (the same views
 *   each time: copy a page before changing it). `maxPages` bounds the memory it takes.
 * - A pid that does not exist is PROCESS_GONE; one the caller may not trace is
 *   PERMISSION_DENIED with what to do: /proc/PID/mem needs ptrace access.
 */

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { isIntInRange, showValue } from '@tierswap/base';
import { sourceMaxPages } from './sourceOptions.js';
import type { PageSource, Region, SourcePage } from './types.js';
import { WorkloadError } from './workloadError.js';

const PAGE_SIZE = 4096;
/** pagemap entries read per call (32 KiB of entries, 16 MiB of address space). */
const PAGEMAP_BATCH = 4096;
/** Largest run of pages read from /proc/PID/mem in one call (1 MiB). */
const MEM_RUN = 256;
/** The kernel's largest pid_max (PID_MAX_LIMIT on 64-bit). */
const PID_MAX = 4_194_304;
const WHERE = 'processSource';

export interface ProcessSourceOptions {
  /** Stop after this many pages (an integer >= 0). Default: every present page. */
  readonly maxPages?: number;
  /** Keep only mappings without a file (anonymous, [heap], [stack], [anon:*]). Default false. */
  readonly anonymousOnly?: boolean;
}

/** What the read found, page by page. */
export interface ProcessReadStats {
  /** Mappings selected (private writable, or anonymous only). */
  readonly mappings: number;
  /** Pages of the selected mappings (their address space). */
  readonly mappedPages: number;
  /** Pages read: present in memory and anonymous. */
  readonly readPages: number;
  /** Pages skipped as not present (never touched, or reclaimed). */
  readonly notPresentPages: number;
  /** Pages skipped as swapped out (pagemap bit 62). */
  readonly swappedPages: number;
  /** Pages skipped as still the file's page-cache page (pagemap bit 61). */
  readonly filePages: number;
  /** Pages present at the pagemap read but gone at the mem read. */
  readonly vanishedPages: number;
}

export interface ProcessSource extends PageSource {
  readonly pid: number;
  readonly stats: ProcessReadStats;
  /** The virtual address page `index` was read from. */
  addressOf(index: number): number;
}

/** How a pagemap entry's high 32 bits classify a page. */
export type PagemapClass = 'present' | 'swapped' | 'file' | 'absent';

/** Bits 63 (present), 62 (swapped), 61 (file page or shared anonymous) of a pagemap entry. */
export function classifyPagemapHigh(high: number): PagemapClass {
  if ((high & 0x40000000) !== 0) return 'swapped';
  if ((high & 0x80000000) === 0) return 'absent';
  return (high & 0x20000000) !== 0 ? 'file' : 'present';
}

interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly name: string;
}

const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+ *(.*)$/;

function isAnonymousName(name: string): boolean {
  return name === '' || name === '[heap]' || name === '[stack]' || name.startsWith('[anon:');
}

/** The private writable (or anonymous) mappings in a maps text. */
export function selectMappings(maps: string, anonymousOnly: boolean): Mapping[] {
  const out: Mapping[] = [];
  for (const line of maps.split('\n')) {
    const m = MAPS_LINE.exec(line);
    if (!m) continue;
    const perms = m[3]!;
    const name = m[4]!;
    if (perms[0] !== 'r' || perms[1] !== 'w' || perms[3] !== 'p') continue;
    if (anonymousOnly && !isAnonymousName(name)) continue;
    // Addresses above 2^53 (only [vsyscall], never rw) would lose precision.
    if (m[1]!.length > 13 || m[2]!.length > 13) continue;
    out.push({
      start: Number.parseInt(m[1]!, 16),
      end: Number.parseInt(m[2]!, 16),
      perms,
      name,
    });
  }
  return out;
}

/** A process that has exited but not been reaped keeps its pid and loses its memory. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false; // gone altogether
  }
}

function pidError(pid: number, what: string, err: unknown): WorkloadError {
  const sys = (err as NodeJS.ErrnoException | undefined)?.code;
  if (sys === 'ENOENT' || sys === 'ESRCH') {
    if (isZombie(pid)) {
      return new WorkloadError(
        'PROCESS_GONE',
        WHERE,
        `process ${pid} has exited (a zombie its parent has not reaped): it has no memory left to read (${what}: ${sys})`,
        { cause: err },
      );
    }
    return new WorkloadError(
      'PROCESS_GONE',
      WHERE,
      `process ${pid} does not exist or has exited (${what}: ${sys})`,
      { cause: err },
    );
  }
  if (sys === 'EACCES' || sys === 'EPERM') {
    return new WorkloadError(
      'PERMISSION_DENIED',
      WHERE,
      `no permission to read the memory of process ${pid} (${what}: ${sys}): run as the process's user with ptrace allowed (kernel.yama.ptrace_scope 0 or 1 for a child), or as root (CAP_SYS_PTRACE)`,
      { cause: err },
    );
  }
  return new WorkloadError(
    'IO_ERROR',
    WHERE,
    `cannot read process ${pid} (${what}: ${sys ?? String(err)})`,
    { cause: err },
  );
}

function openProc(pid: number, file: string): number {
  try {
    return openSync(`/proc/${pid}/${file}`, 'r');
  } catch (err) {
    throw pidError(pid, `/proc/${pid}/${file}`, err);
  }
}

function processExists(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Snapshot the present anonymous pages of process `pid`. Throws WorkloadError:
 * INVALID_ARGUMENT for a bad pid or option, PROCESS_GONE when the process does not
 * exist or exits during the read, PERMISSION_DENIED when its memory may not be read.
 */
export function processSource(pid: number, options: ProcessSourceOptions = {}): ProcessSource {
  if (!isIntInRange(pid, 1, PID_MAX)) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `pid must be an integer in 1..${PID_MAX}, got ${showValue(pid)}`,
    );
  }
  const maxPages = sourceMaxPages(options, WHERE);
  const anonymousOnly = options.anonymousOnly ?? false;
  if (typeof anonymousOnly !== 'boolean') {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `anonymousOnly must be a boolean, got ${showValue(anonymousOnly)}`,
    );
  }

  // Open all three first: a permission problem shows before any work is done.
  const mapsFd = openProc(pid, 'maps');
  let maps: string;
  try {
    maps = readFileSync(mapsFd, 'utf8');
  } catch (err) {
    throw pidError(pid, `/proc/${pid}/maps`, err);
  } finally {
    closeSync(mapsFd);
  }
  let comm = '';
  try {
    comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    // The name is decoration; a process that exits now fails on mem below.
  }
  const pagemapFd = openProc(pid, 'pagemap');
  let memFd: number;
  try {
    memFd = openProc(pid, 'mem');
  } catch (err) {
    closeSync(pagemapFd);
    throw err;
  }

  const mappings = selectMappings(maps, anonymousOnly);
  const regions: Region[] = [];
  const pages: Uint8Array[] = [];
  const pageRegion: number[] = [];
  const pageAddress: number[] = [];
  let mappedPages = 0;
  let notPresent = 0;
  let swapped = 0;
  let file = 0;
  let vanished = 0;
  const entries = new Uint32Array(PAGEMAP_BATCH * 2);
  const entryBytes = new Uint8Array(entries.buffer);

  /** Read the run [first, first + count) of present pages; false when the process is gone. */
  const readRun = (region: number, first: number, count: number): void => {
    // Not zeroed: only whole pages the read filled are kept.
    const run = new Uint8Array(
      Buffer.allocUnsafeSlow(count * PAGE_SIZE).buffer,
      0,
      count * PAGE_SIZE,
    );
    let got = 0;
    try {
      while (got < run.length) {
        const k = readSync(memFd, run, got, run.length - got, first + got);
        if (k === 0) break;
        got += k;
      }
    } catch (err) {
      const sys = (err as NodeJS.ErrnoException).code;
      if (sys !== 'EIO' && sys !== 'EFAULT') throw pidError(pid, `/proc/${pid}/mem`, err);
    }
    if (got === 0 && !processExists(pid)) {
      throw pidError(pid, `/proc/${pid}/mem`, Object.assign(new Error('gone'), { code: 'ESRCH' }));
    }
    const whole = Math.floor(got / PAGE_SIZE);
    vanished += count - whole;
    for (let i = 0; i < whole; i++) {
      pages.push(run.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
      pageRegion.push(region);
      pageAddress.push(first + i * PAGE_SIZE);
    }
  };

  try {
    for (const m of mappings) {
      if (pages.length >= maxPages) break;
      const region = regions.length;
      const before = pages.length;
      const total = (m.end - m.start) / PAGE_SIZE;
      mappedPages += total;
      for (let done = 0; done < total && pages.length < maxPages; done += PAGEMAP_BATCH) {
        const n = Math.min(PAGEMAP_BATCH, total - done);
        let got = 0;
        try {
          got = readSync(pagemapFd, entryBytes, 0, n * 8, (m.start / PAGE_SIZE + done) * 8);
        } catch (err) {
          throw pidError(pid, `/proc/${pid}/pagemap`, err);
        }
        const have = Math.floor(got / 8);
        if (have === 0 && !processExists(pid)) {
          throw pidError(pid, `/proc/${pid}/pagemap`, { code: 'ESRCH' });
        }
        let runStart = -1;
        let runLen = 0;
        const flush = (): void => {
          if (runLen > 0) readRun(region, runStart, runLen);
          runLen = 0;
        };
        for (let i = 0; i < have && pages.length + runLen < maxPages; i++) {
          const cls = classifyPagemapHigh(entries[i * 2 + 1]!);
          if (cls === 'present') {
            const addr = m.start + (done + i) * PAGE_SIZE;
            if (runLen === 0) runStart = addr;
            runLen++;
            if (runLen === MEM_RUN) flush();
            continue;
          }
          flush();
          if (cls === 'absent') notPresent++;
          else if (cls === 'swapped') swapped++;
          else file++;
        }
        flush();
        // A mapping shrunk or unmapped since maps was read reads short: not present now.
        notPresent += n - have;
      }
      if (pages.length > before) {
        regions.push(Object.freeze({ name: m.name, start: m.start, end: m.end, perms: m.perms }));
      }
    }
  } finally {
    closeSync(pagemapFd);
    closeSync(memFd);
  }

  const frozenRegions = Object.freeze(regions);
  const stats: ProcessReadStats = Object.freeze({
    mappings: mappings.length,
    mappedPages,
    readPages: pages.length,
    notPresentPages: notPresent,
    swappedPages: swapped,
    filePages: file,
    vanishedPages: vanished,
  });
  const pageCount = pages.length;
  return Object.freeze({
    name: `process ${pid}${comm === '' ? '' : ` (${comm})`}`,
    pid,
    regions: frozenRegions,
    pageCount,
    stats,
    addressOf(index: number): number {
      if (!isIntInRange(index, 0, pageCount - 1)) {
        throw new WorkloadError(
          'INVALID_ARGUMENT',
          `${WHERE}.addressOf`,
          `index must be an integer in 0..${pageCount - 1}, got ${showValue(index)}`,
        );
      }
      return pageAddress[index]!;
    },
    *pages(): Iterable<SourcePage> {
      for (let i = 0; i < pageCount; i++) yield { bytes: pages[i]!, region: pageRegion[i]! };
    },
  });
}
