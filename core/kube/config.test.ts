import { afterAll, describe, expect, test } from 'bun:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfigError, kubeConfigFromString, loadKubeConfig } from './config.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function kubeconfig(opts: { cluster: string; server: string; context: string; user?: string; current?: string }) {
  const user = opts.user ?? 'admin';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${opts.cluster}`,
    '  cluster:',
    `    server: ${opts.server}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    '    token: abc',
    'contexts:',
    `- name: ${opts.context}`,
    '  context:',
    `    cluster: ${opts.cluster}`,
    `    user: ${user}`,
    '    namespace: tikv',
    opts.current === undefined ? `current-context: ${opts.context}` : `current-context: "${opts.current}"`,
    '',
  ].join('\n');
}

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

const a = write('a.yaml', kubeconfig({ cluster: 'a', server: 'https://a.example:6443', context: 'ctx-a' }));
const b = write('b.yaml', kubeconfig({ cluster: 'b', server: 'https://b.example:6443', context: 'ctx-b' }));
const emptyHome = path.join(dir, 'empty-home');
const noSa = path.join(dir, 'no-sa');

describe('loadKubeConfig', () => {
  test('an explicit path wins over KUBECONFIG and reports the context namespace', () => {
    const loaded = loadKubeConfig({ path: a, env: { KUBECONFIG: b }, homeDir: emptyHome });
    expect(loaded.source).toBe('path');
    expect(loaded.server).toBe('https://a.example:6443');
    expect(loaded.namespace).toBe('tikv');
    expect(loaded.kubeConfig.getCurrentUser()?.token).toBe('abc');
  });

  test('KUBECONFIG with several files merges them and the first current-context wins', () => {
    const missing = path.join(dir, 'missing.yaml');
    const loaded = loadKubeConfig({
      env: { KUBECONFIG: [missing, b, a].join(path.delimiter) },
      homeDir: emptyHome,
    });
    expect(loaded.source).toBe('KUBECONFIG');
    expect(loaded.server).toBe('https://b.example:6443');
    expect(loaded.kubeConfig.contexts.map((c) => c.name).sort()).toEqual(['ctx-a', 'ctx-b']);
    expect(loadKubeConfig({ env: { KUBECONFIG: `${b}${path.delimiter}${a}` }, context: 'ctx-a' }).server).toBe(
      'https://a.example:6443',
    );
  });

  test('~/.kube/config is used when nothing else is configured', () => {
    const home = path.join(dir, 'home');
    write('home/.kube/config', kubeconfig({ cluster: 'h', server: 'https://home.example', context: 'h' }));
    const loaded = loadKubeConfig({ env: {}, homeDir: home, serviceAccountDir: noSa });
    expect(loaded.source).toBe('home');
    expect(loaded.location).toBe(path.join(home, '.kube', 'config'));
  });

  test('in-cluster: service account token file, CA file and Pod namespace, before the home directory', () => {
    const sa = path.join(dir, 'sa');
    write('sa/token', 'sa-token');
    write('sa/ca.crt', 'not parsed here');
    write('sa/namespace', 'tikv-system\n');
    const home = path.join(dir, 'home');
    const loaded = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      homeDir: home,
      serviceAccountDir: sa,
    });
    expect(loaded.source).toBe('in-cluster');
    expect(loaded.server).toBe('https://[fd00::1]:443');
    expect(loaded.namespace).toBe('tikv-system');
    const cluster = loaded.kubeConfig.getCurrentCluster();
    expect(cluster?.caFile).toBe(path.join(sa, 'ca.crt'));
    expect(loaded.kubeConfig.getCurrentUser()?.authProvider?.config?.tokenFile).toBe(path.join(sa, 'token'));
  });

  test('in-cluster token is sent as a bearer token by client-node', async () => {
    const sa = path.join(dir, 'sa2');
    write('sa2/token', 'rotating-token');
    write('sa2/ca.crt', '');
    const loaded = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      homeDir: emptyHome,
      serviceAccountDir: sa,
    });
    const opts: { headers?: Record<string, string> } = {};
    await loaded.kubeConfig.applyToHTTPSOptions(opts);
    expect(opts.headers?.Authorization).toBe('Bearer rotating-token');
  });

  test('nothing found: one line that lists every place looked at', () => {
    let err: unknown;
    try {
      loadKubeConfig({ env: {}, homeDir: emptyHome, serviceAccountDir: noSa });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeConfigError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain('no Kubernetes configuration found');
    expect(msg).toContain(path.join(emptyHome, '.kube', 'config'));
    expect(msg).toContain(path.join(noSa, 'token'));
  });

  test('clear errors for a missing file, a bad KUBECONFIG, an unknown context and no current context', () => {
    const missing = path.join(dir, 'nope.yaml');
    expect(() => loadKubeConfig({ path: missing })).toThrow(`kubeconfig ${missing}: no such file`);
    expect(() => loadKubeConfig({ env: { KUBECONFIG: missing } })).toThrow(`KUBECONFIG=${missing}: no such file`);
    expect(() => loadKubeConfig({ path: a, context: 'other' })).toThrow(
      `kubeconfig ${a}: context "other" not found (available: ctx-a)`,
    );
    const noCurrent = write(
      'nocurrent.yaml',
      kubeconfig({ cluster: 'c', server: 'https://c.example', context: 'c', current: '' }),
    );
    expect(() => loadKubeConfig({ path: noCurrent })).toThrow('no current-context set');
    const broken = write('broken.yaml', 'clusters:\n- name: x\n');
    expect(() => loadKubeConfig({ path: broken })).toThrow(
      `kubeconfig ${broken}: cannot parse: clusters[0].cluster is missing`,
    );
  });

  test('kubeConfigFromString applies the same checks', () => {
    const kc = kubeConfigFromString(kubeconfig({ cluster: 's', server: 'https://s.example/', context: 's' }));
    expect(kc.getCurrentCluster()?.server).toBe('https://s.example');
    expect(() => kubeConfigFromString('a: [')).toThrow(KubeConfigError);
  });
});
