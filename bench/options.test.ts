import { describe, expect, test } from 'bun:test';
import { parseBenchOptions } from './options.ts';

const root = '/repo';

describe('bench flags', () => {
  test('the default is the full profile on the embedded control plane, every scenario', () => {
    expect(parseBenchOptions([], root)).toEqual({
      profile: 'full',
      scenarios: ['create-3pd-3tikv', 'create-50-tikv', 'create-20-clusters', 'scale-tikv', 'rolling-upgrade'],
      outDir: '/repo/bench/results',
      steadySeconds: 60,
      stepTimeoutSeconds: 300,
      keep: false,
    });
  });

  test('the quick profile runs one small scenario with a short steady-state window', () => {
    expect(parseBenchOptions(['--profile', 'quick'], root)).toMatchObject({
      profile: 'quick',
      scenarios: ['create-3pd-3tikv'],
      steadySeconds: 3,
    });
  });

  test('scenarios are picked by repeated or comma-separated names, once each', () => {
    const opts = parseBenchOptions(['--scenario=scale-tikv,rolling-upgrade', '--scenario', 'scale-tikv'], root);
    expect(opts).toMatchObject({ scenarios: ['scale-tikv', 'rolling-upgrade'] });
  });

  test('a kubeconfig run may name a running operator and keep its namespaces, and waits longer per step', () => {
    const opts = parseBenchOptions(
      ['--kubeconfig=/k', '--operator-url=http://127.0.0.1:8080', '--keep', '--steady-seconds=30', '--out=/tmp/r'],
      root,
    );
    expect(opts).toMatchObject({
      kubeconfig: '/k',
      operatorUrl: 'http://127.0.0.1:8080',
      keep: true,
      steadySeconds: 30,
      stepTimeoutSeconds: 1800,
      outDir: '/tmp/r',
    });
  });

  test.each([
    [['--profile=huge'], /--profile must be quick or full/],
    [['--operator-url=http://x'], /--operator-url needs --kubeconfig/],
    [['--keep'], /--keep applies to --kubeconfig runs/],
    [['--scenario=nope'], /unknown scenario "nope"/],
    [['--timeout=0'], /--timeout must be a positive number/],
    [['--bogus'], /Unknown option/],
    [['extra'], /unexpected argument: extra/],
  ])('refuses %p with one clear line', (argv, message) => {
    expect(() => parseBenchOptions(argv, root)).toThrow(message);
  });

  test('--help and --list are answered before anything else', () => {
    expect(parseBenchOptions(['--help', '--profile=huge'], root)).toBe('help');
    expect(parseBenchOptions(['--list'], root)).toBe('list');
  });
});
