// The generated CRDs and the examples against a real kube-apiserver: they install, examples round-trip with the
// same defaults as the runtime parser, bad input is refused naming the field (and the runtime mirror agrees),
// and the scale subresource, printer columns and field selectors work.
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { API_GROUP_VERSION } from '../core/api/api-version.ts';
import { crdName } from '../core/api/crd.ts';
import { type FieldIssue, type KindDefinition, parseObject } from '../core/api/kind.ts';
import { validateUpdate } from '../core/api/validate-update.ts';
import type { KubeObject } from '../core/kube/object.ts';
import { ApiError } from '../core/testing/api.ts';
import { createTestNamespace, useControlPlane } from '../core/testing/fixtures.ts';
import { apiKinds, repoRoot } from './generate.ts';

const fixture = useControlPlane({ nodes: 1 });
const kinds = new Map(apiKinds().map((k) => [k.resource.kind, k]));

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
// Fixtures are example YAML edited field by field; a type per kind here would only restate the schemas.
// biome-ignore lint/suspicious/noExplicitAny: deliberately untyped fixture edits
type Loose = any;

function kindOf(obj: { kind?: string }): KindDefinition {
  const kind = kinds.get(obj.kind ?? '');
  if (!kind) throw new Error(`unknown kind ${obj.kind}`);
  return kind;
}

function resourcePath(kind: string, ns: string, name?: string, sub?: string): string {
  const base = `/apis/${API_GROUP_VERSION}/namespaces/${ns}/${kindOf({ kind }).resource.plural}`;
  return [base, name, sub].filter(Boolean).join('/');
}

/** `kubectl apply --server-side`: the whole object as the field manager's intent. */
function apply<T extends Obj>(obj: Obj, ns: string): Promise<T> {
  const path = `${resourcePath(obj.kind ?? '', ns, obj.metadata.name)}?fieldManager=kubectl&force=true`;
  return fixture.cp.api.request<T>('PATCH', path, { body: obj, contentType: 'application/apply-patch+yaml' });
}

/** `kubectl create`: POST. Used for bad input, because server-side apply answers 500 for duplicate list-map keys. */
function create<T extends Obj>(obj: Obj, ns: string): Promise<T> {
  return fixture.cp.api.create<T>(resourcePath(obj.kind ?? '', ns), obj);
}

function get<T extends Obj>(kind: string, ns: string, name: string, sub?: string): Promise<T> {
  return fixture.cp.api.get<T>(resourcePath(kind, ns, name, sub));
}

/** The apiserver's message for a 422, or a failure when the request succeeds. */
async function rejection(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) return err.message;
    throw err;
  }
  throw new Error('the apiserver accepted it');
}

function load(path: string): Obj {
  return parse(readFileSync(join(repoRoot, path), 'utf8')) as Obj;
}

const basic = {
  cluster: () => load('examples/basic/cluster.yaml'),
  pdGroup: () => load('examples/basic/pd-group.yaml'),
  tikvGroup: () => load('examples/basic/tikv-group.yaml'),
  pd: () => instanceOf(load('examples/basic/pd-group.yaml'), 'PD', 0),
  tikv: () => instanceOf(load('examples/basic/tikv-group.yaml'), 'TiKV', 0),
};

/** An instance as its group would write it: the template spec inlined, plus cluster, subdomain and topology. */
function instanceOf(group: Obj, kind: string, ordinal: number): Obj {
  const spec = group.spec as { cluster: unknown; template: { spec: Record<string, unknown> } };
  return {
    apiVersion: API_GROUP_VERSION,
    kind,
    metadata: { name: `${group.metadata.name}-${ordinal}` },
    spec: {
      cluster: spec.cluster,
      subdomain: `${group.metadata.name}-peer`,
      topology: { 'topology.kubernetes.io/zone': 'zone-a' },
      ...spec.template.spec,
    },
  };
}

function edit(obj: Obj, change: (o: Obj & { spec: Record<string, Loose> }) => void): Obj {
  const copy = structuredClone(obj) as Obj & { spec: Record<string, Loose> };
  change(copy);
  return copy;
}

/** valibot's dotted path (`volumes.1.mounts`) in the apiserver's notation (`volumes[1].mounts`). */
function apiserverPath(issue: FieldIssue): string {
  return issue.path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

function namespaceFor(label: string): Promise<string> {
  return createTestNamespace(fixture.cp, label);
}

describe('CRDs', () => {
  test('every kind is installed and Established', async () => {
    const files = readdirSync(join(repoRoot, 'crds')).filter((name) => name.endsWith('.yaml'));
    expect(files).toHaveLength(kinds.size);
    for (const kind of kinds.values()) {
      const crd = await fixture.cp.api.get<{ status: { conditions: { type: string; status: string }[] } }>(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName(kind)}`,
      );
      expect(crd.status.conditions.find((c) => c.type === 'Established')?.status).toBe('True');
    }
  });

  test('discovery lists every kind in the tikv category with its short names', async () => {
    const list = await fixture.cp.api.get<{
      resources: { name: string; kind: string; shortNames?: string[]; categories?: string[] }[];
    }>(`/apis/${API_GROUP_VERSION}`);
    for (const kind of kinds.values()) {
      const resource = list.resources.find((r) => r.name === kind.resource.plural);
      expect(resource?.categories).toEqual(['tikv']);
      expect(resource?.shortNames ?? []).toEqual([...kind.shortNames]);
    }
    expect(list.resources.map((r) => r.name)).toContain('pdgroups/scale');
    expect(list.resources.map((r) => r.name)).toContain('tikvs/scale');
  });
});

describe('examples', () => {
  const dirs = readdirSync(join(repoRoot, 'examples'));

  test.each(dirs.map((d) => [d]))(
    'examples/%s applies and reads back as written, with the runtime defaults filled in',
    async (dir) => {
      const ns = await namespaceFor(dir);
      const files = readdirSync(join(repoRoot, 'examples', dir)).filter((f) => f.endsWith('.yaml'));
      for (const file of files) {
        const example = load(`examples/${dir}/${file}`);
        await apply(example, ns);
        const stored = await get(example.kind ?? '', ns, example.metadata.name);
        const expected = parseObject(kindOf(example), example);
        if (!expected.ok) throw new Error(`${file} is invalid`);
        // The apiserver's defaulting and the runtime parser's agree field by field.
        expect(stored.spec).toEqual(expected.value.spec as Record<string, unknown>);
        expect(stored.metadata.labels).toEqual(example.metadata.labels);
        expect(stored.metadata.annotations).toEqual(example.metadata.annotations);
      }
    },
    60_000,
  );
});

interface BadInput {
  what: string;
  obj: () => Obj;
  /** The field the apiserver names (its notation). */
  field: string;
  /** Part of the apiserver's message. */
  message: string;
  /** The field the runtime mirror names, when it reports on the list rather than the item. */
  runtimeField?: string;
}

const managedPdKey = 'config must not set initial-cluster: the operator manages it';
const badCreates: BadInput[] = [
  {
    what: 'negative replicas',
    obj: () => edit(basic.pdGroup(), (o) => (o.spec.replicas = -1)),
    field: 'spec.replicas',
    message: 'should be greater than or equal to 0',
  },
  {
    what: 'a version that is not semver',
    obj: () => edit(basic.tikvGroup(), (o) => (o.spec.template.spec.version = 'latest')),
    field: 'spec.template.spec.version',
    message: 'should match',
  },
  {
    what: 'no data volume',
    obj: () =>
      edit(
        basic.pdGroup(),
        (o) => (o.spec.template.spec.volumes = [{ name: 'wal', storage: '1Gi', mounts: [{ mountPath: '/w' }] }]),
      ),
    field: 'spec.template.spec.volumes',
    message: 'volumes must include a volume named data',
  },
  {
    what: 'a managed PD config key',
    obj: () => edit(basic.pdGroup(), (o) => (o.spec.template.spec.config = 'initial-cluster = "x"\n')),
    field: 'spec.template.spec.config',
    message: managedPdKey,
  },
  {
    what: 'a managed TiKV config key in a table',
    obj: () =>
      edit(basic.tikvGroup(), (o) => (o.spec.template.spec.config = '[log]\nlevel = "info"\n[server]\naddr = "x"\n')),
    field: 'spec.template.spec.config',
    message: 'config must not set server.addr: the operator manages it',
  },
  {
    what: 'a managed TiKV config key as a dotted key',
    obj: () => edit(basic.tikvGroup(), (o) => (o.spec.template.spec.config = 'pd.endpoints = ["x"]\n')),
    field: 'spec.template.spec.config',
    message: 'config must not set pd.endpoints: the operator manages it',
  },
  {
    what: 'a group name too long for its instance and PVC names',
    obj: () => edit(basic.pdGroup(), (o) => (o.metadata.name = `p${'d'.repeat(40)}`)),
    field: 'metadata.name',
    message: 'metadata.name must be at most 40 characters',
  },
  {
    what: 'an instance name too long for its PVC names',
    obj: () => edit(basic.tikv(), (o) => (o.metadata.name = `t${'k'.repeat(46)}`)),
    field: 'metadata.name',
    message: 'metadata.name must be at most 46 characters',
  },
  {
    what: 'a name that is not a DNS-1035 label',
    obj: () => edit(basic.tikvGroup(), (o) => (o.metadata.name = 'basic.tikv')),
    field: 'metadata.name',
    message: 'metadata.name must be a DNS-1035 label',
  },
  {
    what: 'a store label the operator derives from the node',
    obj: () => edit(basic.tikvGroup(), (o) => (o.spec.template.spec.storeLabels = { zone: 'z1' })),
    field: 'spec.template.spec.storeLabels',
    message: 'storeLabels must not set zone, region, host',
  },
  {
    what: 'a second volume without mounts',
    obj: () => edit(basic.tikvGroup(), (o) => o.spec.template.spec.volumes.push({ name: 'raft', storage: '1Gi' })),
    field: 'spec.template.spec.volumes[1].mounts',
    message: 'mounts must not be empty',
  },
  {
    what: 'a duplicate volume name',
    obj: () => edit(basic.tikvGroup(), (o) => o.spec.template.spec.volumes.push({ name: 'data', storage: '2Gi' })),
    field: 'spec.template.spec.volumes[1]',
    message: 'Duplicate value',
    runtimeField: 'spec.template.spec.volumes',
  },
  {
    what: 'a storage of zero',
    obj: () => edit(basic.tikvGroup(), (o) => (o.spec.template.spec.volumes[0].storage = '0')),
    field: 'spec.template.spec.volumes[0].storage',
    message: 'storage must be greater than 0',
  },
  {
    what: 'maxUnavailable 0',
    obj: () => edit(basic.tikvGroup(), (o) => (o.spec.updateStrategy = { maxUnavailable: 0 })),
    field: 'spec.updateStrategy.maxUnavailable',
    message: 'should be greater than or equal to 1',
  },
  {
    what: 'an operator label in the template',
    obj: () => edit(basic.pdGroup(), (o) => (o.spec.template.metadata = { labels: { 'tikv.org/group': 'x' } })),
    field: 'spec.template.metadata.labels',
    message: 'labels must not use the tikv.org/ prefix',
  },
  {
    what: 'a PVC overlay for a volume that does not exist',
    obj: () =>
      edit(
        basic.tikvGroup(),
        (o) => (o.spec.template.spec.overlay = { volumeClaims: [{ name: 'wal', volumeClaim: {} }] }),
      ),
    field: 'spec.template.spec.overlay.volumeClaims',
    message: 'overlay.volumeClaims names must name volumes in volumes',
  },
  {
    what: 'EvenlySpread without topologies',
    obj: () => edit(basic.tikvGroup(), (o) => (o.spec.schedulePolicies = [{ type: 'EvenlySpread' }])),
    field: 'spec.schedulePolicies[0].evenlySpread',
    message: 'evenlySpread is required when type is EvenlySpread',
  },
  {
    what: 'a negative revision history limit',
    obj: () => edit(basic.cluster(), (o) => (o.spec.revisionHistoryLimit = -1)),
    field: 'spec.revisionHistoryLimit',
    message: 'should be greater than or equal to 0',
  },
  {
    what: 'an instance with two replicas',
    obj: () => edit(basic.pd(), (o) => (o.spec.replicas = 2)),
    field: 'spec.replicas',
    message: 'should be less than or equal to 1',
  },
];

describe('bad input at create', () => {
  test.each(badCreates.map((c) => [c.what, c]))(
    'rejects %s, naming the field, and so does the runtime parser',
    async (_, c) => {
      const ns = await namespaceFor('bad');
      const obj = c.obj();
      const message = await rejection(create(obj, ns));
      expect(message).toContain(`${c.field}: `);
      expect(message).toContain(c.message);
      const runtime = parseObject(kindOf(obj), obj);
      expect(runtime.ok).toBe(false);
      if (!runtime.ok) expect(runtime.issues.map(apiserverPath)).toContain(c.runtimeField ?? c.field);
    },
    30_000,
  );
});

interface BadUpdate {
  what: string;
  before: () => Obj;
  after: (before: Obj) => Obj;
  field: string;
  message: string;
}

const badUpdates: BadUpdate[] = [
  {
    what: 'a changed cluster reference',
    before: basic.pdGroup,
    after: (o) => edit(o, (x) => (x.spec.cluster = { name: 'other' })),
    field: 'spec.cluster',
    message: 'cluster is immutable',
  },
  {
    what: 'a volume shrink',
    before: basic.tikvGroup,
    after: (o) => edit(o, (x) => (x.spec.template.spec.volumes[0].storage = '50Gi')),
    field: 'spec.template.spec.volumes[0].storage',
    message: 'storage can only grow',
  },
  {
    what: 'a changed instance topology',
    before: basic.tikv,
    after: (o) => edit(o, (x) => (x.spec.topology = { 'topology.kubernetes.io/zone': 'zone-b' })),
    field: 'spec.topology',
    message: 'topology is immutable',
  },
  {
    what: 'a changed instance subdomain',
    before: basic.pd,
    after: (o) => edit(o, (x) => (x.spec.subdomain = 'other-peer')),
    field: 'spec.subdomain',
    message: 'subdomain is immutable',
  },
  {
    what: 'a removed volume attributes class',
    before: () => edit(basic.tikvGroup(), (x) => (x.spec.template.spec.volumes[0].volumeAttributesClassName = 'gold')),
    after: (o) => edit(o, (x) => delete x.spec.template.spec.volumes[0].volumeAttributesClassName),
    field: 'spec.template.spec.volumes[0]',
    message: 'volumeAttributesClassName cannot be removed once set',
  },
];

describe('bad input at update', () => {
  test.each(badUpdates.map((c) => [c.what, c]))(
    'rejects %s, naming the field, and so does validateUpdate',
    async (_, c) => {
      const ns = await namespaceFor('update');
      const before = c.before();
      await apply(before, ns);
      const after = c.after(before);
      const message = await rejection(apply(after, ns));
      expect(message).toContain(`${c.field}: `);
      expect(message).toContain(c.message);
      const kind = kindOf(before);
      const parsed = (o: Obj) => {
        const r = parseObject(kind, o);
        if (!r.ok) throw new Error('invalid');
        return r.value;
      };
      expect(validateUpdate(kind, parsed(before), parsed(after)).map(apiserverPath)).toContain(c.field);
    },
    30_000,
  );

  test('accepts growing a volume and scaling to zero', async () => {
    const ns = await namespaceFor('update');
    const before = basic.tikvGroup();
    await apply(before, ns);
    const stored = await apply<Obj>(
      edit(before, (x) => {
        x.spec.template.spec.volumes[0].storage = '200Gi';
        x.spec.replicas = 0;
      }),
      ns,
    );
    expect((stored.spec as Loose).template.spec.volumes[0].storage).toBe('200Gi');
    expect(stored.spec?.replicas).toBe(0);
  });
});

describe('config size', () => {
  test('a config at the length limit stays within the CEL cost budget, and its last line is still checked', async () => {
    const ns = await namespaceFor('config');
    const filler = '# tuning notes\n'.repeat(Math.floor((64 * 1024 - 200) / 15));
    const ok = edit(
      basic.tikvGroup(),
      (o) => (o.spec.template.spec.config = `${filler}[server]\ngrpc-concurrency = 4\n`),
    );
    await create(ok, ns);
    const bad = edit(basic.tikvGroup(), (o) => {
      o.metadata.name = 'big-tikv';
      o.spec.template.spec.config = `${filler}[server]\naddr = "x"\n`;
    });
    expect(await rejection(create(bad, ns))).toContain('config must not set server.addr');
  }, 30_000);
});

interface Scale {
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

describe('scale subresource', () => {
  test('scales a PDGroup like `kubectl scale pdgroup/basic-pd --replicas=5`', async () => {
    const ns = await namespaceFor('scale');
    await apply(basic.pdGroup(), ns);
    const scalePath = resourcePath('PDGroup', ns, 'basic-pd', 'scale');
    const scale = await fixture.cp.api.get<Scale>(scalePath);
    expect(scale.spec.replicas).toBe(3);
    await fixture.cp.api.patch(scalePath, { spec: { replicas: 5 } });
    expect((await get('PDGroup', ns, 'basic-pd')).spec?.replicas).toBe(5);
    expect(await rejection(fixture.cp.api.patch(scalePath, { spec: { replicas: -1 } }))).toContain('spec.replicas');
  });

  test('reports the status replicas and selector the group controller writes (for HPA)', async () => {
    const ns = await namespaceFor('scale');
    await apply(basic.tikvGroup(), ns);
    const selector = 'tikv.org/managed-by=tikv-operator,tikv.org/group=basic-tikv';
    await fixture.cp.api.patch(resourcePath('TiKVGroup', ns, 'basic-tikv', 'status'), {
      status: { replicas: 2, selector },
    });
    const scale = await fixture.cp.api.get<Scale>(resourcePath('TiKVGroup', ns, 'basic-tikv', 'scale'));
    expect(scale.status).toEqual({ replicas: 2, selector });
  });

  test('pins an instance at one replica', async () => {
    const ns = await namespaceFor('scale');
    await apply(basic.tikv(), ns);
    const scalePath = resourcePath('TiKV', ns, 'basic-tikv-0', 'scale');
    expect((await fixture.cp.api.get<Scale>(scalePath)).spec.replicas).toBe(1);
    expect(await rejection(fixture.cp.api.patch(scalePath, { spec: { replicas: 2 } }))).toContain('spec.replicas');
  });
});

interface Table {
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[] }[];
}

async function table(kind: string, ns: string, name: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${fixture.cp.server}${resourcePath(kind, ns, name)}`, {
    headers: { authorization: `Bearer ${fixture.cp.token}`, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    tls: { ca: fixture.cp.caPem },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Table;
  const cells = body.rows[0]?.cells ?? [];
  return Object.fromEntries(body.columnDefinitions.map((c, i) => [c.name, cells[i]]));
}

const condition = (type: string, status: string) => ({
  type,
  status,
  reason: 'Test',
  message: '',
  lastTransitionTime: '2025-01-01T00:00:00Z',
});

describe('printer columns', () => {
  test('groups show cluster, desired, ready, updated and revisions', async () => {
    const ns = await namespaceFor('columns');
    await apply(basic.pdGroup(), ns);
    await fixture.cp.api.patch(resourcePath('PDGroup', ns, 'basic-pd', 'status'), {
      status: { readyReplicas: 2, updatedReplicas: 3, currentRevision: 'basic-pd-1', updateRevision: 'basic-pd-2' },
    });
    const row = await table('PDGroup', ns, 'basic-pd');
    expect(row).toMatchObject({
      Name: 'basic-pd',
      Cluster: 'basic',
      Desired: 3,
      Ready: 2,
      Updated: 3,
      UpdateRevision: 'basic-pd-2',
      CurrentRevision: 'basic-pd-1',
    });
    expect(Object.keys(row)).toContain('Age');
  });

  test('TiKV instances show store id, store state, offline and ready', async () => {
    const ns = await namespaceFor('columns');
    await apply(basic.tikv(), ns);
    await fixture.cp.api.patch(resourcePath('TiKV', ns, 'basic-tikv-0', 'status'), {
      status: { storeId: '18446744073709551615', storeState: 'Serving', conditions: [condition('Ready', 'True')] },
    });
    expect(await table('TiKV', ns, 'basic-tikv-0')).toMatchObject({
      Cluster: 'basic',
      StoreID: '18446744073709551615',
      StoreState: 'Serving',
      Offline: false,
      Ready: 'True',
    });
  });

  test('PD instances show the leader flag', async () => {
    const ns = await namespaceFor('columns');
    await apply(basic.pd(), ns);
    await fixture.cp.api.patch(resourcePath('PD', ns, 'basic-pd-0', 'status'), { status: { isLeader: true } });
    expect(await table('PD', ns, 'basic-pd-0')).toMatchObject({ Cluster: 'basic', Leader: true });
  });

  test('the Cluster shows ready instances per component and its conditions', async () => {
    const ns = await namespaceFor('columns');
    await apply(basic.cluster(), ns);
    await fixture.cp.api.patch(resourcePath('Cluster', ns, 'basic', 'status'), {
      status: {
        components: [
          { name: 'pd', replicas: 3, readyReplicas: 3 },
          { name: 'tikv', replicas: 3, readyReplicas: 1 },
        ],
        conditions: [condition('Ready', 'False'), condition('Available', 'True')],
        id: '7345827539129812345',
      },
    });
    expect(await table('Cluster', ns, 'basic')).toMatchObject({
      PD: 3,
      TiKV: 1,
      Ready: 'False',
      Available: 'True',
      ID: '7345827539129812345',
    });
  });
});

describe('status and field selectors', () => {
  test('status is written only through the status subresource and validated there', async () => {
    const ns = await namespaceFor('status');
    await apply(
      edit(basic.tikv(), (o) => (o.status = { storeId: '1' })),
      ns,
    );
    expect((await get('TiKV', ns, 'basic-tikv-0')).status).toBeUndefined();
    const statusPath = resourcePath('TiKV', ns, 'basic-tikv-0', 'status');
    expect(await rejection(fixture.cp.api.patch(statusPath, { status: { storeId: 'one' } }))).toContain(
      'status.storeId',
    );
  });

  test('groups and instances can be listed by cluster with a field selector', async () => {
    const ns = await namespaceFor('select');
    await apply(basic.tikvGroup(), ns);
    await apply(
      edit(basic.tikvGroup(), (o) => {
        o.metadata.name = 'other-tikv';
        o.spec.cluster = { name: 'other' };
      }),
      ns,
    );
    const list = await fixture.cp.api.get<{ items: Obj[] }>(
      `${resourcePath('TiKVGroup', ns)}?fieldSelector=${encodeURIComponent('spec.cluster.name=basic')}`,
    );
    expect(list.items.map((i) => i.metadata.name)).toEqual(['basic-tikv']);
  });
});
