// TLS options reach fetch: a PD behind mutual TLS (a test CA, a serving certificate for 127.0.0.1, a client
// certificate) answers only a client that trusts the CA and presents its certificate.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createTlsTestPki } from '../../../core/testing/pki.ts';
import { PdUnreachableError } from './errors.ts';
import { PdClient } from './pd-client.ts';

let server: ReturnType<typeof Bun.serve> | undefined;
let url: string;
let pem: { ca: string; cert: string; key: string };

beforeAll(async () => {
  const pki = await createTlsTestPki({ commonName: 'pd-client-test' });
  pem = { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey };
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert, requestCert: true, rejectUnauthorized: true },
    fetch: () => new Response('{"id":7447266112093815125,"max_peer_count":3}'),
  });
  url = `https://127.0.0.1:${server.port}`;
}, 30_000);

afterAll(async () => {
  await server?.stop(true);
});

describe('TLS', () => {
  test('a client with the CA and a client certificate is answered', async () => {
    const c = new PdClient(url, { tls: { ca: pem.ca, cert: pem.cert, key: pem.key } });
    expect(await c.clusterId()).toBe('7447266112093815125');
  });

  test('a client that does not trust the CA fails to connect', async () => {
    const c = new PdClient(url, { tls: { cert: pem.cert, key: pem.key }, retry: { attempts: 1 } });
    await expect(c.clusterId()).rejects.toBeInstanceOf(PdUnreachableError);
  });

  test('a client without a certificate is refused by mutual TLS', async () => {
    const c = new PdClient(url, { tls: { ca: pem.ca }, retry: { attempts: 1 } });
    await expect(c.clusterId()).rejects.toBeInstanceOf(PdUnreachableError);
  });
});
