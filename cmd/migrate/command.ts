// `tikv-operator migrate convert`: TikvCluster objects of the legacy tikv-operator in, the equivalent Cluster,
// PDGroup and TiKVGroup out (one YAML stream), and every setting that is not carried as a warning on stderr.
// Pure apart from the injected reads and writes, so the tests drive it in-process.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import YAML, { parseAllDocuments } from 'yaml';
import { isTikvCluster, LEGACY_API_GROUP_VERSION, LEGACY_KIND } from '../../plugins/legacy/api.ts';
import {
  type ConversionWarning,
  convertTikvCluster,
  type GroupNaming,
  groupNamings,
  type TikvClusterConversion,
} from '../../plugins/legacy/convert.ts';
import { UsageError } from '../operator/options.ts';
import { operatorVersion } from '../version.ts';

export const migrateUsage = `Usage: tikv-operator migrate <command> [flags]

Moves clusters of the legacy tikv-operator (TikvCluster, ${LEGACY_API_GROUP_VERSION}) to this operator's API.

Commands:
  convert   print the Cluster, PDGroup and TiKVGroup equivalent to TikvCluster objects

Not built yet: the live migration of a running cluster (new PD members join the legacy PD cluster, new TiKV
stores join, legacy stores are removed through PD). See docs/migration.md.

Run "tikv-operator migrate <command> --help" for the flags of a command.
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
  'note: the new PDGroup bootstraps its own PD cluster; applied next to a running legacy cluster it starts a second, empty cluster instead of joining the legacy one (the live migration that joins is not built yet: docs/migration.md)';

export interface ConvertCommandOptions {
  filename: string;
  output?: string;
  name?: string;
  groupNaming: GroupNaming;
}

export type MigrateCommand = { command: 'help'; text: string } | { command: 'convert'; options: ConvertCommandOptions };

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
    default:
      throw new UsageError(`unknown migrate command "${sub}"; run "tikv-operator migrate --help"`);
  }
}

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
export async function runMigrateCommand(argv: readonly string[], io: MigrateIO): Promise<number> {
  const parsed = parseMigrateCommand(argv);
  if (parsed.command === 'help') {
    await io.stdout(parsed.text);
    return 0;
  }
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
