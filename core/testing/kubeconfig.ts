// Kubeconfig files for the local control plane: one with the admin bearer token (tests, kubectl, the operator)
// and one with the admin client certificate (the control-plane components), both trusting the run's CA.
import { stringify } from 'yaml';

export type KubeconfigCredentials = { token: string } | { clientCertificatePem: string; clientKeyPem: string };

export function renderKubeconfig(opts: {
  server: string;
  caPem: string;
  credentials: KubeconfigCredentials;
  name?: string;
}): string {
  const name = opts.name ?? 'tikv-operator-local';
  const user =
    'token' in opts.credentials
      ? { token: opts.credentials.token }
      : {
          'client-certificate-data': base64(opts.credentials.clientCertificatePem),
          'client-key-data': base64(opts.credentials.clientKeyPem),
        };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'certificate-authority-data': base64(opts.caPem) } }],
    users: [{ name: 'admin', user }],
    contexts: [{ name, context: { cluster: name, user: 'admin' } }],
    'current-context': name,
  });
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}
