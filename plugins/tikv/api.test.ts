import { describe, expect, test } from 'bun:test';
import { buildCrd } from '../../core/api/crd.ts';
import { structuralProblems } from '../../core/api/json-schema.ts';
import { celMessagesAt, crdNode, issuesOf, parsedOk } from '../../core/api/testdata/expect.ts';
import { validateUpdate } from '../../core/api/validate-update.ts';
import {
  parseTiKV,
  parseTiKVGroup,
  TIKV_MANAGED_CONFIG_KEYS,
  TOPOLOGY_STORE_LABELS,
  tikvGroupKind,
  tikvKind,
  validateTiKVConfig,
} from './api.ts';

const tikvGroup = (templateSpec: Record<string, unknown> = {}) => ({
  apiVersion: 'core.tikv.org/v1alpha1',
  kind: 'TiKVGroup',
  metadata: { name: 'basic-tikv', namespace: 'ns' },
  spec: {
    cluster: { name: 'basic' },
    template: { spec: { version: 'v8.5.0', volumes: [{ name: 'data', storage: '100Gi' }], ...templateSpec } },
  },
});

const tikv = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>) => ({
  apiVersion: 'core.tikv.org/v1alpha1',
  kind: 'TiKV',
  metadata: { name: 'basic-tikv-0', namespace: 'ns' },
  spec: {
    cluster: { name: 'basic' },
    subdomain: 'basic-tikv-peer',
    version: 'v8.5.0',
    volumes: [{ name: 'data', storage: '100Gi' }],
    ...spec,
  },
  ...(status ? { status } : {}),
});

describe('TiKVGroup', () => {
  test('defaults to 3 replicas and a 5 minute leader eviction bound', () => {
    const result = parseTiKVGroup(tikvGroup());
    expect(result.ok && result.value.spec.replicas).toBe(3);
    expect(result.ok && result.value.spec.template.spec.evictLeaderTimeout).toBe('5m');
    expect(crdNode(tikvGroupKind, 'spec.template.spec.evictLeaderTimeout').default).toBe('5m');
  });

  test.each(TIKV_MANAGED_CONFIG_KEYS.map((key) => [key]))('rejects config setting %s in a table, naming it', (key) => {
    const [table, name] = key.split('.');
    expect(issuesOf(tikvGroupKind, tikvGroup({ config: `[${table}]\n${name} = "x"\n` }))).toEqual([
      `spec.template.spec.config: config must not set ${key}: the operator manages it`,
    ]);
  });

  test('has one CEL rule per managed config key in the CRD', () => {
    expect(celMessagesAt(tikvGroupKind, 'spec.template.spec.config')).toHaveLength(TIKV_MANAGED_CONFIG_KEYS.length);
  });

  test.each(Object.keys(TOPOLOGY_STORE_LABELS).map((key) => [key]))(
    'rejects the store label %s: the operator derives it from the node',
    (key) => {
      expect(issuesOf(tikvGroupKind, tikvGroup({ storeLabels: { [key]: 'x' } }))).toEqual([
        'spec.template.spec.storeLabels: storeLabels must not set zone, region, host: the operator derives them from the node',
      ]);
    },
  );

  test('accepts store labels PD accepts, rejects the others', () => {
    expect(issuesOf(tikvGroupKind, tikvGroup({ storeLabels: { disk: 'nvme', 'rack.id': 'r-1/a' } }))).toEqual([]);
    expect(issuesOf(tikvGroupKind, tikvGroup({ storeLabels: { '-disk': 'x' } })).join()).toContain(
      'storeLabels keys must be',
    );
    expect(issuesOf(tikvGroupKind, tikvGroup({ storeLabels: { disk: 'a b' } })).join()).toContain(
      'storeLabels values must be',
    );
    expect(issuesOf(tikvGroupKind, tikvGroup({ storeLabels: { disk: '' } })).join()).toContain(
      'storeLabels values must be',
    );
  });

  test('carries the store label rules in the CRD (keys by CEL, values by pattern)', () => {
    expect(celMessagesAt(tikvGroupKind, 'spec.template.spec.storeLabels')).toHaveLength(2);
    expect(crdNode(tikvGroupKind, 'spec.template.spec.storeLabels.*').pattern).toBe('^[-A-Za-z0-9_./]+$');
  });

  test('rejects a leader eviction timeout that is not a duration', () => {
    expect(issuesOf(tikvGroupKind, tikvGroup({ evictLeaderTimeout: '5 minutes' }))[0]).toStartWith(
      'spec.template.spec.evictLeaderTimeout: must be a duration',
    );
  });

  test('has a structural CRD', () => {
    expect(structuralProblems(buildCrd(tikvGroupKind).spec.versions[0]?.schema.openAPIV3Schema ?? {})).toEqual([]);
  });
});

describe('TiKV', () => {
  test('is not offline by default, and may be set offline and back (cancel)', () => {
    const online = parsedOk(tikvKind, tikv());
    expect(online.spec.offline).toBe(false);
    const offline = parsedOk(tikvKind, tikv({ offline: true }));
    expect(validateUpdate(tikvKind, online, offline)).toEqual([]);
    expect(validateUpdate(tikvKind, offline, online)).toEqual([]);
  });

  test('keeps the store id a string: it is a uint64', () => {
    const result = parseTiKV(tikv({}, { storeId: '18446744073709551615', storeState: 'Serving' }));
    expect(result.ok && result.value.status?.storeId).toBe('18446744073709551615');
  });

  test('rejects a topology change', () => {
    const before = parsedOk(tikvKind, tikv({ topology: { 'topology.kubernetes.io/zone': 'a' } }));
    const after = parsedOk(tikvKind, tikv({ topology: { 'topology.kubernetes.io/zone': 'b' } }));
    expect(validateUpdate(tikvKind, before, after)).toEqual([
      {
        path: 'spec.topology',
        message: 'topology is immutable: delete the instance and let the group recreate it elsewhere',
      },
    ]);
  });

  test('shows store id, store state and offline in kubectl get', () => {
    const columns = buildCrd(tikvKind).spec.versions[0]?.additionalPrinterColumns.map((c) => c.name);
    expect(columns).toEqual(['Cluster', 'StoreID', 'StoreState', 'Offline', 'Ready', 'Synced', 'Age']);
  });
});

describe('validateTiKVConfig', () => {
  test('finds managed keys in any TOML form, inline tables included', () => {
    const result = validateTiKVConfig('pd = { endpoints = ["x"] }\nstorage.data-dir = "/d"\n');
    expect(result.ok ? [] : result.errors.map((e) => e.key)).toEqual(['storage.data-dir', 'pd.endpoints']);
  });

  test('accepts tuning keys next to managed ones it does not set', () => {
    expect(validateTiKVConfig('[server]\ngrpc-concurrency = 8\n[storage.block-cache]\ncapacity = "16GiB"\n').ok).toBe(
      true,
    );
  });
});
