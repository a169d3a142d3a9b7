import { inspect } from 'node:util';
import { TieredStoreError } from '@tierswap/tiered-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDevice, type RedisDevice } from './index.js';
import type { RedisServer } from './redisServers.js';
import { requireRedisServer, startRedisServer } from './redisServers.js';
import { page } from './testing/testHelpers.js';

const PASSWORD = 'pw-s3cret-Zq9';
let server: RedisServer;
const open: RedisDevice[] = [];

function device(name: string, extra: Record<string, unknown> = {}): RedisDevice {
  const d = createRedisDevice({
    device: name,
    slots: 64,
    url: `redis://:${PASSWORD}@127.0.0.1:${server.port}`,
    ...extra,
  });
  open.push(d);
  return d;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TieredStoreError);
    return (e as TieredStoreError).code;
  }
  return 'none';
}

beforeAll(async () => {
  server = await startRedisServer({ password: PASSWORD });
});
afterAll(() => {
  for (const d of open) d.close();
  server?.stop();
});

describe('RedisDevice on one server', () => {
  it('stores pages of 1..pageSize bytes and reads them back, singly and in batches', () => {
    const d = device('roundtrip');
    const out = new Uint8Array(4096);
    d.write(0, page(1));
    d.write(1, page(2, 1));
    d.write(2, page(3, 1234)); // a compressed page: shorter than a page
    expect(d.read(0, out)).toBe(4096);
    expect(out).toEqual(page(1));
    expect(d.read(1, out)).toBe(1);
    expect(out[0]).toBe(page(2, 1)[0]);
    expect(d.read(2, out)).toBe(1234);
    expect(out.subarray(0, 1234)).toEqual(page(3, 1234));

    const slots = [10, 11, 40, 5];
    const pages = slots.map((s, i) => page(s, 100 + i * 1000));
    d.writeBatch(slots, pages);
    const big = new Uint8Array(4 * 4096);
    const lengths = new Uint32Array(4);
    d.readBatch(slots, big, lengths);
    for (let i = 0; i < 4; i++) {
      expect(lengths[i]).toBe(pages[i]!.length);
      expect(big.subarray(i * 4096, i * 4096 + lengths[i]!)).toEqual(pages[i]);
    }
    d.write(0, page(9, 7)); // overwrite
    expect(d.read(0, out)).toBe(7);
    expect(out.subarray(0, 7)).toEqual(page(9, 7));
    const s = d.stats();
    expect(s.writes).toBe(8);
    expect(s.bytesWritten).toBe(4096 + 1 + 1234 + 100 + 1100 + 2100 + 3100 + 7);
    expect(s.checksumErrors + s.ioErrors + s.lostPages).toBe(0);
  });

  it('splits batches larger than maxBatch and keeps them all-or-nothing', () => {
    const d = device('chunks', { maxBatch: 3 });
    const slots = [0, 1, 2, 3, 4, 5, 6];
    const pages = slots.map((s) => page(s, 64));
    d.writeBatch(slots, pages);
    const out = new Uint8Array(7 * 4096);
    const lengths = new Uint32Array(7);
    d.readBatch(slots, out, lengths);
    for (const s of slots) expect(out.subarray(s * 4096, s * 4096 + 64)).toEqual(page(s, 64));
    expect(server.cli(['exists', ...slots.map((s) => `tierswap:{chunks}:${s}`)])).toBe('7');
  });

  it('takes pages of up to 1 MiB (a smaller batch buffer by default)', () => {
    const d = device('bigpages', { pageSize: 1 << 20, slots: 4 });
    const big = page(5, 1 << 20);
    d.writeBatch([0, 3], [big, page(6, 3)]);
    const out = new Uint8Array(2 << 20);
    const lengths = new Uint32Array(2);
    d.readBatch([3, 0], out, lengths);
    expect(Array.from(lengths)).toEqual([3, 1 << 20]);
    expect(Buffer.from(out.subarray(1 << 20)).equals(big)).toBe(true); // toEqual on 1 MiB is slow
    expect(Array.from(out.subarray(0, 3))).toEqual(Array.from(page(6, 3)));
  });

  it('keeps its keys under tierswap:{<device>}:<slot>, a crc32c header before the payload', () => {
    const d = device('layout');
    d.write(7, new Uint8Array([1, 2, 3]));
    expect(server.cli(['strlen', 'tierswap:{layout}:7'])).toBe('7');
    expect(server.cli(['exists', 'tierswap:{layout}:lock'])).toBe('1');
  });

  it('discards slots: their keys go, reads say NOT_WRITTEN', () => {
    const d = device('discard');
    d.writeBatch([0, 1, 2], [page(0), page(1), page(2)]);
    d.discard(0, 2);
    expect(codeOf(() => d.read(0, new Uint8Array(4096)))).toBe('NOT_WRITTEN');
    expect(codeOf(() => d.read(1, new Uint8Array(4096)))).toBe('NOT_WRITTEN');
    expect(d.read(2, new Uint8Array(4096))).toBe(4096);
    expect(server.cli(['exists', 'tierswap:{discard}:0', 'tierswap:{discard}:1'])).toBe('0');
    expect(d.stats().discards).toBe(2);
    expect(d.stats().lostPages).toBe(0); // never written is not lost
  });

  it('checks arguments before any I/O: a refused call changes nothing', () => {
    const d = device('args');
    d.write(3, page(3));
    const before = server.cli(['get', 'tierswap:{args}:3']);
    const bad: Array<() => unknown> = [
      () => d.write(64, page(1)),
      () => d.write(-1, page(1)),
      () => d.write(1.5, page(1)),
      () => d.write(3, new Uint8Array(0)),
      () => d.write(3, new Uint8Array(4097)),
      () => d.write(3, 'abc' as unknown as Uint8Array),
      () => d.writeBatch([3, 4], [page(1)]),
      () => d.writeBatch([3], [page(1), page(2)]),
      () => d.writeBatch([3, 99], [page(1), page(2)]),
      () => d.writeBatch([3, 4], [page(1), new Uint8Array(0)]),
      () => d.read(3, new Uint8Array(100)),
      () => d.readBatch([3], new Uint8Array(10), new Uint32Array(1)),
      () => d.discard(60, 10),
    ];
    for (const fn of bad) expect(codeOf(fn)).toBe('INVALID_ARGUMENT');
    expect(server.cli(['get', 'tierswap:{args}:3'])).toBe(before);
    expect(d.read(3, new Uint8Array(4096))).toBe(4096);
    expect(codeOf(() => d.read(4, new Uint8Array(4096)))).toBe('NOT_WRITTEN');
    expect(d.stats().writes).toBe(1);
  });

  it('refuses bad options before connecting', () => {
    const url = server.url;
    const cases: Record<string, unknown>[] = [
      { device: 'a b', slots: 1, url },
      { device: '', slots: 1, url },
      { device: 'x', slots: 0, url },
      { device: 'x', url },
      { device: 'x', slots: 1 },
      { device: 'x', slots: 1, url, cluster: [url] },
      { device: 'x', slots: 1, url: 'http://127.0.0.1:1' },
      { device: 'x', slots: 1, url: 'not a url' },
      { device: 'x', slots: 1, url, pageSize: 100 },
      { device: 'x', slots: 1, url, commandTimeoutMs: 0 },
      { device: 'x', slots: 1, url, tls: { checkServerIdentity: () => undefined } },
      { device: 'x', slots: 1, url, tls: { ciphers: 'HIGH' } },
      { device: 'x', slots: 1, url, tls: { cert: 'PEM' } },
      { device: 'x', slots: 1, url, tls: { ca: 42 } },
      { device: 'x', slots: 1, url, tls: { ca: ['PEM', 7] } },
      { device: 'x', slots: 1, url, tls: { rejectUnauthorized: 'no' } },
      { device: 'x', slots: 1, url, tls: 'on' },
      { device: 'x', slots: 1, cluster: [] },
    ];
    for (const c of cases) {
      expect(codeOf(() => createRedisDevice(c as never))).toBe('INVALID_ARGUMENT');
    }
    const named = (tls: unknown) => {
      try {
        createRedisDevice({ device: 'x', slots: 1, url, tls: tls as never });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(named({ ciphers: 'HIGH' })).toMatch(
      /tls\.ciphers is not supported \(supported: ca, cert, key, passphrase, servername, rejectUnauthorized\)/,
    );
    expect(named({ ca: ['PEM', 7] })).toMatch(/tls\.ca\[1\] must be PEM text .* got 7/);
    expect(named({ key: 'PEM' })).toMatch(/tls\.cert and tls\.key go together/);
    expect(codeOf(() => createRedisDevice(null as never))).toBe('INVALID_ARGUMENT');
  });

  it('takes a lock at open: a second opener gets EBUSY; close releases it', () => {
    const a = device('locked');
    let err: unknown;
    try {
      device('locked');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TieredStoreError);
    expect((err as TieredStoreError).code).toBe('BUSY');
    expect((err as TieredStoreError).errno).toBe('EBUSY');
    expect((err as Error).message).toMatch(/tierswap:\{locked\}:lock is held by another opener/);
    a.write(1, page(1));
    a.close();
    expect(server.cli(['exists', 'tierswap:{locked}:lock', 'tierswap:{locked}:1'])).toBe('0');
    const b = device('locked'); // free again
    expect(codeOf(() => b.read(1, new Uint8Array(4096)))).toBe('NOT_WRITTEN');
    expect(codeOf(() => a.read(1, new Uint8Array(4096)))).toBe('CLOSED');
  });

  it('close releases the lock only if its token still matches', () => {
    const a = device('stolen');
    server.cli(['set', 'tierswap:{stolen}:lock', 'someone-else']);
    a.close();
    expect(server.cli(['get', 'tierswap:{stolen}:lock'])).toBe('someone-else');
    server.cli(['del', 'tierswap:{stolen}:lock']);
  });

  it('a device whose lock was taken over stops using its keys', () => {
    const a = device('takeover', { lockTtlMs: 150 });
    a.write(0, page(0));
    server.cli(['set', 'tierswap:{takeover}:lock', 'intruder']);
    // The next renewal (due every 50 ms, before a call) sees the foreign token.
    const until = Date.now() + 5000;
    let code = 'none';
    while (Date.now() < until && code === 'none') {
      code = codeOf(() => a.write(1, page(1)));
    }
    expect(code).toBe('IO_ERROR');
    expect(codeOf(() => a.read(0, new Uint8Array(4096)))).toBe('IO_ERROR');
    a.close();
    expect(server.cli(['get', 'tierswap:{takeover}:lock'])).toBe('intruder');
    server.cli(['del', 'tierswap:{takeover}:lock']);
  });

  it('keeps its lock while idle (a timer renews it) and through a long synchronous run', async () => {
    const idle = device('idle', { lockTtlMs: 150 });
    await new Promise((r) => setTimeout(r, 600)); // four TTLs with no device call
    expect(codeOf(() => device('idle'))).toBe('BUSY');
    // No timer runs during a synchronous loop: calls renew once a third of the TTL passed.
    const busy = device('busy', { lockTtlMs: 150 });
    const until = Date.now() + 600;
    let n = 0;
    while (Date.now() < until) busy.write(n++ % 64, page(n));
    expect(codeOf(() => device('busy'))).toBe('BUSY');
    idle.close();
    busy.close();
    expect(server.cli(['exists', 'tierswap:{idle}:lock', 'tierswap:{busy}:lock'])).toBe('0');
  });

  it('wipes its namespace at open and leaves other keys alone', () => {
    server.cli(['set', 'tierswap:{wipe}:5', 'left over']);
    server.cli(['set', 'tierswap:{wipe}:other', 'left over']);
    server.cli(['set', 'tierswap:{wipe2}:5', 'not ours']);
    server.cli(['set', 'unrelated', 'not ours']);
    const d = device('wipe');
    expect(server.cli(['exists', 'tierswap:{wipe}:5', 'tierswap:{wipe}:other'])).toBe('0');
    expect(server.cli(['exists', 'tierswap:{wipe2}:5', 'unrelated'])).toBe('2');
    expect(codeOf(() => d.read(5, new Uint8Array(4096)))).toBe('NOT_WRITTEN');
  });

  it('never prints the password: name, inspect, errors', () => {
    const d = device('secret');
    expect(d.name).toBe(`redis://127.0.0.1:${server.port}/secret`);
    expect(inspect(d, { depth: 5, showHidden: true })).not.toContain(PASSWORD);
    expect(JSON.stringify(d)).not.toContain(PASSWORD);
    const messages: string[] = [];
    for (const fn of [
      () => d.read(1, new Uint8Array(4096)),
      () => device('secret'),
      () =>
        createRedisDevice({
          device: 'wrongpw',
          slots: 1,
          url: `redis://:${PASSWORD}x@127.0.0.1:${server.port}`,
        }),
      () => createRedisDevice({ device: 'x', slots: 1, url: `redis://:${PASSWORD}@127.0.0.1:abc` }),
    ]) {
      try {
        fn();
      } catch (e) {
        messages.push(String(e), inspect(e), (e as Error).stack ?? '');
      }
    }
    expect(messages.length).toBe(12);
    for (const m of messages) expect(m).not.toContain(PASSWORD);
    expect(messages.join('\n')).toMatch(/cannot open redis:\/\/127\.0\.0\.1:\d+\/wrongpw/);
  });

  it('takes the password as an option too, and flush answers', () => {
    const d = createRedisDevice({
      device: 'pwopt',
      slots: 4,
      url: server.url,
      password: PASSWORD,
    });
    open.push(d);
    d.write(0, page(0));
    d.flush();
    expect(d.stats().flushes).toBe(1);
    d.ping();
  });
});

describe('the test harness', () => {
  it('fails with install instructions when redis-server is missing', () => {
    expect(() => requireRedisServer('/nonexistent')).toThrow(/apt-get install redis-server/);
  });
});
