import { describe, expect, test } from 'bun:test';
import { parse } from 'smol-toml';
import type { BootstrapPeer } from './bootstrap.ts';
import { PD_CONFIG_FILE, pdDataDir, pdUrls, renderPdConfig } from './config.ts';
import { pdInstance } from './testing.ts';

const peers: BootstrapPeer[] = [0, 1, 2].map((i) => ({
  name: `pd-${i}`,
  size: 3,
  peerUrl: `http://pd-${i}.pd-peer.ns.svc:2380`,
}));
const join = { kind: 'join', join: 'http://pd.ns.svc:2379' } as const;

function rendered(config: string | undefined, membership: Parameters<typeof renderPdConfig>[1] = join) {
  const out = renderPdConfig(pdInstance('pd-1', config === undefined ? {} : { spec: { config } }), membership);
  if (!out.ok) throw new Error(JSON.stringify(out));
  expect(out.fileName).toBe(PD_CONFIG_FILE);
  return parse(out.content) as Record<string, unknown>;
}

describe('renderPdConfig', () => {
  test('managed identity and addresses: listen on all addresses, advertise the Pod DNS name', () => {
    expect(rendered(undefined)).toEqual({
      name: 'pd-1',
      'data-dir': '/var/lib/pd',
      'client-urls': 'http://0.0.0.0:2379',
      'peer-urls': 'http://0.0.0.0:2380',
      'advertise-client-urls': 'http://pd-1.pd-peer.ns.svc:2379',
      'advertise-peer-urls': 'http://pd-1.pd-peer.ns.svc:2380',
      join: 'http://pd.ns.svc:2379',
    });
  });

  test('a bootstrap member lists every bootstrap peer and starts a new cluster, without join', () => {
    const config = rendered(undefined, { kind: 'bootstrap', initialCluster: peers });
    expect(config['initial-cluster']).toBe(
      'pd-0=http://pd-0.pd-peer.ns.svc:2380,pd-1=http://pd-1.pd-peer.ns.svc:2380,pd-2=http://pd-2.pd-peer.ns.svc:2380',
    );
    expect(config['initial-cluster-state']).toBe('new');
    expect(config.join).toBeUndefined();
  });

  test('a joining member has no initial-cluster', () => {
    const config = rendered(undefined);
    expect(config['initial-cluster']).toBeUndefined();
    expect(config['initial-cluster-state']).toBeUndefined();
  });

  test("the user's keys and tables are kept next to the managed ones", () => {
    const config = rendered('lease = 5\n[schedule]\nmax-store-down-time = "1h"\n[replication]\nmax-replicas = 5\n');
    expect(config.lease).toBe(5);
    expect(config.schedule).toEqual({ 'max-store-down-time': '1h' });
    expect(config.replication).toEqual({ 'max-replicas': 5 });
    expect(config.name).toBe('pd-1');
  });

  test.each([
    ['name', 'name = "x"'],
    ['join', 'join = "http://elsewhere:2379"'],
    ['initial-cluster-state', 'initial-cluster-state = "existing"'],
    ['advertise-client-urls', 'advertise-client-urls = "http://x:2379"'],
  ])('setting the managed key %s is an error that names it', (key, toml) => {
    expect(renderPdConfig(pdInstance('pd-1', { spec: { config: toml } }), join)).toEqual({
      ok: false,
      errors: [`config must not set ${key}: the operator manages it`],
    });
  });

  test('TOML that does not parse is an error, also while the membership is pending', () => {
    const out = renderPdConfig(pdInstance('pd-1', { spec: { config: 'lease = ' } }), {
      kind: 'pending',
      reason: 'x',
    });
    expect(out.ok).toBe(false);
    expect(out.ok === false && 'errors' in out ? out.errors[0] : '').toContain('config is not valid TOML');
  });

  test('a pending membership renders nothing and asks to be tried again soon', () => {
    expect(
      renderPdConfig(pdInstance('pd-1'), { kind: 'pending', reason: 'waiting for the bootstrap members' }),
    ).toEqual({ ok: false, pending: 'waiting for the bootstrap members', retryAfterMs: 500 });
  });
});

test('the data directory follows the data volume mount', () => {
  expect(pdDataDir(pdInstance('pd-0'))).toBe('/var/lib/pd');
  expect(
    pdDataDir(
      pdInstance('pd-0', {
        spec: { volumes: [{ name: 'data', storage: '1Gi', mounts: [{ mountPath: '/data/pd' }] }] },
      }),
    ),
  ).toBe('/data/pd');
});

test('advertised URLs use the instance host under its group peer Service', () => {
  expect(pdUrls(pdInstance('basic-pd-2', { group: 'basic-pd', namespace: 'prod' }))).toEqual({
    clientUrls: 'http://0.0.0.0:2379',
    peerUrls: 'http://0.0.0.0:2380',
    advertiseClientUrls: 'http://basic-pd-2.basic-pd-peer.prod.svc:2379',
    advertisePeerUrls: 'http://basic-pd-2.basic-pd-peer.prod.svc:2380',
  });
});
