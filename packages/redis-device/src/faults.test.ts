/**
 * Faults against a real redis-server: the process killed (kill -9) and restarted empty,
 * the server frozen (SIGSTOP), and values changed behind the device's back. The promise
 * in every case: a page is returned intact or not at all (an error, the output zeroed),
 * a failed write leaves its slots empty, and everything is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDevice, type RedisDevice } from './index.js';
import type { RedisServer } from './redisServers.js';
import { startRedisServer } from './redisServers.js';
import { eventually, failure, page } from './testing/testHelpers.js';

let server: RedisServer;
const open: RedisDevice[] = [];

function device(name: string, extra: Record<string, unknown> = {}): RedisDevice {
  const d = createRedisDevice({
    device: name,
    slots: 32,
    url: server.url,
    commandTimeoutMs: 300,
    ...extra,
  });
  open.push(d);
  return d;
}

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => {
  for (const d of open) d.close();
  server?.stop();
});

describe('values changed behind the device', () => {
  it('detects a corrupted, truncated, extended, swapped or deleted value, zeroes the output and counts it', () => {
    const d = device('tamper');
    d.writeBatch([0, 1, 2, 3, 4, 5], [page(0), page(1), page(2), page(3), page(4), page(5)]);
    const key = (s: number) => `tierswap:{tamper}:${s}`;
    server.cli(['setrange', key(0), '2000', 'X']); // one byte in the payload
    server.cli(['setrange', key(1), '0', 'ABCD']); // the stored checksum
    server.cli([
      'eval',
      `redis.call('SET', KEYS[1], string.sub(redis.call('GET', KEYS[1]), 1, 1000))`,
      '1',
      key(2),
    ]);
    server.cli(['append', key(3), 'more']);
    server.cli(['copy', key(5), key(4), 'replace']); // slot 5's value under slot 4's key
    server.cli(['del', key(5)]);

    const out = new Uint8Array(4096);
    for (const s of [0, 1, 2, 3, 4]) {
      out.fill(0xee);
      const e = failure(() => d.read(s, out));
      expect(e.code).toBe('CHECKSUM_MISMATCH');
      expect(e.errno).toBe('EIO');
      expect(e.message).toContain(`slot ${s} of redis://127.0.0.1:${server.port}/tamper`);
      expect(out.every((b) => b === 0)).toBe(true);
    }
    const lost = failure(() => d.read(5, out));
    expect(lost.code).toBe('NOT_WRITTEN');
    expect(lost.message).toMatch(/acknowledged but its key is gone/);
    expect(d.stats()).toMatchObject({ checksumErrors: 5, lostPages: 1, reads: 0 });
  });

  it('readBatch returns the pages before a bad one and zeroes the bad one', () => {
    const d = device('tamperbatch');
    d.writeBatch([0, 1, 2], [page(10), page(11), page(12)]);
    server.cli(['setrange', 'tierswap:{tamperbatch}:1', '100', 'oops']);
    const out = new Uint8Array(3 * 4096).fill(0xee);
    const lengths = new Uint32Array(3);
    expect(failure(() => d.readBatch([0, 1, 2], out, lengths)).code).toBe('CHECKSUM_MISMATCH');
    expect(out.subarray(0, 4096)).toEqual(page(10));
    expect(out.subarray(4096, 8192).every((b) => b === 0)).toBe(true);
  });
});

describe('the server goes away', () => {
  it('kill -9: reads and writes throw IO_ERROR, the device reconnects, lost pages are NOT_WRITTEN, never wrong', async () => {
    const d = device('killed');
    const other = device('killed-late');
    d.writeBatch([0, 1, 2], [page(20), page(21), page(22)]);
    other.write(0, page(30));
    const out = new Uint8Array(4096).fill(0xee);

    server.kill();
    const r = failure(() => d.read(0, out));
    expect(r.code).toBe('IO_ERROR');
    expect(out.every((b) => b === 0xee || b === 0)).toBe(true); // nothing presented as data
    const w = failure(() => d.write(3, page(23)));
    expect(w.code).toBe('IO_ERROR');
    expect(failure(() => d.writeBatch([4, 5], [page(24), page(25)])).code).toBe('IO_ERROR');
    // A failed write leaves its slots empty (the caller keeps its copy and goes elsewhere).
    expect(d.lengthOf(3)).toBe(0);
    expect(d.lengthOf(4)).toBe(0);
    expect(failure(() => d.read(3, out)).code).toBe('NOT_WRITTEN');
    expect(failure(() => d.flush()).code).toBe('IO_ERROR');
    d.discard(2, 1); // never fails for I/O
    expect(d.stats().ioErrors).toBeGreaterThanOrEqual(4);

    // While it stays down, calls fail at once between spaced reconnection attempts.
    const soon = failure(() => d.write(7, page(27)));
    expect(soon.code).toBe('IO_ERROR');
    expect(soon.message).toMatch(/trying again in \d+ ms/);
    await server.start(); // the same port, no persistence: an empty server
    await eventually(() => d.write(6, page(26)));
    expect(d.read(6, out)).toBe(4096);
    expect(out).toEqual(page(26));
    // Pages acknowledged before the outage died with the server: reported, never returned wrong.
    for (const s of [0, 1]) {
      out.fill(0xee);
      expect(failure(() => d.read(s, out)).code).toBe('NOT_WRITTEN');
      expect(out.every((b) => b === 0)).toBe(true);
    }
    expect(failure(() => d.read(2, out)).code).toBe('NOT_WRITTEN'); // discarded
    expect(d.stats().lostPages).toBe(2);
    expect(d.stats().reconnects).toBeGreaterThanOrEqual(1);
    // The renewal takes the vanished lock again, so a second opener is still refused.
    await eventually(() => expect(server.cli(['exists', 'tierswap:{killed}:lock'])).toBe('1'));
    expect(failure(() => device('killed')).code).toBe('BUSY');
    await eventually(() => other.write(1, page(31)));
    expect(failure(() => other.read(0, out)).code).toBe('NOT_WRITTEN');
  }, 30_000);

  it('a frozen server (SIGSTOP): calls fail with IO_ERROR after the command timeout and work again after SIGCONT', async () => {
    const d = device('frozen');
    d.write(0, page(40));
    server.pause(true);
    try {
      const e = failure(() => d.read(0, new Uint8Array(4096)));
      expect(e.code).toBe('IO_ERROR');
      expect(e.message).toMatch(/timed out/i);
      expect(failure(() => d.write(1, page(41))).code).toBe('IO_ERROR');
      expect(d.lengthOf(1)).toBe(0);
    } finally {
      server.pause(false);
    }
    const out = new Uint8Array(4096);
    await eventually(() => d.read(0, out));
    expect(out).toEqual(page(40));
  }, 30_000);
});
