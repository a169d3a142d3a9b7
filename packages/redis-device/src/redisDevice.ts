/**
 * RedisDevice: a swap BlockDevice whose pages live on a Redis server or a Redis Cluster,
 * the network tier at the end of the chain (zswap -> SSD -> HDD -> network).
 *
 * Keys are `tierswap:{<device>}:<slot>`: the hash tag puts a whole device in one
 * Cluster slot, so a batch is one MSET or MGET (multi-key commands only work within a
 * slot) and one round trip; spreading a device over the shards would turn each batch
 * into a fan-out over several nodes and give up MSET's all-or-nothing write. Several
 * devices spread a stack's pages over the shards instead.
 *
 * A value is a 4-byte crc32c (little-endian) and the payload (1..pageSize bytes, so
 * compressed pages are stored as they are). The checksum is seeded with the slot number,
 * so a value copied under another slot's key fails too. The device also keeps each
 * slot's crc32c and length in memory (PageChecksums, 8 bytes a slot), as the file device
 * does: a read is returned only if the value's length, its stored checksum and the
 * checksum of its bytes all agree with what was acknowledged. A key that vanished (a
 * server restarted without persistence, a failover to a replica that missed the write,
 * an eviction, a DEL from elsewhere) is NOT_WRITTEN and counted in `lostPages`; a value
 * changed or cut short is CHECKSUM_MISMATCH; an unreachable server is IO_ERROR. Wrong
 * or zeroed bytes are never returned as data: a failed read zeroes its output.
 *
 * The calls are synchronous (the swap layer's contract) over ioredis in a worker thread
 * (./syncBridge.ts, ./redisWorker.ts). Failures are thrown as TieredStoreError with the
 * codes the other devices use, so SwapSpace treats this device like them: a write that
 * throws IO_ERROR falls through to another device, a failed read is reported.
 */
import { randomBytes } from 'node:crypto';
import type { BlockDevice, DeviceStats } from '@tierswap/tiered-store';
import { crc32c, emptyDeviceStats, PageChecksums, TieredStoreError } from '@tierswap/tiered-store';
import type { RedisDeviceOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import type { DataLayout, WorkerConfig } from './protocol.js';
import {
  CONTROL_WORDS,
  dataLayout,
  MISSING,
  OP_CLOSE,
  OP_DELETE,
  OP_FLUSH,
  OP_NOP,
  OP_OPEN,
  OP_PING,
  OP_READ,
  OP_WRITE,
  STATUS_BUSY,
  STATUS_OK,
  VALUE_AT,
  VALUE_HEADER,
} from './protocol.js';
import { copyFromShared } from './sharedCopy.js';
import { SyncBridge } from './syncBridge.js';

export interface RedisDeviceStats extends DeviceStats {
  /** Reads of acknowledged pages whose key was gone (each threw NOT_WRITTEN). */
  lostPages: number;
  /** Times the connection came back after a loss. */
  reconnects: number;
}

/** Connects, takes the device's lock, wipes its namespace: the documented way to make one. */
export function createRedisDevice(options: RedisDeviceOptions): RedisDevice {
  return RedisDevice.open(options);
}

export class RedisDevice implements BlockDevice {
  readonly kind = 'redis';
  /** `redis://host:port/<device>` or `redis-cluster://host:port/<device>`, never with credentials. */
  readonly name: string;
  readonly pageSize: number;
  readonly slots: number;
  readonly rotational = false;
  readonly #bridge: SyncBridge;
  readonly #layout: DataLayout;
  readonly #slotsIn: Uint32Array;
  readonly #lengths: Uint32Array;
  readonly #values: Uint8Array;
  readonly #view: DataView;
  readonly #sums: PageChecksums;
  readonly #counters: RedisDeviceStats = { ...emptyDeviceStats(), lostPages: 0, reconnects: 0 };
  #closed = false;
  readonly #closeTimeoutMs: number;

  private constructor(o: ResolvedOptions, bridge: SyncBridge, config: WorkerConfig) {
    this.name = o.displayName;
    this.pageSize = o.pageSize;
    this.slots = o.slots;
    this.#bridge = bridge;
    this.#layout = dataLayout(o.maxBatch, o.pageSize);
    const l = this.#layout;
    this.#slotsIn = new Uint32Array(config.data, l.slotsOffset, l.maxBatch);
    this.#lengths = new Uint32Array(config.data, l.lengthsOffset, l.maxBatch);
    this.#values = new Uint8Array(config.data, l.valuesOffset, l.maxBatch * l.stride);
    this.#view = new DataView(config.data, l.valuesOffset, l.maxBatch * l.stride);
    this.#sums = new PageChecksums(o.slots, o.pageSize);
    this.#closeTimeoutMs = o.commandTimeoutMs * 10 + 30_000;
  }

  /** Same as createRedisDevice(). */
  static open(options: RedisDeviceOptions): RedisDevice {
    const o = resolveOptions(options);
    const layout = dataLayout(o.maxBatch, o.pageSize);
    const prefix = `tierswap:{${o.device}}:`;
    const config: WorkerConfig = {
      control: new SharedArrayBuffer(CONTROL_WORDS * 4),
      data: new SharedArrayBuffer(layout.bytes),
      maxBatch: o.maxBatch,
      pageSize: o.pageSize,
      prefix,
      lockKey: `${prefix}lock`,
      token: randomBytes(16).toString('hex'),
      lockTtlMs: o.lockTtlMs,
      waitReplicas: o.waitReplicas,
      waitTimeoutMs: o.waitTimeoutMs,
      cluster: o.cluster,
      nodes: o.nodes,
      redisOptions: o.redisOptions,
    };
    const bridge = new SyncBridge(config, layout.textOffset, o.commandTimeoutMs + 1000);
    // Starting the worker (and, from sources, its TypeScript loader) takes a while.
    const r = bridge.call(OP_OPEN, 0, o.connectTimeoutMs + o.commandTimeoutMs + 10_000);
    if (r.status !== STATUS_OK) {
      bridge.stop();
      throw new TieredStoreError(
        r.status === STATUS_BUSY ? 'BUSY' : 'IO_ERROR',
        'redisDevice.open',
        `cannot open ${o.displayName}: ${r.text}`,
      );
    }
    return new RedisDevice(o, bridge, config);
  }

  write(slot: number, data: Uint8Array): void {
    const where = 'redisDevice.write';
    this.#sums.checkWrite(slot, data, where);
    this.#assertUsable(where);
    this.#sums.forget(slot, 1);
    const crc = this.#stage(0, slot, data);
    this.#call(OP_WRITE, 1, where, `writing slot ${slot}`);
    this.#sums.set(slot, crc, data.length);
    this.#counters.writes++;
    this.#counters.bytesWritten += data.length;
  }

  read(slot: number, out: Uint8Array): number {
    const where = 'redisDevice.read';
    const len = this.#sums.expect(slot, where);
    this.#sums.checkOut(out, this.pageSize, where);
    this.#assertUsable(where);
    this.#slotsIn[0] = slot;
    this.#call(OP_READ, 1, where, `reading slot ${slot}`);
    this.#take(0, slot, len, out, 0, where);
    return len;
  }

  writeBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[]): void {
    const where = 'redisDevice.writeBatch';
    this.#sums.checkWriteBatch(slots, pages, where);
    this.#assertUsable(where);
    const max = this.#layout.maxBatch;
    // Forgotten first: if a chunk fails, none of the batch's slots holds a page.
    this.#sums.forgetEach(slots);
    const crcs = new Uint32Array(slots.length);
    try {
      for (let start = 0; start < slots.length; start += max) {
        const n = Math.min(max, slots.length - start);
        for (let i = 0; i < n; i++)
          crcs[start + i] = this.#stage(i, slots[start + i]!, pages[start + i]!);
        this.#call(OP_WRITE, n, where, `writing ${n} pages from slot ${slots[start]!}`);
      }
    } catch (e) {
      this.#sums.forgetEach(slots);
      throw e;
    }
    for (let i = 0; i < slots.length; i++) {
      this.#sums.set(slots[i]!, crcs[i]!, pages[i]!.length);
      this.#counters.bytesWritten += pages[i]!.length;
    }
    this.#counters.writes += slots.length;
  }

  readBatch(slots: ArrayLike<number>, out: Uint8Array, lengths: Uint32Array): void {
    const where = 'redisDevice.readBatch';
    const sums = this.#sums;
    sums.checkReadBatch(slots, out, lengths, where);
    for (let i = 0; i < slots.length; i++) lengths[i] = sums.expect(slots[i]!, where);
    this.#assertUsable(where);
    const max = this.#layout.maxBatch;
    const ps = this.pageSize;
    for (let start = 0; start < slots.length; start += max) {
      const n = Math.min(max, slots.length - start);
      for (let i = 0; i < n; i++) this.#slotsIn[i] = slots[start + i]!;
      this.#call(OP_READ, n, where, `reading ${n} pages from slot ${slots[start]!}`);
      for (let i = 0; i < n; i++) {
        const k = start + i;
        this.#take(i, slots[k]!, lengths[k]!, out, k * ps, where);
      }
    }
  }

  discard(first: number, count: number): void {
    const where = 'redisDevice.discard';
    this.#sums.checkRange(first, count, where);
    const max = this.#layout.maxBatch;
    let n = 0;
    const send = () => {
      // discard never fails for I/O: a key left behind is overwritten or wiped later,
      // and the slot already reads as NOT_WRITTEN here.
      if (n > 0 && !this.#closed && this.#bridge.call(OP_DELETE, n).status !== STATUS_OK) {
        this.#counters.ioErrors++;
      }
      n = 0;
    };
    for (let s = first; s < first + count; s++) {
      if (this.#sums.lengthOf(s) === 0) continue;
      this.#sums.forget(s, 1);
      this.#slotsIn[n++] = s;
      if (n === max) send();
    }
    send();
    this.#counters.discards += count;
  }

  /**
   * Acknowledged writes are in the server's memory already; with `waitReplicas` this
   * waits (WAIT) until that many replicas have them too, else it checks the server answers.
   */
  flush(): void {
    const where = 'redisDevice.flush';
    this.#assertUsable(where);
    this.#call(OP_FLUSH, 0, where, 'flushing');
    this.#counters.flushes++;
  }

  /** Deletes the device's keys, releases its lock (if still ours) and stops the worker. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Deleting a large namespace takes many round trips: more than one command's time.
    this.#bridge.call(OP_CLOSE, 0, this.#closeTimeoutMs);
    this.#bridge.stop();
  }

  stats(): RedisDeviceStats {
    return { ...this.#counters, reconnects: this.#bridge.reconnects };
  }

  /** Payload length stored in a slot (0 = empty). */
  lengthOf(slot: number): number {
    this.#sums.checkSlot(slot, 'redisDevice.lengthOf');
    return this.#sums.lengthOf(slot);
  }

  /**
   * One round trip through the worker: `'bridge'` without Redis, `'ping'` with a PING.
   * For measuring what the synchronous bridge costs; throws IO_ERROR like the page calls.
   */
  roundTrip(kind: 'bridge' | 'ping'): void {
    const where = 'redisDevice.roundTrip';
    if (kind !== 'bridge' && kind !== 'ping') {
      throw new TieredStoreError('INVALID_ARGUMENT', where, `kind must be 'bridge' or 'ping'`);
    }
    this.#assertUsable(where);
    this.#call(kind === 'bridge' ? OP_NOP : OP_PING, 0, where, kind);
  }

  // --- internals ---------------------------------------------------------------

  /** Lays out value i (crc32c seeded with the slot, then the payload); returns the crc. */
  #stage(i: number, slot: number, data: Uint8Array): number {
    const crc = crc32c(data, 0, data.length, slot);
    const at = i * this.#layout.stride + VALUE_AT;
    this.#view.setUint32(at, crc, true);
    this.#values.set(data, at + VALUE_HEADER);
    this.#slotsIn[i] = slot;
    this.#lengths[i] = VALUE_HEADER + data.length;
    return crc;
  }

  /** Checks value i of a read against what was acknowledged for `slot`, then copies it out. */
  #take(i: number, slot: number, len: number, out: Uint8Array, at: number, where: string): void {
    const got = this.#lengths[i]!;
    const want = this.#sums.crcOf(slot);
    const v = i * this.#layout.stride + VALUE_AT;
    if (got === MISSING) {
      out.fill(0, at, at + this.pageSize);
      this.#counters.lostPages++;
      throw new TieredStoreError(
        'NOT_WRITTEN',
        where,
        `slot ${slot} of ${this.name} was acknowledged but its key is gone (a restart without persistence, a failover, an eviction or a delete)`,
      );
    }
    let why = '';
    if (got !== VALUE_HEADER + len) {
      why = `value is ${got} bytes, expected ${VALUE_HEADER + len} (truncated or replaced)`;
    } else if (this.#view.getUint32(v, true) !== want) {
      why = 'stored crc32c differs from the acknowledged one';
    } else if (crc32c(this.#values, v + VALUE_HEADER, v + VALUE_HEADER + len, slot) !== want) {
      why = 'crc32c mismatch';
    }
    if (why !== '') {
      out.fill(0, at, at + this.pageSize);
      this.#counters.checksumErrors++;
      throw new TieredStoreError(
        'CHECKSUM_MISMATCH',
        where,
        `slot ${slot} of ${this.name}: ${why}`,
      );
    }
    copyFromShared(this.#values, v + VALUE_HEADER, out, at, len);
    this.#counters.reads++;
    this.#counters.bytesRead += len;
  }

  #call(op: number, count: number, where: string, what: string): void {
    const r = this.#bridge.call(op, count);
    if (r.status === STATUS_OK) return;
    this.#counters.ioErrors++;
    throw new TieredStoreError('IO_ERROR', where, `${what} of ${this.name}: ${r.text}`);
  }

  #assertUsable(where: string): void {
    if (this.#closed) throw new TieredStoreError('CLOSED', where, `${this.name} is closed`);
    if (this.#bridge.ownershipLost) {
      this.#counters.ioErrors++;
      throw new TieredStoreError(
        'IO_ERROR',
        where,
        `${this.name}: another opener holds the device's lock now; this device no longer owns its keys`,
      );
    }
  }
}
