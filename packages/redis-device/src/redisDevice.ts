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
 * The calls are synchronous, the swap layer's contract: the calling thread blocks on its
 * socket for the round trip (./respConnection.ts, ./ownerLink.ts), as a task faulting on
 * swap-in waits for its I/O. Failures are thrown as TieredStoreError with the codes the
 * other devices use, so SwapSpace treats this device like them: a write that throws
 * IO_ERROR falls through to another device, a failed read is reported.
 */
import { randomBytes } from 'node:crypto';
import type { BlockDevice, DeviceStats } from '@tierswap/tiered-store';
import { crc32c, emptyDeviceStats, PageChecksums, TieredStoreError } from '@tierswap/tiered-store';
import { DeviceLock } from './deviceLock.js';
import type { RedisDeviceOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import { OwnerLink } from './ownerLink.js';
import type { Reply } from './respConnection.js';
import { ErrorReply, replyText } from './respConnection.js';

export interface RedisDeviceStats extends DeviceStats {
  /** Reads of acknowledged pages whose key was gone (each threw NOT_WRITTEN). */
  lostPages: number;
  /** Times the connection came back after a loss. */
  reconnects: number;
}

/** Bytes before the payload in a stored value: its crc32c, little-endian. */
const HEADER = 4;

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
  readonly #link: OwnerLink;
  readonly #lock: DeviceLock;
  readonly #prefix: string;
  readonly #maxBatch: number;
  /** The crc32c headers of the values of a write in flight, one 4-byte piece each. */
  readonly #headers: Uint8Array;
  readonly #headerView: DataView;
  readonly #sums: PageChecksums;
  readonly #counters: RedisDeviceStats = { ...emptyDeviceStats(), lostPages: 0, reconnects: 0 };
  readonly #waitReplicas: number;
  readonly #waitTimeoutMs: number;
  #closed = false;

  private constructor(o: ResolvedOptions, link: OwnerLink, lock: DeviceLock, prefix: string) {
    this.name = o.displayName;
    this.pageSize = o.pageSize;
    this.slots = o.slots;
    this.#link = link;
    this.#lock = lock;
    this.#prefix = prefix;
    this.#maxBatch = o.maxBatch;
    this.#headers = new Uint8Array(o.maxBatch * HEADER);
    this.#headerView = new DataView(this.#headers.buffer);
    this.#sums = new PageChecksums(o.slots, o.pageSize);
    this.#waitReplicas = o.waitReplicas;
    this.#waitTimeoutMs = o.waitTimeoutMs;
  }

  /** Same as createRedisDevice(). */
  static open(options: RedisDeviceOptions): RedisDevice {
    const o = resolveOptions(options);
    const prefix = `tierswap:{${o.device}}:`;
    const lockKey = `${prefix}lock`;
    const link = new OwnerLink(o.nodes, o.cluster, lockKey, o.setup);
    const lock = new DeviceLock(link, lockKey, randomBytes(16).toString('hex'), o.lockTtlMs);
    const fail = (code: 'BUSY' | 'IO_ERROR', why: string): never => {
      link.close();
      throw new TieredStoreError(code, 'redisDevice.open', `cannot open ${o.displayName}: ${why}`);
    };
    try {
      if (!lock.take()) {
        fail(
          'BUSY',
          `the lock ${lockKey} is held by another opener (EBUSY); it is released when that device closes, or expires ${o.lockTtlMs} ms after its owner stops renewing it`,
        );
      }
      // Wipe what an earlier owner left, as swapon wipes a swap area.
      wipe(link, prefix, lockKey);
    } catch (e) {
      if (e instanceof TieredStoreError) throw e;
      stopQuietly(lock);
      fail('IO_ERROR', (e as Error).message);
    }
    return new RedisDevice(o, link, lock, prefix);
  }

  write(slot: number, data: Uint8Array): void {
    const where = 'redisDevice.write';
    this.#sums.checkWrite(slot, data, where);
    this.#writePages([slot], [data], where);
  }

  read(slot: number, out: Uint8Array): number {
    const where = 'redisDevice.read';
    const len = this.#sums.expect(slot, where);
    this.#sums.checkOut(out, this.pageSize, where);
    this.#assertUsable(where);
    const values = this.#command(['GET', this.#prefix + slot], where, `reading slot ${slot}`);
    this.#take(values as Uint8Array | null, slot, len, out, 0, where);
    return len;
  }

  writeBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[]): void {
    const where = 'redisDevice.writeBatch';
    this.#sums.checkWriteBatch(slots, pages, where);
    this.#writePages(slots, pages, where);
  }

  /** Writes checked pages, one MSET per maxBatch of them. */
  #writePages(slots: ArrayLike<number>, pages: readonly Uint8Array[], where: string): void {
    this.#assertUsable(where);
    // Forgotten first: if a chunk fails, none of the batch's slots holds a page.
    this.#sums.forgetEach(slots);
    const crcs = new Uint32Array(slots.length);
    const max = this.#maxBatch;
    try {
      for (let start = 0; start < slots.length; start += max) {
        const n = Math.min(max, slots.length - start);
        // One MSET: atomic, so a failed chunk wrote none of its pages.
        const args: (string | Uint8Array[])[] = ['MSET'];
        for (let i = 0; i < n; i++) {
          const slot = slots[start + i]!;
          const page = pages[start + i]!;
          const crc = crc32c(page, 0, page.length, slot);
          crcs[start + i] = crc;
          this.#headerView.setUint32(i * HEADER, crc, true);
          args.push(this.#prefix + slot, [
            this.#headers.subarray(i * HEADER, (i + 1) * HEADER),
            page,
          ]);
        }
        const what =
          n === 1
            ? `writing slot ${slots[start]!}`
            : `writing ${n} pages from slot ${slots[start]!}`;
        const r = this.#command(args, where, what);
        if (r !== 'OK') this.#fail(where, `${what}: the server answered ${describe(r)}`);
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
    const max = this.#maxBatch;
    const ps = this.pageSize;
    for (let start = 0; start < slots.length; start += max) {
      const n = Math.min(max, slots.length - start);
      const args: string[] = ['MGET'];
      for (let i = 0; i < n; i++) args.push(this.#prefix + slots[start + i]!);
      const what = `reading ${n} pages from slot ${slots[start]!}`;
      const values = this.#command(args, where, what);
      if (!Array.isArray(values) || values.length !== n) {
        this.#fail(where, `${what}: the server answered ${describe(values)}`);
      }
      for (let i = 0; i < n; i++) {
        const k = start + i;
        this.#take(values[i] as Uint8Array | null, slots[k]!, lengths[k]!, out, k * ps, where);
      }
    }
  }

  discard(first: number, count: number): void {
    const where = 'redisDevice.discard';
    this.#sums.checkRange(first, count, where);
    let keys: string[] = ['UNLINK'];
    const send = () => {
      // discard never fails for I/O: a key left behind is overwritten or wiped later,
      // and the slot already reads as NOT_WRITTEN here.
      if (keys.length > 1 && !this.#closed && !this.#lock.lost) {
        try {
          const r = this.#link.call(keys);
          if (r instanceof ErrorReply) this.#counters.ioErrors++;
        } catch {
          this.#counters.ioErrors++;
        }
      }
      keys = ['UNLINK'];
    };
    for (let s = first; s < first + count; s++) {
      if (this.#sums.lengthOf(s) === 0) continue;
      this.#sums.forget(s, 1);
      keys.push(this.#prefix + s);
      if (keys.length > this.#maxBatch) send();
    }
    send();
    this.#counters.discards += count;
  }

  /**
   * Acknowledged writes are in the server's memory already; with `waitReplicas` this
   * waits (WAIT, on the connection that wrote them) until that many replicas have them
   * too, else it checks the server answers.
   */
  flush(): void {
    const where = 'redisDevice.flush';
    this.#assertUsable(where);
    if (this.#waitReplicas <= 0) {
      this.#command(['PING'], where, 'flushing', true);
    } else {
      const n = this.#waitReplicas;
      const t = this.#waitTimeoutMs;
      const acked = this.#command(['WAIT', String(n), String(t)], where, 'flushing');
      if (typeof acked !== 'number' || acked < n) {
        this.#fail(
          where,
          `WAIT ${n} ${t}: ${typeof acked === 'number' ? `only ${acked} replicas acknowledged the writes` : `the server answered ${describe(acked)}`}`,
        );
      }
    }
    this.#counters.flushes++;
  }

  /** One PING to the node holding the device's keys; throws IO_ERROR like the page calls. */
  ping(): void {
    const where = 'redisDevice.ping';
    this.#assertUsable(where);
    this.#command(['PING'], where, 'PING', true);
  }

  /** Deletes the device's keys, releases its lock (if still ours) and disconnects. Never throws for I/O. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (!this.#lock.lost) wipe(this.#link, this.#prefix, this.#lock.key);
      this.#lock.release();
    } catch {
      // Unreachable: the keys stay until the next opener wipes them; the lock expires.
      stopQuietly(this.#lock);
    } finally {
      this.#link.close();
    }
  }

  stats(): RedisDeviceStats {
    return { ...this.#counters, reconnects: this.#link.reconnects };
  }

  /** Payload length stored in a slot (0 = empty). */
  lengthOf(slot: number): number {
    this.#sums.checkSlot(slot, 'redisDevice.lengthOf');
    return this.#sums.lengthOf(slot);
  }

  // --- internals ---------------------------------------------------------------

  /** Checks a value read for `slot` against what was acknowledged, then copies it out. */
  #take(
    value: Uint8Array | null,
    slot: number,
    len: number,
    out: Uint8Array,
    at: number,
    where: string,
  ): void {
    if (value === null) {
      out.fill(0, at, at + this.pageSize);
      this.#counters.lostPages++;
      throw new TieredStoreError(
        'NOT_WRITTEN',
        where,
        `slot ${slot} of ${this.name} was acknowledged but its key is gone (a restart without persistence, a failover, an eviction or a delete)`,
      );
    }
    const want = this.#sums.crcOf(slot);
    let why = '';
    if (!(value instanceof Uint8Array)) {
      why = `the server answered ${describe(value)}`;
    } else if (value.length !== HEADER + len) {
      why = `value is ${value.length} bytes, expected ${HEADER + len} (truncated or replaced)`;
    } else if (
      (value[0]! | (value[1]! << 8) | (value[2]! << 16) | (value[3]! << 24)) >>> 0 !==
      want
    ) {
      why = 'stored crc32c differs from the acknowledged one';
    } else if (crc32c(value, HEADER, HEADER + len, slot) !== want) {
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
    out.set(value.subarray(HEADER), at);
    this.#counters.reads++;
    this.#counters.bytesRead += len;
  }

  /** Sends one command; an unreachable server or an error reply throws IO_ERROR. */
  #command(
    args: readonly (string | Uint8Array | Uint8Array[])[],
    where: string,
    what: string,
    keyless = false,
  ): Reply {
    this.#lock.renewIfDue();
    this.#assertUsable(where);
    let r: Reply;
    try {
      r = keyless ? this.#link.callKeyless(args) : this.#link.call(args);
    } catch (e) {
      this.#fail(where, `${what}: ${(e as Error).message}`);
    }
    if (r instanceof ErrorReply) this.#fail(where, `${what}: ${r.text}`);
    return r;
  }

  #fail(where: string, detail: string): never {
    this.#counters.ioErrors++;
    throw new TieredStoreError('IO_ERROR', where, `${detail} (${this.name})`);
  }

  #assertUsable(where: string): void {
    if (this.#closed) throw new TieredStoreError('CLOSED', where, `${this.name} is closed`);
    if (this.#lock.lost) {
      this.#counters.ioErrors++;
      throw new TieredStoreError(
        'IO_ERROR',
        where,
        `${this.name}: another opener holds the device's lock now; this device no longer owns its keys`,
      );
    }
  }
}

/** Unlinks every key of the device's namespace except the lock, on the node that holds them. */
function wipe(link: OwnerLink, prefix: string, lockKey: string): void {
  let cursor = '0';
  do {
    const r = link.callKeyless(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000']);
    if (!Array.isArray(r)) throw new Error(`SCAN answered ${describe(r)}`);
    cursor = replyText(r[0]);
    const doomed = (r[1] as readonly Reply[]).map(replyText).filter((k) => k !== lockKey);
    if (doomed.length > 0) {
      const u = link.call(['UNLINK', ...doomed]);
      if (u instanceof ErrorReply) throw new Error(`UNLINK answered ${u.text}`);
    }
  } while (cursor !== '0');
}

function stopQuietly(lock: DeviceLock): void {
  try {
    lock.release();
  } catch {
    // the lock expires after its TTL
  }
}

/** A reply as a message shows it (an error's text, a type otherwise; never a page). */
function describe(r: Reply): string {
  if (r instanceof ErrorReply) return r.text;
  if (r === null) return 'nil';
  if (r instanceof Uint8Array) return `${r.length} bytes`;
  if (Array.isArray(r)) return `an array of ${r.length}`;
  return JSON.stringify(r);
}
