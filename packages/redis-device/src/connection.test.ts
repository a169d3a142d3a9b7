/**
 * Connection options against real servers: TLS (certificates from the openssl CLI, see
 * ./testing/tlsFixture.ts, the CA passed through `tls`) and an ACL user limited to its
 * device's keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDevice, type RedisDevice } from './index.js';
import type { RedisServer } from './redisServers.js';
import { freePort, startRedisServer } from './redisServers.js';
import { failure } from './testing/testHelpers.js';
import { makeTlsFixture, type TlsFixture } from './testing/tlsFixture.js';

let certs: TlsFixture;
let tlsServer: RedisServer;
let tlsPort: number;
let ca: string;
const open: RedisDevice[] = [];

beforeAll(async () => {
  certs = makeTlsFixture();
  ca = certs.pem.ca;
  tlsPort = await freePort();
  // The plain port stays open for the harness's redis-cli; the device uses the TLS one.
  tlsServer = await startRedisServer({
    password: 'tls-pw',
    args: certs.serverArgs(tlsPort, 'no'),
  });
}, 30_000);
afterAll(() => {
  for (const d of open) d.close();
  tlsServer?.stop();
  certs?.remove();
});

describe('connection options', () => {
  it('speaks TLS with the options passed through (rediss://, a CA)', () => {
    const d = createRedisDevice({
      device: 'tls',
      slots: 8,
      url: `rediss://:tls-pw@127.0.0.1:${tlsPort}`,
      tls: { ca },
    });
    open.push(d);
    expect(d.name).toBe(`rediss://127.0.0.1:${tlsPort}/tls`);
    d.write(1, new Uint8Array([5, 6, 7]));
    const out = new Uint8Array(4096);
    expect(d.read(1, out)).toBe(3);
    expect(Array.from(out.subarray(0, 3))).toEqual([5, 6, 7]);
    expect(tlsServer.cli(['strlen', 'tierswap:{tls}:1'])).toBe('7');
    // Without the CA the certificate cannot be verified: refused, password not shown.
    const e = failure(() =>
      createRedisDevice({
        device: 'tls2',
        slots: 8,
        url: `rediss://:tls-pw@127.0.0.1:${tlsPort}`,
        connectTimeoutMs: 1000,
      }),
    );
    expect(e.code).toBe('IO_ERROR');
    expect(e.message).toMatch(/certificate/i);
    expect(e.message).not.toContain('tls-pw');
  });

  it('fails to open with IO_ERROR when nothing listens, saying why', async () => {
    const port = await freePort();
    const e = failure(() =>
      createRedisDevice({ device: 'nobody', slots: 8, url: `redis://:secret-x@127.0.0.1:${port}` }),
    );
    expect(e.code).toBe('IO_ERROR');
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.message).toContain(`cannot open redis://127.0.0.1:${port}/nobody`);
    expect(e.message).not.toContain('secret-x');
  });

  it('connects as an ACL user limited to its device’s keys', () => {
    tlsServer.cli([
      'acl',
      'setuser',
      'swapper',
      'on',
      '>swapper-pw',
      'resetkeys',
      '~tierswap:{acl}:*',
      '+@all',
    ]);
    const url = `redis://swapper:swapper-pw@127.0.0.1:${tlsServer.port}`;
    const d = createRedisDevice({ device: 'acl', slots: 8, url });
    open.push(d);
    d.writeBatch([0, 1], [new Uint8Array(100).fill(1), new Uint8Array(4096).fill(2)]);
    const out = new Uint8Array(2 * 4096);
    const lengths = new Uint32Array(2);
    d.readBatch([0, 1], out, lengths);
    expect(Array.from(lengths)).toEqual([100, 4096]);
    expect(tlsServer.cli(['client', 'list'])).toMatch(
      /user=swapper .*name=tierswap:acl|name=tierswap:acl .*user=swapper/,
    );
    // Another device's keys are outside the user's pattern: refused by the server.
    const e = failure(() => createRedisDevice({ device: 'other', slots: 8, url }));
    expect(e.code).toBe('IO_ERROR');
    expect(e.message).toMatch(/NOPERM/);
    expect(e.message).not.toContain('swapper-pw');
    // The user name may come as an option too, with the password.
    const e2 = failure(() =>
      createRedisDevice({
        device: 'acl',
        slots: 8,
        url: `redis://127.0.0.1:${tlsServer.port}`,
        username: 'swapper',
        password: 'swapper-pw',
      }),
    );
    expect(e2.code).toBe('BUSY'); // authenticated, and the device is taken
  });
});
