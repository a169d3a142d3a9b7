/**
 * The shared-memory protocol between a RedisDevice (the caller's thread, synchronous) and
 * its worker (which owns the ioredis connection and runs an event loop).
 *
 * Two SharedArrayBuffers, made once per device:
 * - `control`, an Int32Array of CONTROL_WORDS: the request and response sequence numbers
 *   the two sides wait on with Atomics (the caller blocks in Atomics.wait on RESPONSE,
 *   the worker in Atomics.waitAsync on REQUEST, so its event loop keeps serving the
 *   socket), the operation, its page count, the outcome and the length of an error text.
 * - `data`: the slot numbers of a batch (a Uint32Array), the length of each value (a
 *   Uint32Array: what was written, or what a GET returned, MISSING for no key) and the
 *   values themselves, one fixed stride of a little more than VALUE_HEADER + pageSize
 *   bytes each (each payload 8-byte aligned), then a text area for error messages.
 * Pages go through this memory, never through postMessage's structured clone: the caller
 * copies a page in (the worker copies the batch out to an ordinary buffer for ioredis)
 * and a read reply is copied from ioredis's Buffers into it; both copies at 64-bit
 * width, as byte-wise copies to or from shared memory are slow (./sharedCopy.ts).
 *
 * Both sides import this file; it holds no state.
 */

/** Words of the control array. */
export const REQUEST = 0;
export const RESPONSE = 1;
export const OP = 2;
export const COUNT = 3;
export const STATUS = 4;
export const TEXT_LENGTH = 5;
/** Set by the worker when another opener holds the lock now: every later call fails. */
export const OWNERSHIP_LOST = 6;
/** Reconnections the worker saw (ioredis `ready` events after the first). */
export const RECONNECTS = 7;
export const CONTROL_WORDS = 8;

/** Operations. */
export const OP_OPEN = 1;
export const OP_WRITE = 2;
export const OP_READ = 3;
export const OP_DELETE = 4;
export const OP_FLUSH = 5;
export const OP_CLOSE = 6;
/** A round trip through the bridge alone (no Redis): measures the bridge. */
export const OP_NOP = 7;
/** One PING to the server: a bridge call plus the smallest Redis round trip. */
export const OP_PING = 8;

/** Outcomes. */
export const STATUS_OK = 0;
/** The server or the connection failed (the text says how). */
export const STATUS_IO = 1;
/** The lock is held by another opener. */
export const STATUS_BUSY = 2;

/** `lengths[i]` of a read whose key does not exist. */
export const MISSING = 0xffffffff;
/** Bytes before the payload in a stored value: its crc32c, little-endian. */
export const VALUE_HEADER = 4;
/**
 * Where value i sits in the data buffer: at `valuesOffset + i * stride + VALUE_AT`, so
 * that its payload starts 8-byte aligned (see ./sharedCopy.ts); `stride` is a multiple
 * of 8.
 */
export const VALUE_AT = 4;
/** Bytes of the error text area. */
export const TEXT_BYTES = 2048;

/** Where each part of the data buffer starts, for a batch of `maxBatch` pages of `pageSize`. */
export interface DataLayout {
  readonly maxBatch: number;
  readonly stride: number;
  readonly slotsOffset: number;
  readonly lengthsOffset: number;
  readonly valuesOffset: number;
  readonly textOffset: number;
  readonly bytes: number;
}

export function dataLayout(maxBatch: number, pageSize: number): DataLayout {
  const stride = (VALUE_AT + VALUE_HEADER + pageSize + 7) & ~7;
  const slotsOffset = 0;
  const lengthsOffset = maxBatch * 4;
  const valuesOffset = lengthsOffset + maxBatch * 4;
  const textOffset = valuesOffset + maxBatch * stride;
  return {
    maxBatch,
    stride,
    slotsOffset,
    lengthsOffset,
    valuesOffset,
    textOffset,
    bytes: textOffset + TEXT_BYTES,
  };
}

/** What the worker is started with (structured-cloned once, at start). */
export interface WorkerConfig {
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
  readonly maxBatch: number;
  readonly pageSize: number;
  /** `tierswap:{<device>}:`: every key of the device starts with it. */
  readonly prefix: string;
  readonly lockKey: string;
  readonly token: string;
  readonly lockTtlMs: number;
  readonly waitReplicas: number;
  readonly waitTimeoutMs: number;
  /** One server (`nodes` has one entry) or a Cluster's seed nodes. */
  readonly cluster: boolean;
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** Options handed to ioredis (username, password, tls, db, timeouts). */
  readonly redisOptions: Readonly<Record<string, unknown>>;
}
