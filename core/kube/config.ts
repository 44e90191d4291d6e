// Finding the apiserver and the credentials for it. The search order follows controller-runtime's GetConfig:
// an explicit path, then KUBECONFIG, then the Pod's service account, then ~/.kube/config. In-cluster comes
// before the home directory so that a stray ~/.kube/config baked into an image never overrides the Pod's
// own identity. Parsing, TLS material and auth providers are client-node's KubeConfig; this module only
// decides where to look and says clearly when nothing is there. Runs on Bun and Deno (node: modules only).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { KubeConfig } from '@kubernetes/client-node';

export type KubeConfigSource = 'path' | 'KUBECONFIG' | 'in-cluster' | 'home';

export interface LoadKubeConfigOptions {
  /** An explicit kubeconfig file (a `--kubeconfig` flag); when set, nothing else is tried. */
  path?: string;
  /** Use this context instead of the file's current-context. */
  context?: string;
  /** Defaults to the process environment. */
  env?: Record<string, string | undefined>;
  /** Defaults to the user's home directory. */
  homeDir?: string;
  /** The service account directory; defaults to /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
}

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  source: KubeConfigSource;
  /** The file(s) or directory the configuration came from. */
  location: string;
  /** The apiserver URL of the selected context. */
  server: string;
  /** The selected context's namespace (in-cluster: the Pod's namespace), if any. */
  namespace?: string;
}

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  if (opts.path) return finish(loadFiles([opts.path], true), 'path', opts.path, opts.context);

  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  if (fromEnv.length > 0) {
    // kubectl skips missing entries of KUBECONFIG, but a variable naming no existing file is a mistake.
    const existing = fromEnv.filter((p) => fs.existsSync(p));
    if (existing.length === 0) {
      throw new KubeConfigError(`KUBECONFIG=${env.KUBECONFIG}: no such file`);
    }
    return finish(loadFiles(existing, false), 'KUBECONFIG', existing.join(path.delimiter), opts.context);
  }

  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host && port && fs.existsSync(path.join(saDir, 'token'))) {
    return finish(inClusterConfig(host, port, saDir), 'in-cluster', saDir, opts.context);
  }

  const home = opts.homeDir ?? os.homedir();
  const homeConfig = path.join(home, '.kube', 'config');
  if (home && fs.existsSync(homeConfig)) return finish(loadFiles([homeConfig], true), 'home', homeConfig, opts.context);

  throw new KubeConfigError(
    `no Kubernetes configuration found: pass a kubeconfig path, set KUBECONFIG, create ${homeConfig}, ` +
      `or run in a Pod (needs KUBERNETES_SERVICE_HOST/PORT and ${path.join(saDir, 'token')})`,
  );
}

/** Parses kubeconfig YAML (for example a kubeconfig a test control plane wrote) with the same checks. */
export function kubeConfigFromString(yaml: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(yaml);
  } catch (err) {
    throw new KubeConfigError(`kubeconfig: cannot parse: ${errorText(err)}`);
  }
  return finish(kc, 'path', '<string>', context).kubeConfig;
}

function loadFiles(files: string[], mustExist: boolean): KubeConfig {
  let merged: KubeConfig | undefined;
  for (const file of files) {
    if (mustExist && !fs.existsSync(file)) throw new KubeConfigError(`kubeconfig ${file}: no such file`);
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new KubeConfigError(`kubeconfig ${file}: cannot parse: ${errorText(err)}`);
    }
    if (merged) mergeFirstWins(merged, kc);
    else merged = kc;
  }
  if (!merged) throw new KubeConfigError('kubeconfig: no file given');
  return merged;
}

// kubectl's merge rule for several KUBECONFIG files: the first file that sets a value (current-context, or a
// cluster/user/context of a given name) wins; client-node's mergeConfig throws on duplicates instead.
function mergeFirstWins(into: KubeConfig, from: KubeConfig): void {
  if (!into.currentContext && from.currentContext) into.currentContext = from.currentContext;
  for (const c of from.clusters) if (!into.clusters.some((x) => x.name === c.name)) into.clusters.push(c);
  for (const u of from.users) if (!into.users.some((x) => x.name === u.name)) into.users.push(u);
  for (const c of from.contexts) if (!into.contexts.some((x) => x.name === c.name)) into.contexts.push(c);
}

// The same shape as client-node's loadFromCluster, but with the environment and directory passed in. The
// token is referenced as a file (client-node's FileAuth re-reads it every minute), because bound service
// account tokens are rotated by the kubelet.
function inClusterConfig(host: string, port: string, saDir: string): KubeConfig {
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const serverHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const nsFile = path.join(saDir, 'namespace');
  const namespace = fs.existsSync(nsFile) ? fs.readFileSync(nsFile, 'utf8').trim() : undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'in-cluster',
        server: `${scheme}://${serverHost}:${port}`,
        caFile: path.join(saDir, 'ca.crt'),
        skipTLSVerify: false,
      },
    ],
    users: [
      {
        name: 'service-account',
        authProvider: { name: 'tokenFile', config: { tokenFile: path.join(saDir, 'token') } },
      },
    ],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account', namespace }],
    currentContext: 'in-cluster',
  });
  return kc;
}

function finish(kc: KubeConfig, source: KubeConfigSource, location: string, context?: string): LoadedKubeConfig {
  const where = source === 'in-cluster' ? 'in-cluster config' : `kubeconfig ${location}`;
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.contexts.map((c) => c.name).join(', ') || 'none';
      throw new KubeConfigError(`${where}: context "${context}" not found (available: ${known})`);
    }
    kc.setCurrentContext(context);
  }
  const current = kc.getCurrentContext();
  if (!current) throw new KubeConfigError(`${where}: no current-context set and no context chosen`);
  const ctx = kc.getContextObject(current);
  if (!ctx) throw new KubeConfigError(`${where}: current-context "${current}" is not defined`);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new KubeConfigError(`${where}: context "${current}" refers to unknown cluster "${ctx.cluster}"`);
  if (ctx.user && !kc.getUser(ctx.user)) {
    throw new KubeConfigError(`${where}: context "${current}" refers to unknown user "${ctx.user}"`);
  }
  const loaded: LoadedKubeConfig = { kubeConfig: kc, source, location, server: cluster.server };
  if (ctx.namespace) loaded.namespace = ctx.namespace;
  return loaded;
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
