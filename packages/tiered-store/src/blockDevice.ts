/**
 * BlockDevice: what the swap layer needs from a storage backend, and nothing more.
 *
 * A device is an array of `slots` fixed-size page slots. Payloads may be shorter
 * than a page (1..pageSize bytes), so a caller can store already-compressed pages
 * (zram's compressed writeback). Every implementation keeps a crc32c per page beside
 * the data and verifies it on every read: a mismatch throws CHECKSUM_MISMATCH, is
 * counted, and the output buffer is zeroed, so wrong bytes are never returned.
 *
 * The write contract (the kernel keeps a page in the swap cache until its write
 * completes; a device must give the same guarantee):
 * - A write or writeBatch that returns has acknowledged its pages: from then on each
 *   reads back as written until it is overwritten or discarded, whatever happens to
 *   later calls (a full disk, a lost transaction, a busy database). A device that
 *   buffers writes (SQLite's open transaction) holds its own copy of every page until
 *   the medium really has it, and reads it from there meanwhile.
 * - A write or writeBatch that throws wrote none of its pages: every slot it named
 *   holds no page afterwards (reads throw NOT_WRITTEN), the caller still has its copies
 *   and must put them elsewhere, and the device stays usable. Arguments are checked
 *   before any I/O, so a call refused with INVALID_ARGUMENT changes nothing at all.
 * - flush() returns once every acknowledged page is on the medium. If the medium
 *   cannot take them it throws (IO_ERROR, BUSY) and the pages stay acknowledged and
 *   readable; a later flush or write tries again.
 * - discard() never fails for I/O (it only gives space back).
 *
 * Kept this small (as TanStack's three-method Storage) so that the native binding
 * (better-sqlite3) stays behind it and tests can wrap any device (fault injection,
 * latency model) without knowing what is underneath.
 */

export interface DeviceStats {
  reads: number;
  writes: number;
  /** Bytes of payload written / read. */
  bytesWritten: number;
  bytesRead: number;
  discards: number;
  flushes: number;
  /** Reads whose crc32c did not match (each one threw CHECKSUM_MISMATCH). */
  checksumErrors: number;
  /** Failed I/O operations (each threw IO_ERROR or BUSY, except an automatic commit, counted only). */
  ioErrors: number;
  /** SQLITE_BUSY retries that later succeeded or gave up (0 for file devices). */
  busyRetries: number;
}

export interface BlockDevice {
  /** Implementation name, e.g. "file", "sqlite". */
  readonly kind: string;
  /** Where it lives (a path), for messages and the swaps table. */
  readonly name: string;
  readonly pageSize: number;
  readonly slots: number;
  /** HDD-like media: the slot allocator keeps writes sequential. */
  readonly rotational: boolean;

  /**
   * Stores `data` (a Uint8Array of 1..pageSize bytes) in `slot`. Throws INVALID_ARGUMENT
   * (nothing changed), or IO_ERROR/BUSY (the slot then holds no page).
   */
  write(slot: number, data: Uint8Array): void;
  /**
   * Reads `slot` into `out` (at least pageSize bytes) and returns the payload length.
   * Throws NOT_WRITTEN, CHECKSUM_MISMATCH (out zeroed) or IO_ERROR.
   */
  read(slot: number, out: Uint8Array): number;
  /** Writes pages[i] to slots[i]: all of them, or it throws and none of them is written. */
  writeBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[]): void;
  /**
   * Reads slots[i] into out[i * pageSize ...] and its length into lengths[i]. A
   * checksum failure throws after zeroing that page; pages before it are valid.
   */
  readBatch(slots: ArrayLike<number>, out: Uint8Array, lengths: Uint32Array): void;
  /** Forgets `count` (>= 1) slots from `first` on (their contents may be dropped). */
  discard(first: number, count: number): void;
  /** Makes acknowledged writes durable on the medium (commit / fdatasync); see the contract above. */
  flush(): void;
  close(): void;
  stats(): DeviceStats;
}

export function emptyDeviceStats(): DeviceStats {
  return {
    reads: 0,
    writes: 0,
    bytesWritten: 0,
    bytesRead: 0,
    discards: 0,
    flushes: 0,
    checksumErrors: 0,
    ioErrors: 0,
    busyRetries: 0,
  };
}
