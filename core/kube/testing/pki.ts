// Test support: a throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with the
// openssl binary (EC P-256 keys: fast to generate). Everything lives in a temp dir that `remove()` deletes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Another CA's certificate, trusted by nobody here (for "wrong CA" cases). */
  otherCaCert: string;
  remove(): void;
}

export function createTestPki(opts: { clientCN: string; clientOrg?: string; openssl?: string }): TestPki {
  const openssl = opts.openssl ?? 'openssl';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-test-pki-'));
  const file = (name: string) => path.join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const newCa = (name: string) =>
      run(
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      );
    const issue = (name: string, subject: string, ext: string) => {
      run(
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        subject,
      );
      fs.writeFileSync(file(`${name}.ext`), ext);
      run(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      );
    };
    newCa('ca');
    newCa('other-ca');
    issue(
      'server',
      '/CN=kube-apiserver',
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n',
    );
    const org = opts.clientOrg ? `/O=${opts.clientOrg}` : '';
    issue('client', `${org}/CN=${opts.clientCN}`, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl failed: ${stderr || (err as Error).message}`);
  }
  const read = (name: string) => fs.readFileSync(file(name), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    otherCaCert: read('other-ca.crt'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
