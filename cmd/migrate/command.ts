// `tikv-operator migrate convert`: TikvCluster objects of the legacy tikv-operator in, the equivalent Cluster,
// PDGroup and TiKVGroup out (one YAML stream), and every setting that is not carried as a warning on stderr.
// `tikv-operator migrate run`: the live migration of one running TikvCluster (join-and-drain,
// plugins/legacy/migrate). Pure apart from the injected reads, writes and connections, so the tests drive it
// in-process.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import YAML, { parseAllDocuments } from 'yaml';
import { parseDurationMs } from '../../core/api/duration.ts';
import type { KubeClient } from '../../core/kube/client.ts';
import { loadKubeConfig } from '../../core/kube/config.ts';
import { RestKubeClient } from '../../core/kube/rest-client.ts';
import { type AddressResolver, identityResolver } from '../../core/net/resolver.ts';
import { type Clock, realClock } from '../../core/runtime/clock.ts';
import { isTikvCluster, LEGACY_API_GROUP_VERSION, LEGACY_KIND } from '../../plugins/legacy/api.ts';
import {
  type ConversionWarning,
  convertTikvCluster,
  type GroupNaming,
  groupNamesFor,
  groupNamings,
  type TikvClusterConversion,
} from '../../plugins/legacy/convert.ts';
import type { MigrationDeps } from '../../plugins/legacy/migrate/observe.ts';
import { planMigration, renderDryRun, runMigration } from '../../plugins/legacy/migrate/run.ts';
import { defaultMigrationOptions, type MigrationTarget } from '../../plugins/legacy/migrate/state.ts';
import { PdClientFactory } from '../../plugins/pd/client/pd-client.ts';
import { UsageError } from '../operator/options.ts';
import { operatorVersion } from '../version.ts';

export const migrateUsage = `Usage: tikv-operator migrate <command> [flags]

Moves clusters of the legacy tikv-operator (TikvCluster, ${LEGACY_API_GROUP_VERSION}) to this operator's API.

Commands:
  convert   print the Cluster, PDGroup and TiKVGroup equivalent to TikvCluster objects
  run       migrate a running TikvCluster without data loss (join-and-drain): new PD members join the legacy
            PD cluster, new TiKV stores join, legacy stores are removed through PD, the StatefulSets go

See docs/migration.md. Run "tikv-operator migrate <command> --help" for the flags of a command.
`;

export const runUsage = `Usage: tikv-operator migrate run <tikvcluster> [flags]

Moves a running TikvCluster to a Cluster, a PDGroup and a TiKVGroup without data loss (join-and-drain):
  1. checks the preconditions (PD healthy, every store Up, no down peers, no evict-leader scheduler, the legacy
     operator stopped) and converts the TikvCluster (as "migrate convert" does, groups <name>-pdg, <name>-kvg);
  2. creates the Cluster and the PDGroup with spec.join = the legacy PD Service: the new PD members join the
     legacy PD cluster (same cluster id, checked), and PD leadership moves to one of them;
  3. creates the TiKVGroup and waits until its stores are Up;
  4. removes the legacy stores one at a time, highest ordinal first: evict leaders, delete the store in PD,
     wait until it is Tombstone, then lower the StatefulSet (its Pod goes);
  5. removes the legacy PD members the same way (leadership away, quorum kept, delete in PD, then the Pod);
  6. deletes the legacy StatefulSets (PVCs with --delete-volumes) and marks the TikvCluster converted.
Progress is printed per step. All state lives in the API objects and in PD: after an interruption, run the same
command again and it continues where it stopped. A failed precondition is refused with one line, and nothing
is changed.

The command must reach PD's Services (<name>-pd, later <name>-pdg): run it in the cluster, or give --pd-url.

Flags:
  -n, --namespace <ns>          namespace of the TikvCluster (default: the kubeconfig context's, else default)
      --name <name>             name of the new Cluster (default: the TikvCluster's)
  -f, --filename <path>         the TikvCluster (YAML), when its CRD is not served; "-" reads stdin
      --accept-warnings         go ahead although the converter reports settings it does not carry as they were
                                (review them first with "migrate convert")
      --delete-volumes          delete the legacy PVCs at the end (default: keep them)
      --legacy-operator-stopped the legacy operator is stopped (when the command may not list Deployments)
      --evict-leader-timeout <d> how long a legacy store's leaders may take to leave (default 5m)
      --timeout <duration>      stop after this long (run again to continue; default: no limit)
      --pd-url <url>            reach PD only here (a kubectl port-forward) instead of its Services
      --dry-run                 print the plan and what a run would do next; change nothing
      --kubeconfig <path>       kubeconfig file (default: KUBECONFIG, in-cluster service account, ~/.kube/config)
      --context <name>          kubeconfig context
  -h, --help                    show this help

Example:
  tikv-operator migrate run basic -n tikv --dry-run
  tikv-operator migrate run basic -n tikv
`;

export const convertUsage = `Usage: tikv-operator migrate convert -f <file> [flags]

Reads TikvCluster objects (YAML or JSON; several documents, or a List from "kubectl get -o yaml") and writes
the equivalent Cluster, PDGroup and TiKVGroup of each as one YAML stream. Every legacy setting that is not
carried as it was is reported on stderr, one line each:
  warning: <field>: <reason>
The same warnings head the YAML as comments. Nothing is sent to a cluster.

Flags:
  -f, --filename <path>   file to read; "-" reads stdin (required)
  -o, --output <path>     write the YAML to this file instead of stdout
      --name <name>       name of the new Cluster (only with one TikvCluster; default: the legacy name)
      --group-names <how> distinct (default): groups <name>-pdg and <name>-kvg, whose Pods and Services do
                          not collide with the legacy ones, so they can run next to them;
                          legacy: groups <name>-pd and <name>-tikv, which reuse the legacy Pod and DNS names
                          (apply them only once the legacy StatefulSets and Services are gone)
  -h, --help              show this help

Example:
  kubectl get tikvcluster basic -o yaml | tikv-operator migrate convert -f - -o basic-new.yaml
`;

/** Printed once per run: applying the output next to a running legacy cluster does not migrate it. */
export const bootstrapNote =
  'note: the new PDGroup bootstraps its own PD cluster; applied next to a running legacy cluster it starts a second, empty cluster instead of joining the legacy one: to move a running cluster use "tikv-operator migrate run" (docs/migration.md)';

export interface ConvertCommandOptions {
  filename: string;
  output?: string;
  name?: string;
  groupNaming: GroupNaming;
}

export interface RunCommandOptions {
  legacyName: string;
  namespace?: string;
  clusterName?: string;
  filename?: string;
  acceptWarnings: boolean;
  deleteVolumes: boolean;
  legacyOperatorStopped: boolean;
  evictLeaderTimeoutMs: number;
  timeoutMs?: number;
  pdUrl?: string;
  dryRun: boolean;
  kubeconfig?: string;
  context?: string;
}

export type MigrateCommand =
  | { command: 'help'; text: string }
  | { command: 'convert'; options: ConvertCommandOptions }
  | { command: 'run'; options: RunCommandOptions };

/** The connections of `migrate run`; the binary makes them from the kubeconfig, tests pass their own. */
export interface MigrateEnvironment {
  /** The apiserver client and the namespace of the kubeconfig context. */
  kube(options: { kubeconfig?: string; context?: string }): { client: KubeClient; namespace?: string };
  /** How PD URLs are reached: the identity in a cluster, the simulator's mapping in tests. */
  resolver: AddressResolver;
  clock: Clock;
  /** Aborted on Ctrl-C: the run stops between two steps. */
  signal?: AbortSignal;
  /** How soon `run` looks again while it waits (default 1 s). */
  pollMs?: number;
}

export const processMigrateEnvironment = (signal?: AbortSignal): MigrateEnvironment => ({
  kube: ({ kubeconfig, context }) => {
    const loaded = loadKubeConfig({ path: kubeconfig, context });
    return { client: new RestKubeClient(loaded.kubeConfig), namespace: loaded.namespace };
  },
  resolver: identityResolver,
  clock: realClock,
  ...(signal ? { signal } : {}),
});

/** Reads and writes of the command; the binary passes the process's, tests pass their own. */
export interface MigrateIO {
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  writeFile(path: string, content: string): Promise<void>;
  stdout(text: string): void | Promise<void>;
  stderr(text: string): void | Promise<void>;
}

/** The process's files and streams; `stdout` is the binary's awaited writer (see cmd/tikv-operator.ts). */
export function processMigrateIO(stdout: (text: string) => Promise<void>): MigrateIO {
  return {
    readFile: (path) => readFile(path, 'utf8'),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    },
    writeFile: (path, content) => writeFile(path, content),
    stdout,
    stderr: (text) =>
      new Promise<void>((resolve, reject) => {
        process.stderr.write(text, (error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A problem with the input documents (not with the flags): exit 1 with one line. */
export class MigrateInputError extends Error {
  override name = 'MigrateInputError';
}

/** Parses `migrate ...` arguments; every mistake is a UsageError with one line. */
export function parseMigrateCommand(argv: readonly string[]): MigrateCommand {
  const [sub, ...rest] = argv;
  switch (sub) {
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      return { command: 'help', text: migrateUsage };
    case 'convert': {
      let parsed: ReturnType<typeof parseConvertArgs>;
      try {
        parsed = parseConvertArgs(rest);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const { values, positionals } = parsed;
      if (values.help) return { command: 'help', text: convertUsage };
      if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
      if (values.filename === undefined || values.filename === '') {
        throw new UsageError('migrate convert needs -f <file> (or -f - for stdin)');
      }
      const groupNaming = values['group-names'] ?? 'distinct';
      if (!isGroupNaming(groupNaming)) {
        throw new UsageError(`--group-names must be ${groupNamings.join(' or ')}, got "${groupNaming}"`);
      }
      const options: ConvertCommandOptions = { filename: values.filename, groupNaming };
      if (values.output !== undefined) options.output = values.output;
      if (values.name !== undefined) options.name = values.name;
      return { command: 'convert', options };
    }
    case 'run':
      return parseRunCommand(rest);
    default:
      throw new UsageError(`unknown migrate command "${sub}"; run "tikv-operator migrate --help"`);
  }
}

function parseRunCommand(args: string[]): MigrateCommand {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; strict: true; allowPositionals: true; options: typeof runFlags }>
  >;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options: runFlags });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help', text: runUsage };
  const [legacyName, extra] = positionals;
  if (legacyName === undefined) throw new UsageError('migrate run needs the name of the TikvCluster');
  if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`);
  const duration = (flag: 'evict-leader-timeout' | 'timeout', fallback?: string): number | undefined => {
    const raw = values[flag] ?? fallback;
    if (raw === undefined) return undefined;
    const ms = parseDurationMs(raw);
    if (ms === undefined || ms <= 0)
      throw new UsageError(`--${flag} must be a positive duration such as 5m, got "${raw}"`);
    return ms;
  };
  const options: RunCommandOptions = {
    legacyName,
    acceptWarnings: values['accept-warnings'] === true,
    deleteVolumes: values['delete-volumes'] === true,
    legacyOperatorStopped: values['legacy-operator-stopped'] === true,
    evictLeaderTimeoutMs: duration('evict-leader-timeout', '5m') as number,
    dryRun: values['dry-run'] === true,
  };
  const timeoutMs = duration('timeout');
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  for (const [flag, key] of [
    ['namespace', 'namespace'],
    ['name', 'clusterName'],
    ['filename', 'filename'],
    ['pd-url', 'pdUrl'],
    ['kubeconfig', 'kubeconfig'],
    ['context', 'context'],
  ] as const) {
    const value = values[flag];
    if (value !== undefined) options[key] = value;
  }
  return { command: 'run', options };
}

const runFlags = {
  namespace: { type: 'string', short: 'n' },
  name: { type: 'string' },
  filename: { type: 'string', short: 'f' },
  'accept-warnings': { type: 'boolean' },
  'delete-volumes': { type: 'boolean' },
  'legacy-operator-stopped': { type: 'boolean' },
  'evict-leader-timeout': { type: 'string' },
  timeout: { type: 'string' },
  'pd-url': { type: 'string' },
  'dry-run': { type: 'boolean' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseConvertArgs(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      filename: { type: 'string', short: 'f' },
      output: { type: 'string', short: 'o' },
      name: { type: 'string' },
      'group-names': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function isGroupNaming(value: string): value is GroupNaming {
  return (groupNamings as readonly string[]).includes(value);
}

/** Runs `migrate ...`; resolves with the exit code. */
export async function runMigrateCommand(
  argv: readonly string[],
  io: MigrateIO,
  env: MigrateEnvironment = processMigrateEnvironment(),
): Promise<number> {
  const parsed = parseMigrateCommand(argv);
  if (parsed.command === 'help') {
    await io.stdout(parsed.text);
    return 0;
  }
  if (parsed.command === 'run') return runLiveMigration(parsed.options, io, env);
  const { filename, output, name, groupNaming } = parsed.options;
  const source = filename === '-' ? 'stdin' : filename;
  const text = filename === '-' ? await io.readStdin() : await readInput(io, filename);
  const clusters = tikvClustersIn(text, source);
  if (name !== undefined && clusters.length > 1) {
    throw new UsageError(`--name applies to one TikvCluster, but ${source} holds ${clusters.length}`);
  }
  const conversions = clusters.map((cluster) => convertTikvCluster(cluster, { name, groupNaming }));
  const several = conversions.length > 1;
  const lines = conversions.flatMap((c) =>
    c.warnings.map((w) => `warning: ${several ? `${objectName(c)}: ` : ''}${warningText(w)}\n`),
  );
  const yaml = renderConversions(conversions);
  if (output === undefined) await io.stdout(yaml);
  else await io.writeFile(output, yaml);
  await io.stderr([...lines, `${bootstrapNote}\n`].join(''));
  return 0;
}

async function readInput(io: MigrateIO, path: string): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new MigrateInputError(`${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/**
 * The TikvClusters of a YAML stream: documents, and the items of a List (`kubectl get -o yaml`). Anything else
 * is an error naming the document, so that a wrong file is never half converted.
 */
export function tikvClustersIn(text: string, source: string): unknown[] {
  const clusters: unknown[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    const where = `${source}: document ${index + 1}`;
    if (doc.errors.length > 0) throw new MigrateInputError(`${where}: ${firstLine(doc.errors[0]?.message ?? '')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const items = isList(value) ? value.items : [value];
    items.forEach((item, itemIndex) => {
      if (isTikvCluster(item)) {
        clusters.push(item);
        return;
      }
      const at = isList(value) ? `${where}, item ${itemIndex + 1}` : where;
      throw new MigrateInputError(`${at} is ${describeKind(item)}, not a ${LEGACY_KIND} (${LEGACY_API_GROUP_VERSION})`);
    });
  });
  if (clusters.length === 0) throw new MigrateInputError(`${source}: no ${LEGACY_KIND} found`);
  return clusters;
}

function isList(value: unknown): value is { items: unknown[] } {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, items } = value as { kind?: unknown; items?: unknown };
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items);
}

function describeKind(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a Kubernetes object';
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  if (typeof kind !== 'string') return 'an object without a kind';
  return `a ${kind}${typeof apiVersion === 'string' ? ` (${apiVersion})` : ''}`;
}

export function warningText(warning: ConversionWarning): string {
  return warning.field ? `${warning.field}: ${warning.reason}` : warning.reason;
}

function objectName({ source }: TikvClusterConversion): string {
  return source.namespace ? `${source.namespace}/${source.name}` : source.name;
}

/** The YAML stream: per TikvCluster a comment with its warnings, then the Cluster, PDGroup and TiKVGroup. */
export function renderConversions(conversions: readonly TikvClusterConversion[]): string {
  const documents = conversions.flatMap((conversion) => {
    const header = [
      `# Converted from ${LEGACY_KIND} ${objectName(conversion)} by tikv-operator ${operatorVersion} (migrate convert).`,
      ...(conversion.warnings.length === 0
        ? ['# Every legacy setting is carried.']
        : [
            `# ${conversion.warnings.length} legacy setting(s) not carried as they were:`,
            ...conversion.warnings.map((w) => `#   ${warningText(w)}`),
          ]),
    ].join('\n');
    const [first, ...rest] = [conversion.cluster, conversion.pdGroup, conversion.tikvGroup].map(toYaml);
    return [`${header}\n${first}`, ...rest];
  });
  return documents.join('---\n');
}

function toYaml(value: unknown): string {
  // lineWidth 0: long strings stay on one line; no anchors, each object is written out in full.
  return YAML.stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

/** `migrate run`: the live migration, or its plan with --dry-run. Exit 0 when done, 1 when refused or stopped. */
async function runLiveMigration(options: RunCommandOptions, io: MigrateIO, env: MigrateEnvironment): Promise<number> {
  const { client, namespace: contextNamespace } = env.kube({
    ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
  });
  const namespace = options.namespace ?? contextNamespace ?? 'default';
  const cluster = options.clusterName ?? options.legacyName;
  const groups = groupNamesFor(cluster, 'distinct');
  const target: MigrationTarget = {
    namespace,
    legacyName: options.legacyName,
    cluster,
    pdGroup: groups.pd,
    tikvGroup: groups.tikv,
  };
  const deps: MigrationDeps = {
    kube: client,
    pdClients: new PdClientFactory({ resolver: env.resolver, clock: env.clock }),
    clock: env.clock,
  };
  if (options.pdUrl !== undefined) deps.pdUrl = options.pdUrl;
  if (options.filename !== undefined) deps.tikvClusterFromFile = await tikvClusterFromFile(io, options);
  const migrationOptions = {
    ...defaultMigrationOptions,
    acceptWarnings: options.acceptWarnings,
    deleteVolumes: options.deleteVolumes,
    legacyOperatorStopped: options.legacyOperatorStopped,
    evictLeaderTimeoutMs: options.evictLeaderTimeoutMs,
  };
  if (options.dryRun) {
    const report = await planMigration(deps, target, migrationOptions);
    await io.stdout(renderDryRun(target, report));
    return report.next.action.kind === 'refuse' ? 1 : 0;
  }
  const result = await runMigration(deps, target, {
    ...migrationOptions,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(env.pollMs !== undefined ? { pollMs: env.pollMs } : {}),
    ...(env.signal ? { signal: env.signal } : {}),
    progress: (line) => io.stdout(`${line}\n`),
  });
  switch (result.outcome) {
    case 'done':
      await io.stdout(
        `Next: move clients from ${target.legacyName}-pd:2379 to ${target.pdGroup}:2379, then delete the TikvCluster (docs/migration.md).\n`,
      );
      return 0;
    case 'refused':
      await io.stderr(`tikv-operator: migrate run refused [${result.phase}]: ${result.reason}\n`);
      return 1;
    case 'stopped':
      await io.stderr(`tikv-operator: migrate run stopped: ${result.reason}\n`);
      return 1;
  }
}

async function tikvClusterFromFile(io: MigrateIO, options: RunCommandOptions): Promise<unknown> {
  const filename = options.filename ?? '-';
  const source = filename === '-' ? 'stdin' : filename;
  const text = filename === '-' ? await io.readStdin() : await readInput(io, filename);
  const matching = tikvClustersIn(text, source).filter(
    (c) => (c as { metadata?: { name?: string } }).metadata?.name === options.legacyName,
  );
  if (matching.length !== 1) {
    throw new MigrateInputError(
      `${source}: expected one ${LEGACY_KIND} named ${options.legacyName}, found ${matching.length}`,
    );
  }
  return matching[0];
}
