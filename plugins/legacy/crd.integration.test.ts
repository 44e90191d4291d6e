// The legacy TikvCluster API on a real kube-apiserver: the corrected CRD installs where the legacy one cannot, the
// legacy examples apply as they are, bad input is refused as the legacy operator would have refused it, status
// (including the conversion fields) is written with plain updates, and the converter's output applies to the new
// API's CRDs.
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { API_GROUP_VERSION } from '../../core/api/api-version.ts';
import type { KubeObject } from '../../core/kube/object.ts';
import { ApiError, waitFor } from '../../core/testing/api.ts';
import { repoRoot } from '../../core/testing/binaries.ts';
import { createTestNamespace, useControlPlane } from '../../core/testing/fixtures.ts';
import { LEGACY_API_GROUP_VERSION, LEGACY_PLURAL } from './api.ts';
import { convertTikvCluster } from './convert.ts';
import { LEGACY_CRD_PATH } from './crd.ts';

const fixture = useControlPlane({ nodes: 1, crdDir: false });
const testdata = join(import.meta.dir, 'testdata');
const fixtures = readdirSync(testdata).filter((f) => f.endsWith('.yaml'));

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const load = (file: string) => parse(readFileSync(join(testdata, file), 'utf8')) as Obj;
const legacyPath = (ns: string, name?: string) =>
  `/apis/${LEGACY_API_GROUP_VERSION}/namespaces/${ns}/${LEGACY_PLURAL}${name ? `/${name}` : ''}`;

let installed: Promise<void> | undefined;
/** Installs the opt-in legacy CRD and the new API's CRDs once for the file (the fixture installs none). */
function crds(): Promise<void> {
  installed ??= (async () => {
    await fixture.cp.installCrds(join(repoRoot, 'crds', 'legacy'));
    await fixture.cp.installCrds(join(repoRoot, 'crds'));
  })();
  return installed;
}

function applyLegacy(obj: Obj, ns: string): Promise<Obj> {
  const { metadata, ...rest } = obj;
  const body = { ...rest, metadata: { ...metadata, namespace: ns } };
  return fixture.cp.api.request<Obj>('PATCH', `${legacyPath(ns, metadata.name)}?fieldManager=kubectl&force=true`, {
    body,
    contentType: 'application/apply-patch+yaml',
  });
}

async function rejection(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (err) {
    if (err instanceof ApiError && err.status >= 400 && err.status < 500) return `${err.status} ${err.message}`;
    throw err;
  }
  throw new Error('the apiserver accepted it');
}

describe('installing', () => {
  test('the legacy v1beta1 CRD cannot be installed: apiextensions.k8s.io/v1beta1 is gone since Kubernetes 1.22', async () => {
    const legacy = {
      apiVersion: 'apiextensions.k8s.io/v1beta1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'tikvclusters.tikv.org' },
      spec: { group: 'tikv.org', names: { plural: 'tikvclusters', kind: 'TikvCluster' }, scope: 'Namespaced' },
    };
    expect(
      await rejection(fixture.cp.api.create('/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions', legacy)),
    ).toStartWith('404');
  });

  test('its schema ({type: object}) as a v1 CRD would prune every field: a stored TikvCluster loses its spec', async () => {
    const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    const asV1 = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'tikvclusters.legacy.example.com' },
      spec: {
        group: 'legacy.example.com',
        names: { plural: 'tikvclusters', kind: 'TikvCluster' },
        scope: 'Namespaced',
        versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      },
    };
    await fixture.cp.api.create(crdPath, asV1);
    await waitFor(
      async () => {
        const crd = await fixture.cp.api.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
          `${crdPath}/${asV1.metadata.name}`,
        );
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      { timeoutMs: 30_000, what: 'the pruning CRD to be Established' },
    );
    const ns = await createTestNamespace(fixture.cp, 'legacy');
    const stored = await fixture.cp.api.create<Obj>(`/apis/legacy.example.com/v1alpha1/namespaces/${ns}/tikvclusters`, {
      ...load('basic.yaml'),
      apiVersion: 'legacy.example.com/v1alpha1',
    });
    expect(stored.spec).toBeUndefined();
  });

  test(`the corrected CRD (${LEGACY_CRD_PATH}) installs and is Established`, async () => {
    await crds();
    const crd = await fixture.cp.api.get<{ status: { conditions: { type: string; status: string }[] } }>(
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tikvclusters.tikv.org',
    );
    expect(crd.status.conditions.find((c) => c.type === 'Established')?.status).toBe('True');
  });
});

describe('legacy objects', () => {
  test.each(fixtures)('testdata/%s applies as it is', async (file) => {
    await crds();
    const ns = await createTestNamespace(fixture.cp, 'legacy');
    const obj = load(file);
    const stored = await applyLegacy(obj, ns);
    // Nothing the user wrote is pruned, including config keys the legacy operator did not know.
    expect(stored.spec).toEqual(obj.spec as Record<string, unknown>);
  });

  test('fields the schema does not declare are kept for the converter to report', async () => {
    await crds();
    const ns = await createTestNamespace(fixture.cp, 'legacy');
    const obj = load('basic.yaml');
    const spec = obj.spec as { tikv: Record<string, unknown> };
    spec.tikv.replica = 3;
    spec.tikv.config = { raftstore: { capacity: '10GB' } };
    const stored = await applyLegacy(obj, ns);
    expect(stored.spec).toMatchObject({ tikv: { replica: 3, config: { raftstore: { capacity: '10GB' } } } });
    expect(convertTikvCluster(stored).warnings.map((w) => w.field)).toEqual([
      'spec.tikv.replica',
      'spec.tikv.config.raftstore.capacity',
    ]);
  });

  test.each([
    ['a missing storage request', (s: Loose) => delete s.pd.requests, 'requests.storage is required'],
    ['an unknown image pull policy', (s: Loose) => (s.imagePullPolicy = 'always'), 'spec.imagePullPolicy'],
    ['zero replicas', (s: Loose) => (s.tikv.replicas = 0), 'spec.tikv.replicas'],
    ['a replicas string', (s: Loose) => (s.tikv.replicas = 'three'), 'spec.tikv.replicas'],
    ['no tikv', (s: Loose) => delete s.tikv, 'spec.tikv'],
  ])('%s is refused, naming the field', async (_name, edit, message) => {
    await crds();
    const ns = await createTestNamespace(fixture.cp, 'legacy');
    const obj = load('basic.yaml');
    edit(obj.spec);
    const error = await rejection(fixture.cp.api.create(legacyPath(ns), { ...obj, metadata: { name: 'bad' } }));
    expect(error).toStartWith('422');
    expect(error).toContain(message);
  });

  test('status, with the conversion fields, is written by a plain update (no status subresource)', async () => {
    await crds();
    const ns = await createTestNamespace(fixture.cp, 'legacy');
    const obj = await applyLegacy(load('basic.yaml'), ns);
    const status = {
      clusterID: '6821589946264557374',
      pd: { synced: true, phase: 'Normal', members: { 'basic-pd-0': { name: 'basic-pd-0', health: true } } },
      conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', lastUpdateTime: '2020-08-31T00:00:00Z' }],
      converted: true,
      convertedAt: '2026-01-02T03:04:05Z',
      convertedTo: { apiVersion: API_GROUP_VERSION, cluster: 'basic', pdGroup: 'basic-pdg', tikvGroup: 'basic-kvg' },
    };
    await fixture.cp.api.replace(legacyPath(ns, 'basic'), { ...obj, status });
    const stored = await fixture.cp.api.get<Obj>(legacyPath(ns, 'basic'));
    expect(stored.status).toEqual(status);
    expect(
      await rejection(fixture.cp.api.get(`${legacyPath(ns, 'basic')}/status`)),
      'the status subresource must not exist',
    ).toStartWith('404');
  });
});

describe('converted objects', () => {
  test.each(fixtures)('testdata/%s converts into objects the new API CRDs accept', async (file) => {
    await crds();
    const ns = await createTestNamespace(fixture.cp, 'converted');
    const { cluster, pdGroup, tikvGroup } = convertTikvCluster(load(file));
    for (const obj of [cluster, pdGroup, tikvGroup]) {
      const plural = { Cluster: 'clusters', PDGroup: 'pdgroups', TiKVGroup: 'tikvgroups' }[obj.kind] ?? '';
      const path = `/apis/${API_GROUP_VERSION}/namespaces/${ns}/${plural}`;
      const created = await fixture.cp.api.create<Obj>(path, { ...obj, metadata: { ...obj.metadata, namespace: ns } });
      expect(created.spec).toMatchObject(obj.spec as Record<string, unknown>);
    }
  });
});

// Fixture edits reach into arbitrary spec fields; a type here would only restate the schema.
// biome-ignore lint/suspicious/noExplicitAny: deliberately untyped fixture edits
type Loose = any;
