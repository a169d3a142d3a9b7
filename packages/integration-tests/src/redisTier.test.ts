/**
 * The network tier in a swap space: a RedisDevice on a real redis-server beside a
 * FileDevice, through tiered-store's SwapSpace. swapoff of the Redis tier moves every
 * page to the file tier with nothing lost; with the server killed, stores fall through
 * to the file tier, loads of pages on Redis fail with an I/O error (never wrong bytes),
 * swapoff stops with a read error and keeps the device on, and nothing on the file tier
 * is touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRefusal } from '@tierswap/base';
import { createMemcg } from '@tierswap/memcg';
import { createRedisDevice, type RedisDevice } from '@tierswap/redis-device';
import type { RedisServer } from '@tierswap/redis-device/testing';
import { startRedisServer } from '@tierswap/redis-device/testing';
import type { SwapSlot } from '@tierswap/tiered-store';
import {
  createFileDevice,
  createSwapSpace,
  swapType,
  TieredStoreError,
} from '@tierswap/tiered-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PAGE = 4096;
let dir: string;
let server: RedisServer;
const devices: RedisDevice[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-redis-tier-'));
  server = await startRedisServer();
});
afterAll(() => {
  for (const d of devices) d.close();
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function setup(name: string) {
  const { tree } = createMemcg();
  const space = createSwapSpace({ memcg: tree });
  const file = createFileDevice({ path: join(dir, `${name}.swap`), slots: 256 });
  const redis = createRedisDevice({
    device: name,
    slots: 256,
    url: server.url,
    commandTimeoutMs: 300,
  });
  devices.push(redis);
  const tFile = space.swapon(file, { priority: 1 });
  const tRedis = space.swapon(redis, { priority: 10 }); // filled first
  return { space, group: tree.create('/a'), file, redis, tFile, tRedis };
}

/** Pages of many sizes, as zswap's writeback sends them (compressed ones are short). */
const pages = (n: number) =>
  Array.from({ length: n }, (_, i) => new Uint8Array(randomBytes(1 + ((i * 997) % PAGE))));

function load(space: ReturnType<typeof setup>['space'], slot: SwapSlot): Uint8Array {
  const out = new Uint8Array(PAGE);
  const len = space.load(slot, out);
  return out.slice(0, len);
}

describe('a Redis tier in a SwapSpace', () => {
  it('swapoff of the Redis tier drains every page to the file tier, bytes intact', () => {
    const { space, group, file, redis, tFile, tRedis } = setup('drain');
    const data = pages(100);
    let slots = data.map((p) => {
      const s = space.store(group, p);
      if (isRefusal(s)) throw new Error(s.reason);
      return s;
    });
    expect(slots.every((s) => swapType(s) === tRedis)).toBe(true);
    expect(redis.stats().writes).toBe(100);
    const moved = new Map<SwapSlot, SwapSlot>();
    expect(space.swapoff(tRedis, (from, to) => moved.set(from, to))).toEqual({
      ok: true,
      moved: 100,
    });
    slots = slots.map((s) => moved.get(s)!);
    expect(slots.every((s) => swapType(s) === tFile)).toBe(true);
    for (const [i, s] of slots.entries()) expect(load(space, s)).toEqual(data[i]);
    expect(redis.stats()).toMatchObject({ reads: 100, checksumErrors: 0, lostPages: 0 });
    expect(file.stats().writes).toBe(100);
    redis.close();
    expect(server.cli(['keys', 'tierswap:{drain}:*'])).toBe('');
    file.close();
  });

  it('with the server killed: stores fall through, loads fail, swapoff stops, the file tier is untouched', async () => {
    const { space, group, file, redis, tFile, tRedis } = setup('outage');
    const onRedis = pages(10).map((p) => ({ p, s: space.store(group, p) as SwapSlot }));
    expect(onRedis.every(({ s }) => swapType(s) === tRedis)).toBe(true);
    server.kill();
    try {
      const later = pages(10).map((p) => ({ p, s: space.store(group, p) }));
      for (const { s } of later) {
        expect(isRefusal(s)).toBe(false);
        expect(swapType(s as SwapSlot)).toBe(tFile); // fell through to the file tier
      }
      expect(space.stats().writeErrors).toBeGreaterThan(0);
      const out = new Uint8Array(PAGE).fill(0xee);
      let err: unknown;
      try {
        space.load(onRedis[0]!.s, out);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TieredStoreError);
      expect((err as TieredStoreError).code).toBe('IO_ERROR');
      expect(out.every((b) => b === 0xee || b === 0)).toBe(true);
      const off = space.swapoff(tRedis);
      expect(off).toMatchObject({ ok: false, errno: 'EIO', code: 'read_error', moved: 0 });
      expect(space.swaps().length).toBe(2); // the Redis tier stays on
      for (const { p, s } of later) expect(load(space, s as SwapSlot)).toEqual(p);
      expect(file.stats().checksumErrors).toBe(0);
      expect(redis.stats().ioErrors).toBeGreaterThan(0);
    } finally {
      await server.start();
    }
    file.close();
  });
});
