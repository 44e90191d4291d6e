// The CLI's contract with scripts: exit 0 on success, 2 with one line on a usage or configuration error.
import { describe, expect, test } from 'bun:test';
import { KubeConfigError } from '../core/kube/config.ts';
import { CrdDowngradeError } from './crds/install.ts';
import { UsageError } from './operator/options.ts';
import { runCli } from './testing.ts';
import { describeFatal } from './tikv-operator.ts';
import { operatorVersion } from './version.ts';

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

describe('tikv-operator CLI', () => {
  test('version prints the package version', async () => {
    expect(await cli(['version'])).toEqual({ code: 0, stdout: `tikv-operator ${operatorVersion}\n`, stderr: '' });
  });

  test('--help lists the commands', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const command of ['run', 'crds', 'version']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test.each([
    [['frobnicate'], 'tikv-operator: unknown command "frobnicate"; run "tikv-operator --help"'],
    [['run', '--verbose'], 'tikv-operator: unknown flag --verbose; see --help'],
    [['run', '--workers=0'], 'tikv-operator: --workers must be a positive integer, got "0"'],
    [
      ['run', '--http-address=8080x'],
      'tikv-operator: --http-address must be host:port (for example 0.0.0.0:8080), got "8080x"',
    ],
    [['run', '--kubeconfig=/no/such/file'], 'tikv-operator: kubeconfig /no/such/file: no such file'],
    [['crds', 'install', '--kubeconfig=/no/such/file'], 'tikv-operator: kubeconfig /no/such/file: no such file'],
    [['crds', 'print', '--force'], 'tikv-operator: unknown flag --force; see --help'],
  ])('%j exits 2 with one line', async (args, line) => {
    expect(await cli(args)).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });

  test('without any Kubernetes configuration, run says where it looked, on one line', async () => {
    const { code, stderr } = await cli(['run']);
    expect(code).toBe(2);
    expect(stderr).toStartWith('tikv-operator: no Kubernetes configuration found: ');
    expect(stderr.trimEnd()).not.toContain('\n');
  });

  test('KUBECONFIG naming a missing file is a configuration error', async () => {
    const { code, stderr } = await cli(['crds', 'install'], { KUBECONFIG: '/missing/kubeconfig' });
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr: 'tikv-operator: KUBECONFIG=/missing/kubeconfig: no such file\n',
    });
  });
});

describe('fatal errors', () => {
  test('usage and configuration errors exit 2, everything else 1', () => {
    expect(describeFatal(new UsageError('bad flag')).code).toBe(2);
    expect(describeFatal(new KubeConfigError('no config')).code).toBe(2);
    expect(describeFatal(new CrdDowngradeError('refusing')).code).toBe(1);
    expect(describeFatal(new Error('connect ECONNREFUSED')).code).toBe(1);
  });

  test('only the first line of a message is printed', () => {
    expect(describeFatal(new Error('first\n  at detail')).line).toBe('tikv-operator: first');
  });
});
