// Flags of `tikv-operator run`, parsed and validated as a pure function so that every config error becomes one
// clear line before anything starts.
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../../core/api/duration.ts';
import { type LogFormat, type LogLevel, parseLogFormat, parseLogLevel } from '../../core/observability/log.ts';
import { LEGACY_API_FEATURE_GATE } from '../../plugins/legacy/api.ts';

/**
 * Feature gates of the operator process (`--feature-gates`), with their defaults. Not to be confused with a
 * Cluster's `spec.featureGates`, which are TiKV's and roll its instances.
 */
export const operatorFeatureGates = {
  /** Watch legacy TikvClusters and report in their status whether and to what they were converted. */
  [LEGACY_API_FEATURE_GATE]: false,
} as const;
export type OperatorFeatureGate = keyof typeof operatorFeatureGates;
export type FeatureGates = Readonly<Record<OperatorFeatureGate, boolean>>;

export interface RunOptions {
  /** Explicit kubeconfig; otherwise KUBECONFIG, the in-cluster service account, then ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  /** Watch and manage only this namespace; all namespaces when omitted. */
  namespace?: string;
  leaderElect: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  workers: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  httpHost: string;
  httpPort: number;
  benchResults: string;
  /**
   * How long a node must be NotReady before a terminating Pod of an instance on it is force-deleted (a Pod on a
   * node that is gone is force-deleted at once). docs/operations.md, "Failover".
   */
  lostNodeGracePeriodMs: number;
  /** Every operator feature gate, on or off (the defaults of `operatorFeatureGates` unless set). */
  featureGates: FeatureGates;
  /**
   * Dev and bench only: follow the data-plane simulator's address mappings from this feed (core/net/address-feed.ts)
   * instead of resolving cluster DNS names, so an operator in its own process reaches the simulated PD.
   */
  devAddressFeed?: string;
}

export const runUsage = `Usage: tikv-operator run [flags]

Runs the operator: watches Cluster, PDGroup, PD, TiKVGroup and TiKV objects and reconciles them.

Flags:
  --kubeconfig <path>              kubeconfig file (default: KUBECONFIG, in-cluster service account, ~/.kube/config)
  --context <name>                 kubeconfig context (default: current context)
  --namespace <ns>                 manage only this namespace (default: all namespaces)
  --leader-elect[=true|false]      run controllers only while holding the leader Lease (default: true)
  --leader-election-namespace <ns> namespace of the Lease (default: the in-cluster namespace, else "default")
  --leader-election-id <name>      name of the Lease (default: tikv-operator)
  --workers <n>                    concurrent reconciles per controller (default: 4)
  --log-level <level>              debug, info, warn or error (default: info)
  --log-format <format>            json or text (default: json)
  --http-address <host:port>       /healthz, /readyz, /metrics and /bench (default: 0.0.0.0:8080)
  --bench-results <path>           file served at /bench (default: bench/results/latest.json)
  --lost-node-grace-period <dur>   force-delete an instance's Pod left terminating on a node NotReady this long
                                   (a Go duration; default: 5m). Pods on deleted nodes go at once
  --feature-gates <Name=bool,...>  operator feature gates (may be repeated; later settings win):
                                     LegacyTikvClusterAPI (default false): watch TikvClusters (tikv.org/v1alpha1)
                                     and record in their status whether they were converted, and to which
                                     Cluster, PDGroup and TiKVGroup (docs/migration.md, section 6)
  -h, --help                       show this help

Development (local control plane and data-plane simulator only, never in a cluster):
  --dev-address-feed <url>         reach PD through the simulator's address mappings served at <url>
                                   (the bench starts the operator this way to measure it in its own process)
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseRunOptions(argv: string[]): RunOptions | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument: ${parsed.positionals[0]}`);
  const { host, port } = parseHttpAddress(v['http-address'] ?? '0.0.0.0:8080');
  return {
    kubeconfig: v.kubeconfig,
    context: v.context,
    namespace: v.namespace,
    leaderElect: parseBool('--leader-elect', v['leader-elect'] ?? 'true'),
    leaderElectionNamespace: v['leader-election-namespace'],
    leaderElectionId: v['leader-election-id'] ?? 'tikv-operator',
    workers: parsePositiveInt('--workers', v.workers ?? '4'),
    logLevel: wrap(() => parseLogLevel(v['log-level'] ?? 'info')),
    logFormat: wrap(() => parseLogFormat(v['log-format'] ?? 'json')),
    httpHost: host,
    httpPort: port,
    benchResults: v['bench-results'] ?? 'bench/results/latest.json',
    lostNodeGracePeriodMs: parseDuration('--lost-node-grace-period', v['lost-node-grace-period'] ?? '5m'),
    featureGates: parseFeatureGates(v['feature-gates'] ?? []),
    ...(v['dev-address-feed'] === undefined ? {} : { devAddressFeed: parseFeedUrl(v['dev-address-feed']) }),
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: normaliseBooleanFlags(argv),
    strict: true,
    allowPositionals: true,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      namespace: { type: 'string' },
      'leader-elect': { type: 'string' },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string' },
      workers: { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'http-address': { type: 'string' },
      'bench-results': { type: 'string' },
      'lost-node-grace-period': { type: 'string' },
      'feature-gates': { type: 'string', multiple: true },
      'dev-address-feed': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** `--leader-elect` alone means true, as with Kubernetes components; `--leader-elect=false` turns it off. */
function normaliseBooleanFlags(argv: string[]): string[] {
  return argv.map((arg) => (arg === '--leader-elect' ? '--leader-elect=true' : arg));
}

function parseBool(flag: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`${flag} must be true or false, got "${value}"`);
}

function parseDuration(flag: string, value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new UsageError(`${flag} must be a duration such as 30s or 5m, got "${value}"`);
  return ms;
}

/**
 * Kubernetes-style `Name=true,Other=false` lists (component-base's featuregate), one or more flags, later settings
 * winning. Unlike Kubernetes, only `true` and `false` are accepted: `1` or `t` in a Deployment is more likely a
 * mistake than a wish.
 */
export function parseFeatureGates(values: readonly string[]): FeatureGates {
  const gates: Record<string, boolean> = { ...operatorFeatureGates };
  const known = Object.keys(operatorFeatureGates);
  for (const value of values) {
    for (const entry of value.split(',')) {
      if (entry.trim() === '') continue;
      const i = entry.indexOf('=');
      const name = (i < 0 ? entry : entry.slice(0, i)).trim();
      if (!known.includes(name)) {
        throw new UsageError(`--feature-gates: unknown feature gate "${name}"; known gates: ${known.join(', ')}`);
      }
      if (i < 0) throw new UsageError(`--feature-gates: ${name} needs a value: ${name}=true or ${name}=false`);
      const setting = entry.slice(i + 1).trim();
      if (setting !== 'true' && setting !== 'false') {
        throw new UsageError(`--feature-gates: ${name} must be true or false, got "${setting}"`);
      }
      gates[name] = setting === 'true';
    }
  }
  return gates as FeatureGates;
}

function parsePositiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

export function parseHttpAddress(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const host = i < 0 ? '' : value.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(i < 0 ? value : value.slice(i + 1));
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--http-address must be host:port (for example 0.0.0.0:8080), got "${value}"`);
  }
  return { host, port };
}

function parseFeedUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--dev-address-feed must be a URL such as http://127.0.0.1:41234, got "${value}"`);
  }
  if (url.protocol !== 'http:') {
    throw new UsageError(`--dev-address-feed must be an http:// URL (the simulator's loopback feed), got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
