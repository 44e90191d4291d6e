// TikvCluster -> Cluster + PDGroup + TiKVGroup. Fixtures are the legacy examples (testdata/); the enumeration test
// sets every field of the legacy schema, one at a time, and requires it to change the output or be warned about.
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { parseCluster } from '../../core/api/cluster.ts';
import type { JSONSchemaProps } from '../../core/api/json-schema.ts';
import { parsePDGroup, validatePDConfig } from '../pd/api.ts';
import { parseTiKVGroup, validateTiKVConfig } from '../tikv/api.ts';
import { legacyClusterAnnotations, legacyPodAnnotations } from './api.ts';
import {
  CONVERTED_FROM_ANNOTATION,
  type ConvertOptions,
  convertTikvCluster,
  LegacyConversionError,
  legacyCapacity,
  type TikvClusterConversion,
} from './convert.ts';
import { legacyOpenApiSchema } from './crd.ts';

const testdata = join(import.meta.dir, 'testdata');
const fixture = (name: string) => parseYaml(readFileSync(join(testdata, name), 'utf8')) as Record<string, unknown>;

/** A minimal valid legacy cluster; `patch` is deep-merged into its spec. */
function legacy(patch: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  const base = {
    apiVersion: 'tikv.org/v1alpha1',
    kind: 'TikvCluster',
    metadata: { name: 'basic', namespace: 'db', ...metadata },
    spec: {
      version: 'v4.0.0',
      pd: { replicas: 1, requests: { storage: '1Gi' } },
      tikv: { replicas: 1, requests: { storage: '1Gi' } },
    },
  };
  return { ...base, spec: merge(base.spec, patch) };
}

function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] =
      isObject(current) && isObject(value) && !Array.isArray(value) ? merge(current, value) : structuredClone(value);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function convert(input: unknown, options?: ConvertOptions): TikvClusterConversion {
  const result = convertTikvCluster(input, options);
  // Every result must be what the new API's own parsers accept.
  for (const [parsed, what] of [
    [parseCluster(result.cluster), 'Cluster'],
    [parsePDGroup(result.pdGroup), 'PDGroup'],
    [parseTiKVGroup(result.tikvGroup), 'TiKVGroup'],
  ] as const) {
    expect({ what, ok: parsed.ok, issues: parsed.ok ? [] : parsed.issues }).toEqual({ what, ok: true, issues: [] });
  }
  const pdConfig = result.pdGroup.spec.template.spec.config;
  if (pdConfig !== undefined) expect(validatePDConfig(pdConfig).ok).toBe(true);
  const tikvConfig = result.tikvGroup.spec.template.spec.config;
  if (tikvConfig !== undefined) expect(validateTiKVConfig(tikvConfig).ok).toBe(true);
  return result;
}

const pdTemplate = (r: TikvClusterConversion) => r.pdGroup.spec.template.spec;
const tikvTemplate = (r: TikvClusterConversion) => r.tikvGroup.spec.template.spec;
const fields = (r: TikvClusterConversion) => r.warnings.map((w) => w.field);
const podSpec = (template: { overlay?: { pod?: { spec?: Record<string, unknown> } } }) =>
  template.overlay?.pod?.spec ?? {};
const mainContainer = (template: { overlay?: { pod?: { spec?: Record<string, unknown> } } }) =>
  (podSpec(template).containers as Record<string, unknown>[] | undefined)?.[0] ?? {};

function conversionError(input: unknown, options?: ConvertOptions): LegacyConversionError {
  try {
    convertTikvCluster(input, options);
  } catch (error) {
    if (error instanceof LegacyConversionError) return error;
    throw error;
  }
  throw new Error('expected a LegacyConversionError');
}

describe('the legacy examples', () => {
  test('every fixture in testdata/ converts into objects the new API accepts', () => {
    const files = readdirSync(testdata).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) convert(fixture(file));
  });

  test('examples/basic: one PD and one TiKV, same version and volume size, no warnings', () => {
    const result = convert(fixture('basic.yaml'));
    expect(result.warnings).toEqual([]);
    const group = (name: string, kind: string) => ({
      apiVersion: 'core.tikv.org/v1alpha1',
      kind,
      metadata: { name, annotations: { [CONVERTED_FROM_ANNOTATION]: 'TikvCluster/basic' } },
      spec: {
        cluster: { name: 'basic' },
        replicas: 1,
        template: {
          spec: {
            version: 'v4.0.0',
            volumes: [{ name: 'data', storage: '1Gi' }],
            // The legacy default (InPlace): a config change updates the ConfigMap and restarts nothing.
            configUpdateStrategy: 'HotReload' as const,
          },
        },
      },
    });
    expect(result).toEqual({
      source: { name: 'basic' },
      cluster: {
        apiVersion: 'core.tikv.org/v1alpha1',
        kind: 'Cluster',
        metadata: { name: 'basic', annotations: { [CONVERTED_FROM_ANNOTATION]: 'TikvCluster/basic' } },
        spec: {},
      },
      pdGroup: group('basic-pdg', 'PDGroup'),
      tikvGroup: group('basic-kvg', 'TiKVGroup'),
      warnings: [],
    });
  });

  test('examples/basic-cn: a mirror registry becomes an explicit image', () => {
    const result = convert(fixture('basic-cn.yaml'));
    expect(result.warnings).toEqual([]);
    expect(pdTemplate(result).image).toBe('registry.cn-beijing.aliyuncs.com/tidb/pd:v4.0.0');
    expect(tikvTemplate(result).image).toBe('registry.cn-beijing.aliyuncs.com/tidb/tikv:v4.0.0');
    expect(pdTemplate(result).version).toBe('v4.0.0');
  });

  test('a production-shaped cluster keeps its resources, storage class, config, placement and timezone', () => {
    const result = convert(fixture('production.yaml'));
    expect(result.cluster.metadata).toMatchObject({ name: 'surreal', namespace: 'tikv' });
    expect(result.pdGroup.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'surrealdb' });
    expect(pdTemplate(result).resources).toEqual({ cpu: '1', memory: '2Gi' });
    expect(pdTemplate(result).volumes).toEqual([{ name: 'data', storage: '10Gi', storageClassName: 'ssd' }]);
    expect(pdTemplate(result).configUpdateStrategy).toBe('Restart');
    expect(parseToml(pdTemplate(result).config ?? '')).toEqual({
      log: { level: 'info' },
      replication: { 'max-replicas': 3, 'location-labels': ['zone', 'host'], 'enable-placement-rules': true },
      schedule: {
        'leader-schedule-limit': 4,
        'tolerant-size-ratio': 5,
        'disable-raft-learner': false,
        schedulers: [{ type: 'balance-hot-region-scheduler', disable: false }],
      },
    });
    expect(tikvTemplate(result).storeLabels).toEqual({ disk: 'ssd' });
    expect(parseToml(tikvTemplate(result).config ?? '')).toMatchObject({ raftstore: { capacity: '100GB' } });
    expect(mainContainer(tikvTemplate(result))).toEqual({
      name: 'tikv',
      // Request 2 CPUs, limit 4: kept exactly in the overlay, the template would make them equal.
      resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } },
      env: [{ name: 'TZ', value: 'Asia/Shanghai' }],
    });
    expect(podSpec(tikvTemplate(result)).nodeSelector).toEqual({ 'node-pool': 'storage' });
    expect(fields(result)).toEqual(['spec.pd.config.schedule', 'spec.pd.config.replication']);
  });

  test('a cluster using every field converts with one warning per setting it cannot carry', () => {
    const result = convert(fixture('every-field.yaml'));
    expect(fields(result)).toEqual([
      'metadata.annotations.pd.tikv.org/delete-slots',
      'metadata.annotations.tikv.tikv.org/delete-slots',
      'metadata.annotations.tikv.org/force-upgrade',
      'spec.discovery.requests',
      'spec.discovery.limits',
      'spec.pd.limits.storage',
      'spec.pd.config.schedule',
      'spec.pd.config.replication',
      'spec.pd.hostNetwork',
      'spec.pd.annotations.runmode',
      'spec.pd.env[1]',
      'spec.pd.service.type',
      'spec.pd.service.annotations',
      'spec.pd.service.loadBalancerIP',
      'spec.pd.service.clusterIP',
      'spec.pd.service.portName',
      'spec.pd.tlsClientSecretName',
      'spec.pd.maxFailoverCount',
      'spec.tikv.config.server.addr',
      'spec.tikv.config.raftstore.capacity',
      'spec.tikv.config.security.encryption.master-key.secret-access-key',
      'spec.tikv.config.gc.batch-keys',
      'spec.tikv.config.server.labels.zone',
      'spec.tikv.image',
      'status.pd.failureMembers',
    ]);
    expect(pdTemplate(result)).toMatchObject({ version: 'v4.0.9', image: 'example.com/pingcap/pd:v4.0.9' });
    expect(tikvTemplate(result)).toMatchObject({ version: 'v4.0.8' });
    expect(tikvTemplate(result).image).toBeUndefined();
  });
});

describe('every legacy field is carried or warned about', () => {
  const baseline = convert(legacy());
  const spec = legacyOpenApiSchema().properties?.spec as JSONSchemaProps;

  /** Values that differ from the base object and are valid for the field. */
  const samples: Record<string, unknown> = {
    version: 'v5.0.0',
    'pd.version': 'v4.0.1',
    'tikv.version': 'v4.0.1',
    'pd.image': 'pingcap/pd:v4.0.1',
    'tikv.image': 'pingcap/tikv:v4.0.1',
    'pd.baseImage': 'example.com/pd',
    'tikv.baseImage': 'example.com/tikv',
    'pd.replicas': 3,
    'tikv.replicas': 5,
    imagePullPolicy: 'Always',
    'pd.imagePullPolicy': 'Never',
    'tikv.imagePullPolicy': 'Never',
    configUpdateStrategy: 'RollingUpdate',
    'pd.configUpdateStrategy': 'RollingUpdate',
    'tikv.configUpdateStrategy': 'RollingUpdate',
    'pd.service.type': 'LoadBalancer',
    tolerations: [{ key: 'dedicated', operator: 'Exists' }],
    'pd.tolerations': [{ key: 'pd', operator: 'Exists' }],
    'tikv.tolerations': [{ key: 'tikv', operator: 'Exists' }],
    'pd.env': [{ name: 'GODEBUG', value: 'x=1' }],
    'tikv.env': [{ name: 'MALLOC_CONF', value: 'prof:true' }],
    affinity: { nodeAffinity: {} },
    'pd.affinity': { podAntiAffinity: {} },
    'tikv.affinity': { podAntiAffinity: {} },
    'pd.podSecurityContext': { runAsUser: 1000 },
    'tikv.podSecurityContext': { runAsUser: 1000 },
    'pd.config': { lease: 5 },
    'tikv.config': { 'log-level': 'warn' },
    'discovery.requests': { cpu: '1' },
    'discovery.limits': { cpu: '1' },
  };
  /** Resource lists are enumerated per resource name. */
  const resourceNames = ['cpu', 'memory', 'storage', 'ephemeral-storage'];
  const resourceSamples: Record<string, unknown> = {
    cpu: '3',
    memory: '3Gi',
    storage: '3Gi',
    'ephemeral-storage': '1Gi',
  };

  function leaves(node: JSONSchemaProps, path: string[]): [string, unknown][] {
    const dotted = path.join('.');
    if (node.properties) {
      return Object.entries(node.properties).flatMap(([key, child]) => leaves(child, [...path, key]));
    }
    const isQuantityMap = node.additionalProperties !== undefined && typeof node.additionalProperties === 'object';
    if (isQuantityMap && node.additionalProperties && (node.additionalProperties as JSONSchemaProps).anyOf) {
      if (dotted.startsWith('discovery.')) return [[dotted, samples[dotted]]];
      return resourceNames.map((name) => [`${dotted}.${name}`, { [name]: resourceSamples[name] }]);
    }
    if (dotted in samples) return [[dotted, samples[dotted]]];
    if (node.additionalProperties) return [[dotted, { 'example.com/key': 'value' }]];
    switch (node.type) {
      case 'string':
        return [[dotted, 'sample']];
      case 'boolean':
        return [[dotted, true]];
      case 'integer':
        return [[dotted, 2]];
      default:
        throw new Error(`no sample for ${dotted} (${node.type}): add one`);
    }
  }

  const cases = leaves(spec, []);

  test('the legacy schema has the fields of section 1.3 (cluster, component, PD and TiKV fields)', () => {
    const paths = new Set(cases.map(([p]) => p.split('.').slice(0, 2).join('.')));
    for (const field of ['paused', 'timezone', 'hostNetwork', 'discovery.requests', 'pd.service', 'tikv.privileged']) {
      expect(paths.has(field)).toBe(true);
    }
    expect(cases.length).toBeGreaterThan(70);
  });

  test.each(cases)('spec.%s', (path, value) => {
    const keys = path.split('.');
    // A resource name is the last key of a resource list: set it in the list, not as a nested map.
    const isResource = keys.length >= 2 && ['requests', 'limits'].includes(keys.at(-2) ?? '');
    const patch = (isResource ? keys.slice(0, -1) : keys).reduceRight<unknown>(
      (inner, key) => ({ [key]: inner }),
      value,
    );
    const result = convert(legacy(patch as Record<string, unknown>));
    const warned = result.warnings.some((w) => w.field === `spec.${path}` || w.field.startsWith(`spec.${path}.`));
    const { warnings: _w, ...objects } = result;
    const { warnings: _b, ...baseObjects } = baseline;
    const changed = JSON.stringify(objects) !== JSON.stringify(baseObjects);
    expect({ path, carriedOrWarned: warned || changed }).toEqual({ path, carriedOrWarned: true });
  });

  test.each([
    ...Object.values(legacyClusterAnnotations).map((key) => ['metadata', key, '[1]'] as const),
    ...Object.values(legacyPodAnnotations).map((key) => ['pod', key, key === 'runmode' ? 'debug' : 'true'] as const),
  ])('%s annotation %s', (where, key, value) => {
    const input =
      where === 'metadata' ? legacy({}, { annotations: { [key]: value } }) : legacy({ annotations: { [key]: value } });
    const result = convert(input);
    const warned = result.warnings.some((w) => w.field.endsWith(key));
    expect({ key, warned }).toEqual({ key, warned: true });
  });
});

describe('names', () => {
  test('by default the groups get names that do not collide with the legacy StatefulSets, Pods and Services', () => {
    const result = convert(legacy());
    expect([result.cluster.metadata.name, result.pdGroup.metadata.name, result.tikvGroup.metadata.name]).toEqual([
      'basic',
      'basic-pdg',
      'basic-kvg',
    ]);
  });

  test('legacy naming reuses the legacy Pod and peer Service names (basic-tikv-0.basic-tikv-peer)', () => {
    const result = convert(legacy(), { groupNaming: 'legacy' });
    expect([result.pdGroup.metadata.name, result.tikvGroup.metadata.name]).toEqual(['basic-pd', 'basic-tikv']);
  });

  test('a name too long for the groups fails clearly and suggests --name', () => {
    const name = `c${'x'.repeat(35)}`;
    expect(convert(legacy({}, { name })).tikvGroup.metadata.name).toHaveLength(40);
    const error = conversionError(legacy({}, { name: `${name}y` }));
    expect(error.message).toContain('TiKVGroup would be named');
    expect(error.message).toContain('(41 characters), over the limit of 40');
    expect(error.message).toContain('--name');
    expect(conversionError(legacy({}, { name }), { groupNaming: 'legacy' }).message).toContain(
      `"${name}-tikv" (41 characters`,
    );
  });

  test('--name renames the new objects', () => {
    const result = convert(legacy({}, { name: 'x'.repeat(50) }), { name: 'short' });
    expect(result.tikvGroup.spec.cluster.name).toBe('short');
    expect(result.tikvGroup.metadata.name).toBe('short-kvg');
    expect(result.cluster.metadata.annotations?.[CONVERTED_FROM_ANNOTATION]).toBe(`TikvCluster/${'x'.repeat(50)}`);
  });

  test('labels and annotations of the legacy object are kept, except what belongs to the operators', () => {
    const result = convert(
      legacy(
        {},
        {
          labels: { team: 'db', 'tikv.org/cluster': 'other' },
          annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
          finalizers: ['example.com/keep'],
        },
      ),
    );
    expect(result.pdGroup.metadata).toEqual({
      name: 'basic-pdg',
      namespace: 'db',
      labels: { team: 'db' },
      annotations: { note: 'x', [CONVERTED_FROM_ANNOTATION]: 'TikvCluster/basic' },
    });
    expect(fields(result)).toEqual(['metadata.labels.tikv.org/cluster', 'metadata.finalizers']);
  });
});

describe('versions and images', () => {
  test.each([
    // [legacy spec patch, PD version, PD image]
    [{}, 'v4.0.0', undefined],
    // The legacy image tag had no leading v; the new default image would add one, so the image is kept explicitly.
    [{ version: '4.0.0' }, '4.0.0', 'pingcap/pd:4.0.0'],
    [{ pd: { version: 'v4.0.5' } }, 'v4.0.5', undefined],
    [{ pd: { baseImage: 'mirror.local/pd' } }, 'v4.0.0', 'mirror.local/pd:v4.0.0'],
  ])('%j -> version %s, image %s', (patch, version, image) => {
    const template = pdTemplate(convert(legacy(patch)));
    expect(template.version).toBe(version);
    expect(template.image).toBe(image as string | undefined);
  });

  test('the deprecated image without baseImage or version is carried, its tag becoming the version', () => {
    const input = legacy({ pd: { image: 'example.com/pd:v3.1.0' } });
    delete (input.spec as Record<string, unknown>).version;
    (input.spec as { tikv: Record<string, unknown> }).tikv.version = 'v3.1.0';
    const result = convert(input);
    expect(pdTemplate(result)).toMatchObject({ version: 'v3.1.0', image: 'example.com/pd:v3.1.0' });
    expect(fields(result)).toEqual(['spec.pd.image']);
  });

  test.each([
    [{ version: 'latest' }, 'spec.version: "latest" is not a semantic version'],
    [{ tikv: { version: 'nightly' } }, 'spec.tikv.version: "nightly" is not a semantic version'],
    [{ version: '' }, 'spec.version: required: neither a version nor an image is set'],
  ])('%j cannot be converted', (patch, message) => {
    expect(conversionError(legacy(patch)).message).toContain(message);
  });
});

describe('config update strategy (the legacy default InPlace restarted nothing)', () => {
  test.each([
    [{}, 'HotReload', 'HotReload', []],
    [{ configUpdateStrategy: 'InPlace' }, 'HotReload', 'HotReload', []],
    [{ configUpdateStrategy: 'RollingUpdate' }, 'Restart', 'Restart', []],
    [{ configUpdateStrategy: 'RollingUpdate', tikv: { configUpdateStrategy: 'InPlace' } }, 'Restart', 'HotReload', []],
  ])('%j -> PD %s, TiKV %s', (patch, pd, tikv, warned) => {
    const result = convert(legacy(patch));
    expect([pdTemplate(result).configUpdateStrategy, tikvTemplate(result).configUpdateStrategy] as string[]).toEqual([
      pd,
      tikv,
    ]);
    expect(fields(result)).toEqual(warned);
  });

  test('the misspelt default of the legacy CRD markers ("InPlacne") behaved as InPlace', () => {
    // The corrected CRD refuses it, but objects stored under the schemaless legacy CRD may hold it.
    const input = legacy();
    const spec = input.spec as Record<string, unknown>;
    spec.configUpdateStrategy = 'InPlacne';
    expect(() => convertTikvCluster(input)).toThrow('spec.configUpdateStrategy');
  });
});

describe('resources and storage', () => {
  test.each([
    ['equal request and limit', true, { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } }],
    ['the same quantity written differently', true, { requests: { memory: '1Gi' }, limits: { memory: '1024Mi' } }],
    ['only limits (Kubernetes copies them to requests)', true, { limits: { cpu: '2' } }],
    ['only requests', false, { requests: { cpu: '2' } }],
    ['request below limit', false, { requests: { cpu: '1' }, limits: { cpu: '2' } }],
    ['another resource', false, { limits: { cpu: '2', 'ephemeral-storage': '10Gi' } }],
  ])('%s -> in template.resources: %p', (_name, inTemplate, list) => {
    const resources = list as { requests?: Record<string, string>; limits?: Record<string, string> };
    const patch = { pd: { ...resources, requests: { storage: '1Gi', ...(resources.requests ?? {}) } } };
    const template = pdTemplate(convert(legacy(patch)));
    if (inTemplate) {
      expect(template.resources).toEqual(resources.limits ?? {});
      expect(mainContainer(template).resources).toBeUndefined();
    } else {
      expect(template.resources).toBeUndefined();
      const { requests = {}, limits } = resources as { requests?: object; limits?: object };
      const expected: Record<string, unknown> = {};
      if (Object.keys(requests).length > 0) expected.requests = requests;
      if (limits) expected.limits = limits;
      expect(mainContainer(template).resources).toEqual(expected);
    }
  });

  test.each([
    ['100Gi', '100GB'],
    ['1536Mi', '1536MB'],
    // Decimal gigabytes are not whole GiB: the legacy operator fell back to whole MiB.
    ['10G', '9536MB'],
    [1073741824, '1GB'],
    ['100Ki', undefined],
  ])('TiKV limits.storage %p becomes raftstore.capacity %p', (limit, capacity) => {
    expect(legacyCapacity(limit)).toBe(capacity);
    const template = tikvTemplate(convert(legacy({ tikv: { limits: { storage: limit } } })));
    const config = template.config === undefined ? {} : parseToml(template.config);
    expect((config as { raftstore?: { capacity?: string } }).raftstore?.capacity).toBe(capacity);
  });

  test('capacity joins a raftstore table the config already has', () => {
    const template = tikvTemplate(
      convert(legacy({ tikv: { limits: { storage: '2Gi' }, config: { raftstore: { 'sync-log': false } } } })),
    );
    expect(parseToml(template.config ?? '')).toEqual({ raftstore: { 'sync-log': false, capacity: '2GB' } });
  });

  test('a missing storage request cannot be converted (the legacy operator refused it too)', () => {
    const input = legacy();
    delete (input.spec as { tikv: { requests?: unknown } }).tikv.requests;
    expect(conversionError(input).message).toContain('spec.tikv.requests: requests.storage is required');
  });

  test('storageClassName "" (no class: static binding) is kept as it is', () => {
    expect(tikvTemplate(convert(legacy({ tikv: { storageClassName: '' } }))).volumes).toEqual([
      { name: 'data', storage: '1Gi', storageClassName: '' },
    ]);
  });
});

describe('Pod settings', () => {
  test('component settings override the cluster level; maps merge; tolerations replace when not empty', () => {
    const result = convert(
      legacy({
        schedulerName: 's1',
        priorityClassName: 'p1',
        nodeSelector: { a: '1', b: '1' },
        tolerations: [{ key: 'cluster', operator: 'Exists' }],
        annotations: { x: 'cluster', y: 'cluster' },
        pd: { schedulerName: 's2', nodeSelector: { b: '2' }, annotations: { y: 'pd' }, tolerations: [] },
        tikv: { tolerations: [{ key: 'tikv', operator: 'Exists' }] },
      }),
    );
    expect(podSpec(pdTemplate(result))).toEqual({
      priorityClassName: 'p1',
      schedulerName: 's2',
      nodeSelector: { a: '1', b: '2' },
      tolerations: [{ key: 'cluster', operator: 'Exists' }],
    });
    expect(pdTemplate(result).overlay?.pod?.metadata).toEqual({ annotations: { x: 'cluster', y: 'pd' } });
    expect(podSpec(tikvTemplate(result)).tolerations).toEqual([{ key: 'tikv', operator: 'Exists' }]);
  });

  test('hostNetwork is carried with the DNS policy the legacy operator used, and a warning about ports', () => {
    const result = convert(legacy({ hostNetwork: true }));
    expect(podSpec(tikvTemplate(result))).toEqual({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' });
    expect(result.warnings).toEqual([{ field: 'spec.hostNetwork', reason: expect.stringContaining('host ports') }]);
  });

  test('environment: TZ from the timezone, variables the legacy operator set itself are dropped with a warning', () => {
    const result = convert(
      legacy({
        timezone: 'Asia/Tokyo',
        tikv: {
          env: [
            { name: 'CAPACITY', value: '1GB' },
            { name: 'A', value: '1' },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          ],
        },
      }),
    );
    expect(mainContainer(tikvTemplate(result)).env).toEqual([
      { name: 'TZ', value: 'Asia/Tokyo' },
      { name: 'A', value: '1' },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
    expect(result.warnings).toEqual([
      { field: 'spec.tikv.env[0]', reason: expect.stringContaining('set CAPACITY itself') },
      { field: 'spec.tikv.env[2]', reason: expect.stringContaining('fieldRef') },
    ]);
  });

  test('POD_NAME is the legacy operator own variable only with hostNetwork', () => {
    const env = [{ name: 'POD_NAME', value: 'x' }];
    expect(fields(convert(legacy({ pd: { env } })))).toEqual([]);
    expect(fields(convert(legacy({ pd: { env, hostNetwork: true } })))).toEqual([
      'spec.pd.hostNetwork',
      'spec.pd.env[0]',
    ]);
  });

  test('TiKV sysctl-init runs the sysctls in a privileged init container, as the legacy operator did', () => {
    const result = convert(
      legacy({
        tikv: {
          annotations: { 'tikv.org/sysctl-init': 'true' },
          podSecurityContext: { runAsUser: 1000, sysctls: [{ name: 'net.core.somaxconn', value: '32768' }] },
        },
      }),
    );
    expect(podSpec(tikvTemplate(result))).toEqual({
      initContainers: [
        {
          name: 'sysctl-init',
          image: 'busybox:1.26.2',
          command: ['sh', '-c', 'sysctl -w net.core.somaxconn=32768'],
          securityContext: { privileged: true },
        },
      ],
      securityContext: { runAsUser: 1000 },
    });
    expect(result.warnings).toEqual([]);
  });

  test('sysctl-init without sysctls, or on PD, had no effect', () => {
    const result = convert(
      legacy({
        pd: {
          annotations: { 'tikv.org/sysctl-init': 'true' },
          podSecurityContext: { sysctls: [{ name: 'a', value: '1' }] },
        },
        tikv: { annotations: { 'tikv.org/sysctl-init': 'true' } },
      }),
    );
    expect(result.warnings).toEqual([
      { field: 'spec.pd.annotations.tikv.org/sysctl-init', reason: expect.stringContaining('TiKV only') },
      { field: 'spec.tikv.annotations.tikv.org/sysctl-init', reason: expect.stringContaining('without') },
    ]);
    expect(podSpec(pdTemplate(result))).toEqual({ securityContext: { sysctls: [{ name: 'a', value: '1' }] } });
  });

  test('TiKV serviceAccount and privileged', () => {
    const template = tikvTemplate(convert(legacy({ tikv: { serviceAccount: 'sa', privileged: true } })));
    expect(podSpec(template)).toEqual({
      serviceAccountName: 'sa',
      containers: [{ name: 'tikv', securityContext: { privileged: true } }],
    });
  });
});

describe('other settings', () => {
  test('paused carries to the Cluster', () => {
    expect(convert(legacy({ paused: true })).cluster.spec).toEqual({ paused: true });
  });

  test('maxFailoverCount 0 (failover off) is what the new operator does anyway: no warning', () => {
    expect(fields(convert(legacy({ pd: { maxFailoverCount: 0 }, tikv: { maxFailoverCount: 0 } })))).toEqual([]);
  });

  test('a PD Service of type ClusterIP is what the new operator creates: no warning', () => {
    expect(fields(convert(legacy({ pd: { service: { type: 'ClusterIP' } } })))).toEqual([]);
  });

  test('store labels from TiKV config: topology keys and invalid entries are warned about', () => {
    const result = convert(
      legacy({ tikv: { config: { server: { labels: { host: 'h1', rack: 'r1', 'bad key!': 'x', disk: '' } } } } }),
    );
    expect(tikvTemplate(result).storeLabels).toEqual({ rack: 'r1' });
    expect(fields(result)).toEqual([
      'spec.tikv.config.server.labels.host',
      'spec.tikv.config.server.labels.bad key!',
      'spec.tikv.config.server.labels.disk',
    ]);
  });

  test('fields the legacy operator did not know are warned about, not carried', () => {
    const result = convert(legacy({ tikv: { replica: 3 }, pdd: {} }));
    expect(result.warnings).toEqual([
      { field: 'spec.tikv.replica', reason: 'not carried: unknown to the legacy operator, which ignored it' },
      { field: 'spec.pdd', reason: 'not carried: unknown to the legacy operator, which ignored it' },
    ]);
  });

  test('failover members in the status are warned about: the new group gets only the spec replicas', () => {
    const input = { ...legacy(), status: { tikv: { failureStores: { '4': { podName: 'basic-tikv-3' } } } } };
    const result = convert(input);
    expect(result.tikvGroup.spec.replicas).toBe(1);
    expect(result.warnings).toEqual([
      { field: 'status.tikv.failureStores', reason: expect.stringContaining('added 1 TiKV store(s) for failover') },
    ]);
  });
});

describe('input that is not a convertible TikvCluster', () => {
  test.each([
    [{ apiVersion: 'core.tikv.org/v1alpha1', kind: 'Cluster', metadata: { name: 'x' }, spec: {} }, 'kind'],
    [{ ...legacy(), spec: { version: 'v4.0.0' } }, 'spec.pd'],
    [legacy({ pd: { replicas: 0 } }), 'spec.pd.replicas: must be >= 1'],
    [legacy({ tikv: { replicas: '3' } }), 'spec.tikv.replicas'],
  ])('%#: the error names %s', (input, field) => {
    expect(conversionError(input).message).toContain(field);
  });

  test('all problems are reported at once', () => {
    const input = legacy({ version: 'latest' }, { name: `n${'x'.repeat(45)}` });
    const error = conversionError(input);
    expect(error.problems.map((p) => p.field)).toEqual(['metadata.name', 'spec.version']);
    expect(error.message).toStartWith(`TikvCluster db/n${'x'.repeat(45)}: cannot convert: `);
  });
});
