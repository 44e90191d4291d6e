// Per-run PKI for the local control plane: a CA, the apiserver serving certificate, an admin client certificate
// (group system:masters) and the service-account signing key pair. X.509 needs openssl (node:crypto cannot sign
// certificates); the service-account keys only need a key pair, so node:crypto makes them.
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/** Names the apiserver is reached by: the loopback address, and the in-cluster service names and IP. */
export function servingSubjectAltNames(serviceIP: string): string[] {
  return [
    'IP:127.0.0.1',
    'DNS:localhost',
    `IP:${serviceIP}`,
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ];
}

export async function generatePki(dir: string, opts: { serviceIP: string; openssl?: string }): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const openssl = opts.openssl ?? process.env.OPENSSL ?? 'openssl';
  const p = (name: string) => join(dir, name);
  const pki: Pki = {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('apiserver.crt'),
    servingKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub'),
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  await run(openssl, [
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    pki.caKey,
    '-out',
    pki.caCert,
    '-days',
    '3650',
    '-subj',
    '/CN=tikv-operator-local-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);

  const sign = async (name: string, subject: string, extensions: string[]) => {
    const csr = p(`${name}.csr`);
    const ext = p(`${name}.ext`);
    await writeFile(ext, `${extensions.join('\n')}\n`);
    await run(openssl, ['req', '-new', ...ecKey, '-keyout', p(`${name}.key`), '-out', csr, '-subj', subject]);
    await run(openssl, [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      pki.caCert,
      '-CAkey',
      pki.caKey,
      '-set_serial',
      randomSerial(),
      '-days',
      '365',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      p(`${name}.crt`),
    ]);
  };
  await Promise.all([
    sign('apiserver', '/CN=kube-apiserver', [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${servingSubjectAltNames(opts.serviceIP).join(',')}`,
    ]),
    // The x509 authenticator maps CN to the user name and O to groups: system:masters bypasses RBAC.
    sign('admin', '/O=system:masters/CN=admin', [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
    ]),
  ]);

  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(pki.serviceAccountKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(pki.serviceAccountPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
  return pki;
}

function randomSerial(): string {
  return `0x${crypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '7')}`;
}

async function run(cmd: string, args: string[]): Promise<void> {
  const proc = Bun.spawn([cmd, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${stderr.trim()}`);
}
