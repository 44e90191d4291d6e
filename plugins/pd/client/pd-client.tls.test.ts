// TLS options reach fetch: a PD behind mutual TLS (a test CA, a serving certificate for 127.0.0.1, a client
// certificate) answers only a client that trusts the CA and presents its certificate.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePki, type Pki } from '../../../core/testing/pki.ts';
import { PdUnreachableError } from './errors.ts';
import { PdClient } from './pd-client.ts';

let dir: string;
let pki: Pki;
let server: ReturnType<typeof Bun.serve> | undefined;
let url: string;
let pem: { ca: string; cert: string; key: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pd-tls-'));
  pki = await generatePki(dir, { serviceIP: '10.0.0.1' });
  const [ca, servingCert, servingKey, cert, key] = await Promise.all(
    [pki.caCert, pki.servingCert, pki.servingKey, pki.adminCert, pki.adminKey].map((p) => readFile(p, 'utf8')),
  );
  pem = { ca: ca as string, cert: cert as string, key: key as string };
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    tls: { cert: servingCert, key: servingKey, ca, requestCert: true, rejectUnauthorized: true },
    fetch: () => new Response('{"id":7447266112093815125,"max_peer_count":3}'),
  });
  url = `https://127.0.0.1:${server.port}`;
}, 30_000);

afterAll(async () => {
  await server?.stop(true);
  if (dir) await rm(dir, { recursive: true, force: true });
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
