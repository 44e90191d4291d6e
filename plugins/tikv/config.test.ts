import { describe, expect, test } from 'bun:test';
import { parse } from 'smol-toml';
import {
  dataDirectoryOf,
  instanceOfStoreAddress,
  isAddressInSubdomain,
  renderTikvConfig,
  storeAddress,
  type TikvConfigInput,
} from './config.ts';

const input = (over: Partial<TikvConfigInput> = {}): TikvConfigInput => ({
  config: undefined,
  instance: 'basic-tikv-1',
  subdomain: 'basic-tikv-peer',
  namespace: 'ns',
  dataDirectory: '/var/lib/tikv',
  pdUrl: 'http://basic-pd.ns.svc:2379',
  ...over,
});

function rendered(over: Partial<TikvConfigInput> = {}): Record<string, unknown> {
  const out = renderTikvConfig(input(over));
  if (!out.ok) throw new Error(`not rendered: ${JSON.stringify(out)}`);
  expect(out.fileName).toBe('config.toml');
  return parse(out.content) as Record<string, unknown>;
}

describe('renderTikvConfig', () => {
  test('fills in the addresses, the data directory and the PD endpoints', () => {
    expect(rendered()).toEqual({
      server: {
        addr: '0.0.0.0:20160',
        'advertise-addr': 'basic-tikv-1.basic-tikv-peer.ns.svc:20160',
        'status-addr': '0.0.0.0:20180',
        'advertise-status-addr': 'basic-tikv-1.basic-tikv-peer.ns.svc:20180',
      },
      storage: { 'data-dir': '/var/lib/tikv' },
      pd: { endpoints: ['http://basic-pd.ns.svc:2379'] },
    });
  });

  test("keeps the user's keys, also inside the tables the operator writes to", () => {
    const config = rendered({
      config: 'log-level = "warn"\n[server]\ngrpc-concurrency = 8\n[storage.block-cache]\ncapacity = "4GB"\n',
      dataDirectory: '/data/tikv',
    });
    expect(config['log-level']).toBe('warn');
    expect(config.server).toMatchObject({ 'grpc-concurrency': 8, addr: '0.0.0.0:20160' });
    expect(config.storage).toEqual({ 'block-cache': { capacity: '4GB' }, 'data-dir': '/data/tikv' });
  });

  test('the same input renders the same text (the config hash only moves with a real change)', () => {
    const a = renderTikvConfig(input({ config: '[raftstore]\nsync-log = true\n' }));
    const b = renderTikvConfig(input({ config: '[raftstore]\nsync-log = true\n' }));
    expect(a).toEqual(b);
  });

  test.each([
    ['broken TOML', '[server', /config is not valid TOML: line 1/],
    ['a managed key', '[server]\naddr = "0.0.0.0:1"\n', /config must not set server.addr: the operator manages it/],
    ['a managed key as a dotted key', 'pd.endpoints = ["x"]\n', /config must not set pd.endpoints/],
    ['a scalar where the operator needs a table', 'storage = "fast"\n', /config key storage must be a table/],
  ])('%s is an error, not a rendering', (_what, config, message) => {
    const out = renderTikvConfig(input({ config }));
    expect(out.ok).toBe(false);
    expect(out.ok === false && 'errors' in out ? out.errors.join('; ') : '').toMatch(message);
  });

  test('is pending, not an error, while the Cluster has no PD URL', () => {
    const out = renderTikvConfig(input({ pdUrl: undefined }));
    expect(out).toEqual({
      ok: false,
      pending: "the Cluster has not published PD's URL (status.pd) yet; TiKV needs it as pd.endpoints",
    });
  });

  test('a bad config is reported even without a PD URL', () => {
    const out = renderTikvConfig(input({ pdUrl: undefined, config: '[[' }));
    expect(out.ok === false && 'errors' in out).toBe(true);
  });
});

describe('store addresses', () => {
  test.each([
    ['basic-tikv-1.basic-tikv-peer.ns.svc:20160', undefined, 'basic-tikv-1'],
    ['basic-tikv-1.basic-tikv-peer.ns.svc:20160', 'ns', 'basic-tikv-1'],
    ['basic-tikv-1.basic-tikv-peer.ns.svc:20160', 'other', undefined],
    ['basic-tikv-1.basic-tikv-peer.ns.svc.cluster.local:20160', 'ns', 'basic-tikv-1'],
    ['basic-tikv-1.basic-tikv-peer.ns.svc:20180', undefined, undefined],
    ['10.0.0.1:20160', undefined, undefined],
    ['tikv:20160', undefined, undefined],
  ])('%s (namespace %s) belongs to %s', (address, namespace, expected) => {
    expect(instanceOfStoreAddress(address, namespace)).toBe(expected);
  });

  test('storeAddress and instanceOfStoreAddress agree', () => {
    const address = storeAddress('kv-12', 'kv-peer', 'prod');
    expect(address).toBe('kv-12.kv-peer.prod.svc:20160');
    expect(instanceOfStoreAddress(address, 'prod')).toBe('kv-12');
  });

  test('an address belongs to a group by its subdomain and namespace', () => {
    expect(isAddressInSubdomain('a-0.a-peer.ns.svc:20160', 'a-peer', 'ns')).toBe(true);
    expect(isAddressInSubdomain('a-0.b-peer.ns.svc:20160', 'a-peer', 'ns')).toBe(false);
    expect(isAddressInSubdomain('a-0.a-peer.other.svc:20160', 'a-peer', 'ns')).toBe(false);
  });
});

describe('dataDirectoryOf', () => {
  test.each([
    [[{ name: 'data' }], '/var/lib/tikv'],
    [[{ name: 'data', mounts: [] }], '/var/lib/tikv'],
    [[{ name: 'data', mounts: [{ mountPath: '/data' }, { mountPath: '/other' }] }], '/data'],
    [[{ name: 'raft', mounts: [{ mountPath: '/raft' }] }, { name: 'data' }], '/var/lib/tikv'],
  ])('%j -> %s', (volumes, expected) => {
    expect(dataDirectoryOf(volumes)).toBe(expected);
  });
});
