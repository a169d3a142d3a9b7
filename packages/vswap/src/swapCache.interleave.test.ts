/**
 * Deterministic interleavings of async load, writeback (or demotion) and free on one entry.
 *
 * Three processes touch one virtual entry E whose swap count is 2 (two mappings):
 *   L  a fault: takes the swap cache, reads the backend, makes the folio the backend
 *      (exclusive load), leaves the cache and drops its mapping; on EEXIST it waits for
 *      the folio already in the cache and maps that one instead;
 *   W  a zswap writeback (or, from PHYS, a demotion to another device): takes the swap
 *      cache or gives up on EEXIST, allocates the target slot first, fills the folio,
 *      writes it to a real file, transfers E with a compare-and-swap, leaves the cache;
 *   F  another mapping goes away: put(E).
 * A last scenario runs two faults and a free (L, L, F): one fault must wait on the other's
 * folio, and the zswap copy must be read and released exactly once.
 * Every step boundary is an `await` point of a real implementation. The scheduler runs one
 * process step at a time and explores every order of the steps (depth-first, one fresh
 * world per complete schedule), checking vswap's invariants after every step and, at the
 * end, that the data read is the page written, that every backend was released exactly
 * once by the layer that owns it, and that nothing is left.
 *
 * Real parts: page data from the node binary, zlib compression for the zswap copies, the
 * @tierswap/slot-allocator cluster allocator for each device, and two files in a temp
 * directory written and read with positional I/O. Each world stamps its own id into the
 * page, so stale file contents from an earlier world cannot pass for a write.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { createSlotAllocator, type SlotAllocator } from '@tierswap/slot-allocator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendTag,
  backendPayload,
  backendTag,
  folioBackend,
  formatBackend,
  physBackend,
  physDevice,
  physSlot,
  zswapBackend,
} from './backend.js';
import type {
  BackendWord,
  DeviceId,
  FolioHandle,
  PhysSlot,
  SwapEntry,
  ZswapHandle,
} from './types.js';
import { createVirtualSwap, type VirtualSwap } from './virtualSwap.js';

const PAGE = 4096;
/** A page of real bytes: part of the node executable (code and data, partly compressible). */
const BASE_PAGE = readFileSync(process.execPath).subarray(1 << 20, (1 << 20) + PAGE);

let dir: string;
let files: FileHandle[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-vswap-'));
  files = [await open(join(dir, 'dev0.swap'), 'w+'), await open(join(dir, 'dev1.swap'), 'w+')];
});

afterAll(async () => {
  for (const f of files) await f.close();
  rmSync(dir, { recursive: true, force: true });
});

type Wait = () => boolean;
/** A process: yields undefined to let others run, or a predicate it waits on. */
type Proc = AsyncGenerator<Wait | undefined, string, undefined>;

interface Folio {
  data: Buffer;
  uptodate: boolean;
}

/** One independent run: a vswap, its "layers", and the page. */
class World {
  readonly vs: VirtualSwap;
  readonly devices: SlotAllocator[] = [
    createSlotAllocator({ slots: 64, clusterSize: 16 }),
    createSlotAllocator({ slots: 64, clusterSize: 16 }),
  ];
  readonly zswap = new Map<number, Buffer>();
  readonly zswapOwner = new Map<number, SwapEntry>();
  readonly folios = new Map<number, Folio>();
  readonly page: Buffer;
  readonly released: string[] = [];
  readonly log: string[] = [];
  installs = 0;
  entry = 0 as SwapEntry;
  victim = 0 as ZswapHandle;
  /** What each fault mapped, by process index. */
  readonly mapped = new Map<number, Buffer>();
  private nextHandle = 1;

  constructor(id: number) {
    this.page = Buffer.from(BASE_PAGE);
    this.page.writeUInt32LE(id, 0);
    this.vs = createVirtualSwap({
      maxEntries: 1024,
      segmentSlots: 1024,
      clusterSize: 64,
      onRelease: (_entry, backend, _memcg, reason) => this.release(backend, reason),
    });
  }

  /** Each layer frees what it owns; a double release fails here (or in the slot allocator). */
  private release(word: BackendWord, reason: string): void {
    this.released.push(`${formatBackend(word)}:${reason}`);
    switch (backendTag(word)) {
      case BackendTag.ZSWAP: {
        const h = backendPayload(word) as ZswapHandle;
        if (!this.zswap.delete(h)) throw new Error(`zswap handle ${h} released twice`);
        this.zswapOwner.delete(h);
        break;
      }
      case BackendTag.PHYS:
        this.devices[physDevice(word)]!.put(physSlot(word));
        break;
      case BackendTag.FOLIO:
        if (!this.folios.delete(word >>> 0)) throw new Error(`folio ${word >>> 0} released twice`);
        break;
    }
  }

  newFolio(): FolioHandle {
    const h = this.nextHandle++;
    this.folios.set(h, { data: Buffer.alloc(PAGE), uptodate: false });
    return h as FolioHandle;
  }

  folio(h: FolioHandle): Folio {
    return this.folios.get(h)!;
  }

  install(entry: SwapEntry, word: BackendWord, expected?: BackendWord): boolean {
    const ok = this.vs.transfer(entry, word, expected) === true;
    if (ok) this.installs++;
    return ok;
  }

  /** E with swap count `refs` (one per mapping), backed by a zlib copy in "zswap" or by slot 0 of device 0. */
  async setup(start: 'zswap' | 'phys', refs: number): Promise<void> {
    const e = this.vs.alloc(1);
    if (typeof e !== 'number') throw new Error(`alloc refused: ${e.code}`);
    this.installs++;
    this.entry = e;
    for (let r = 1; r < refs; r++) this.vs.dup(e);
    if (start === 'zswap') {
      const h = this.nextHandle++ as ZswapHandle;
      this.zswap.set(h, deflateRawSync(this.page));
      this.zswapOwner.set(h, e);
      this.victim = h;
      this.install(e, zswapBackend(h));
    } else {
      const slot = this.devices[0]!.alloc();
      if (typeof slot !== 'number') throw new Error('device 0 full');
      await files[0]!.write(this.page, 0, PAGE, slot * PAGE);
      this.install(e, physBackend(0 as DeviceId, slot as PhysSlot));
    }
  }

  /** Reads whatever backs the entry now. */
  async read(word: BackendWord): Promise<Buffer> {
    switch (backendTag(word)) {
      case BackendTag.ZERO:
        return Buffer.alloc(PAGE);
      case BackendTag.ZSWAP:
        return inflateRawSync(this.zswap.get(backendPayload(word) as ZswapHandle)!);
      case BackendTag.PHYS: {
        const buf = Buffer.alloc(PAGE);
        await files[physDevice(word)]!.read(buf, 0, PAGE, physSlot(word) * PAGE);
        return buf;
      }
      case BackendTag.FOLIO:
        return Buffer.from(this.folio((word >>> 0) as FolioHandle).data);
      default:
        throw new Error(`read of ${formatBackend(word)}`);
    }
  }
}

async function* load(w: World, me: number): Proc {
  const e = w.entry;
  for (;;) {
    const folio = w.newFolio();
    if (w.vs.cacheAdd(e, folio) !== true) {
      w.folios.delete(folio);
      w.log.push('L:EEXIST');
      const cached = w.vs.cacheFolio(e)!;
      // swapin: wait on the folio lock until the owner has filled it, or gone away.
      yield () => !w.vs.inCache(e) || w.folio(cached)?.uptodate === true;
      if (!w.vs.inCache(e) || w.vs.cacheFolio(e) !== cached) continue; // owner left: retry
      w.mapped.set(me, Buffer.from(w.folio(cached).data));
      yield;
      w.vs.put(e);
      return 'from-cache';
    }
    yield; // read submitted
    const word = w.vs.lookup(e);
    const data = await w.read(word);
    w.folio(folio).data = data;
    w.folio(folio).uptodate = true;
    yield;
    // Exclusive load: the folio becomes the backend, the old copy is released.
    if (backendTag(word) !== BackendTag.FOLIO && !w.install(e, folioBackend(folio), word)) {
      throw new Error(`L: backend of ${e} changed under the swap cache`);
    }
    w.vs.cacheDelete(e);
    w.mapped.set(me, data);
    yield;
    w.vs.put(e);
    return 'loaded';
  }
}

/** zswap writeback (from ZSWAP) or demotion (from PHYS on device 0) to device 1. */
async function* migrate(w: World, from: 'zswap' | 'phys'): Proc {
  let e: SwapEntry;
  let old: BackendWord;
  if (from === 'zswap') {
    // The LRU walker holds no reference: it finds E through the zswap entry, if still there.
    if (!w.zswap.has(w.victim)) return 'gone';
    e = w.zswapOwner.get(w.victim)!;
    old = zswapBackend(w.victim);
  } else {
    // A drain of device 0 finds E through the reverse map.
    const found = [...w.vs.entriesOn(0 as DeviceId)];
    if (found.length === 0) return 'gone';
    e = found[0]!;
    old = w.vs.lookup(e);
  }
  const folio = w.newFolio();
  if (w.vs.cacheAdd(e, folio) !== true) {
    w.folios.delete(folio);
    w.log.push('W:EEXIST');
    return 'EEXIST'; // the page is hot: someone is faulting it in
  }
  yield;
  // Allocate the target slot before doing any work (folio_realloc_swap), then fill the folio.
  const slot = w.devices[1]!.alloc();
  if (typeof slot !== 'number') throw new Error('device 1 full');
  w.folio(folio).data = await w.read(old);
  w.folio(folio).uptodate = true;
  yield;
  await files[1]!.write(w.folio(folio).data, 0, PAGE, slot * PAGE);
  yield;
  // The new copy is complete: switch E over; the old copy is released only now.
  if (!w.install(e, physBackend(1 as DeviceId, slot as PhysSlot), old)) {
    throw new Error(`W: backend of ${e} changed under the swap cache`);
  }
  yield;
  const before = w.vs.live;
  w.vs.cacheDelete(e);
  w.folios.delete(folio); // the page is reclaimed once written
  if (w.vs.live < before) w.log.push('W:freed-entry');
  return 'written';
}

// biome-ignore lint/correctness/useYield: dropping a mapping is one step with no await point.
async function* free(w: World): Proc {
  w.vs.put(w.entry);
  return 'freed';
}

/** Every branch of the protocol, each of which an exploration must reach. */
const BRANCHES = ['L:loaded', 'L:from-cache', 'W:written', 'W:EEXIST', 'W:gone', 'W:freed-entry'];

interface Outcome {
  schedule: number[];
  results: string[];
  log: string[];
  released: string[];
  kinds: readonly Kind[];
  /** Slots ever allocated on the target device 1. */
  targetAllocs: number;
}

type Scenario = 'zswap' | 'phys';

/**
 * Runs one world following `prefix`, then always the first runnable process; every other
 * runnable choice met after the prefix is pushed onto `pending` for later exploration.
 */
/** L = a fault, W = writeback or demotion, F = a mapping dropped. */
type Kind = 'L' | 'W' | 'F';

async function run(
  scenario: Scenario,
  prefix: readonly number[],
  pending: number[][] | undefined,
  id: number,
  kinds: readonly Kind[] = ['L', 'W', 'F'],
): Promise<Outcome> {
  const w = new World(id);
  // Every fault and every dropped mapping holds one reference to E.
  await w.setup(scenario, kinds.filter((k) => k !== 'W').length);
  const procs: Proc[] = kinds.map((k, i) =>
    k === 'L' ? load(w, i) : k === 'W' ? migrate(w, scenario) : free(w),
  );
  const waits: (Wait | undefined)[] = kinds.map(() => undefined);
  const results: (string | undefined)[] = kinds.map(() => undefined);
  const all = kinds.map((_, i) => i);
  const schedule: number[] = [];
  for (;;) {
    const runnable = all.filter(
      (p) => results[p] === undefined && (waits[p] === undefined || waits[p]!()),
    );
    if (runnable.length === 0) {
      if (results.some((r) => r === undefined)) throw new Error(`deadlock after ${schedule}`);
      break;
    }
    let choice: number;
    if (schedule.length < prefix.length) {
      choice = prefix[schedule.length]!;
      if (!runnable.includes(choice)) throw new Error(`schedule ${prefix} is not runnable`);
    } else {
      choice = runnable[0]!;
      for (const other of runnable.slice(1)) pending?.push([...schedule, other]);
    }
    schedule.push(choice);
    const step = await procs[choice]!.next();
    if (step.done) results[choice] = step.value;
    else waits[choice] = step.value;
    w.vs.verify();
  }

  // ---- end state: the same whatever the order
  const { vs } = w;
  kinds.forEach((k, i) => {
    if (k !== 'L') return;
    expect(w.mapped.get(i)?.equals(w.page), `L${i} mapped the page (schedule ${schedule})`).toBe(
      true,
    );
  });
  expect(vs.isLive(w.entry)).toBe(false);
  expect(vs.live).toBe(0);
  expect(w.zswap.size).toBe(0);
  expect(w.devices[0]!.stats().used + w.devices[1]!.stats().used).toBe(0);
  w.devices[0]!.verify();
  w.devices[1]!.verify();
  // Every backend installed was released exactly once (layers throw on a second release).
  expect(vs.stats().releases).toBe(w.installs);
  expect(vs.stats().refused.cacheExists).toBe(w.log.filter((l) => l.endsWith('EEXIST')).length);
  expect(vs.stats().descriptorClusters).toBe(0);
  expect(vs.swapCurrent(1)).toBe(0);
  return {
    schedule,
    results: results as string[],
    kinds,
    log: w.log,
    released: w.released,
    targetAllocs: w.devices[1]!.stats().allocations[0]!,
  };
}

async function explore(scenario: Scenario, kinds?: readonly Kind[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const pending: number[][] = [[]];
  while (pending.length > 0) {
    const prefix = pending.pop()!;
    outcomes.push(await run(scenario, prefix, pending, outcomes.length + 1, kinds));
  }
  return outcomes;
}

function tally(outcomes: Outcome[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of outcomes) {
    const keys = [...o.kinds.map((k, i) => `${k}:${o.results[i]}`), ...o.log];
    for (const key of keys) t[key] = (t[key] ?? 0) + 1;
  }
  return t;
}

describe('swap cache: load / writeback / free on one entry', () => {
  it('EEXIST race: a fault holds the cache, so the writeback is refused and writes nothing', async () => {
    // L takes the cache, then W tries: EEXIST; the rest in any order.
    const o = await run('zswap', [0, 1], undefined, 1_000_001);
    expect(o.results).toEqual(['loaded', 'EEXIST', 'freed']);
    expect(o.log).toEqual(['W:EEXIST']);
    // The zswap copy went to the folio (exclusive load); no slot of device 1 was ever used.
    expect(o.released).toEqual(['NONE:transfer', 'ZSWAP(1):transfer', 'FOLIO(2):free']);
    expect(o.targetAllocs).toBe(0);
  });

  it('writeback first: the fault finds the folio in the cache and maps it', async () => {
    // W takes the cache and fills the folio; L gets EEXIST and waits; W finishes.
    const o = await run('zswap', [1, 1, 0, 0], undefined, 1_000_002);
    expect(o.schedule).toEqual([1, 1, 0, 0, 0, 1, 1, 1, 2]);
    expect(o.results).toEqual(['from-cache', 'written', 'freed']);
    expect(o.log).toEqual(['L:EEXIST']);
    // F's put, the last reference, frees the entry and with it the new slot.
    expect(o.released).toEqual(['NONE:transfer', 'ZSWAP(1):transfer', 'PHYS(1, 0):free']);
    expect(o.targetAllocs).toBe(1);
  });

  it('free during writeback: the entry outlives its mappings until the write leaves the cache', async () => {
    // W fills the folio; L maps it from the cache and drops its mapping; F drops the last
    // one while W still holds the cache; W transfers the cache-only entry, then frees it.
    const o = await run('zswap', [1, 1, 0, 0, 0, 2, 1, 1, 1], undefined, 1_000_003);
    expect(o.results).toEqual(['from-cache', 'written', 'freed']);
    expect(o.log).toEqual(['L:EEXIST', 'W:freed-entry']);
    expect(o.released).toEqual(['NONE:transfer', 'ZSWAP(1):transfer', 'PHYS(1, 0):free']);
  });

  it('every interleaving of zswap writeback, load and free keeps the invariants', async () => {
    const outcomes = await explore('zswap');
    const t = tally(outcomes);
    // Each schedule is distinct and every branch of the protocol was reached.
    expect(new Set(outcomes.map((o) => o.schedule.join(''))).size).toBe(outcomes.length);
    for (const key of BRANCHES) expect(t[key] ?? 0, key).toBeGreaterThan(0);
    expect(outcomes.length).toBeGreaterThan(100);
  }, 60_000);

  it('every interleaving of demotion (PHYS to PHYS), load and free keeps the invariants', async () => {
    const outcomes = await explore('phys');
    const t = tally(outcomes);
    for (const key of BRANCHES) expect(t[key] ?? 0, key).toBeGreaterThan(0);
    // A demoted entry releases its old slot on device 0 only after the copy on device 1.
    const demoted = outcomes.filter((o) => o.results[1] === 'written');
    for (const o of demoted) {
      expect(o.released.indexOf('PHYS(0, 0):transfer')).toBeGreaterThan(-1);
    }
  }, 60_000);

  it('two faults on one entry: the second maps the folio of the first, the data is read once', async () => {
    const outcomes = await explore('zswap', ['L', 'L', 'F']);
    const t = tally(outcomes);
    expect(t['L:from-cache'] ?? 0).toBeGreaterThan(0);
    // A fault that comes after the first one finished loads from the resident folio (FOLIO).
    expect(t['L:loaded']).toBeGreaterThan(outcomes.length);
    for (const o of outcomes) {
      // The zswap copy is released once, by the fault that loaded it; then the folio at the end.
      expect(o.released.filter((r) => r.startsWith('ZSWAP'))).toEqual(['ZSWAP(1):transfer']);
      expect(o.released.at(-1)).toMatch(/^FOLIO\(\d+\):free$/);
    }
  }, 60_000);
});
