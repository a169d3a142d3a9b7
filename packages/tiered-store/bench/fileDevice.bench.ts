/**
 * FileDevice against plain positioned I/O on a file of the same size, in one run.
 *
 * Baseline: fs.writeSync/readSync with a position on a preallocated file, no
 * checksum. Subject: FileDevice (the same calls plus a crc32c per page, computed on
 * write and verified on read). Each tinybench call moves 256 pages; pairs are run
 * in 3 interleaved rounds and the median ratio is reported. "crc32c alone" shows
 * how much of the difference is the checksum, and the last pair compares the
 * TS-only and the WebAssembly crc32c. The "plain + crc32c" pairs give the same
 * baseline the checksum, to show what the device costs beyond it. Random 4 KiB
 * pages (incompressible).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c, crc32cTable } from '../src/crc32c.js';
import { FileDevice } from '../src/fileDevice.js';
import { environment, runPair, writeResults } from './benchUtil.js';

const PAGE = 4096;
const SLOTS = 16384; // 64 MiB per file
const OPS = 256;
const BATCH = 32;

const dir = mkdtempSync(join(tmpdir(), 'tierswap-bench-file-'));
try {
  const pages = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(PAGE)));
  const order = Int32Array.from({ length: 1 << 16 }, () => Math.floor(Math.random() * SLOTS));
  const out = new Uint8Array(PAGE);

  // Baseline file: same size, also zero-filled up front.
  const plainPath = join(dir, 'plain.swap');
  const fd = openSync(plainPath, 'w+', 0o600);
  const zeros = new Uint8Array(1 << 20);
  for (let pos = 0; pos < SLOTS * PAGE; pos += zeros.length)
    writeSync(fd, zeros, 0, zeros.length, pos);
  const dev = FileDevice.create({ path: join(dir, 'device.swap'), slots: SLOTS });
  for (let s = 0; s < SLOTS; s++) {
    writeSync(fd, pages[s & 63]!, 0, PAGE, s * PAGE);
    dev.write(s, pages[s & 63]!);
  }

  let wa = 0;
  let wb = 0;
  let ra = 0;
  let rb = 0;
  let sink = 0;
  const results = [
    runPair(
      [
        'plain pwrite 4K (sequential)',
        () => {
          for (let i = 0; i < OPS; i++, wa++)
            writeSync(fd, pages[wa & 63]!, 0, PAGE, (wa % SLOTS) * PAGE);
        },
      ],
      [
        'FileDevice.write 4K (sequential)',
        () => {
          for (let i = 0; i < OPS; i++, wb++) dev.write(wb % SLOTS, pages[wb & 63]!);
        },
      ],
      OPS,
    ),
    runPair(
      [
        'plain pread 4K (random)',
        () => {
          for (let i = 0; i < OPS; i++, ra++)
            sink += readSync(fd, out, 0, PAGE, order[ra & 0xffff]! * PAGE);
        },
      ],
      [
        'FileDevice.read 4K (random)',
        () => {
          for (let i = 0; i < OPS; i++, rb++) sink += dev.read(order[rb & 0xffff]!, out);
        },
      ],
      OPS,
    ),
    (() => {
      const slotsBatch = new Int32Array(BATCH);
      const batchPages = pages.slice(0, BATCH);
      let a = 0;
      let b = 0;
      return runPair(
        [
          `plain writev ${BATCH}x4K`,
          () => {
            for (let i = 0; i < OPS / BATCH; i++, a++) {
              writevSync(fd, batchPages, ((a * BATCH) % SLOTS) * PAGE);
            }
          },
        ],
        [
          `FileDevice.writeBatch ${BATCH}x4K`,
          () => {
            for (let i = 0; i < OPS / BATCH; i++, b++) {
              const first = (b * BATCH) % SLOTS;
              for (let k = 0; k < BATCH; k++) slotsBatch[k] = first + k;
              dev.writeBatch(slotsBatch, batchPages);
            }
          },
        ],
        OPS,
      );
    })(),
    (() => {
      const big = new Uint8Array(BATCH * PAGE);
      const lengths = new Uint32Array(BATCH);
      const slotsBatch = new Int32Array(BATCH);
      let a = 0;
      let b = 0;
      return runPair(
        [
          `plain pread ${BATCH}x4K (one run)`,
          () => {
            for (let i = 0; i < OPS / BATCH; i++, a++) {
              sink += readSync(
                fd,
                big,
                0,
                big.length,
                ((order[a & 0xffff]! % (SLOTS - BATCH)) | 0) * PAGE,
              );
            }
          },
        ],
        [
          `FileDevice.readBatch ${BATCH}x4K`,
          () => {
            for (let i = 0; i < OPS / BATCH; i++, b++) {
              const first = order[b & 0xffff]! % (SLOTS - BATCH);
              for (let k = 0; k < BATCH; k++) slotsBatch[k] = first + k;
              dev.readBatch(slotsBatch, big, lengths);
            }
          },
        ],
        OPS,
      );
    })(),
    runPair(
      [
        'plain pwrite + crc32c 4K',
        () => {
          for (let i = 0; i < OPS; i++, wa++) {
            sink ^= crc32c(pages[wa & 63]!);
            writeSync(fd, pages[wa & 63]!, 0, PAGE, (wa % SLOTS) * PAGE);
          }
        },
      ],
      [
        'FileDevice.write 4K (sequential) ',
        () => {
          for (let i = 0; i < OPS; i++, wb++) dev.write(wb % SLOTS, pages[wb & 63]!);
        },
      ],
      OPS,
    ),
    runPair(
      [
        'plain pread + crc32c 4K (random)',
        () => {
          for (let i = 0; i < OPS; i++, ra++) {
            sink += readSync(fd, out, 0, PAGE, order[ra & 0xffff]! * PAGE);
            sink ^= crc32c(out);
          }
        },
      ],
      [
        'FileDevice.read 4K (random) ',
        () => {
          for (let i = 0; i < OPS; i++, rb++) sink += dev.read(order[rb & 0xffff]!, out);
        },
      ],
      OPS,
    ),
    runPair(
      [
        'plain pread 4K (random) ',
        () => {
          for (let i = 0; i < OPS; i++, ra++)
            sink += readSync(fd, out, 0, PAGE, order[ra & 0xffff]! * PAGE);
        },
      ],
      [
        'crc32c alone 4K (@node-rs/crc32)',
        () => {
          for (let i = 0; i < OPS; i++) sink ^= crc32c(pages[i & 63]!);
        },
      ],
      OPS,
    ),
    runPair(
      [
        'crc32cTable 4K (TS only)',
        () => {
          for (let i = 0; i < OPS; i++) sink ^= crc32cTable(pages[i & 63]!);
        },
      ],
      [
        'crc32c 4K (@node-rs/crc32)',
        () => {
          for (let i = 0; i < OPS; i++) sink ^= crc32c(pages[i & 63]!);
        },
      ],
      OPS,
    ),
  ];

  const table = results.map((r) => ({
    baseline: r.baseline,
    'baseline pages/s': Math.round(r.baselinePerSec),
    subject: r.subject,
    'subject pages/s': Math.round(r.subjectPerSec),
    ratio: Number(r.ratio.toFixed(3)),
    'µs/page (subject)': Number((1e6 / r.subjectPerSec).toFixed(2)),
  }));
  console.table(table);
  const file = writeResults('fileDevice.json', {
    environment: environment(),
    slots: SLOTS,
    pageSize: PAGE,
    results,
  });
  console.log(`wrote ${file} (sink ${sink & 1})`);
  dev.close();
  closeSync(fd);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
