/**
 * The tierswap_socket addon against real redis-server processes: RESP over plain TCP and
 * over TLS (a CA, server and client certificates made with openssl: ./testing/tlsFixture.ts),
 * and every failure
 * the contract names, provoked for real (nothing listening, a stopped server, a killed
 * server, bad certificates, bad arguments).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockingSocket as bs, type SocketTls } from './blockingSocket.js';
import type { RedisServer } from './redisServers.js';
import { freePort, startRedisServer } from './redisServers.js';
import { makeTlsFixture, PASSPHRASE, type TlsFixture } from './testing/tlsFixture.js';

const T = 2000;
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);
const PING = latin1('*1\r\n$4\r\nPING\r\n');

/** What `fn` throws, as an Error with the addon's code; fails the test if it returns. */
function thrown(fn: () => unknown): Error & { code: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect(typeof (e as { code?: unknown }).code).toBe('string');
    return e as Error & { code: string };
  }
  throw new Error('expected the call to throw');
}

/** Reads one simple-string or error reply line, without its CRLF ("+PONG", "-ERR ..."). */
function readLine(h: object): string {
  const buf = new Uint8Array(256);
  let got = 0;
  while (got < 2 || buf[got - 2] !== 13 || buf[got - 1] !== 10) got += bs.recv(h, buf, got, T);
  return text(buf.subarray(0, got - 2));
}

function ping(h: object): string {
  bs.send(h, PING, PING.length, T);
  return readLine(h);
}

/**
 * A RESP command whose last argument is `value`, in a buffer with junk after it: send()
 * must stop at `length`, or the junk reaches the server as a broken next command.
 */
function command(args: readonly string[], value: Uint8Array): [Uint8Array, number] {
  let head = `*${args.length + 1}\r\n`;
  for (const a of args) head += `$${a.length}\r\n${a}\r\n`;
  head += `$${value.length}\r\n`;
  const out = new Uint8Array(head.length + value.length + 2 + 64).fill(0x21);
  out.set(latin1(head));
  out.set(value, head.length);
  out.set([13, 10], head.length + value.length);
  return [out, head.length + value.length + 2];
}

function pattern(len: number, seed: number): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (i * 31 + seed + (i >>> 12)) & 0xff;
  return p;
}

/**
 * SET a 16 MiB value in one send, GET it back over many bounded recv calls. 16 MiB, not
 * 1: loopback's socket buffers take 1 MiB in a single send(2), and only a value larger
 * than they hold makes send() meet EAGAIN and finish a partial write.
 */
const BIG = 16 << 20;
function bigRoundTrip(h: object): void {
  const value = pattern(BIG, 7);
  const [cmd, len] = command(['SET', 'big'], value);
  bs.send(h, cmd, len, 10_000);
  expect(readLine(h)).toBe('+OK');
  const get = latin1('*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n');
  bs.send(h, get, get.length, T);
  const header = `$${value.length}\r\n`;
  const total = header.length + value.length + 2;
  const reply = new Uint8Array(total);
  let got = 0;
  let calls = 0;
  while (got < total) {
    // At most 64 KiB per call, through a view ending there: offsets other than 0 are used.
    got += bs.recv(h, reply.subarray(0, Math.min(total, got + 65536)), got, T);
    calls++;
  }
  expect(calls).toBeGreaterThanOrEqual(BIG / 65536);
  expect(text(reply.subarray(0, header.length))).toBe(header);
  // Buffer.equals: a deep toEqual over megabytes takes seconds.
  expect(
    Buffer.from(reply.subarray(header.length, header.length + value.length)).equals(value),
  ).toBe(true);
  expect(text(reply.subarray(total - 2))).toBe('\r\n');
  // The junk after `len` was never sent: the connection still speaks RESP.
  expect(ping(h)).toBe('+PONG');
}

let plain: RedisServer;
const handles: object[] = [];
function connect(...args: Parameters<typeof bs.connect>): object {
  const h = bs.connect(...args);
  handles.push(h);
  return h;
}

beforeAll(async () => {
  plain = await startRedisServer();
}, 30_000);
afterAll(() => {
  for (const h of handles) bs.close(h);
  plain?.stop();
});

describe('blockingSocket over plain TCP', () => {
  it('sends PING and reads +PONG', () => {
    const h = connect('127.0.0.1', plain.port, T, null);
    const buf = new Uint8Array(64);
    bs.send(h, PING, PING.length, T);
    let got = 0;
    while (got < 7) got += bs.recv(h, buf, got, T);
    expect(text(buf.subarray(0, got))).toBe('+PONG\r\n');
  });

  it('resolves a host name, trying its addresses in turn', () => {
    // localhost may resolve to ::1 first, where the server (bound to 127.0.0.1) refuses.
    const h = connect('localhost', plain.port, T, null);
    expect(ping(h)).toBe('+PONG');
  });

  it('sends 16 MiB in one call and reads it back over many recv calls', () => {
    bigRoundTrip(connect('127.0.0.1', plain.port, T, null));
  });

  it('closes idempotently; calls after close throw ECLOSED', () => {
    const h = bs.connect('127.0.0.1', plain.port, T, null);
    expect(ping(h)).toBe('+PONG');
    bs.close(h);
    bs.close(h);
    const e = thrown(() => bs.send(h, PING, PING.length, T));
    expect(e.code).toBe('ECLOSED');
    expect(e.message).toContain(`127.0.0.1:${plain.port}`);
    expect(thrown(() => bs.recv(h, new Uint8Array(8), 0, T)).code).toBe('ECLOSED');
  });
});

describe('blockingSocket failures', () => {
  it('refuses when nothing listens: ECONNREFUSED naming host:port', async () => {
    const port = await freePort();
    const e = thrown(() => bs.connect('127.0.0.1', port, T, null));
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });

  it('fails to resolve an unknown name: ENOTFOUND', () => {
    const e = thrown(() => bs.connect('no-such-host.invalid', 6379, T, null));
    expect(e.code).toBe('ENOTFOUND');
    expect(e.message).toContain('no-such-host.invalid:6379');
  });

  it('times out a recv from a stopped server: ETIMEDOUT', () => {
    const h = connect('127.0.0.1', plain.port, T, null);
    plain.pause(true);
    try {
      bs.send(h, PING, PING.length, T);
      const e = thrown(() => bs.recv(h, new Uint8Array(64), 0, 300));
      expect(e.code).toBe('ETIMEDOUT');
      expect(e.message).toContain(`127.0.0.1:${plain.port}`);
    } finally {
      plain.pause(false);
    }
    // The late reply is still there for the next call.
    expect(readLine(h)).toBe('+PONG');
  });

  it('times out a send that a stopped server does not drain: ETIMEDOUT', () => {
    const h = bs.connect('127.0.0.1', plain.port, T, null);
    const [cmd, len] = command(['SET', 'stuck'], pattern(BIG, 3));
    plain.pause(true);
    try {
      const e = thrown(() => bs.send(h, cmd, len, 300));
      expect(e.code).toBe('ETIMEDOUT');
      expect(e.message).toMatch(/bytes sent/);
    } finally {
      bs.close(h);
      plain.pause(false);
    }
  });

  it('reports a killed server as EOF or ECONNRESET', async () => {
    const doomed = await startRedisServer();
    try {
      const h = connect('127.0.0.1', doomed.port, T, null);
      expect(ping(h)).toBe('+PONG');
      doomed.kill();
      // The kernel closes the dead server's idle socket: a FIN, or a reset.
      const e = thrown(() => bs.recv(h, new Uint8Array(64), 0, T));
      expect(['EOF', 'ECONNRESET']).toContain(e.code);
      expect(e.message).toContain(`127.0.0.1:${doomed.port}`);
    } finally {
      doomed.stop();
    }
  });

  it('refuses bad arguments with EINVAL, before any system call, without crashing', () => {
    const h = connect('127.0.0.1', plain.port, T, null);
    const buf = new Uint8Array(16);
    const bad: [() => unknown, RegExp][] = [
      [() => bs.connect('127.0.0.1', 0, T, null), /port.*got 0/],
      [() => bs.connect('127.0.0.1', 65536, T, null), /port/],
      [() => bs.connect('127.0.0.1', 1.5, T, null), /port/],
      [() => bs.connect('', plain.port, T, null), /host/],
      [() => bs.connect('x'.repeat(300), plain.port, T, null), /host/],
      [() => bs.connect('127.0.0.1', plain.port, 0, null), /timeoutMs/],
      [() => bs.connect('127.0.0.1', plain.port, -5, null), /timeoutMs.*got -5/],
      [() => bs.connect('127.0.0.1', plain.port, Number.NaN, null), /timeoutMs/],
      [() => (bs.connect as (...a: unknown[]) => object)('127.0.0.1', plain.port), /arguments/],
      [() => bs.connect('127.0.0.1', plain.port, T, {} as SocketTls), /tls\.ca/],
      [() => bs.connect('127.0.0.1', plain.port, T, { ...noTls, cert: 'x' }), /cert and tls\.key/],
      [() => bs.connect('127.0.0.1', plain.port, T, { ...noTls, ca: 'not pem' }), /tls\.ca/],
      [() => bs.recv(h, buf, 16, T), /offset.*got 16/],
      [() => bs.recv(h, buf, -1, T), /offset/],
      [() => bs.recv(h, new Uint8Array(0), 0, T), /empty/],
      [() => bs.recv(h, buf, 0, -1), /timeoutMs/],
      [() => bs.recv(h, new Uint16Array(4) as unknown as Uint8Array, 0, T), /Uint8Array/],
      [() => bs.send(h, buf, 17, T), /length.*got 17/],
      [() => bs.send(h, buf, 4, 2.5), /timeoutMs/],
      [() => bs.send({}, buf, 4, T), /not a handle/],
      [() => bs.recv(Object.create(null) as object, buf, 0, T), /not a handle/],
      [() => bs.close(42 as unknown as object), /not a handle/],
    ];
    for (const [fn, message] of bad) {
      const e = thrown(fn);
      expect(e.code).toBe('EINVAL');
      expect(e.message).toMatch(message);
    }
    // Nothing reached the socket: it is still in step.
    expect(ping(h)).toBe('+PONG');
  });
});

const noTls: SocketTls = {
  ca: null,
  cert: null,
  key: null,
  passphrase: null,
  servername: null,
  rejectUnauthorized: true,
};

describe('blockingSocket over TLS', () => {
  let certs: TlsFixture;
  let tlsServer: RedisServer;
  let mtlsServer: RedisServer;
  let tlsPort: number;
  let mtlsPort: number;
  let pem: TlsFixture['pem'];

  beforeAll(async () => {
    certs = makeTlsFixture();
    pem = certs.pem;
    tlsPort = await freePort();
    tlsServer = await startRedisServer({ args: certs.serverArgs(tlsPort, 'no') });
    mtlsPort = await freePort();
    mtlsServer = await startRedisServer({ args: certs.serverArgs(mtlsPort, 'yes') });
  }, 30_000);
  afterAll(() => {
    tlsServer?.stop();
    mtlsServer?.stop();
    certs?.remove();
  });

  const withCa = (): SocketTls => ({ ...noTls, ca: pem.ca });

  it('speaks RESP through a server verified against the CA (by IP and by name)', () => {
    expect(ping(connect('127.0.0.1', tlsPort, T, withCa()))).toBe('+PONG');
    expect(ping(connect('localhost', tlsPort, T, withCa()))).toBe('+PONG');
    // A servername overrides the host: verified as localhost while dialling the IP.
    expect(ping(connect('127.0.0.1', tlsPort, T, { ...withCa(), servername: 'localhost' }))).toBe(
      '+PONG',
    );
    // Several certificates in ca: the issuer is found among them.
    const both = { ...noTls, ca: pem.otherCa + pem.ca };
    expect(ping(connect('127.0.0.1', tlsPort, T, both))).toBe('+PONG');
  });

  it('sends and receives 16 MiB through TLS records', () => {
    bigRoundTrip(connect('127.0.0.1', tlsPort, T, withCa()));
  });

  it('refuses a server its CA did not issue: TLS with the verify reason', () => {
    const e = thrown(() => bs.connect('127.0.0.1', tlsPort, T, { ...noTls, ca: pem.otherCa }));
    expect(e.code).toBe('TLS');
    expect(e.message).toContain(`127.0.0.1:${tlsPort}`);
    expect(e.message).toMatch(/certificate verify failed/);
    // The server sends its CA along, so OpenSSL meets a self-signed root it does not trust.
    expect(e.message).toMatch(
      /self-signed certificate in certificate chain|unable to get local issuer certificate/,
    );
    // Not verifying, the same CA is no obstacle.
    const h = connect('127.0.0.1', tlsPort, T, {
      ...noTls,
      ca: pem.otherCa,
      rejectUnauthorized: false,
    });
    expect(ping(h)).toBe('+PONG');
  });

  it('verifies against OpenSSL’s default paths when ca is null', () => {
    // The system's trust store does not hold the test CA.
    const e = thrown(() => bs.connect('127.0.0.1', tlsPort, T, noTls));
    expect(e.code).toBe('TLS');
    expect(e.message).toMatch(/certificate verify failed/);
    const h = connect('127.0.0.1', tlsPort, T, { ...noTls, rejectUnauthorized: false });
    expect(ping(h)).toBe('+PONG');
  });

  it('refuses a certificate for another name when verifying', () => {
    const wrong = { ...withCa(), servername: 'redis.example.com' };
    const e = thrown(() => bs.connect('127.0.0.1', tlsPort, T, wrong));
    expect(e.code).toBe('TLS');
    expect(e.message).toMatch(/hostname mismatch/);
    const ip = { ...withCa(), servername: '127.0.0.2' };
    expect(thrown(() => bs.connect('127.0.0.1', tlsPort, T, ip)).message).toMatch(/IP address/);
    expect(ping(connect('127.0.0.1', tlsPort, T, { ...wrong, rejectUnauthorized: false }))).toBe(
      '+PONG',
    );
  });

  it('presents a client certificate where the server requires one', () => {
    const client = { ...withCa(), cert: pem.clientCert, key: pem.clientKey };
    expect(ping(connect('127.0.0.1', mtlsPort, T, client))).toBe('+PONG');
    const encrypted = { ...client, key: pem.clientKeyEncrypted, passphrase: PASSPHRASE };
    expect(ping(connect('127.0.0.1', mtlsPort, T, encrypted))).toBe('+PONG');
    const wrongPass = { ...encrypted, passphrase: 'open' };
    expect(thrown(() => bs.connect('127.0.0.1', mtlsPort, T, wrongPass)).code).toBe('EINVAL');
    expect(
      thrown(() => bs.connect('127.0.0.1', mtlsPort, T, { ...encrypted, passphrase: null })).code,
    ).toBe('EINVAL');
    // Without one, TLS 1.3 finishes the client's side of the handshake and the server's
    // refusal arrives as an alert on the first read.
    const e = thrown(() => ping(connect('127.0.0.1', mtlsPort, T, withCa())));
    expect(['TLS', 'ECONNRESET', 'EOF']).toContain(e.code);
    expect(e.message).toContain(`127.0.0.1:${mtlsPort}`);
  });

  it('times out a handshake with a stopped server: ETIMEDOUT', () => {
    tlsServer.pause(true);
    try {
      const e = thrown(() => bs.connect('127.0.0.1', tlsPort, 300, withCa()));
      expect(e.code).toBe('ETIMEDOUT');
      expect(e.message).toMatch(/handshake/);
    } finally {
      tlsServer.pause(false);
    }
  });
});
