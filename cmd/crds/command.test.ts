import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../operator/options.ts';
import { operatorVersion } from '../version.ts';
import { crdsInstallUsage, crdsPrintUsage, crdsUsage, parseCrdsCommand, runCrdsCommand } from './command.ts';
import { OPERATOR_VERSION_ANNOTATION } from './manifests.ts';

const crdDir = join(import.meta.dir, '../../crds');

async function output(argv: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await runCrdsCommand(argv, (chunk) => {
    text += chunk;
  });
  return { code, text };
}

describe('crds print', () => {
  test('prints exactly the committed crds/ files, in file order, as one YAML stream', async () => {
    const files = readdirSync(crdDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readFileSync(join(crdDir, f), 'utf8'));
    const { code, text } = await output(['print']);
    expect(code).toBe(0);
    expect(text).toBe(files.join('---\n'));
  });

  test('every printed CRD is stamped with this operator version', async () => {
    const docs = parseAllDocuments((await output(['print'])).text).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; annotations?: Record<string, string> } },
    );
    expect(docs.map((d) => d.metadata.name)).toEqual([
      'clusters.core.tikv.org',
      'pdgroups.core.tikv.org',
      'pds.core.tikv.org',
      'tikvgroups.core.tikv.org',
      'tikvs.core.tikv.org',
    ]);
    for (const doc of docs) {
      expect(doc.kind).toBe('CustomResourceDefinition');
      expect(doc.metadata.annotations?.[OPERATOR_VERSION_ANNOTATION]).toBe(operatorVersion);
    }
  });
});

describe('crds arguments', () => {
  test.each([
    [[], crdsUsage],
    [['--help'], crdsUsage],
    [['print', '--help'], crdsPrintUsage],
    [['install', '-h'], crdsInstallUsage],
  ])('%j shows the help', async (argv, usage) => {
    expect(await output(argv)).toEqual({ code: 0, text: usage });
  });

  test('install flags are parsed, with a 60 s default timeout', () => {
    expect(parseCrdsCommand(['install', '--kubeconfig', '/k', '--context=c', '--force', '--timeout=2m'])).toEqual({
      command: 'install',
      options: { kubeconfig: '/k', context: 'c', force: true, timeoutMs: 120_000 },
    });
    expect(parseCrdsCommand(['install'])).toMatchObject({ options: { force: false, timeoutMs: 60_000 } });
  });

  test.each([
    [['apply'], 'unknown crds command "apply"'],
    [['print', 'extra'], 'unexpected argument: extra'],
    [['print', '--kubeconfig=/k'], "Unknown option '--kubeconfig'"],
    [['install', '--timeout=soon'], '--timeout must be a positive duration'],
    [['install', '--timeout=0s'], '--timeout must be a positive duration'],
    [['install', '--kubeconfig'], "Option '--kubeconfig <value>' argument missing"],
  ])('%j is a usage error on one line', (argv, message) => {
    let error: unknown;
    try {
      parseCrdsCommand(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
