/**
 * ShellSession: the live system a `tierswap shell` talks to. A @tierswap/stack on a
 * virtual clock that moves only when the shell advances it, the swap devices the
 * session switched on (with the files it made for them), and the workloads running in
 * cgroups, whose accesses are replayed while time advances.
 *
 * By default it starts as the demo does: tiers `+ssd:100 +hdd:-1`, a file device
 * (ssd.swap, priority 100) and a SQLite device (hdd.db, priority 0) in a new temporary
 * directory, which close() removes. swapon creates the device's file itself and refuses
 * a path that exists (EEXIST): a swap device's contents are wiped at swapon, so an
 * existing file is never taken over; the files it made go at swapoff and at close.
 *
 * Why the clock is virtual: an hour of ageing for proactive writeback by age or
 * demotion by age costs only the accesses replayed in it.
 */

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { Refusal, VirtualClock } from '@tierswap/base';
import { createVirtualClock, isErrno, isRefusal, refuse } from '@tierswap/base';
import { createRedisDevice } from '@tierswap/redis-device';
import type { StackMode, StackZswapOptions, SwapStack } from '@tierswap/stack';
import { createSwapStack, StackError } from '@tierswap/stack';
import type { BlockDevice, SwapDeviceInfo } from '@tierswap/tiered-store';
import { createFileDevice, createSqliteDevice, TieredStoreError } from '@tierswap/tiered-store';
import type { Access, AccessPattern, PageSource } from '@tierswap/workload';
import { WorkloadError } from '@tierswap/workload';

const PAGE = 4096;
const MIB = 1 << 20;
/** How far a job's pattern is asked to run: as long as the session could (~31 700 years). */
const PATTERN_SECONDS = 1e12;

/** How the shell's stack is built (`runShell({ stackOptions })`). */
export interface ShellStackOptions {
  /** Where the default devices and swapon's relative paths live; a new temporary directory (removed at exit) when omitted. */
  readonly dir?: string;
  /** Start with the tiers `+ssd:100 +hdd:-1` and their two devices (default true); false starts with no tiers and no devices. */
  readonly defaultDevices?: boolean;
  /** RAM: page frames and the base of zswap's max_pool_percent (default 64 MiB). */
  readonly ramBytes?: number;
  readonly mode?: StackMode;
  readonly compressor?: NonNullable<StackZswapOptions['compressor']>;
  /** Size of a device swapon makes without --size (default 64 MiB). */
  readonly deviceBytes?: number;
}

/** A device the session switched on, and the files it made for it. */
interface OwnedDevice {
  readonly device: BlockDevice;
  readonly files: readonly string[];
}

/** A workload: a process in a cgroup, its pages filled from a source, touched by a pattern. */
export interface Job {
  readonly pid: number;
  readonly group: string;
  readonly pages: number;
  readonly source: string;
  readonly pattern: AccessPattern;
  /** When it started: its pattern's time 0. */
  readonly startMs: number;
  /** The pattern's accesses, pulled as time advances, and the next one. */
  readonly accesses: Iterator<Access>;
  next: IteratorResult<Access>;
}

export interface AdvanceResult {
  readonly accesses: number;
  readonly faults: number;
  /** Jobs killed while replaying, as the kernel's OOM killer would (no memory left), or by a failed swap-in. */
  readonly killed: readonly { readonly job: Job; readonly reason: string }[];
}

export interface SwaponRequest {
  readonly spec: string;
  readonly priority: number;
  readonly bytes: number;
  /** The name in a Redis device's keys (default `tierswap-<pid>-<n>`). */
  readonly redisName?: string;
}

/**
 * A thrown device, stack or workload error as a Refusal carrying its errno; an I/O
 * error caused by a system call carries that call's errno when the table has it (a
 * swap file in a missing directory is ENOENT, as swapon(8) would say, not EIO).
 */
export function asRefusal(e: unknown): Refusal {
  if (e instanceof TieredStoreError || e instanceof StackError || e instanceof WorkloadError) {
    const cause = (e.cause as { code?: unknown } | undefined)?.code;
    const errno = e.errno === 'EIO' && isErrno(cause) ? cause : e.errno;
    return refuse(errno, e.message.replace(/^@tierswap\/[a-z-]+\/[A-Za-z.]+: /, ''));
  }
  throw e;
}

const SQLITE = /\.(db|sqlite|sqlite3)$/;

export class ShellSession {
  readonly clock: VirtualClock;
  readonly stack: SwapStack;
  readonly dir: string;
  readonly deviceBytes: number;
  readonly #ownsDir: boolean;
  readonly #devices = new Map<string, OwnedDevice>();
  readonly #jobs = new Map<number, Job>();
  #redisCount = 0;
  #closed = false;

  private constructor(options: ShellStackOptions) {
    this.clock = createVirtualClock();
    this.#ownsDir = options.dir === undefined;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tierswap-shell-'));
    if (!this.#ownsDir) mkdirSync(this.dir, { recursive: true });
    this.deviceBytes = options.deviceBytes ?? 64 * MIB;
    try {
      this.stack = createSwapStack({
        clock: this.clock,
        ramBytes: options.ramBytes ?? 64 * MIB,
        ...(options.mode === undefined ? {} : { mode: options.mode }),
        ...(options.compressor === undefined ? {} : { zswap: { compressor: options.compressor } }),
        ...(options.defaultDevices === false ? {} : { tiers: '+ssd:100 +hdd:-1' }),
      });
      if (options.defaultDevices !== false) {
        for (const [spec, priority] of [
          ['ssd.swap', 100],
          ['hdd.db', 0],
        ] as const) {
          const r = this.swapon({ spec, priority, bytes: this.deviceBytes });
          if (isRefusal(r)) throw new Error(`default device ${spec}: ${r.errno}: ${r.reason}`);
        }
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Use createShellSession(). */
  static create(options: ShellStackOptions = {}): ShellSession {
    return new ShellSession(options);
  }

  /** Seconds of virtual time since the session started. */
  get seconds(): number {
    return this.clock.now() / 1000;
  }

  // ==========================================================================
  // Devices
  // ==========================================================================

  /** The active devices as /proc/swaps sees them. */
  swaps(): SwapDeviceInfo[] {
    return this.stack.swapSpace.swaps();
  }

  /** A file path as swapon takes it: relative ones are in the session's directory. */
  resolvePath(path: string): string {
    return isAbsolute(path) ? resolve(path) : resolve(this.dir, path);
  }

  /**
   * Makes a device for `spec` (a redis:// URL, a .db/.sqlite path, or any other path for
   * a swap file) and switches it on. Returns the device's name or why not: EEXIST (the
   * file exists), EBUSY (already active), EINVAL (a bad priority or size), EIO (a device
   * that cannot be made or reached).
   */
  swapon(req: SwaponRequest): string | Refusal {
    const slots = Math.floor(req.bytes / PAGE);
    if (!Number.isSafeInteger(slots) || slots < 1) {
      return refuse('EINVAL', `size ${req.bytes} bytes is less than one ${PAGE}-byte page`);
    }
    if (!Number.isInteger(req.priority) || req.priority < -1 || req.priority > 32767) {
      return refuse('EINVAL', `priority ${req.priority} is not in -1..32767`);
    }
    let device: BlockDevice;
    let files: string[] = [];
    try {
      if (/^rediss?:\/\//.test(req.spec)) {
        const name = req.redisName ?? `tierswap-${process.pid}-${++this.#redisCount}`;
        if (this.swaps().some((d) => d.name.endsWith(`/${name}`) && d.kind === 'redis')) {
          return refuse('EBUSY', `a Redis device named ${name} is already active`);
        }
        device = createRedisDevice({ device: name, slots, url: req.spec });
      } else {
        const path = this.resolvePath(req.spec);
        if (this.#devices.has(path)) return refuse('EBUSY', `${path} is already active`);
        if (existsSync(path)) {
          return refuse(
            'EEXIST',
            `${path} exists; swapon makes a new device file and never takes over an existing one`,
          );
        }
        if (SQLITE.test(path)) {
          files = [path, `${path}-journal`, `${path}-wal`, `${path}-shm`];
          device = createSqliteDevice({ path, slots });
        } else {
          files = [path];
          device = createFileDevice({ path, slots });
        }
      }
    } catch (e) {
      for (const f of files) rmSync(f, { force: true });
      return asRefusal(e);
    }
    try {
      this.stack.swapon(device, { priority: req.priority });
    } catch (e) {
      device.close();
      for (const f of files) rmSync(f, { force: true });
      return asRefusal(e);
    }
    this.#devices.set(device.name, { device, files });
    return device.name;
  }

  /** The active device `what` names: its name, its path (relative to the session's directory), its file name, or a Redis URL's prefix. */
  findDevice(what: string): SwapDeviceInfo | Refusal {
    const swaps = this.swaps();
    const exact = swaps.find((d) => d.name === what || d.name === this.resolvePath(what));
    if (exact !== undefined) return exact;
    const loose = swaps.filter(
      (d) => basename(d.name) === what || d.name.startsWith(`${what.replace(/\/$/, '')}/`),
    );
    if (loose.length === 1) return loose[0]!;
    if (loose.length > 1) {
      return refuse(
        'EINVAL',
        `${what} names ${loose.length} devices: ${loose.map((d) => d.name).join(', ')}`,
      );
    }
    return refuse('ENOENT', `${what} is not an active swap device`);
  }

  /** Switches a device off (its pages drained to the others), closes it and removes its files. */
  swapoff(what: string): { name: string; moved: number } | Refusal {
    const dev = this.findDevice(what);
    if (isRefusal(dev)) return dev;
    let r: { moved: number } | Refusal;
    try {
      r = this.stack.swapoff(dev.name);
    } catch (e) {
      return asRefusal(e);
    }
    if (isRefusal(r)) return r;
    this.#release(dev.name);
    return { name: dev.name, moved: r.moved };
  }

  #release(name: string): void {
    const owned = this.#devices.get(name);
    if (owned === undefined) return;
    this.#devices.delete(name);
    try {
      owned.device.close();
    } finally {
      for (const f of owned.files) rmSync(f, { force: true });
    }
  }

  // ==========================================================================
  // Workloads and time
  // ==========================================================================

  jobs(): Job[] {
    return [...this.#jobs.values()];
  }

  job(pid: number): Job | undefined {
    return this.#jobs.get(pid);
  }

  /**
   * Starts a process of `pages` pages in `group` (a path below /sys/fs/cgroup), writes
   * the source's pages into it (cycling when the source is shorter), and lets `pattern`
   * touch them as time advances. ENOENT for a missing cgroup, ENOMEM if the pages do not
   * fit even after reclaim (the process is gone again).
   */
  run(
    group: string,
    pages: number,
    source: PageSource,
    pattern: AccessPattern,
    seed: number,
  ): Job | Refusal {
    if (this.stack.groupId(group) === undefined) {
      return refuse('ENOENT', `no cgroup /sys/fs/cgroup${group === '/' ? '' : group}`);
    }
    let pid: number;
    try {
      pid = this.stack.spawn(group, pages);
    } catch (e) {
      return asRefusal(e);
    }
    try {
      let i = 0;
      while (i < pages) {
        const before = i;
        for (const p of source.pages()) {
          if (i >= pages) break;
          this.stack.write(pid, i++, p.bytes);
        }
        if (i === before) break; // an empty source: the rest stays untouched (zero)
      }
    } catch (e) {
      this.stack.exit(pid);
      return asRefusal(e);
    }
    let accesses: Iterator<Access>;
    try {
      // One open-ended run of the pattern, pulled lazily: phases and traces go on across sleeps.
      accesses = pattern
        .accesses({ pages, durationSeconds: PATTERN_SECONDS, seed })
        [Symbol.iterator]();
    } catch (e) {
      this.stack.exit(pid);
      return asRefusal(e);
    }
    const job: Job = {
      pid,
      group,
      pages,
      source: source.name,
      pattern,
      startMs: this.clock.now(),
      accesses,
      next: accesses.next(),
    };
    this.#jobs.set(pid, job);
    return job;
  }

  /** Ends a job's process: its memory and swap entries are freed. */
  kill(pid: number): Job | undefined {
    const job = this.#jobs.get(pid);
    if (job === undefined) return undefined;
    this.#jobs.delete(pid);
    this.stack.exit(pid);
    return job;
  }

  /**
   * Lets `seconds` of virtual time pass, replaying every job's accesses in time order
   * (the clock set to each access's time). A job whose access cannot be served (no page
   * frame left after reclaim, a swap-in that fails) is killed, as the OOM killer would.
   */
  advance(seconds: number): AdvanceResult {
    const endMs = this.clock.now() + seconds * 1000;
    const jobs = this.jobs();
    let accesses = 0;
    let faults = 0;
    const killed: { job: Job; reason: string }[] = [];
    const due = (j: Job) =>
      j.next.done === true ? Infinity : j.startMs + j.next.value.time * 1000;
    for (;;) {
      let best: Job | undefined;
      for (const j of jobs)
        if (due(j) <= endMs && (best === undefined || due(j) < due(best))) best = j;
      if (best === undefined) break;
      const a = best.next.value as Access;
      if (due(best) > this.clock.now()) this.clock.set(due(best));
      try {
        if (this.stack.touch(best.pid, a.page % best.pages)) faults++;
        accesses++;
        best.next = best.accesses.next();
      } catch (e) {
        let reason = asRefusal(e).reason;
        try {
          this.kill(best.pid);
        } catch (exitError) {
          // The job is gone from the shell either way; what its exit left behind is said.
          reason += `; its exit failed too: ${exitError instanceof Error ? exitError.message : String(exitError)}`;
        }
        killed.push({ job: best, reason });
        best.next = { done: true, value: undefined };
      }
    }
    if (endMs > this.clock.now()) this.clock.set(endMs);
    return { accesses, faults, killed };
  }

  // ==========================================================================

  /**
   * Switches every device off without draining, closes it and removes its files, and
   * the session's own directory. Returns what failed (a device that cannot be closed,
   * such as a Redis server gone away), one message each, rather than throwing: leaving
   * must not fail half way.
   */
  close(): string[] {
    if (this.#closed) return [];
    this.#closed = true;
    const problems: string[] = [];
    for (const name of [...this.#devices.keys()]) {
      try {
        this.#release(name);
      } catch (e) {
        problems.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (this.#ownsDir) rmSync(this.dir, { recursive: true, force: true });
    return problems;
  }
}

/** Starts a session: its stack, its default devices (unless told not to), its directory. */
export function createShellSession(options: ShellStackOptions = {}): ShellSession {
  return ShellSession.create(options);
}
