/**
 * PageChecksums: the crc32c and payload length of every slot of a device, kept in
 * memory beside the data (two typed arrays, 8 bytes per slot).
 *
 * In memory rather than on the medium because swap contents are not meant to
 * survive a restart (a device is wiped at swapon, as the kernel does), and so that
 * corrupting the medium cannot also corrupt the checksum that would catch it.
 * Length 0 means "no page here" (never written or discarded); that is why a
 * payload must be at least 1 byte.
 */
import { crc32c } from './crc32c.js';
import { TieredStoreError } from './tieredStoreError.js';

export class PageChecksums {
  readonly slots: number;
  readonly pageSize: number;
  private readonly crc: Uint32Array;
  private readonly length: Uint32Array;

  constructor(slots: number, pageSize: number) {
    this.slots = slots;
    this.pageSize = pageSize;
    this.crc = new Uint32Array(slots);
    this.length = new Uint32Array(slots);
  }

  /** Checks a write's arguments (before any I/O, so a refused write changes nothing). */
  checkWrite(slot: number, data: Uint8Array, where: string): void {
    this.checkSlot(slot, where);
    if (data.length < 1 || data.length > this.pageSize) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `payload for slot ${slot} is ${data.length} bytes; must be 1..${this.pageSize}`,
      );
    }
  }

  /** Checks a whole batch before any of it is written: one page per slot, each acceptable. */
  checkWriteBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[], where: string): void {
    if (slots.length !== pages.length) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `${slots.length} slots but ${pages.length} pages`,
      );
    }
    for (let i = 0; i < slots.length; i++) this.checkWrite(slots[i]!, pages[i]!, where);
  }

  checkSlot(slot: number, where: string): void {
    if (!(slot >= 0 && slot < this.slots && (slot | 0) === slot)) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `slot ${slot} is outside 0..${this.slots - 1}`,
      );
    }
  }

  record(slot: number, data: Uint8Array, start = 0, end = data.length): void {
    this.crc[slot] = crc32c(data, start, end);
    this.length[slot] = end - start;
  }

  /** Payload length of a slot, 0 when empty. */
  lengthOf(slot: number): number {
    return this.length[slot]!;
  }

  /** Length of a stored page, or throws NOT_WRITTEN. */
  expect(slot: number, where: string): number {
    this.checkSlot(slot, where);
    const len = this.length[slot]!;
    if (len === 0) throw new TieredStoreError('NOT_WRITTEN', where, `slot ${slot} holds no page`);
    return len;
  }

  /** True if bytes[start, start+len) match the slot's checksum. */
  verify(slot: number, bytes: Uint8Array, start: number, len: number): boolean {
    return crc32c(bytes, start, start + len) === this.crc[slot];
  }

  forget(first: number, count: number): void {
    this.length.fill(0, first, first + count);
    this.crc.fill(0, first, first + count);
  }
}
