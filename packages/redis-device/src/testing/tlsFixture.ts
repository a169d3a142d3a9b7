/**
 * Certificates for the TLS tests and the bench (not shipped: tsconfig.build and "files"
 * leave src/testing/ out), made with the openssl CLI in a temp directory: real files a
 * real redis-server loads, so the handshakes tested are the ones production makes.
 *
 * - ca.crt / ca.key: the test CA, which issues the two certificates below.
 * - server.crt / server.key: for 127.0.0.1 and localhost (both in subjectAltName, so a
 *   client verifies it by IP or by name).
 * - client.crt / client.key: a client certificate (clientAuth), for servers that
 *   require one; client-enc.key is the same key encrypted with PASSPHRASE.
 * - other-ca.crt: a second CA that issued nothing here, to be refused with.
 *
 * EC P-256 keys: quick to make, so each test file can afford its own set.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The passphrase of client-enc.key. */
export const PASSPHRASE = 'sesame';

export interface TlsFixture {
  readonly dir: string;
  /** Paths of the files, for redis-server and redis-benchmark arguments. */
  readonly files: {
    readonly ca: string;
    readonly otherCa: string;
    readonly serverCert: string;
    readonly serverKey: string;
    readonly clientCert: string;
    readonly clientKey: string;
    readonly clientKeyEncrypted: string;
  };
  /** The same files' PEM text, for the device's and the socket's `tls` options. */
  readonly pem: {
    readonly ca: string;
    readonly otherCa: string;
    readonly clientCert: string;
    readonly clientKey: string;
    readonly clientKeyEncrypted: string;
  };
  /**
   * redis-server arguments for a TLS listener on `port` with these certificates;
   * `authClients` 'yes' requires a client certificate issued by the CA.
   */
  serverArgs(port: number, authClients: 'yes' | 'no'): string[];
  /** Deletes the directory. */
  remove(): void;
}

/** Makes the CA, the certificates and the keys in a new temp directory. */
export function makeTlsFixture(): TlsFixture {
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-tls-'));
  try {
    const f = (name: string) => join(dir, name);
    const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    for (const ca of ['ca', 'other-ca']) {
      openssl(
        ['req', '-x509', ...ecKey, '-nodes', '-days', '1', '-keyout', f(`${ca}.key`)].concat([
          '-out',
          f(`${ca}.crt`),
          '-subj',
          `/CN=tierswap ${ca}`,
        ]),
      );
    }
    writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const who of ['server', 'client']) {
      openssl(
        ['req', ...ecKey, '-nodes', '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`)].concat([
          '-subj',
          `/CN=tierswap ${who}`,
        ]),
      );
      openssl(
        ['x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key')]
          .concat(['-CAcreateserial', '-days', '1', '-out', f(`${who}.crt`)])
          .concat(['-extfile', f(`${who}.ext`)]),
      );
    }
    openssl(
      ['pkey', '-in', f('client.key'), '-aes256', '-passout', `pass:${PASSPHRASE}`].concat([
        '-out',
        f('client-enc.key'),
      ]),
    );
    const files = {
      ca: f('ca.crt'),
      otherCa: f('other-ca.crt'),
      serverCert: f('server.crt'),
      serverKey: f('server.key'),
      clientCert: f('client.crt'),
      clientKey: f('client.key'),
      clientKeyEncrypted: f('client-enc.key'),
    };
    const read = (path: string) => readFileSync(path, 'utf8');
    return {
      dir,
      files,
      pem: {
        ca: read(files.ca),
        otherCa: read(files.otherCa),
        clientCert: read(files.clientCert),
        clientKey: read(files.clientKey),
        clientKeyEncrypted: read(files.clientKeyEncrypted),
      },
      serverArgs: (port, authClients) => [
        '--tls-port',
        String(port),
        '--tls-cert-file',
        files.serverCert,
        '--tls-key-file',
        files.serverKey,
        '--tls-ca-cert-file',
        files.ca,
        '--tls-auth-clients',
        authClients,
      ],
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    // openssl missing or refusing: no half-made directory left behind.
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`making the test certificates with openssl failed: ${(e as Error).message}`);
  }
}
