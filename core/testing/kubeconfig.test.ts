import { expect, test } from 'bun:test';
import { parse } from 'yaml';
import { renderKubeconfig } from './kubeconfig.ts';

const base64 = (s: string) => Buffer.from(s).toString('base64');

test('a token kubeconfig names the server, trusts the CA and carries the token', () => {
  const config = parse(
    renderKubeconfig({ server: 'https://127.0.0.1:6443', caPem: 'CA', credentials: { token: 't' } }),
  );
  expect(config['current-context']).toBe('tikv-operator-local');
  expect(config.clusters[0].cluster).toEqual({
    server: 'https://127.0.0.1:6443',
    'certificate-authority-data': base64('CA'),
  });
  expect(config.users[0].user).toEqual({ token: 't' });
});

test('a client-certificate kubeconfig embeds certificate and key', () => {
  const config = parse(
    renderKubeconfig({
      server: 'https://127.0.0.1:6443',
      caPem: 'CA',
      credentials: { clientCertificatePem: 'CERT', clientKeyPem: 'KEY' },
    }),
  );
  expect(config.users[0].user).toEqual({
    'client-certificate-data': base64('CERT'),
    'client-key-data': base64('KEY'),
  });
});
