/**
 * The package's Node-API addon, `tierswap_socket` (native/blockingSocket.c, built by
 * node-gyp when the package is installed): a TCP or TLS client socket whose connect, send
 * and recv block the calling thread, each against its own deadline.
 *
 * Why an addon: the device's calls must be synchronous, and through ioredis in a worker
 * thread behind a synchronous bridge it reached only 0.2-0.4x of
 * `redis-benchmark -c 1 -P 16`; blocking socket I/O from the calling thread, with RESP
 * framed in JavaScript, reaches about 1x. Node has no synchronous socket API.
 *
 * TLS runs on the OpenSSL inside the node binary (the addon links no libssl).
 *
 * Internal: not exported from index.ts. Loaded once when this module is first imported;
 * if it was not built, importing fails with TieredStoreError('IO_ERROR') saying how to
 * build it.
 */

import { createRequire } from 'node:module';
import { TieredStoreError } from '@tierswap/tiered-store';

/** TLS settings of one connection. */
export interface SocketTls {
  /** PEM text, may hold several certificates; null = OpenSSL's default verify paths. */
  ca: string | null;
  /** Client certificate PEM (may include its chain, leaf first). */
  cert: string | null;
  /** Client private key PEM (given together with cert). */
  key: string | null;
  /** For an encrypted key. */
  passphrase: string | null;
  /** SNI and the name verified; null = the host given to connect (no SNI for an IP literal). */
  servername: string | null;
  /** false = do not verify the server's certificate. */
  rejectUnauthorized: boolean;
}

/** An open socket: an external the addon recognises by its type tag. */
export type SocketHandle = object;

/**
 * What native/blockingSocket.c exports. Failures throw an Error with a string `code`:
 * ENOTFOUND, ECONNREFUSED, ETIMEDOUT, ECONNRESET, EPIPE, EOF, TLS, ECLOSED, EINVAL, or
 * another errno name; the message names the call and host:port. Every argument is
 * checked before any system call (EINVAL), so bad arguments never crash the process.
 */
export interface BlockingSocketAddon {
  /**
   * Resolves host (getaddrinfo, every address tried in turn), connects within timeoutMs,
   * sets TCP_NODELAY and SO_KEEPALIVE, does the TLS handshake (tls non-null) within the
   * same deadline. Returns an opaque handle (an external whose finalizer closes the
   * socket). A malformed tls.ca / cert / key, or a wrong passphrase, throws EINVAL.
   */
  connect(host: string, port: number, timeoutMs: number, tls: SocketTls | null): SocketHandle;
  /** Sends bytes[0, length) entirely before timeoutMs elapses (a deadline for the whole call), or throws. */
  send(handle: SocketHandle, bytes: Uint8Array, length: number, timeoutMs: number): void;
  /** Waits up to timeoutMs for data and reads at least 1 byte into bytes[offset, bytes.length); returns how many. Throws on EOF, timeout, error. */
  recv(handle: SocketHandle, bytes: Uint8Array, offset: number, timeoutMs: number): number;
  /** Closes (TLS close_notify best effort, then close(2)); idempotent. Calls on a closed handle throw code 'ECLOSED'. */
  close(handle: SocketHandle): void;
}

function load(): BlockingSocketAddon {
  try {
    // From src/ and from dist/ alike, node-gyp's output is one level up.
    return createRequire(import.meta.url)(
      '../build/Release/tierswap_socket.node',
    ) as BlockingSocketAddon;
  } catch (cause) {
    throw new TieredStoreError(
      'IO_ERROR',
      'blockingSocket.load',
      `the tierswap_socket addon is not built (${String(cause)}); run \`pnpm install\` in ` +
        '@tierswap/redis-device (it runs node-gyp and needs a C compiler and Node headers, ' +
        'including the OpenSSL headers Node ships)',
      { cause },
    );
  }
}

export const blockingSocket: BlockingSocketAddon = load();
