// The one place tests make X.509 certificates: a CA, and serving and client certificates it signs. The local
// control plane (files for kube-apiserver, its components and the harness) and the TLS tests (PEM strings for a
// fake apiserver or a PD and their clients) both go through it, so there is one openssl recipe to get right.
// X.509 needs the openssl binary (node:crypto makes key pairs but cannot sign certificates); EC P-256 keys are
// fast to generate.
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA as PEM files, and the openssl binary that made it and signs with it. */
export interface CertificateAuthority {
  certFile: string;
  keyFile: string;
  openssl: string;
}

/** A certificate and its private key as PEM files. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

export interface CertificateSubject {
  commonName: string;
  /** Kubernetes' x509 authenticator maps CN to the user name and O to a group (system:masters bypasses RBAC). */
  organization?: string;
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA written to `<dir>/<name>.crt` and `<name>.key`. */
export async function createCertificateAuthority(
  dir: string,
  name: string,
  opts: { commonName: string; openssl?: string },
): Promise<CertificateAuthority> {
  const openssl = opts.openssl ?? process.env.OPENSSL ?? 'openssl';
  const ca = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`), openssl };
  await mkdir(dir, { recursive: true });
  await run(openssl, [
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    ca.keyFile,
    '-out',
    ca.certFile,
    '-days',
    '3650',
    '-subj',
    subjectName({ commonName: opts.commonName }),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return ca;
}

/** A certificate for a TLS server reached by `subjectAltNames` (`IP:…`, `DNS:…`), in `<dir>/<name>.crt|key`. */
export function issueServingCertificate(
  ca: CertificateAuthority,
  dir: string,
  name: string,
  subject: CertificateSubject & { subjectAltNames: string[] },
): Promise<CertificateFiles> {
  return issueCertificate(ca, dir, name, subject, [
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${subject.subjectAltNames.join(',')}`,
  ]);
}

/** A certificate a client presents for mutual TLS, in `<dir>/<name>.crt|key`. */
export function issueClientCertificate(
  ca: CertificateAuthority,
  dir: string,
  name: string,
  subject: CertificateSubject,
): Promise<CertificateFiles> {
  return issueCertificate(ca, dir, name, subject, ['extendedKeyUsage=clientAuth']);
}

async function issueCertificate(
  ca: CertificateAuthority,
  dir: string,
  name: string,
  subject: CertificateSubject,
  extensions: string[],
): Promise<CertificateFiles> {
  const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const leafExtensions = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
  await writeFile(ext, `${[...leafExtensions, ...extensions].join('\n')}\n`);
  await run(ca.openssl, [
    'req',
    '-new',
    ...ecKey,
    '-keyout',
    files.keyFile,
    '-out',
    csr,
    '-subj',
    subjectName(subject),
  ]);
  await run(ca.openssl, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    // A random serial instead of -CAcreateserial: certificates are issued in parallel, and a shared serial file races.
    '-set_serial',
    randomSerial(),
    '-days',
    '365',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    files.certFile,
  ]);
  return files;
}

/** The local control plane's per-run PKI files (see `generateControlPlanePki`). */
export interface ControlPlanePki {
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

/**
 * Per-run PKI for the local control plane, in `dir`: a CA, the apiserver serving certificate, an admin client
 * certificate (group system:masters) and the service-account signing key pair. The service-account keys are a bare
 * key pair, not a certificate, so node:crypto makes them.
 */
export async function generateControlPlanePki(
  dir: string,
  opts: { serviceIP: string; openssl?: string },
): Promise<ControlPlanePki> {
  const ca = await createCertificateAuthority(dir, 'ca', {
    commonName: 'tikv-operator-local-ca',
    openssl: opts.openssl,
  });
  const [serving, admin] = await Promise.all([
    issueServingCertificate(ca, dir, 'apiserver', {
      commonName: 'kube-apiserver',
      subjectAltNames: servingSubjectAltNames(opts.serviceIP),
    }),
    issueClientCertificate(ca, dir, 'admin', { commonName: 'admin', organization: 'system:masters' }),
  ]);
  const pki: ControlPlanePki = {
    dir,
    caCert: ca.certFile,
    caKey: ca.keyFile,
    servingCert: serving.certFile,
    servingKey: serving.keyFile,
    adminCert: admin.certFile,
    adminKey: admin.keyFile,
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(pki.serviceAccountKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(pki.serviceAccountPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
  return pki;
}

/** PEM strings for a TLS test: a CA, a serving certificate for 127.0.0.1 and localhost, and a client certificate. */
export interface TlsTestPki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  clientCert: string;
  clientKey: string;
}

/** A throwaway CA and certificates for a TLS test; the files openssl needs are deleted before this returns. */
export async function createTlsTestPki(
  client: CertificateSubject,
  opts: { openssl?: string } = {},
): Promise<TlsTestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'tls-test-pki-'));
  try {
    const ca = await createCertificateAuthority(dir, 'ca', { commonName: 'tls-test-ca', openssl: opts.openssl });
    const [serving, clientFiles] = await Promise.all([
      issueServingCertificate(ca, dir, 'server', {
        commonName: 'localhost',
        subjectAltNames: ['IP:127.0.0.1', 'DNS:localhost'],
      }),
      issueClientCertificate(ca, dir, 'client', client),
    ]);
    const read = (file: string) => readFile(file, 'utf8');
    return {
      caCert: await read(ca.certFile),
      servingCert: await read(serving.certFile),
      servingKey: await read(serving.keyFile),
      clientCert: await read(clientFiles.certFile),
      clientKey: await read(clientFiles.keyFile),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function subjectName(s: CertificateSubject): string {
  return `${s.organization ? `/O=${s.organization}` : ''}/CN=${s.commonName}`;
}

function randomSerial(): string {
  return `0x${crypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '7')}`;
}

async function run(cmd: string, args: string[]): Promise<void> {
  const proc = Bun.spawn([cmd, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${stderr.trim()}`);
}
