import { describe, expect, test } from 'bun:test';
import { buildCrd } from '../../core/api/crd.ts';
import { structuralProblems } from '../../core/api/json-schema.ts';
import { celMessagesAt, celRulesAt, issuesOf, parsedOk } from '../../core/api/testdata/expect.ts';
import { validateUpdate } from '../../core/api/validate-update.ts';
import { PD_MANAGED_CONFIG_KEYS, parsePD, parsePDGroup, pdGroupKind, pdKind, validatePDConfig } from './api.ts';

const pdGroup = (templateSpec: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'core.tikv.org/v1alpha1',
  kind: 'PDGroup',
  metadata: { name: 'basic-pd', namespace: 'ns' },
  spec: {
    cluster: { name: 'basic' },
    template: { spec: { version: 'v8.5.0', volumes: [{ name: 'data', storage: '10Gi' }], ...templateSpec } },
    ...spec,
  },
});

const pd = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>) => ({
  apiVersion: 'core.tikv.org/v1alpha1',
  kind: 'PD',
  metadata: { name: 'basic-pd-0', namespace: 'ns' },
  spec: {
    cluster: { name: 'basic' },
    subdomain: 'basic-pd-peer',
    version: 'v8.5.0',
    volumes: [{ name: 'data', storage: '10Gi' }],
    ...spec,
  },
  ...(status ? { status } : {}),
});

describe('PDGroup', () => {
  test('defaults to 3 replicas and a restart on config changes', () => {
    const result = parsePDGroup(pdGroup());
    expect(result.ok && result.value.spec.replicas).toBe(3);
    expect(result.ok && result.value.spec.template.spec.configUpdateStrategy).toBe('Restart');
  });

  test.each(PD_MANAGED_CONFIG_KEYS.map((key) => [key]))('rejects config setting %s, naming it', (key) => {
    expect(issuesOf(pdGroupKind, pdGroup({ config: `${key} = "x"\n` }))).toEqual([
      `spec.template.spec.config: config must not set ${key}: the operator manages it`,
    ]);
  });

  test('accepts config with keys PD does not leave to the operator', () => {
    const config = '[replication]\nmax-replicas = 3\nlocation-labels = ["zone", "host"]\n[log]\nlevel = "info"\n';
    expect(issuesOf(pdGroupKind, pdGroup({ config }))).toEqual([]);
  });

  test('has one CEL rule per managed config key in the CRD', () => {
    expect(celMessagesAt(pdGroupKind, 'spec.template.spec.config')).toEqual(
      PD_MANAGED_CONFIG_KEYS.map((key) => `config must not set ${key}: the operator manages it`),
    );
  });

  test('has a structural CRD with the pdg short name and a scale subresource', () => {
    const crd = buildCrd(pdGroupKind);
    expect(structuralProblems(crd.spec.versions[0]?.schema.openAPIV3Schema ?? {})).toEqual([]);
    expect(crd.spec.names.shortNames).toEqual(['pdg']);
    expect(crd.spec.versions[0]?.subresources.scale?.specReplicasPath).toBe('.spec.replicas');
  });
});

describe('PDGroup spec.join', () => {
  const legacy = 'http://basic-pd.tikv.svc:2379';

  test.each([
    [legacy],
    ['https://pd.example.com:2379'],
    ['http://pd-0.pd-peer.ns.svc:2379,http://pd-1.pd-peer.ns.svc:2379'],
  ])('accepts the PD URL(s) %s', (join) => {
    expect(parsedOk(pdGroupKind, pdGroup({}, { join })).spec.join).toBe(join);
  });

  test.each([['basic-pd:2379'], ['http://'], ['http://a b:2379'], ['http://a:2379,']])('rejects %j', (join) => {
    expect(issuesOf(pdGroupKind, pdGroup({}, { join }))).toEqual([
      'spec.join: join is one or more PD client URLs (http://host:2379), comma separated',
    ]);
  });

  test('may be changed but never removed (runtime mirror and CEL on the spec)', () => {
    const before = parsedOk(pdGroupKind, pdGroup({}, { join: legacy }));
    const changed = parsedOk(pdGroupKind, pdGroup({}, { join: 'http://other-pd.tikv.svc:2379' }));
    const removed = parsedOk(pdGroupKind, pdGroup());
    expect(validateUpdate(pdGroupKind, before, changed)).toEqual([]);
    expect(validateUpdate(pdGroupKind, removed, before)).toEqual([]);
    expect(validateUpdate(pdGroupKind, before, removed)).toEqual([
      {
        path: 'spec.join',
        message: 'join cannot be removed: a PD group created to join an existing PD cluster never bootstraps one',
      },
    ]);
    expect(celRulesAt(pdGroupKind, 'spec')).toEqual(['!has(oldSelf.join) || has(self.join)']);
  });
});

describe('PD', () => {
  test('keeps the member id a string: it is a uint64 above 2^53', () => {
    const parsed = parsedOk(pdKind, pd({}, { memberId: '13433513925461372411', isLeader: true }));
    expect(parsed.status?.memberId).toBe('13433513925461372411');
    expect(issuesOf(pdKind, pd({}, { memberId: 1 }))[0]).toStartWith('status.memberId:');
  });

  test('rejects a top-level name in config, but not a name inside a table', () => {
    expect(parsePD(pd({ config: 'name = "x"' })).ok).toBe(false);
    expect(parsePD(pd({ config: '[label-property]\nname = "x"' })).ok).toBe(true);
  });

  test('shows Leader in kubectl get', () => {
    const columns = buildCrd(pdKind).spec.versions[0]?.additionalPrinterColumns.map((c) => c.name);
    expect(columns).toEqual(['Cluster', 'Leader', 'MemberID', 'Ready', 'Synced', 'Age']);
  });
});

describe('validatePDConfig', () => {
  test('accepts PD settings and returns the parsed table', () => {
    expect(validatePDConfig('[schedule]\nleader-schedule-limit = 8\n')).toEqual({
      ok: true,
      config: { schedule: { 'leader-schedule-limit': 8 } },
    });
  });

  test('names every managed key it finds', () => {
    const result = validatePDConfig('name = "a"\ninitial-cluster-state = "new"\njoin = "x"\n');
    expect(result.ok ? [] : result.errors.map((e) => e.key)).toEqual(['name', 'initial-cluster-state', 'join']);
  });

  test('reports TOML that does not parse', () => {
    const result = validatePDConfig('[schedule\n');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.errors[0]?.message).toStartWith('config is not valid TOML');
  });
});
