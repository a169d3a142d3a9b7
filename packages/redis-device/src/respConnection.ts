/**
 * RespConnection: one synchronous connection to one Redis node, speaking RESP2.
 *
 * Why by hand: the swap layer's calls are synchronous (a task faulting on swap-in waits
 * for its I/O) and no maintained Node client for Redis is. Bridging an asynchronous one
 * (ioredis on a worker thread, woken through Atomics) ran at 0.2-0.4x of
 * redis-benchmark's one client at depth 16, and ioredis alone, awaited in-process, at
 * 0.4-0.7x (docs/redis-tier-performance.md). Blocking socket calls from the caller's
 * thread (./blockingSocket.ts) and this small codec reach redis-benchmark's rate. Only
 * what the device needs is here: commands as arrays of bulk strings out, the five RESP2
 * reply types back.
 *
 * A call sends its commands (several are pipelined in one send) and blocks until every
 * reply is in, all within the command timeout. Bulk replies are views into the receive
 * buffer, valid until the next call: the device checks and copies each page out before
 * it sends again, so a read copies a page once.
 *
 * A socket failure (timeout, reset, the server closing) or a reply that does not parse
 * leaves the stream at an unknown point: a late reply would be taken for the next
 * command's. So the connection closes itself and every later call throws; the owner
 * (./ownerLink.ts) opens a new one.
 */
import type { SocketHandle, SocketTls } from './blockingSocket.js';
import { blockingSocket } from './blockingSocket.js';

/** A command's argument: text (UTF-8), bytes, or bytes in pieces sent as one bulk string. */
export type Arg = string | Uint8Array | readonly Uint8Array[];

/** A reply: simple string, integer, bulk string (a view, see above), nil, error, array. */
export type Reply = string | number | Uint8Array | null | ErrorReply | readonly Reply[];

/** An error reply (`-MOVED 3999 10.0.0.2:6379`): a value, not thrown, as Redis sends it. */
export class ErrorReply {
  constructor(readonly text: string) {}
}

/** A reply's text: a simple or bulk string (UTF-8), an integer in decimal, else ''. */
export function replyText(r: Reply | undefined): string {
  if (typeof r === 'string') return r;
  if (r instanceof Uint8Array)
    return Buffer.from(r.buffer, r.byteOffset, r.length).toString('utf8');
  if (typeof r === 'number') return String(r);
  return '';
}

/** The connection broke (socket error, timeout, unparsable reply); `code` as the addon's. */
export class ConnectionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export interface ConnectionSetup {
  readonly username: string;
  readonly password: string;
  readonly db: number;
  /** CLIENT SETNAME, so `CLIENT LIST` on the server shows whose connection it is. */
  readonly clientName: string;
  readonly tls: SocketTls | null;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

const INCOMPLETE = Symbol('incomplete');
const CR = 13;
const LF = 10;

/** Decimal digits of n >= 0 written at `at`; returns the end. */
function putUint(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 48 + n;
    return at + 1;
  }
  return at + buf.write(String(n), at, 'latin1');
}

function bytesOf(arg: Arg): number {
  if (typeof arg === 'string') return Buffer.byteLength(arg, 'utf8');
  if (arg instanceof Uint8Array) return arg.length;
  let n = 0;
  for (const piece of arg) n += piece.length;
  return n;
}

export class RespConnection {
  readonly #where: string;
  readonly #timeoutMs: number;
  #socket: SocketHandle | null;
  #out = Buffer.allocUnsafeSlow(64 << 10);
  #in = Buffer.allocUnsafeSlow(128 << 10);
  #filled = 0;
  #pos = 0;

  private constructor(where: string, socket: SocketHandle, timeoutMs: number) {
    this.#where = where;
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Connects to host:port and prepares the session (AUTH, SELECT, CLIENT SETNAME in one
   * round trip). Throws ConnectionError, or Error naming the step the server refused.
   */
  static open(host: string, port: number, setup: ConnectionSetup): RespConnection {
    const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    let socket: SocketHandle;
    try {
      socket = blockingSocket.connect(host, port, setup.connectTimeoutMs, setup.tls);
    } catch (e) {
      throw asConnectionError(e, where);
    }
    const c = new RespConnection(where, socket, setup.commandTimeoutMs);
    const steps: { what: string; args: Arg[] }[] = [];
    if (setup.password !== '' || setup.username !== '') {
      const args = setup.username === '' ? [setup.password] : [setup.username, setup.password];
      steps.push({ what: 'AUTH', args: ['AUTH', ...args] });
    }
    if (setup.db !== 0)
      steps.push({ what: `SELECT ${setup.db}`, args: ['SELECT', String(setup.db)] });
    steps.push({ what: 'CLIENT SETNAME', args: ['CLIENT', 'SETNAME', setup.clientName] });
    const replies = c.pipeline(steps.map((s) => s.args));
    for (let i = 0; i < steps.length; i++) {
      const r = replies[i];
      if (r instanceof ErrorReply) {
        c.close();
        // The server's text never contains the password (WRONGPASS, NOAUTH, ...).
        throw new Error(`${where} refused ${steps[i]!.what}: ${r.text}`);
      }
    }
    return c;
  }

  get closed(): boolean {
    return this.#socket === null;
  }

  /** `host:port` of the node. */
  get where(): string {
    return this.#where;
  }

  /** Sends one command and returns its reply (an ErrorReply is returned, not thrown). */
  call(args: readonly Arg[]): Reply {
    return this.pipeline([args])[0]!;
  }

  /** Sends the commands in one write and returns their replies, in order. */
  pipeline(commands: readonly (readonly Arg[])[]): Reply[] {
    const socket = this.#socket;
    if (socket === null) {
      throw new ConnectionError('ECLOSED', `the connection to ${this.#where} is closed`);
    }
    const deadline = performance.now() + this.#timeoutMs;
    const length = this.#encode(commands);
    try {
      blockingSocket.send(socket, this.#out, length, this.#left(deadline));
      return this.#receive(socket, commands.length, deadline);
    } catch (e) {
      this.close();
      if ((e as { code?: unknown }).code === 'ETIMEDOUT') {
        throw new ConnectionError(
          'ETIMEDOUT',
          `${this.#where} timed out: no answer within ${this.#timeoutMs} ms`,
        );
      }
      throw asConnectionError(e, this.#where);
    }
  }

  close(): void {
    if (this.#socket === null) return;
    blockingSocket.close(this.#socket);
    this.#socket = null;
  }

  // --- internals ---------------------------------------------------------------

  #left(deadline: number): number {
    const left = Math.ceil(deadline - performance.now());
    if (left <= 0) {
      throw new ConnectionError(
        'ETIMEDOUT',
        `${this.#where} timed out: no answer within ${this.#timeoutMs} ms`,
      );
    }
    return left;
  }

  /** Writes the commands as RESP arrays of bulk strings into #out; returns the length. */
  #encode(commands: readonly (readonly Arg[])[]): number {
    let need = 0;
    for (const args of commands) {
      need += 16;
      // An upper bound, so that strings are measured once, when written: UTF-8 takes at
      // most 3 bytes per UTF-16 unit.
      for (const a of args) need += (typeof a === 'string' ? a.length * 3 : bytesOf(a)) + 16;
    }
    if (need > this.#out.length) this.#out = Buffer.allocUnsafeSlow(need * 2);
    const out = this.#out;
    let at = 0;
    for (const args of commands) {
      out[at++] = 42; // '*'
      at = putUint(out, at, args.length);
      out[at++] = CR;
      out[at++] = LF;
      for (const a of args) {
        out[at++] = 36; // '$'
        at = putUint(out, at, bytesOf(a));
        out[at++] = CR;
        out[at++] = LF;
        if (typeof a === 'string') {
          at += out.write(a, at, 'utf8');
        } else if (a instanceof Uint8Array) {
          out.set(a, at);
          at += a.length;
        } else {
          for (const piece of a) {
            out.set(piece, at);
            at += piece.length;
          }
        }
        out[at++] = CR;
        out[at++] = LF;
      }
    }
    return at;
  }

  /** Reads until `count` whole replies are in. */
  #receive(socket: SocketHandle, count: number, deadline: number): Reply[] {
    this.#filled = 0;
    const replies: Reply[] = [];
    this.#pos = 0;
    for (;;) {
      // Parse what has arrived; a reply cut short is parsed again from its start.
      while (replies.length < count) {
        const start = this.#pos;
        const r = this.#parse();
        if (r === INCOMPLETE) {
          this.#pos = start;
          break;
        }
        replies.push(r);
      }
      if (replies.length === count) break;
      if (this.#filled === this.#in.length) {
        const bigger = Buffer.allocUnsafeSlow(this.#in.length * 2);
        this.#in.copy(bigger, 0, 0, this.#filled);
        // Views handed out for earlier replies keep the old buffer alive, unchanged.
        this.#in = bigger;
      }
      this.#filled += blockingSocket.recv(socket, this.#in, this.#filled, this.#left(deadline));
    }
    if (this.#pos !== this.#filled) {
      throw new ConnectionError(
        'EPROTO',
        `${this.#where} sent ${this.#filled - this.#pos} bytes nobody asked for`,
      );
    }
    return replies;
  }

  /** One reply at #pos, advancing it; INCOMPLETE if not all of it has arrived. */
  #parse(): Reply | typeof INCOMPLETE {
    const buf = this.#in;
    const end = this.#filled;
    const p = this.#pos;
    if (p >= end) return INCOMPLETE;
    // A header line is a few bytes: a plain loop beats Buffer#indexOf's native call, and
    // a reply cut short is parsed again from its start (up to 17 lines an MGET of 16).
    let eol = p + 1;
    while (eol < end && buf[eol] !== CR) eol++;
    if (eol + 1 >= end) return INCOMPLETE;
    const type = buf[p];
    const body = eol + 2;
    switch (type) {
      case 43: // '+'
        this.#pos = body;
        return buf.toString('latin1', p + 1, eol);
      case 45: // '-'
        this.#pos = body;
        return new ErrorReply(buf.toString('utf8', p + 1, eol));
      case 58: // ':'
        this.#pos = body;
        return this.#int(p + 1, eol);
      case 36: {
        // '$'
        const n = this.#int(p + 1, eol);
        if (n < 0) {
          this.#pos = body;
          return null;
        }
        if (body + n + 2 > end) return INCOMPLETE;
        this.#pos = body + n + 2;
        return buf.subarray(body, body + n);
      }
      case 42: {
        // '*'
        const n = this.#int(p + 1, eol);
        this.#pos = body;
        if (n < 0) return null;
        const items: Reply[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const item = this.#parse();
          if (item === INCOMPLETE) return INCOMPLETE;
          items[i] = item;
        }
        return items;
      }
      default:
        throw new ConnectionError(
          'EPROTO',
          `${this.#where} sent a reply of unknown type ${JSON.stringify(String.fromCharCode(type!))}`,
        );
    }
  }

  #int(from: number, to: number): number {
    const buf = this.#in;
    let i = from;
    const negative = buf[i] === 45;
    if (negative) i++;
    let n = 0;
    for (; i < to; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) {
        throw new ConnectionError('EPROTO', `${this.#where} sent a malformed number`);
      }
      n = n * 10 + d;
    }
    return negative ? -n : n;
  }
}

function asConnectionError(e: unknown, where: string): ConnectionError {
  if (e instanceof ConnectionError) return e;
  const raw = (e as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : 'EIO';
  let message = e instanceof Error ? e.message : String(e);
  if (!message.includes(where)) message = `${where}: ${message}`;
  // The code too, so that a log can be searched for ECONNREFUSED, ETIMEDOUT, ...
  if (!message.includes(code)) message += ` (${code})`;
  return new ConnectionError(code, message);
}
