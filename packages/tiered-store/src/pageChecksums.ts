/**
 * PageChecksums: the crc32c and payload length of every slot of a device, kept in
 * memory beside the data (two typed arrays, 8 bytes per slot), and the argument checks
 * every device shares.
 *
 * In memory rather than on the medium because swap contents are not meant to
 * survive a restart (a device is wiped at swapon, as the kernel does), and so that
 * corrupting the medium cannot also corrupt the checksum that would catch it.
 * Length 0 means "no page here" (never written, discarded, or its write failed); that
 * is why a payload must be at least 1 byte.
 */

import { isIntInRange, showValue } from '@tierswap/base';
import { pageIo } from './pageIo.js';
import { TieredStoreError } from './tieredStoreError.js';

export class PageChecksums {
  readonly slots: number;
  readonly pageSize: number;
  readonly #crc: Uint32Array;
  readonly #length: Uint32Array;

  constructor(slots: number, pageSize: number) {
    if (!isIntInRange(slots, 1, 0xffffffff)) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        'pageChecksums',
        `slots ${String(slots)} not in 1..2^32-1`,
      );
    }
    if (!isIntInRange(pageSize, 1, 1 << 20)) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        'pageChecksums',
        `pageSize ${String(pageSize)} not in 1..1048576`,
      );
    }
    this.slots = slots;
    this.pageSize = pageSize;
    this.#crc = new Uint32Array(slots);
    this.#length = new Uint32Array(slots);
  }

  /** Checks a write's arguments (before any I/O, so a refused write changes nothing). */
  checkWrite(slot: number, data: Uint8Array, where: string): void {
    this.checkSlot(slot, where);
    if (!(data instanceof Uint8Array)) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `payload for slot ${slot} is ${showValue(data)}; must be a Uint8Array`,
      );
    }
    if (data.length < 1 || data.length > this.pageSize) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `payload for slot ${slot} is ${data.length} bytes; must be 1..${this.pageSize}`,
      );
    }
  }

  /** Checks a whole batch before any of it is written: one page per slot, each acceptable. */
  checkWriteBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[], where: string): void {
    checkList(slots, 'slots', where);
    if (!Array.isArray(pages)) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `pages is ${showValue(pages)}; must be an array`,
      );
    }
    if (slots.length !== pages.length) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `${slots.length} slots but ${pages.length} pages`,
      );
    }
    for (let i = 0; i < slots.length; i++) this.checkWrite(slots[i]!, pages[i]!, where);
  }

  /** Checks readBatch's arguments: a list of valid slots, a Uint8Array and a Uint32Array big enough. */
  checkReadBatch(
    slots: ArrayLike<number>,
    out: Uint8Array,
    lengths: Uint32Array,
    where: string,
  ): void {
    checkList(slots, 'slots', where);
    if (!(out instanceof Uint8Array) || !(lengths instanceof Uint32Array)) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `out is ${showValue(out)} and lengths ${showValue(lengths)}; must be a Uint8Array and a Uint32Array`,
      );
    }
    if (out.length < slots.length * this.pageSize || lengths.length < slots.length) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `buffers too small for ${slots.length} pages`,
      );
    }
    for (let i = 0; i < slots.length; i++) this.checkSlot(slots[i]!, where);
  }

  /** Checks a read's output buffer: a Uint8Array of at least `len` bytes. */
  checkOut(out: Uint8Array, len: number, where: string): void {
    if (!(out instanceof Uint8Array) || out.length < len) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `output buffer ${showValue(out)} is not a Uint8Array of at least ${len} bytes`,
      );
    }
  }

  checkSlot(slot: number, where: string): void {
    if (!(typeof slot === 'number' && slot >>> 0 === slot && slot < this.slots)) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `slot ${showValue(slot)} is not an integer in 0..${this.slots - 1}`,
      );
    }
  }

  /** Checks a discard's range: first a slot, count an integer with first + count <= slots. */
  checkRange(first: number, count: number, where: string): void {
    this.checkSlot(first, where);
    if (!isIntInRange(count, 1, this.slots - first)) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        where,
        `count ${showValue(count)} from slot ${first} is not an integer in 1..${this.slots - first}`,
      );
    }
  }

  record(slot: number, data: Uint8Array, start = 0, end = data.length): void {
    this.#crc[slot] = pageIo.crc32c(data, start, end, 0);
    this.#length[slot] = end - start;
  }

  /** Records a checksum already computed (by the I/O call that wrote the page). */
  set(slot: number, crc: number, length: number): void {
    this.#crc[slot] = crc;
    this.#length[slot] = length;
  }

  /** The recorded crc32c of a slot. */
  crcOf(slot: number): number {
    return this.#crc[slot]!;
  }

  /** Payload length of a slot, 0 when empty. */
  lengthOf(slot: number): number {
    return this.#length[slot]!;
  }

  /** Length of a stored page, or throws NOT_WRITTEN. */
  expect(slot: number, where: string): number {
    this.checkSlot(slot, where);
    const len = this.#length[slot]!;
    if (len === 0) throw new TieredStoreError('NOT_WRITTEN', where, `slot ${slot} holds no page`);
    return len;
  }

  /** True if bytes[start, start+len) match the slot's checksum. */
  verify(slot: number, bytes: Uint8Array, start: number, len: number): boolean {
    return pageIo.crc32c(bytes, start, start + len, 0) === this.#crc[slot];
  }

  forget(first: number, count: number): void {
    this.#length.fill(0, first, first + count);
    this.#crc.fill(0, first, first + count);
  }

  /** Forgets each listed slot (the slots of a failed write). */
  forgetEach(slots: ArrayLike<number>): void {
    for (let i = 0; i < slots.length; i++) this.forget(slots[i]!, 1);
  }
}

function checkList(list: ArrayLike<number>, name: string, where: string): void {
  const n = (list as { length?: unknown } | null | undefined)?.length;
  if (typeof list !== 'object' || list === null || !isIntInRange(n, 0, 0xffffffff)) {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      where,
      `${name} is ${showValue(list)}; must be an array-like of slots`,
    );
  }
}
