/**
 * swapoff's page mover (try_to_unuse): every used slot of a device that has left the
 * avail list is read (crc32c verified), written to another device its memcg may use,
 * reported through `onMove(from, to)` and freed. Charges stay with the memcg: a page
 * moves, it is not swapped in.
 *
 * It stops at the first page it cannot move and says why, as a SwapoffRefusal: ENOMEM
 * when no allowed device has room (try_to_unuse() failing), EIO when the page cannot
 * be read back, or when the devices with room failed its write (the real cause, not
 * ENOMEM). If onMove throws, the copy it was told about is given back and the page
 * stays where it was, so the caller's view and the table agree. In every case pages
 * already moved stay moved and SwapSpace puts the device back on the avail list.
 */
import type { Errno, Refusal } from '@tierswap/base';
import type { GroupId } from '@tierswap/memcg';
import { NO_GROUP, ROOT_GROUP } from '@tierswap/memcg';
import type { Active } from './swapTable.js';
import { TieredStoreError } from './tieredStoreError.js';
import type { StoreRefusal, SwapSlot } from './types.js';
import { SWAP_OFFSET_BITS } from './types.js';

export type SwapoffRefusalCode = 'no_room' | 'read_error' | 'write_error';

/** A swapoff that stopped: the device is still on; `moved` pages moved, `remaining` did not. */
export interface SwapoffRefusal extends Refusal<SwapoffRefusalCode> {
  readonly ok: false;
  readonly moved: number;
  readonly remaining: number;
}

export type SwapoffResult = { readonly ok: true; readonly moved: number } | SwapoffRefusal;

/** What the mover needs from its SwapSpace. */
export interface SwapoffHost {
  readonly pageSize: number;
  readPage(offset: number, out: Uint8Array): number;
  /** Allocates and writes elsewhere (no charge): the new slot or why not. */
  place(group: GroupId, page: Uint8Array): SwapSlot | StoreRefusal;
  /** Frees a slot without uncharging. */
  release(slot: SwapSlot): void;
  /** Device write failures so far. */
  writeErrors(): number;
  moved(): void;
  /** Runs a caller's callback, with the table's changing calls refused meanwhile. */
  callback(name: string, fn: () => void): void;
}

function stopped(
  errno: Errno,
  code: SwapoffRefusalCode,
  reason: string,
  moved: number,
  remaining: number,
): SwapoffRefusal {
  return Object.freeze({ ok: false, errno, code, reason, moved, remaining });
}

export function runSwapoff(
  host: SwapoffHost,
  dev: Active,
  onMove: ((from: SwapSlot, to: SwapSlot) => void) | undefined,
): SwapoffResult {
  const buf = new Uint8Array(host.pageSize);
  const used = [...dev.allocator.usedSlots()];
  const name = dev.device.name;
  let moved = 0;
  for (let i = 0; i < used.length; i++) {
    const offset = used[i]!;
    const from = (((dev.type << SWAP_OFFSET_BITS) | offset) >>> 0) as SwapSlot;
    const remaining = used.length - i;
    let len: number;
    try {
      len = host.readPage(offset, buf);
    } catch (e) {
      if (!(e instanceof TieredStoreError)) throw e;
      return stopped(
        'EIO',
        'read_error',
        `page ${offset} of ${name}: ${e.detail}`,
        moved,
        remaining,
      );
    }
    const owner = dev.owner[offset]! as GroupId;
    const faultsBefore = host.writeErrors();
    const to = host.place(owner === NO_GROUP ? ROOT_GROUP : owner, buf.subarray(0, len));
    if (typeof to !== 'number') {
      const faults = host.writeErrors() - faultsBefore;
      return to.code === 'io_error'
        ? stopped(
            'EIO',
            'write_error',
            `page ${offset} of ${name}: every device with room failed the write (${faults} write faults)`,
            moved,
            remaining,
          )
        : stopped('ENOMEM', 'no_room', `no room for page ${offset} of ${name}`, moved, remaining);
    }
    if (onMove !== undefined) {
      try {
        host.callback('onMove', () => onMove(from, to));
      } catch (e) {
        host.release(to);
        throw new TieredStoreError(
          'CALLBACK_FAILED',
          'swapSpace.swapoff',
          `onMove(${from}, ${to}) threw; swapoff of ${name} stopped with ${moved} pages moved and ${remaining} left, the device stays on`,
          { cause: e },
        );
      }
    }
    host.release(from);
    host.moved();
    moved++;
  }
  return { ok: true, moved };
}
