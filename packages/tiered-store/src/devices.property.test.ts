/**
 * Property tests of the devices' public entry points against a model: arbitrary values
 * (numbers of every kind, strings, null, views of the wrong type, buffers of the wrong
 * size) at write, writeBatch, read, readBatch, discard and flush either do what the
 * model says or are refused with TieredStoreError('INVALID_ARGUMENT' / 'NOT_WRITTEN'), and a
 * refused call changes nothing: every page in the model still reads back exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EDGE_NUMBERS, HOSTILE_VALUES } from '@tierswap/bench-kit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from './blockDevice.js';
import { FileDevice } from './fileDevice.js';
import { SqliteDevice } from './sqliteDevice.js';
import { TieredStoreError } from './tieredStoreError.js';

const PAGE = 512;
const SLOTS = 16;

let dir: string;
let serial = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-devprop-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const oddValues: unknown[] = [...HOSTILE_VALUES, ...EDGE_NUMBERS, SLOTS, -0.25, 'abc'];

const slotArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: SLOTS - 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...oddValues) },
  { weight: 1, arbitrary: fc.double() },
);

const pageArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ minLength: 1, maxLength: PAGE }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      new Uint8Array(0),
      new Uint8Array(PAGE + 1),
      new DataView(new ArrayBuffer(16)),
      new Uint16Array(8),
      new Int8Array(8),
      'abc',
      null,
      undefined,
      42,
      [1, 2, 3],
    ),
  },
);

const outArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('page') },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('small', 'dataview', 'string', null) },
);

type Cmd =
  | { op: 'write'; slot: unknown; page: unknown }
  | { op: 'writeBatch'; slots: unknown[]; pages: unknown[] }
  | { op: 'read'; slot: unknown; out: unknown }
  | { op: 'readBatch'; slots: unknown[]; out: unknown }
  | { op: 'discard'; first: unknown; count: unknown }
  | { op: 'flush' };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('write' as const), slot: slotArb, page: pageArb }),
  },
  {
    weight: 2,
    arbitrary: fc.array(fc.tuple(slotArb, pageArb), { maxLength: 40 }).chain((pairs) =>
      fc.record({
        op: fc.constant('writeBatch' as const),
        slots: fc.constant(pairs.map((p) => p[0])),
        // Now and then one page too many or too few.
        pages: fc.constantFrom(0, 0, 0, 1, -1).map((d) => {
          const pages = pairs.map((p) => p[1]);
          if (d === 1) pages.push(new Uint8Array(1));
          if (d === -1) pages.pop();
          return pages;
        }),
      }),
    ),
  },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('read' as const), slot: slotArb, out: outArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('readBatch' as const),
      slots: fc.array(slotArb, { maxLength: 6 }),
      out: outArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('discard' as const),
      first: slotArb,
      count: fc.oneof(
        fc.integer({ min: -3, max: SLOTS + 1 }),
        fc.constantFrom<unknown>(Number.NaN, 1.5, '2', null),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'flush' as const }) },
);

const isSlot = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) < SLOTS;
const isPage = (v: unknown): v is Uint8Array =>
  v instanceof Uint8Array && v.length >= 1 && v.length <= PAGE;

function makeOut(kind: unknown, pages: number): unknown {
  if (kind === 'page') return new Uint8Array(Math.max(1, pages) * PAGE);
  if (kind === 'small') return new Uint8Array(1);
  if (kind === 'dataview') return new DataView(new ArrayBuffer(Math.max(1, pages) * PAGE));
  if (kind === 'string') return 'x'.repeat(PAGE);
  return kind;
}

/** Runs one command against the device and the model; asserts the outcome. */
function step(dev: BlockDevice, model: Map<number, Uint8Array>, cmd: Cmd): void {
  const call = (fn: () => void, valid: boolean, refusal = 'INVALID_ARGUMENT'): boolean => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof TieredStoreError)) throw e;
      expect(e.code).toBe(valid ? 'NOT_WRITTEN' : refusal);
      return false;
    }
    expect(valid).toBe(true);
    return true;
  };
  const d = dev as unknown as Record<string, (...a: unknown[]) => unknown>;
  switch (cmd.op) {
    case 'write': {
      const valid = isSlot(cmd.slot) && isPage(cmd.page);
      if (call(() => d.write!.call(dev, cmd.slot, cmd.page), valid) && valid)
        model.set(cmd.slot as number, Uint8Array.from(cmd.page as Uint8Array));
      break;
    }
    case 'writeBatch': {
      const valid =
        cmd.slots.length === cmd.pages.length && cmd.slots.every(isSlot) && cmd.pages.every(isPage);
      if (call(() => d.writeBatch!.call(dev, cmd.slots, cmd.pages), valid) && valid)
        for (const [i, s] of cmd.slots.entries())
          model.set(s as number, Uint8Array.from(cmd.pages[i] as Uint8Array));
      break;
    }
    case 'read': {
      const out = makeOut(cmd.out, 1);
      const shapeOk = isSlot(cmd.slot) && (cmd.out === 'page' || cmd.out === 'small');
      const stored = shapeOk ? model.get(cmd.slot as number) : undefined;
      // An empty slot is NOT_WRITTEN; a stored page longer than a Uint8Array `out` is INVALID_ARGUMENT.
      const fits = stored !== undefined && (out as Uint8Array).length >= stored.length;
      let len = -1;
      const ok = call(
        () => {
          len = d.read!.call(dev, cmd.slot, out) as number;
        },
        fits,
        shapeOk && stored === undefined ? 'NOT_WRITTEN' : 'INVALID_ARGUMENT',
      );
      if (ok) {
        expect(len).toBe(stored!.length);
        expect(Buffer.from((out as Uint8Array).subarray(0, len)).equals(stored!)).toBe(true);
      }
      break;
    }
    case 'readBatch': {
      const out = makeOut(cmd.out, cmd.slots.length);
      const lengths = new Uint32Array(cmd.slots.length);
      const shapeOk =
        (cmd.out === 'page' || (cmd.out === 'small' && cmd.slots.length === 0)) &&
        cmd.slots.every(isSlot);
      const allStored = shapeOk && cmd.slots.every((s) => model.has(s as number));
      const ok = call(
        () => d.readBatch!.call(dev, cmd.slots, out, lengths),
        allStored,
        shapeOk ? 'NOT_WRITTEN' : 'INVALID_ARGUMENT',
      );
      if (ok) {
        cmd.slots.forEach((s, i) => {
          const p = model.get(s as number)!;
          expect(lengths[i]).toBe(p.length);
          expect(
            Buffer.from((out as Uint8Array).subarray(i * PAGE, i * PAGE + p.length)).equals(p),
          ).toBe(true);
        });
      }
      break;
    }
    case 'discard': {
      const valid =
        isSlot(cmd.first) &&
        Number.isInteger(cmd.count) &&
        (cmd.count as number) >= 1 &&
        (cmd.first as number) + (cmd.count as number) <= SLOTS;
      if (call(() => d.discard!.call(dev, cmd.first, cmd.count), valid) && valid) {
        for (let s = cmd.first as number; s < (cmd.first as number) + (cmd.count as number); s++)
          model.delete(s);
      }
      break;
    }
    case 'flush':
      dev.flush();
      break;
  }
  // Whatever happened, every page of the model reads back exactly, the others are empty.
  const out = new Uint8Array(PAGE);
  for (let s = 0; s < SLOTS; s++) {
    const p = model.get(s);
    if (p === undefined) {
      expect(() => dev.read(s, out)).toThrow(/holds no page/);
    } else {
      expect(dev.read(s, out)).toBe(p.length);
      expect(Buffer.from(out.subarray(0, p.length)).equals(p)).toBe(true);
    }
  }
}

const makers: [string, () => BlockDevice][] = [
  [
    'FileDevice',
    () => FileDevice.create({ path: join(dir, `p${serial++}.swap`), slots: SLOTS, pageSize: PAGE }),
  ],
  [
    'SqliteDevice',
    () =>
      SqliteDevice.open({
        path: join(dir, `p${serial++}.db`),
        slots: SLOTS,
        pageSize: PAGE,
        batchSize: 5,
      }),
  ],
  [
    'SqliteDevice (WAL, normal locking)',
    () =>
      SqliteDevice.open({
        path: join(dir, `p${serial++}.db`),
        slots: SLOTS,
        pageSize: PAGE,
        batchSize: 3,
        journalMode: 'wal',
        lockingMode: 'normal',
      }),
  ],
];

describe.each(makers)('%s: arbitrary calls at the public entry points', (_name, make) => {
  it('do what the model says or are refused with a typed error and change nothing', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 25 }), (cmds) => {
        const dev = make();
        try {
          const model = new Map<number, Uint8Array>();
          for (const cmd of cmds) step(dev, model, cmd);
        } finally {
          dev.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('device constructors with arbitrary options', () => {
  const optionArb = fc.record(
    {
      slots: fc.oneof(
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<unknown>(0, -1, Number.NaN, 1.5, '4', null),
      ),
      pageSize: fc.oneof(
        fc.constantFrom(512, 4096),
        fc.constantFrom<unknown>(0, 3.5, 'x', 1 << 21, Number.NaN),
      ),
      rotational: fc.constantFrom<unknown>(undefined, true, 'yes'),
    },
    { requiredKeys: ['slots'] },
  );
  it('FileDevice.create opens a device or refuses with INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(
        optionArb,
        fc.constantFrom<unknown>(undefined, 'zero', 'sparse', 'bogus'),
        (o, preallocate) => {
          const opts = {
            ...o,
            path: join(dir, `c${serial++}.swap`),
            ...(preallocate === undefined ? {} : { preallocate }),
          };
          try {
            FileDevice.create(opts as never).close();
          } catch (e) {
            expect(e).toBeInstanceOf(TieredStoreError);
            expect((e as TieredStoreError).code).toBe('INVALID_ARGUMENT');
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('SqliteDevice.open refuses every bogus setting with INVALID_ARGUMENT and reports what SQLite uses', () => {
    const settingArb = fc.record(
      {
        journalMode: fc.constantFrom<unknown>('wal', 'memory', 'delete', 'bogus', 'WAL', 1),
        synchronous: fc.constantFrom<unknown>('off', 'normal', 'full', 'bogus', 2),
        lockingMode: fc.constantFrom<unknown>('normal', 'exclusive', 'bogus'),
        mmapSize: fc.constantFrom<unknown>(0, 1 << 20, -1, 1.5, 'big'),
        batchSize: fc.constantFrom<unknown>(1, 100, 0, -5, Number.NaN),
        sqlitePageSize: fc.constantFrom<unknown>(4096, 16384, 1000, 'x'),
        busyRetries: fc.constantFrom<unknown>(0, 5, -1, Number.POSITIVE_INFINITY),
        busyWaitMs: fc.constantFrom<unknown>(0, 2, -1, Number.NaN),
        onBusyRetry: fc.constantFrom<unknown>(undefined, () => {}, 'call me'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(optionArb, settingArb, (o, s) => {
        const opts = { ...o, ...s, path: join(dir, `c${serial++}.db`) } as Record<string, unknown>;
        let dev: SqliteDevice;
        try {
          dev = SqliteDevice.open(opts as never);
        } catch (e) {
          expect(e).toBeInstanceOf(TieredStoreError);
          expect((e as TieredStoreError).code).toBe('INVALID_ARGUMENT');
          return;
        }
        try {
          if (opts.journalMode !== undefined)
            expect(dev.settings.journalMode).toBe(opts.journalMode);
          if (opts.synchronous !== undefined)
            expect(dev.settings.synchronous).toBe(opts.synchronous);
          if (opts.lockingMode !== undefined)
            expect(dev.settings.lockingMode).toBe(opts.lockingMode);
          if (opts.sqlitePageSize !== undefined)
            expect(dev.settings.sqlitePageSize).toBe(opts.sqlitePageSize);
        } finally {
          dev.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});
