/**
 * SwapStack: the layers composed into one swap system. createSwapStack builds a memcg
 * tree and its interface-file registry, a zswap pool (its codec timed), a swap space
 * with its tiers and devices, vswap in vswap mode or the ghost swapfile in classic mode,
 * and the processes' page tables with per-memcg LRUs; then registers every layer's files
 * into the one registry and exposes it, with the global files, at the kernel's paths
 * (stack.fs).
 *
 * Processes: spawn(group, pages) gives a process owning `pages` pages charged to the
 * group. read / write / access touch a page: a resident page only gets its accessed bit
 * set (the hot path); a swapped one is faulted in (swapIn.ts), charged, and reclaim runs
 * if a limit is exceeded (reclaim.ts).
 */

import type { Refusal } from '@tierswap/base';
import { refuse, showValue } from '@tierswap/base';
import { createCodec } from '@tierswap/compress';
import type { GroupId, InterfaceFiles, MemcgTree } from '@tierswap/memcg';
import { createMemcg } from '@tierswap/memcg';
import { createSlotAllocator } from '@tierswap/slot-allocator';
import type { BlockDevice, SwapSlot, SwapSpace } from '@tierswap/tiered-store';
import { createSwapSpace, registerTierFiles, swapType } from '@tierswap/tiered-store';
import { createVirtualSwap, physDevice, physSlot, type VirtualSwap } from '@tierswap/vswap';
import { createZswapPool, registerZswapFiles, type ZswapPool } from '@tierswap/zswap';
import { AddressSpace, ClassicBackend, PageState, type Process } from './addressSpace.js';
import { type StackCore, StackCounters } from './core.js';
import { diskSlotOf } from './demotion.js';
import { Lru } from './lru.js';
import { attachFrame, chargeResident } from './reclaim.js';
import { invalid, StackError } from './stackError.js';
import { registerStackFiles } from './stackFiles.js';
import { createStackFs, type StackFs } from './stackFs.js';
import { freeSwappedPage, swapInPage } from './swapIn.js';
import { physOf } from './swapOut.js';
import { CodecTimes, timedCodec } from './timedCodec.js';
import type { StackMetadata, SwapStackOptions, SwapStackStats } from './types.js';
import { createWritebackTarget, vswapRelease } from './writebackTarget.js';

const PAGE = 4096;

export class SwapStack {
  readonly #core: StackCore;
  readonly files: InterfaceFiles;
  readonly fs: StackFs;

  constructor(options: SwapStackOptions) {
    const where = 'createSwapStack';
    if (typeof options !== 'object' || options === null) throw invalid(where, 'options required');
    const { clock, ramBytes, mode = 'vswap', zswap = {}, tiers, devices = [] } = options;
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
      throw invalid(where, `clock must be a Clock from @tierswap/base, got ${showValue(clock)}`);
    }
    if (!Number.isSafeInteger(ramBytes) || ramBytes < PAGE * 4) {
      throw invalid(where, `ramBytes ${showValue(ramBytes)} must be an integer >= ${PAGE * 4}`);
    }
    if (mode !== 'vswap' && mode !== 'classic') {
      throw invalid(where, `mode ${showValue(mode)} must be 'vswap' or 'classic'`);
    }
    if (!Array.isArray(devices)) throw invalid(where, 'devices must be an array');
    const ghostSlots = options.ghostSlots ?? Math.max(1024, Math.floor(ramBytes / PAGE));
    const { tree, files } = createMemcg();
    const stats = tree.stats;
    const stat = {
      anon: stats.ensure('anon', 'pages'),
      pswpin: stats.ensure('pswpin'),
      pswpout: stats.ensure('pswpout'),
      swpin_zero: stats.ensure('swpin_zero'),
      swpout_zero: stats.ensure('swpout_zero'),
      pgmajfault: stats.ensure('pgmajfault'),
      swpout_kept: stats.ensure('swpout_kept'),
      zswpwb_proactive_b: stats.ensure('zswpwb_proactive_b', 'bytes'),
      swap_demote: stats.ensure('swap_demote'),
    };
    const codecTimes = new CodecTimes();
    const swap = createSwapSpace({ memcg: tree, clock });
    // The pool needs its writeback target, which needs the core: the core is filled in below.
    const core = {
      mode,
      clock,
      pageSize: PAGE,
      tree,
      swap,
      pages: new AddressSpace(PAGE, ramBytes),
      lru: new Lru(),
      counters: new StackCounters(),
      stat,
      codecTimes,
      zswapEnabled: zswap.enabled ?? true,
      inSwapoff: false,
      draining: -1,
      shrinkPending: false,
      demoteAge: new Map<number, number>(),
      scratch: new Uint8Array(PAGE),
    } as Omit<StackCore, 'pool' | 'vs' | 'ghost'> as StackCore;
    const mutable = core as { -readonly [K in keyof StackCore]: StackCore[K] };
    mutable.vs =
      mode === 'vswap'
        ? createVirtualSwap({ onRelease: vswapRelease(core), segmentSlots: 2 ** 16 })
        : undefined;
    mutable.ghost =
      mode === 'classic'
        ? createSlotAllocator({ slots: ghostSlots, rotational: false })
        : undefined;
    mutable.pool = createZswapPool({
      codec: timedCodec(
        createCodec(
          zswap.compressor ?? 'lz4',
          zswap.compressor === 'zstd' && zswap.level !== undefined ? { level: zswap.level } : {},
        ),
        codecTimes,
      ),
      memcg: tree,
      clock,
      ramBytes,
      writeback: createWritebackTarget(core),
      queueShrinkWork: () => {
        core.shrinkPending = true;
      },
      ...(zswap.maxPoolPercent === undefined ? {} : { maxPoolPercent: zswap.maxPoolPercent }),
      ...(zswap.acceptThresholdPercent === undefined
        ? {}
        : { acceptThresholdPercent: zswap.acceptThresholdPercent }),
      ...(zswap.shrinkerEnabled === undefined ? {} : { shrinkerEnabled: zswap.shrinkerEnabled }),
      ...(zswap.maxCompressedBytes === undefined
        ? {}
        : { maxCompressedBytes: zswap.maxCompressedBytes }),
      ...(zswap.proactiveCursor === undefined ? {} : { proactiveCursor: zswap.proactiveCursor }),
      ...(zswap.incompressible === undefined ? {} : { incompressible: zswap.incompressible }),
      ...(zswap.rawRetrySeconds === undefined ? {} : { rawRetrySeconds: zswap.rawRetrySeconds }),
      ...(zswap.retryCompressor === undefined
        ? {}
        : {
            retryCodec: timedCodec(
              createCodec(
                zswap.retryCompressor,
                zswap.retryCompressor === 'zstd' && zswap.retryLevel !== undefined
                  ? { level: zswap.retryLevel }
                  : {},
              ),
              codecTimes,
            ),
          }),
    });
    this.#core = core;
    registerZswapFiles(files, core.pool);
    registerTierFiles(files, swap);
    registerStackFiles(core, files);
    this.files = files;
    if (tiers !== undefined) {
      const r = swap.tiers.write(tiers);
      if (r !== undefined)
        throw invalid(where, `tiers ${showValue(tiers)}: ${r.errno} ${r.reason}`);
    }
    for (const d of devices) this.swapon(d.device, { priority: d.priority ?? -1 });
    this.fs = createStackFs(this, core);
  }

  get mode() {
    return this.#core.mode;
  }
  get tree(): MemcgTree {
    return this.#core.tree;
  }
  get pool(): ZswapPool {
    return this.#core.pool;
  }
  get swapSpace(): SwapSpace {
    return this.#core.swap;
  }
  get vswap(): VirtualSwap | undefined {
    return this.#core.vs;
  }
  get pageSize(): number {
    return PAGE;
  }

  // ==========================================================================
  // Processes
  // ==========================================================================

  /** A new process of `pages` pages (never touched: they read as zeros) in a cgroup. */
  spawn(group: string | GroupId, pages: number): number {
    const where = 'stack.spawn';
    const g = this.#group(group, where);
    if (!Number.isSafeInteger(pages) || pages < 1 || pages > 2 ** 26) {
      throw invalid(where, `pages ${showValue(pages)} must be an integer in 1..2^26`);
    }
    const c = this.#core;
    const p = c.pages.addProcess(g, pages);
    c.lru.ensurePages(c.pages.capacity);
    c.lru.ensureGroups(g);
    return p.pid;
  }

  /** The process's pages leave: resident frames and swap entries are freed. */
  exit(pid: number): void {
    const c = this.#core;
    const proc = c.pages.process(pid, 'stack.exit');
    const p = c.pages;
    for (let idx = proc.base; idx < proc.base + proc.pages; idx++) {
      const st = p.state[idx];
      if (st === PageState.RESIDENT) {
        c.lru.remove(idx);
        p.freeFrame(p.frame[idx]!);
        p.frame[idx] = -1;
        c.tree.uncharge(p.memcg[idx]! as GroupId, 'memory', 1);
        c.tree.addStat(p.memcg[idx]! as GroupId, c.stat.anon, -1);
      } else if (st === PageState.SWAPPED) {
        freeSwappedPage(c, idx);
      }
      p.state[idx] = PageState.NONE;
    }
    p.removeProcess(pid);
  }

  /** The live view of a page's bytes (valid until the next call into the stack); faults it in. */
  access(pid: number, page: number): Uint8Array {
    const idx = this.#index(pid, page, 'stack.access');
    return this.#core.pages.frameView(this.#touch(idx));
  }

  /**
   * Touches a page (sets its accessed bit, faulting it in if needed) without returning
   * its bytes: the simulation's page access. Returns true if it faulted.
   */
  touch(pid: number, page: number): boolean {
    const idx = this.#index(pid, page, 'stack.touch');
    const p = this.#core.pages;
    if (p.state[idx] === PageState.RESIDENT) {
      p.referenced[idx] = 1;
      return false;
    }
    this.#touch(idx);
    return true;
  }

  /** Copies a page's bytes into `out` (a new page if omitted). */
  read(pid: number, page: number, out?: Uint8Array): Uint8Array {
    const idx = this.#index(pid, page, 'stack.read');
    if (out !== undefined && (!(out instanceof Uint8Array) || out.length < PAGE)) {
      throw invalid('stack.read', `out must be a Uint8Array of at least ${PAGE} bytes`);
    }
    const dst = out ?? new Uint8Array(PAGE);
    const p = this.#core.pages;
    if (p.state[idx] === PageState.NONE) {
      dst.fill(0, 0, PAGE);
      return dst;
    }
    dst.set(p.frameView(this.#touch(idx)));
    return dst;
  }

  /** Writes `data` into a page at `offset` (faulting it in first). */
  write(pid: number, page: number, data: Uint8Array, offset = 0): void {
    const where = 'stack.write';
    const idx = this.#index(pid, page, where);
    if (!(data instanceof Uint8Array)) throw invalid(where, 'data must be a Uint8Array');
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > PAGE) {
      throw invalid(where, `offset ${showValue(offset)} + ${data.length} bytes must fit in a page`);
    }
    this.#core.pages.frameView(this.#touch(idx)).set(data, offset);
  }

  #touch(idx: number): number {
    const c = this.#core;
    const p = c.pages;
    const st = p.state[idx];
    if (st === PageState.RESIDENT) {
      p.referenced[idx] = 1;
      return p.frame[idx]!;
    }
    c.counters.pgfault++;
    const f = attachFrame(c, idx);
    const view = p.frameView(f);
    if (st === PageState.SWAPPED) {
      try {
        swapInPage(c, idx, view);
      } catch (e) {
        // A failed read (a device's I/O error, a server gone) leaves the page swapped,
        // its entry and backend untouched, so a later fault or exit finds it consistent.
        p.state[idx] = PageState.SWAPPED;
        p.frame[idx] = -1;
        p.freeFrame(f);
        throw e;
      }
    } else view.fill(0);
    chargeResident(c, idx);
    return f;
  }

  #index(pid: number, page: number, where: string): number {
    // The hot path: integer pid and page of a live process, from two typed arrays.
    const p = this.#core.pages;
    if ((pid | 0) === pid && (page | 0) === page && page >= 0) {
      const n = p.procPages[pid];
      if (n !== undefined && page < n) return p.procBase[pid]! + page;
    }
    const proc: Process = this.#core.pages.process(pid, where);
    if (!Number.isInteger(page) || page < 0 || page >= proc.pages) {
      throw invalid(
        where,
        `page ${showValue(page)} is not in 0..${proc.pages - 1} of process ${pid}`,
      );
    }
    return proc.base + page;
  }

  #group(group: string | GroupId, where: string): GroupId {
    const tree = this.#core.tree;
    const g = typeof group === 'string' ? tree.lookup(group) : group;
    if (g === undefined || !Number.isInteger(g) || !tree.isOnline(g)) {
      throw invalid(where, `group ${showValue(group)} is not an existing cgroup`);
    }
    return g as GroupId;
  }

  /** Processes of the subtree of `g` (for rmdir's EBUSY). */
  processesIn(g: GroupId): number {
    const tree = this.#core.tree;
    let n = 0;
    for (const p of this.#core.pages.procs.values()) {
      if (p.memcg === g || tree.isAncestor(g, p.memcg as GroupId)) n++;
    }
    return n;
  }

  // ==========================================================================
  // swapon / swapoff
  // ==========================================================================

  /** Switches a device on (its tier follows from its priority); returns its type. */
  swapon(device: BlockDevice, options: { priority?: number } = {}): number {
    return this.#core.swap.swapon(device, { priority: options.priority ?? -1 });
  }

  /**
   * Switches a device off by name or type, draining it with nothing lost: vswap mode
   * moves its pages to other devices and repoints their entries; classic mode reads
   * them back into memory first, as try_to_unuse() does. Returns the pages moved or
   * read in, or a Refusal: ENOENT (no such device), ENOMEM (no room elsewhere, or in
   * classic mode no memory to read the pages into), EBUSY, EIO.
   */
  swapoff(nameOrType: string | number): { moved: number } | Refusal {
    const c = this.#core;
    const dev = c.swap.swaps().find((d) => d.name === nameOrType || d.type === nameOrType);
    if (dev === undefined)
      return refuse('ENOENT', `no active swap device ${showValue(nameOrType)}`);
    let faulted = 0;
    if (c.mode === 'classic') {
      c.draining = dev.type;
      try {
        for (let round = 0; round < 4; round++) {
          const on = this.#classicPagesOn(dev.type);
          if (on.length === 0) break;
          for (const idx of on) {
            if (c.pages.state[idx] !== PageState.SWAPPED) continue;
            this.#touch(idx);
            faulted++;
          }
        }
      } catch (e) {
        // try_to_unuse() fails with ENOMEM when memory runs out; the device stays on.
        if (!(e instanceof StackError && e.code === 'OUT_OF_MEMORY')) throw e;
        c.counters.swapoff_swapin += faulted;
        return refuse('ENOMEM', `${dev.name}: no memory to read its pages back in`);
      } finally {
        c.draining = -1;
      }
      if (this.#classicPagesOn(dev.type).length > 0) {
        return refuse('EBUSY', `${dev.name}: pages kept coming back while draining`);
      }
      c.counters.swapoff_swapin += faulted;
      const r = c.swap.swapoff(dev.type);
      return r.ok ? { moved: faulted } : refuse(r.errno, r.reason, r.code);
    }
    const vs = c.vs!;
    c.inSwapoff = true;
    try {
      const r = c.swap.swapoff(dev.type, (from: SwapSlot, to: SwapSlot) => {
        const old = physOf(from);
        const e = vs.reverseLookup(physDevice(old), physSlot(old));
        vs.transfer(e, physOf(to), old);
      });
      return r.ok ? { moved: r.moved } : refuse(r.errno, r.reason, r.code);
    } finally {
      c.inSwapoff = false;
    }
  }

  /** classic: pages whose slot (written or only reserved) is on device `type`. */
  #classicPagesOn(type: number): number[] {
    const p = this.#core.pages;
    const out: number[] = [];
    for (let idx = 0; idx < p.length; idx++) {
      if (p.state[idx] !== PageState.SWAPPED) continue;
      if ((p.backend[idx]! & ClassicBackend.GHOST) !== 0) continue;
      if (swapType(p.swap[idx]! as SwapSlot) === type) out.push(idx);
    }
    return out;
  }

  // ==========================================================================
  // Counters and checks
  // ==========================================================================

  stats(): SwapStackStats {
    const c = this.#core;
    const { tiers, ...rest } = c.counters;
    const vmstat: Record<string, number> = {};
    for (const [k, v] of Object.entries(rest)) if (typeof v === 'number') vmstat[k] = v;
    const z = c.pool.stats();
    vmstat.zswpwb = z.written_back_pages;
    // zswap's raw entries and their retries (debugfs names), for the incompressible study.
    vmstat.stored_incompressible_pages = z.stored_incompressible_pages;
    vmstat.recompress_attempts = z.recompress_attempts;
    vmstat.recompressed_pages = z.recompressed_pages;
    let resident = 0;
    let swapped = 0;
    const p = c.pages;
    for (let i = 0; i < p.length; i++) {
      if (p.state[i] === PageState.RESIDENT) resident++;
      else if (p.state[i] === PageState.SWAPPED) swapped++;
    }
    const t: Record<string, typeof tiers extends Map<string, infer V> ? V : never> = {};
    for (const [k, v] of tiers) t[k] = { ...v };
    return {
      mode: c.mode,
      vmstat,
      tiers: t,
      compressNs: c.codecTimes.compressNs,
      decompressNs: c.codecTimes.decompressNs,
      residentPages: resident,
      swappedPages: swapped,
    };
  }

  /** Where a page is: 'none', 'resident', 'zero', 'zswap', or the tier name of its disk slot. */
  whereIs(pid: number, page: number): string {
    const c = this.#core;
    const idx = this.#index(pid, page, 'stack.whereIs');
    const st = c.pages.state[idx];
    if (st === PageState.NONE) return 'none';
    if (st === PageState.RESIDENT) return 'resident';
    const disk = diskSlotOf(c, idx);
    if (disk >= 0) return `tier:${c.swap.tierOf(disk as SwapSlot)}`;
    if (c.mode === 'vswap') {
      return c.pool.has(c.pages.swap[idx]!) ? 'zswap' : 'zero';
    }
    const kind = c.pages.backend[idx]! & ~ClassicBackend.GHOST;
    return kind === ClassicBackend.ZSWAP ? 'zswap' : 'zero';
  }

  metadataBytes(): StackMetadata {
    const c = this.#core;
    const z = c.pool.metadataBytes();
    let slots = 0;
    for (const d of c.swap.swaps()) slots += d.slots * 3; // owner u16 + swap_map byte
    if (c.ghost !== undefined) slots += c.ghost.metadataBytes();
    return {
      pageTables: c.pages.tableBytes,
      swapWords: c.pages.capacity * 5, // backend kind + swap-out time (the u32 swap word is the PTE's)
      lru: c.lru.bytes(),
      zswap: z.entryArrays + z.index + z.memcgTable + z.arena,
      vswap: c.vs === undefined ? 0 : c.vs.memoryUsage().total,
      slots,
    };
  }

  /** The id of a cgroup path (undefined if none): for callers that hold ids. */
  groupId(path: string): GroupId | undefined {
    return this.#core.tree.lookup(path);
  }

  /** Processes alive. */
  get processes(): number {
    return this.#core.pages.procs.size;
  }
}

/** Makes a swap stack (the documented way). */
export function createSwapStack(options: SwapStackOptions): SwapStack {
  return new SwapStack(options);
}
