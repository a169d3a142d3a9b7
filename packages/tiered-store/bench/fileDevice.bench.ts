/**
 * FileDevice against plain positioned I/O on a file of the same size, in one run, and
 * the ways of checksumming a page that were measured to choose how the device does it.
 *
 * Baseline of every pair: fs.writeSync / fs.readSync with a position on a preallocated
 * file, no checksum. Subjects: FileDevice (crc32c computed on write and verified on read,
 * in the same native call as the I/O), and the options: fs I/O plus a separate checksum
 * call (@node-rs/crc32, the addon's crc32c, the TS reference) or the addon's combined
 * call alone. Each tinybench call moves 256 pages; pairs run in 3 interleaved rounds and
 * the median ratio is kept. Random 4 KiB pages (incompressible), random slots for reads.
 * `--quick` runs short rounds and saves to bench-results only.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c as nodeRsCrc32c } from '@node-rs/crc32';
import { saveBenchRecord } from '@tierswap/bench-kit';
import { FileDevice } from '../src/fileDevice.js';
import { pageIo } from '../src/pageIo.js';
import { crc32cTable } from '../src/testing/crc32cReference.js';
import { type PairResult, runPair } from './benchUtil.js';

const quick = process.argv.includes('--quick');
const PAGE = 4096;
const SLOTS = 16384; // 64 MiB per file
const OPS = 256;
const BATCH = 32;
const ROUNDS = quick ? 1 : 3;
const TIME = quick ? 100 : 600;

const dir = mkdtempSync(join(tmpdir(), 'tierswap-bench-file-'));
try {
  const pages = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(PAGE)));
  const order = Int32Array.from({ length: 1 << 16 }, () => Math.floor(Math.random() * SLOTS));
  const out = new Uint8Array(PAGE);

  // Baseline file: same size, also zero-filled up front.
  const fd = openSync(join(dir, 'plain.swap'), 'w+', 0o600);
  const zeros = new Uint8Array(1 << 20);
  for (let pos = 0; pos < SLOTS * PAGE; pos += zeros.length)
    writeSync(fd, zeros, 0, zeros.length, pos);
  const dev = FileDevice.create({ path: join(dir, 'device.swap'), slots: SLOTS });
  for (let s = 0; s < SLOTS; s++) {
    writeSync(fd, pages[s & 63]!, 0, PAGE, s * PAGE);
    dev.write(s, pages[s & 63]!);
  }

  let w = 0;
  let r = 0;
  let sink = 0;
  const pair = (base: [string, () => void], subject: [string, () => void]): PairResult =>
    runPair(base, subject, OPS, ROUNDS, TIME);
  const plainWrite: [string, () => void] = [
    'plain pwrite 4K (sequential)',
    () => {
      for (let i = 0; i < OPS; i++, w++) writeSync(fd, pages[w & 63]!, 0, PAGE, (w % SLOTS) * PAGE);
    },
  ];
  const plainRead: [string, () => void] = [
    'plain pread 4K (random)',
    () => {
      for (let i = 0; i < OPS; i++, r++)
        sink += readSync(fd, out, 0, PAGE, order[r & 0xffff]! * PAGE);
    },
  ];
  const writeWith = (name: string, sum: (p: Uint8Array) => number): [string, () => void] => [
    name,
    () => {
      for (let i = 0; i < OPS; i++, w++) {
        const p = pages[w & 63]!;
        sink ^= sum(p);
        writeSync(fd, p, 0, PAGE, (w % SLOTS) * PAGE);
      }
    },
  ];
  const readWith = (name: string, sum: (p: Uint8Array) => number): [string, () => void] => [
    name,
    () => {
      for (let i = 0; i < OPS; i++, r++) {
        sink += readSync(fd, out, 0, PAGE, order[r & 0xffff]! * PAGE);
        sink ^= sum(out);
      }
    },
  ];
  const sumOnly = (name: string, sum: (p: Uint8Array) => number): [string, () => void] => [
    name,
    () => {
      for (let i = 0; i < OPS; i++) sink ^= sum(pages[i & 63]!);
    },
  ];

  const slotsBatch = new Int32Array(BATCH);
  const batchPages = pages.slice(0, BATCH);
  const big = new Uint8Array(BATCH * PAGE);
  const lengths = new Uint32Array(BATCH);
  let bw = 0;
  let br = 0;

  const device: PairResult[] = [
    pair(plainWrite, [
      'FileDevice.write 4K (sequential)',
      () => {
        for (let i = 0; i < OPS; i++, w++) dev.write(w % SLOTS, pages[w & 63]!);
      },
    ]),
    pair(plainRead, [
      'FileDevice.read 4K (random)',
      () => {
        for (let i = 0; i < OPS; i++, r++) sink += dev.read(order[r & 0xffff]!, out);
      },
    ]),
    pair(
      [
        `plain writev ${BATCH}x4K`,
        () => {
          for (let i = 0; i < OPS / BATCH; i++, bw++)
            writevSync(fd, batchPages, ((bw * BATCH) % SLOTS) * PAGE);
        },
      ],
      [
        `FileDevice.writeBatch ${BATCH}x4K`,
        () => {
          for (let i = 0; i < OPS / BATCH; i++, bw++) {
            const first = (bw * BATCH) % SLOTS;
            for (let k = 0; k < BATCH; k++) slotsBatch[k] = first + k;
            dev.writeBatch(slotsBatch, batchPages);
          }
        },
      ],
    ),
    pair(
      [
        `plain pread ${BATCH}x4K (one run)`,
        () => {
          for (let i = 0; i < OPS / BATCH; i++, br++) {
            sink += readSync(
              fd,
              big,
              0,
              big.length,
              (order[br & 0xffff]! % (SLOTS - BATCH)) * PAGE,
            );
          }
        },
      ],
      [
        `FileDevice.readBatch ${BATCH}x4K (one run)`,
        () => {
          for (let i = 0; i < OPS / BATCH; i++, br++) {
            const first = order[br & 0xffff]! % (SLOTS - BATCH);
            for (let k = 0; k < BATCH; k++) slotsBatch[k] = first + k;
            dev.readBatch(slotsBatch, big, lengths);
          }
        },
      ],
    ),
  ];

  const options: PairResult[] = [
    pair(
      plainWrite,
      writeWith('pwrite + @node-rs/crc32 (before)', (p) => nodeRsCrc32c(p)),
    ),
    pair(
      plainWrite,
      writeWith('pwrite + addon crc32c, two calls', (p) => pageIo.crc32c(p, 0, PAGE, 0)),
    ),
    pair(
      plainWrite,
      writeWith('pwrite + TS crc32c (slice-by-16)', (p) => crc32cTable(p)),
    ),
    pair(plainWrite, [
      'addon pwriteCrc, one call (kept)',
      () => {
        for (let i = 0; i < OPS; i++, w++)
          sink ^= pageIo.pwriteCrc(fd, pages[w & 63]!, 0, PAGE, (w % SLOTS) * PAGE);
      },
    ]),
    pair(
      plainRead,
      readWith('pread + @node-rs/crc32 (before)', (p) => nodeRsCrc32c(p)),
    ),
    pair(
      plainRead,
      readWith('pread + addon crc32c, two calls', (p) => pageIo.crc32c(p, 0, PAGE, 0)),
    ),
    pair(
      plainRead,
      readWith('pread + TS crc32c (slice-by-16)', (p) => crc32cTable(p)),
    ),
    pair(plainRead, [
      'addon preadCrc, one call (kept)',
      () => {
        for (let i = 0; i < OPS; i++, r++)
          sink ^= pageIo.preadCrc(fd, out, 0, PAGE, order[r & 0xffff]! * PAGE);
      },
    ]),
    pair(
      plainRead,
      sumOnly('@node-rs/crc32 alone', (p) => nodeRsCrc32c(p)),
    ),
    pair(
      plainRead,
      sumOnly(`addon crc32c alone (crc32 instruction: ${pageIo.hardware})`, (p) =>
        pageIo.crc32c(p, 0, PAGE, 0),
      ),
    ),
  ];

  const row = (x: PairResult) => ({
    baseline: x.baseline,
    'baseline pages/s': Math.round(x.baselinePerSec),
    subject: x.subject,
    'subject pages/s': Math.round(x.subjectPerSec),
    ratio: Number(x.ratio.toFixed(3)),
    'µs/page (subject)': Number((1e6 / x.subjectPerSec).toFixed(2)),
  });
  const deviceRows = device.map(row);
  const optionRows = options.map(row);
  console.table(deviceRows);
  console.table(optionRows);
  const goal = (x: PairResult, what: string) => ({
    goal: `${what} >= 0.8x of plain positioned I/O`,
    measured: `${x.ratio.toFixed(3)}x`,
    met: x.ratio >= 0.8,
  });
  const files = saveBenchRecord(join(import.meta.dirname, '..'), {
    name: 'file-device',
    quick,
    tables: [
      { title: 'FileDevice vs plain pread/pwrite, 4 KiB pages, one run', rows: deviceRows },
      { title: 'Checksum options vs plain pread/pwrite, one run', rows: optionRows },
    ],
    goals: [goal(device[0]!, 'FileDevice.write'), goal(device[1]!, 'FileDevice.read')],
    notes: [`slots ${SLOTS}, page ${PAGE}, ${ROUNDS} rounds of ${TIME} ms per pair`],
    raw: { device, options },
  });
  console.log(`wrote ${files.join(', ')} (sink ${sink & 1})`);
  dev.close();
  closeSync(fd);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
