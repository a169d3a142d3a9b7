/**
 * The allocator used alone: slots of a fixed-slot file. Each record is written at
 * slot * SLOT_SIZE with positioned I/O; the allocator decides where, keeps large records
 * (here 64 KiB = 16 slots, order 4) contiguous, and tells us when the file is full.
 *
 * Run: node --conditions=@tierswap/source --import tsx packages/slot-allocator/examples/fixedSlotFile.ts
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSlotAllocator } from '@tierswap/slot-allocator';

const SLOT_SIZE = 4096;
const SLOTS = 16_384; // a 64 MiB file

const dir = mkdtempSync(join(tmpdir(), 'slot-file-'));
const fd = openSync(join(dir, 'slots.bin'), 'w+', 0o600);
try {
  const slots = createSlotAllocator({
    slots: SLOTS,
    onFullChange: (full) => console.log(`file full: ${full}`),
  });

  /** Stores a record of 1 or 16 slots and returns where it went. */
  const store = (bytes: Uint8Array): number => {
    const order = bytes.length > SLOT_SIZE ? 4 : 0;
    const slot = slots.alloc(order);
    // A refusal says why (full, or fragmented for a 16-slot run) and carries ENOSPC.
    if (typeof slot !== 'number') throw new Error(`no room: ${slot.reason} (${slot.errno})`);
    writeSync(fd, bytes, 0, bytes.length, slot * SLOT_SIZE);
    return slot;
  };
  const load = (slot: number, length: number): Uint8Array => {
    const out = new Uint8Array(length);
    readSync(fd, out, 0, length, slot * SLOT_SIZE);
    return out;
  };

  // Write 1000 small and 100 large records, each filled with its own byte.
  const small = Array.from({ length: 1000 }, (_, i) =>
    store(new Uint8Array(SLOT_SIZE).fill(i & 0xff)),
  );
  const large = Array.from({ length: 100 }, (_, i) =>
    store(new Uint8Array(16 * SLOT_SIZE).fill(i & 0xff)),
  );

  // Read some back and check them.
  const ok = [0, 500, 999].every((i) => load(small[i]!, SLOT_SIZE).every((b) => b === (i & 0xff)));
  console.log(`small records read back intact: ${ok}`);
  console.log(
    `large record 42 at slots ${large[42]}..${large[42]! + 15} (aligned: ${large[42]! % 16 === 0})`,
  );

  // A record shared by two owners is freed only when both let go.
  slots.dup(small[7]!);
  slots.put(small[7]!);
  console.log(`record 7 still held: ${slots.count(small[7]!) === 1}`);

  // Free every other small record and all large ones; the clusters report where space is.
  small.forEach((s, i) => {
    if (i % 2 === 0) slots.free(s);
  });
  for (const s of large) slots.free(s, 4);
  const st = slots.stats();
  console.log(
    `used ${st.used}/${st.slots} slots, clusters`,
    st.clusters,
    `fragmentation ${(st.fragmentation * 100).toFixed(1)}%`,
  );
} finally {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
}
