/**
 * RespConnection against a real redis-server (every reply type, pipelines, replies
 * larger than the receive buffer, the session set-up) and against a small server in a
 * child process that sends what Redis never would (a reply of unknown type, bytes
 * nobody asked for, a half reply then silence), which must close the connection.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisServer } from './redisServers.js';
import { freePort, startRedisServer } from './redisServers.js';
import type { ConnectionSetup, Reply } from './respConnection.js';
import { ConnectionError, ErrorReply, RespConnection } from './respConnection.js';

let server: RedisServer;
const setup: ConnectionSetup = {
  username: '',
  password: 'resp-pw',
  db: 0,
  clientName: 'resp-test',
  tls: null,
  connectTimeoutMs: 2000,
  commandTimeoutMs: 2000,
};

beforeAll(async () => {
  server = await startRedisServer({ password: 'resp-pw' });
});
afterAll(() => server?.stop());

const str = (r: Reply) => Buffer.from(r as Uint8Array).toString();

describe('RespConnection on a real server', () => {
  it('reads every RESP2 reply type', () => {
    const c = RespConnection.open('127.0.0.1', server.port, setup);
    expect(c.call(['PING'])).toBe('PONG');
    expect(c.call(['SET', 'k', 'v'])).toBe('OK');
    expect(str(c.call(['GET', 'k']))).toBe('v');
    expect(c.call(['GET', 'missing'])).toBeNull();
    expect(c.call(['INCRBY', 'n', '-42'])).toBe(-42);
    expect(c.call(['INCRBY', 'n', '1000042'])).toBe(1_000_000);
    const e = c.call(['INCR', 'k']);
    expect(e).toBeInstanceOf(ErrorReply);
    expect((e as ErrorReply).text).toMatch(/^ERR value is not an integer/);
    // Nested arrays with every type inside, as CLUSTER SLOTS sends them.
    const nested = c.call(['EVAL', "return {1, 'a', {2, false, {'b'}}, -3}", '0']);
    expect(nested).toEqual([1, Buffer.from('a'), [2, null, [Buffer.from('b')]], -3]);
    expect(c.call(['MGET', 'k', 'missing'])).toEqual([Buffer.from('v'), null]);
    expect(c.call(['EVAL', 'return {}', '0'])).toEqual([]);
    c.close();
    expect(c.closed).toBe(true);
  });

  it('sends text, bytes and bytes in pieces; values with CR LF inside come back whole', () => {
    const c = RespConnection.open('127.0.0.1', server.port, setup);
    const bytes = new Uint8Array([13, 10, 0, 255, 36, 42, 13, 10]);
    expect(c.call(['SET', 'bin', bytes])).toBe('OK');
    expect(new Uint8Array(c.call(['GET', 'bin']) as Uint8Array)).toEqual(bytes);
    expect(c.call(['SET', 'pieces', [new Uint8Array([1, 2]), new Uint8Array([]), bytes]])).toBe(
      'OK',
    );
    expect([...(c.call(['GET', 'pieces']) as Uint8Array)]).toEqual([1, 2, ...bytes]);
    expect(c.call(['SET', 'utf8', 'zürich ∑'])).toBe('OK');
    expect(c.call(['STRLEN', 'utf8'])).toBe(Buffer.byteLength('zürich ∑'));
    c.close();
  });

  it('pipelines commands in one write and answers them in order', () => {
    const c = RespConnection.open('127.0.0.1', server.port, setup);
    const replies = c.pipeline([
      ['DEL', 'p'],
      ['RPUSH', 'p', 'x', 'y'],
      ['LRANGE', 'p', '0', '-1'],
      ['NO-SUCH-COMMAND'],
      ['PING'],
    ]);
    expect(replies.slice(0, 3)).toEqual([
      expect.any(Number),
      2,
      [Buffer.from('x'), Buffer.from('y')],
    ]);
    expect(replies[3]).toBeInstanceOf(ErrorReply);
    expect(replies[4]).toBe('PONG');
    c.close();
  });

  it('takes replies far larger than its buffers (8 MiB in one MGET)', () => {
    const c = RespConnection.open('127.0.0.1', server.port, setup);
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const args: (string | Uint8Array)[] = ['MSET'];
    for (let i = 0; i < 8; i++) args.push(`big${i}`, big);
    expect(c.call(args)).toBe('OK');
    const got = c.call(['MGET', ...Array.from({ length: 8 }, (_, i) => `big${i}`)]) as Uint8Array[];
    expect(got.length).toBe(8);
    for (const v of got) expect(Buffer.compare(v, big)).toBe(0);
    c.close();
  });

  it('prepares the session: AUTH, SELECT, CLIENT SETNAME', () => {
    const c = RespConnection.open('127.0.0.1', server.port, { ...setup, db: 3 });
    expect(c.call(['SET', 'in-db-3', '1'])).toBe('OK');
    expect(server.cli(['-n', '3', 'get', 'in-db-3'])).toBe('1');
    expect(server.cli(['client', 'list'])).toMatch(/name=resp-test .*db=3/);
    c.close();
  });

  it('says which step the server refused, never the password', () => {
    const wrong = { ...setup, password: 'not-the-password' };
    expect(() => RespConnection.open('127.0.0.1', server.port, wrong)).toThrow(
      /refused AUTH: WRONGPASS/,
    );
    try {
      RespConnection.open('127.0.0.1', server.port, wrong);
    } catch (e) {
      expect(String(e)).not.toContain('not-the-password');
    }
    expect(() => RespConnection.open('127.0.0.1', server.port, { ...setup, db: 99 })).toThrow(
      /refused SELECT 99: ERR DB index is out of range/,
    );
    expect(() => RespConnection.open('127.0.0.1', server.port, { ...setup, password: '' })).toThrow(
      /refused CLIENT SETNAME: NOAUTH/,
    );
  });

  it('a broken connection closes itself and refuses later calls', () => {
    const c = RespConnection.open('127.0.0.1', server.port, setup);
    expect(c.call(['CLIENT', 'SETNAME', 'doomed'])).toBe('OK');
    server.cli(['client', 'kill', 'skipme', 'no', 'type', 'normal']);
    let err: unknown;
    try {
      c.call(['PING']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectionError);
    expect(['EOF', 'ECONNRESET', 'EPIPE']).toContain((err as ConnectionError).code);
    expect((err as Error).message).toContain(`127.0.0.1:${server.port}`);
    expect(c.closed).toBe(true);
    expect(() => c.call(['PING'])).toThrow(/is closed/);
  });
});

/** A server in a child process that answers any command with `reply` (a latin1 string). */
async function oddServer(reply: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:net').createServer((s) => s.on('data', () => s.write(Buffer.from(${JSON.stringify(reply)}, 'latin1')))).listen(${port}, '127.0.0.1', () => console.log('up'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { port, stop: () => child.kill('SIGKILL') };
}

describe('RespConnection against a server that breaks the protocol', () => {
  const plain = { ...setup, password: '', commandTimeoutMs: 300 };
  const cases: [string, string, RegExp][] = [
    ['a reply of unknown type', '?what\r\n', /unknown type "\?"/],
    ['bytes nobody asked for', '+OK\r\n+OK\r\n', /sent 5 bytes nobody asked for/],
    ['a malformed number', ':12a\r\n', /malformed number/],
    ['half a reply, then silence', '$10\r\nabc', /timed out: no answer within 300 ms/],
  ];
  for (const [what, reply, message] of cases) {
    it(`${what}: the call fails and the connection closes`, async () => {
      const odd = await oddServer(reply);
      try {
        let c: RespConnection | undefined;
        let err: unknown;
        try {
          // The set-up's CLIENT SETNAME gets the odd reply already.
          c = RespConnection.open('127.0.0.1', odd.port, plain);
          c.call(['PING']);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(message);
        expect(c === undefined || c.closed).toBe(true);
      } finally {
        odd.stop();
      }
    });
  }
});
