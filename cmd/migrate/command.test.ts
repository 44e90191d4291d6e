// `tikv-operator migrate convert`: flags, input shapes (files, stdin, several documents, Lists), the YAML stream
// and the warning lines, and the errors for input that is not a TikvCluster. In-process with fake IO, plus the
// real binary for stdin piping and exit codes.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { LegacyConversionError } from '../../plugins/legacy/convert.ts';
import { UsageError } from '../operator/options.ts';
import { runCli } from '../testing.ts';
import { describeFatal } from '../tikv-operator.ts';
import { bootstrapNote, MigrateInputError, type MigrateIO, parseMigrateCommand, runMigrateCommand } from './command.ts';

const testdata = join(import.meta.dir, '..', '..', 'plugins', 'legacy', 'testdata');
const read = (file: string) => readFileSync(join(testdata, file), 'utf8');

interface FakeIO extends MigrateIO {
  out: string;
  err: string;
  files: Map<string, string>;
}

function fakeIO(files: Record<string, string> = {}, stdin = ''): FakeIO {
  const io: FakeIO = {
    out: '',
    err: '',
    files: new Map(Object.entries(files)),
    readFile: async (path) => {
      const content = io.files.get(path);
      if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return content;
    },
    readStdin: async () => stdin,
    writeFile: async (path, content) => {
      io.files.set(path, content);
    },
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
  };
  return io;
}

const documents = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as { kind: string; metadata: object });

describe('flags', () => {
  test.each([
    [[], 'Usage: tikv-operator migrate <command>'],
    [['--help'], 'run       migrate a running TikvCluster without data loss (join-and-drain)'],
    [['run', '--help'], 'Usage: tikv-operator migrate run <tikvcluster> [flags]'],
    [['convert', '--help'], 'warning: <field>: <reason>'],
    [['convert', '-h'], '--group-names <how>'],
  ])('%j shows help', async (args, text) => {
    const io = fakeIO();
    expect(await runMigrateCommand(args, io)).toBe(0);
    expect(io.out).toContain(text);
  });

  test.each([
    [['convert'], 'migrate convert needs -f <file> (or -f - for stdin)'],
    [['convert', '-f', 'a.yaml', 'b.yaml'], 'unexpected argument: b.yaml'],
    [['convert', '-f', 'a.yaml', '--group-names', 'same'], '--group-names must be distinct or legacy, got "same"'],
    [['convert', '-f', 'a.yaml', '--force'], "Unknown option '--force'"],
    [['adopt'], 'unknown migrate command "adopt"; run "tikv-operator migrate --help"'],
    [['run'], 'migrate run needs the name of the TikvCluster'],
    [['run', 'a', 'b'], 'unexpected argument: b'],
    [['run', 'a', '--timeout', 'soon'], '--timeout must be a positive duration such as 5m, got "soon"'],
    [
      ['run', 'a', '--evict-leader-timeout', '0s'],
      '--evict-leader-timeout must be a positive duration such as 5m, got "0s"',
    ],
    [['run', 'a', '--group-names', 'legacy'], "Unknown option '--group-names'"],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseMigrateCommand(args)).toThrow(UsageError);
    expect(() => parseMigrateCommand(args)).toThrow(message);
  });

  test('run: defaults, and all flags', () => {
    expect(parseMigrateCommand(['run', 'basic'])).toEqual({
      command: 'run',
      options: {
        legacyName: 'basic',
        acceptWarnings: false,
        deleteVolumes: false,
        legacyOperatorStopped: false,
        evictLeaderTimeoutMs: 300_000,
        dryRun: false,
      },
    });
    const args = ['run', 'basic', '-n', 'tikv', '--name', 'kv', '-f', 'tc.yaml', '--accept-warnings'];
    args.push('--delete-volumes', '--legacy-operator-stopped', '--evict-leader-timeout', '1m', '--timeout', '2h');
    args.push('--pd-url', 'http://127.0.0.1:2379', '--dry-run', '--kubeconfig', 'k', '--context', 'c');
    expect(parseMigrateCommand(args)).toEqual({
      command: 'run',
      options: {
        legacyName: 'basic',
        namespace: 'tikv',
        clusterName: 'kv',
        filename: 'tc.yaml',
        acceptWarnings: true,
        deleteVolumes: true,
        legacyOperatorStopped: true,
        evictLeaderTimeoutMs: 60_000,
        timeoutMs: 7_200_000,
        pdUrl: 'http://127.0.0.1:2379',
        dryRun: true,
        kubeconfig: 'k',
        context: 'c',
      },
    });
  });

  test('convert: all flags', () => {
    expect(
      parseMigrateCommand(['convert', '-f', '-', '-o', 'out.yaml', '--name', 'n', '--group-names', 'legacy']),
    ).toEqual({
      command: 'convert',
      options: { filename: '-', output: 'out.yaml', name: 'n', groupNaming: 'legacy' },
    });
  });
});

describe('convert', () => {
  test('prints the Cluster, PDGroup and TiKVGroup as one YAML stream, warnings on stderr one per line', async () => {
    const io = fakeIO({ 'tc.yaml': read('every-field.yaml') });
    expect(await runMigrateCommand(['convert', '-f', 'tc.yaml'], io)).toBe(0);
    const docs = documents(io.out);
    expect(docs.map((d) => [d.kind, (d.metadata as { name: string }).name])).toEqual([
      ['Cluster', 'everything'],
      ['PDGroup', 'everything-pdg'],
      ['TiKVGroup', 'everything-kvg'],
    ]);
    const lines = io.err.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(bootstrapNote);
    const warnings = lines.slice(0, -1);
    expect(warnings).toHaveLength(25);
    expect(warnings).toContain(
      'warning: spec.pd.hostNetwork: carried in overlay.pod.spec (hostNetwork, dnsPolicy ClusterFirstWithHostNet), but the new operator does not reserve host ports: keep the instances of a group on different nodes (pod anti-affinity or a schedulePolicies spread), or two of them collide on the node ports',
    );
    for (const line of warnings) expect(line).toMatch(/^warning: (metadata|spec|status)\.[^:]+: \S/);
    // The YAML carries the same warnings as comments, for whoever reviews the file later.
    expect(io.out).toStartWith('# Converted from TikvCluster everything by tikv-operator');
    expect(io.out).toContain('#   spec.tikv.config.gc.batch-keys: the legacy operator never read it');
  });

  test('multi-line config stays a readable block in the YAML', async () => {
    const io = fakeIO({ 'tc.yaml': read('production.yaml') });
    await runMigrateCommand(['convert', '-f', 'tc.yaml'], io);
    expect(io.out).toContain('      config: |\n        [log]\n        level = "info"\n');
  });

  test('-o writes the YAML to a file and nothing to stdout', async () => {
    const io = fakeIO({ 'tc.yaml': read('basic.yaml') });
    await runMigrateCommand(['convert', '-f', 'tc.yaml', '-o', 'new.yaml'], io);
    expect(io.out).toBe('');
    expect(documents(io.files.get('new.yaml') ?? '')).toHaveLength(3);
    expect(io.files.get('new.yaml')).toContain('# Every legacy setting is carried.');
    expect(io.err).toBe(`${bootstrapNote}\n`);
  });

  test('-f - reads stdin', async () => {
    const io = fakeIO({}, read('basic-cn.yaml'));
    await runMigrateCommand(['convert', '-f', '-'], io);
    expect(io.out).toContain('image: registry.cn-beijing.aliyuncs.com/tidb/pd:v4.0.0');
  });

  test('several TikvClusters convert each; warnings name the object they belong to', async () => {
    const io = fakeIO({ 'all.yaml': `${read('production.yaml')}---\n${read('basic.yaml')}` });
    await runMigrateCommand(['convert', '-f', 'all.yaml', '--group-names', 'legacy'], io);
    expect(documents(io.out).map((d) => (d.metadata as { name: string }).name)).toEqual([
      'surreal',
      'surreal-pd',
      'surreal-tikv',
      'basic',
      'basic-pd',
      'basic-tikv',
    ]);
    expect(io.err).toContain('warning: tikv/surreal: spec.pd.config.schedule: carried');
  });

  test('a List from kubectl get -o yaml converts its items (server-set metadata and status ignored)', async () => {
    const item = parseAllDocuments(read('basic.yaml'))[0]?.toJS() as { metadata: Record<string, unknown> };
    item.metadata = { ...item.metadata, uid: 'u1', resourceVersion: '42', creationTimestamp: '2020-08-31T00:00:00Z' };
    const list = { apiVersion: 'v1', kind: 'List', items: [item, { ...item, metadata: { name: 'other' } }] };
    const io = fakeIO({ 'list.yaml': stringify(list) });
    await runMigrateCommand(['convert', '-f', 'list.yaml'], io);
    const docs = documents(io.out);
    expect(docs).toHaveLength(6);
    expect(docs[0]?.metadata).toEqual({
      name: 'basic',
      annotations: { 'tikv.org/converted-from': 'TikvCluster/basic' },
    });
  });

  test('--name renames the new objects; it is refused for several TikvClusters', async () => {
    const io = fakeIO({ one: read('basic.yaml'), two: `${read('basic.yaml')}---\n${read('production.yaml')}` });
    await runMigrateCommand(['convert', '-f', 'one', '--name', 'kv'], io);
    expect(documents(io.out).map((d) => (d.metadata as { name: string }).name)).toEqual(['kv', 'kv-pdg', 'kv-kvg']);
    await expect(
      runMigrateCommand(['convert', '-f', 'two', '--name', 'kv'], fakeIO({ two: io.files.get('two') ?? '' })),
    ).rejects.toThrow('--name applies to one TikvCluster, but two holds 2');
  });
});

describe('input that cannot be converted', () => {
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n';

  test.each([
    ['in.yaml: document 1 is a Deployment (apps/v1), not a TikvCluster (tikv.org/v1alpha1)', deployment],
    ['in.yaml: document 2 is a Deployment (apps/v1), not a TikvCluster', `${read('basic.yaml')}---\n${deployment}`],
    [
      'in.yaml: document 1, item 1 is a Service (v1), not a TikvCluster',
      stringify({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Service', apiVersion: 'v1' }] }),
    ],
    ['in.yaml: document 1: ', 'a: [1, 2\n'],
    ['in.yaml: no TikvCluster found', ''],
    ['in.yaml: no TikvCluster found', '# only a comment\n'],
    ['in.yaml: document 1 is not a Kubernetes object, not a TikvCluster', '- 1\n- 2\n'],
  ])('%s', async (message, content) => {
    const io = fakeIO({ 'in.yaml': content });
    const run = runMigrateCommand(['convert', '-f', 'in.yaml'], io);
    await expect(run).rejects.toThrow(MigrateInputError);
    await expect(runMigrateCommand(['convert', '-f', 'in.yaml'], fakeIO({ 'in.yaml': content }))).rejects.toThrow(
      message,
    );
    // Nothing is printed for a file that is partly wrong.
    expect(io.out).toBe('');
  });

  test('a missing file', async () => {
    await expect(runMigrateCommand(['convert', '-f', 'nope.yaml'], fakeIO())).rejects.toThrow(
      'nope.yaml: no such file',
    );
  });

  test('a TikvCluster the new API cannot hold is an error naming the object and the fields', async () => {
    const content = read('basic.yaml').replace('version: v4.0.0', 'version: latest');
    const error = await runMigrateCommand(['convert', '-f', 'in.yaml'], fakeIO({ 'in.yaml': content })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LegacyConversionError);
    expect(describeFatal(error)).toEqual({
      code: 1,
      line: 'tikv-operator: TikvCluster basic: cannot convert: spec.version: "latest" is not a semantic version, which the new API requires: set it to the version the cluster runs (for example v4.0.0)',
    });
  });
});

describe('the binary', () => {
  const cli = (args: string[], stdin?: string) => runCli(args, stdin === undefined ? {} : { stdin });

  test('lists migrate in its help', async () => {
    expect((await cli(['--help'])).stdout).toMatch(/^ {2}migrate /m);
  });

  test('converts from stdin: YAML on stdout, warnings and the note on stderr, exit 0', async () => {
    const { code, stdout, stderr } = await cli(['migrate', 'convert', '-f', '-'], read('every-field.yaml'));
    expect(code).toBe(0);
    expect(documents(stdout).map((d) => d.kind)).toEqual(['Cluster', 'PDGroup', 'TiKVGroup']);
    expect(stderr.split('\n').filter((l) => l.startsWith('warning: '))).toHaveLength(25);
  });

  test('input that is not a TikvCluster exits 1 with one line', async () => {
    const { code, stdout, stderr } = await cli(['migrate', 'convert', '-f', '-'], 'kind: ConfigMap\napiVersion: v1\n');
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: 'tikv-operator: stdin: document 1 is a ConfigMap (v1), not a TikvCluster (tikv.org/v1alpha1)\n',
    });
  });

  test('a flag mistake exits 2 with one line', async () => {
    expect(await cli(['migrate', 'convert'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'tikv-operator: migrate convert needs -f <file> (or -f - for stdin)\n',
    });
  });
});

describe('docs/migration.md', () => {
  test('the conversion example shows what the command prints', async () => {
    const doc = readFileSync(join(import.meta.dir, '..', '..', 'docs', 'migration.md'), 'utf8');
    const example = doc.slice(doc.indexOf('Example. This legacy cluster:'));
    const blocks = [...example.matchAll(/```(?:yaml)?\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const [input, output, stderr] = blocks;
    const io = fakeIO({ 'in.yaml': input ?? '' });
    await runMigrateCommand(['convert', '-f', 'in.yaml'], io);
    const withoutComments = io.out
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    expect(withoutComments).toBe(output ?? '');
    expect(io.err).toBe(stderr ?? '');
  });
});
