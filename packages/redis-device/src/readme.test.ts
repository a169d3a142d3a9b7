import { runReadmeExample } from '@tierswap/bench-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RedisServer } from './redisServers.js';
import { startRedisServer } from './redisServers.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => {
  server?.stop();
  delete process.env.REDIS_URL;
});

it('runs the README example against a server given by URL: pages, EBUSY, a swap tier', () => {
  process.env.REDIS_URL = server.url; // the example's child process inherits it
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Example');
  expect(out.split('\n').slice(0, 6)).toEqual([
    'redis true',
    '1300 7',
    'EBUSY',
    'true', // stored on the Redis tier
    '9 1', // read back through the swap space, crc32c checked
    '',
  ]);
  // Both devices deleted their keys and released their locks at close.
  expect(server.cli(['dbsize'])).toBe('0');
}, 60_000);
