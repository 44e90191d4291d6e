import { describe, expect, test } from 'bun:test';
import { operatorFeatureGates, parseHttpAddress, parseRunOptions, runUsage, UsageError } from './options.ts';

describe('tikv-operator run flags', () => {
  test('defaults suit an in-cluster Deployment: leader election on, all namespaces, probes on 0.0.0.0:8080', () => {
    expect(parseRunOptions([])).toEqual({
      kubeconfig: undefined,
      context: undefined,
      namespace: undefined,
      leaderElect: true,
      leaderElectionNamespace: undefined,
      leaderElectionId: 'tikv-operator',
      workers: 4,
      logLevel: 'info',
      logFormat: 'json',
      httpHost: '0.0.0.0',
      httpPort: 8080,
      benchResults: 'bench/results/latest.json',
      lostNodeGracePeriodMs: 300_000,
      featureGates: { LegacyTikvClusterAPI: false },
    });
  });

  test('--feature-gates turns operator feature gates on and off, Kubernetes style', () => {
    expect(parseRunOptions(['--feature-gates=LegacyTikvClusterAPI=true'])).toMatchObject({
      featureGates: { LegacyTikvClusterAPI: true },
    });
    expect(parseRunOptions(['--feature-gates', ' LegacyTikvClusterAPI = true ,'])).toMatchObject({
      featureGates: { LegacyTikvClusterAPI: true },
    });
    // Repeated flags and entries: the last setting wins, as with Kubernetes components.
    expect(
      parseRunOptions(['--feature-gates=LegacyTikvClusterAPI=true', '--feature-gates=LegacyTikvClusterAPI=false']),
    ).toMatchObject({ featureGates: { LegacyTikvClusterAPI: false } });
    expect(parseRunOptions(['--feature-gates=LegacyTikvClusterAPI=false,LegacyTikvClusterAPI=true'])).toMatchObject({
      featureGates: { LegacyTikvClusterAPI: true },
    });
    expect(parseRunOptions(['--feature-gates='])).toMatchObject({ featureGates: { LegacyTikvClusterAPI: false } });
  });

  test('the help names every feature gate', () => {
    expect(runUsage).toContain('--feature-gates <Name=bool,...>');
    for (const gate of Object.keys(operatorFeatureGates)) expect(runUsage).toContain(gate);
  });

  test('--lost-node-grace-period takes a duration', () => {
    expect(parseRunOptions(['--lost-node-grace-period=90s'])).toMatchObject({ lostNodeGracePeriodMs: 90_000 });
    expect(() => parseRunOptions(['--lost-node-grace-period=5 minutes'])).toThrow(
      /--lost-node-grace-period must be a duration/,
    );
  });

  test('every flag is read', () => {
    const opts = parseRunOptions([
      '--kubeconfig=/k',
      '--context',
      'kind',
      '--namespace=tikv',
      '--leader-elect=false',
      '--leader-election-namespace=ops',
      '--leader-election-id=lease',
      '--workers=8',
      '--log-level=debug',
      '--log-format=text',
      '--http-address=127.0.0.1:0',
      '--bench-results=/tmp/b.json',
    ]);
    expect(opts).toMatchObject({
      kubeconfig: '/k',
      context: 'kind',
      namespace: 'tikv',
      leaderElect: false,
      leaderElectionNamespace: 'ops',
      leaderElectionId: 'lease',
      workers: 8,
      logLevel: 'debug',
      logFormat: 'text',
      httpHost: '127.0.0.1',
      httpPort: 0,
      benchResults: '/tmp/b.json',
    });
  });

  test('--dev-address-feed takes the simulator feed URL and refuses anything but http', () => {
    expect(parseRunOptions(['--dev-address-feed=http://127.0.0.1:41234/'])).toMatchObject({
      devAddressFeed: 'http://127.0.0.1:41234',
    });
    expect(parseRunOptions([])).not.toHaveProperty('devAddressFeed');
    expect(() => parseRunOptions(['--dev-address-feed=localhost:41234'])).toThrow(/must be an http:\/\/ URL/);
    expect(() => parseRunOptions(['--dev-address-feed=not a url'])).toThrow(/must be a URL/);
  });

  test('a bare --leader-elect means true', () => {
    expect(parseRunOptions(['--leader-elect', '--workers=1'])).toMatchObject({ leaderElect: true, workers: 1 });
  });

  test('--help is answered before anything is validated', () => {
    expect(parseRunOptions(['--workers=x', '--help'])).toBe('help');
  });

  test.each([
    [['--workers=0'], '--workers must be a positive integer, got "0"'],
    [['--workers=2.5'], '--workers must be a positive integer'],
    [['--leader-elect=yes'], '--leader-elect must be true or false, got "yes"'],
    [['--log-level=loud'], 'unknown log level "loud"'],
    [['--log-format=xml'], 'unknown log format "xml"'],
    [['--http-address=8080'], '--http-address must be host:port'],
    [['--no-such-flag'], "Unknown option '--no-such-flag'"],
    [['extra'], 'unexpected argument: extra'],
    [
      ['--feature-gates=LegacyTikvClusterApi=true'],
      '--feature-gates: unknown feature gate "LegacyTikvClusterApi"; known gates: LegacyTikvClusterAPI',
    ],
    [
      ['--feature-gates=LegacyTikvClusterAPI=yes'],
      '--feature-gates: LegacyTikvClusterAPI must be true or false, got "yes"',
    ],
    [['--feature-gates=LegacyTikvClusterAPI'], '--feature-gates: LegacyTikvClusterAPI needs a value'],
    [['--feature-gates=LegacyTikvClusterAPI=true,=true'], '--feature-gates: unknown feature gate ""'],
  ])('%p is refused with one clear line', (argv, message) => {
    expect(() => parseRunOptions(argv)).toThrow(UsageError);
    expect(() => parseRunOptions(argv)).toThrow(message);
  });

  test('IPv6 hosts may be bracketed', () => {
    expect(parseHttpAddress('[::]:9090')).toEqual({ host: '::', port: 9090 });
  });
});
