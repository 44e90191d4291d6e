// What the migration reads: legacy objects by their legacy names and labels, the legacy operator's Deployments,
// the TikvCluster from the apiserver or a file, and PD through the URLs in the right order (a served simulated PD).
import { afterEach, describe, expect, test } from 'bun:test';
import type { KubeClient, ListOptions } from '../../../core/kube/client.ts';
import { kubeApiErrorFromStatus } from '../../../core/kube/errors.ts';
import type { KubeObject, ResourceKind } from '../../../core/kube/object.ts';
import { FakeClock } from '../../../core/runtime/clock.ts';
import { PdClientFactory } from '../../pd/client/pd-client.ts';
import { servePd, TEST_PD_URL } from '../../pd/client/testing.ts';
import { legacyLabels } from '../objects.ts';
import { migrationKinds, observeMigration, pdUrlsToTry } from './observe.ts';
import type { MigrationTarget } from './state.ts';
import { tikvClusterObject } from './testing.ts';

const NS = 'default';
const target: MigrationTarget = {
  namespace: NS,
  legacyName: 'basic',
  cluster: 'basic',
  pdGroup: 'basic-pdg',
  tikvGroup: 'basic-kvg',
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const notFound = () => kubeApiErrorFromStatus({ code: 404, reason: 'NotFound', message: 'not found' });

/** An apiserver of plain objects for reads: get by name, list by equality label selectors. */
function fakeKube(objects: Array<KubeObject & Record<string, unknown>>, forbidden: string[] = []): KubeClient {
  const matches = (obj: KubeObject, kind: ResourceKind, opts: ListOptions = {}) => {
    if (obj.kind !== kind.kind) return false;
    if (opts.namespace !== undefined && obj.metadata.namespace !== opts.namespace) return false;
    const wanted = (opts.labelSelector ?? '').split(',').filter((x) => x !== '');
    return wanted.every((pair) => {
      const [k, v] = pair.split('=');
      return obj.metadata.labels?.[k ?? ''] === v;
    });
  };
  const refuse = (kind: ResourceKind) => {
    if (forbidden.includes(kind.plural)) {
      throw kubeApiErrorFromStatus({ code: 403, reason: 'Forbidden', message: `${kind.plural} is forbidden` });
    }
  };
  const unsupported = () => Promise.reject(new Error('read-only fake'));
  return {
    get: async <T extends KubeObject>(kind: ResourceKind, name: string, namespace?: string) => {
      refuse(kind);
      const found = objects.find((o) => matches(o, kind, { namespace }) && o.metadata.name === name);
      if (!found) throw notFound();
      return found as unknown as T;
    },
    list: async <T extends KubeObject>(kind: ResourceKind, opts?: ListOptions) => {
      refuse(kind);
      return { items: objects.filter((o) => matches(o, kind, opts)) as unknown as T[], resourceVersion: '1' };
    },
    create: unsupported,
    replace: unsupported,
    delete: unsupported,
    mergePatch: unsupported,
    apply: unsupported,
    patchStatus: unsupported,
    applyStatus: unsupported,
    watch: unsupported,
  };
}

const obj = (kind: string, name: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
  kind,
  metadata: { name, namespace: NS, labels },
  ...extra,
});
const readyPod = (name: string, component: 'pd' | 'tikv', extra: Record<string, unknown> = {}) =>
  obj(
    'Pod',
    name,
    { status: { conditions: [{ type: 'Ready', status: 'True' }] }, ...extra },
    legacyLabels('basic', component),
  );
const deployment = (name: string, replicas: number, container: Record<string, unknown>) => ({
  ...obj('Deployment', name, { spec: { replicas, template: { spec: { containers: [container] } } } }),
  metadata: { name, namespace: 'tikv-operator' },
});

const legacyWorld = [
  obj('StatefulSet', 'basic-pd', { spec: { replicas: 3 }, status: { readyReplicas: 3 } }),
  obj('StatefulSet', 'basic-tikv', { spec: { replicas: 1 }, status: { readyReplicas: 0 } }),
  readyPod('basic-pd-1', 'pd'),
  readyPod('basic-pd-0', 'pd'),
  readyPod('basic-pd-2', 'pd', {
    metadata: { name: 'basic-pd-2', namespace: NS, labels: legacyLabels('basic', 'pd'), deletionTimestamp: 'x' },
  }),
  obj('Pod', 'basic-tikv-0', {}, legacyLabels('basic', 'tikv')),
  obj('Pod', 'other-pd-0', {}, legacyLabels('other', 'pd')),
  ...['pd-basic-pd-0', 'pd-basic-pd-1', 'tikv-basic-tikv-0', 'data-basic-pdg-0', 'pd-basic-pdg-0'].map((n) =>
    obj('PersistentVolumeClaim', n),
  ),
  {
    ...tikvClusterObject(),
    metadata: { name: 'basic', namespace: NS },
    status: { clusterID: '42', converted: true },
  },
  deployment('tikv-operator', 1, {
    image: 'pingcap/tikv-operator:v0.1.0',
    command: ['/usr/local/bin/tikv-controller-manager'],
  }),
  deployment('stopped', 0, { image: 'pingcap/tikv-operator:v0.1.0' }),
  deployment('web', 2, { image: 'nginx:1', command: ['nginx'] }),
] as Array<KubeObject & Record<string, unknown>>;

function deps(kube: KubeClient, extra: { tikvClusterFromFile?: unknown; pdUrl?: string } = {}) {
  const pd = servePd({ stores: 3 });
  cleanups.push(() => pd.stop());
  return {
    pd,
    deps: { kube, pdClients: new PdClientFactory({ resolver: pd.resolver }), clock: new FakeClock(), ...extra },
  };
}

describe('observeMigration', () => {
  test('reads the legacy StatefulSets, their Pods by ordinal and their PVCs by legacy name only', async () => {
    const { deps: d } = deps(fakeKube(legacyWorld));
    const state = await observeMigration(d, target, new Map());
    expect(state.legacy.pd).toEqual({
      statefulSet: { replicas: 3, readyReplicas: 3 },
      pods: [
        { name: 'basic-pd-0', ordinal: 0, ready: true, terminating: false },
        { name: 'basic-pd-1', ordinal: 1, ready: true, terminating: false },
        { name: 'basic-pd-2', ordinal: 2, ready: true, terminating: true },
      ],
      claims: ['pd-basic-pd-0', 'pd-basic-pd-1'],
    });
    expect(state.legacy.tikv.pods).toEqual([{ name: 'basic-tikv-0', ordinal: 0, ready: false, terminating: false }]);
    expect(state.legacy.tikv.claims).toEqual(['tikv-basic-tikv-0']);
    expect(state.cluster).toBeUndefined();
    expect(state.pdGroup).toBeUndefined();
  });

  test('finds a running legacy operator by its controller manager, in any namespace; a scaled-down one does not count', async () => {
    const { deps: d } = deps(fakeKube(legacyWorld));
    expect((await observeMigration(d, target, new Map())).legacyOperator).toEqual({
      kind: 'checked',
      running: ['tikv-operator/tikv-operator'],
    });
    const { deps: denied } = deps(fakeKube(legacyWorld, ['deployments']));
    expect((await observeMigration(denied, target, new Map())).legacyOperator).toEqual({
      kind: 'unknown',
      reason: 'deployments is forbidden',
    });
  });

  test('the TikvCluster: from the apiserver, or from a file (the served copy still decides the status fields)', async () => {
    const { deps: d } = deps(fakeKube(legacyWorld));
    expect((await observeMigration(d, target, new Map())).tikvCluster).toMatchObject({
      served: true,
      converted: true,
      clusterId: '42',
    });
    const fromFile = { ...tikvClusterObject(), status: { clusterID: '7' } };
    const { deps: onlyFile } = deps(fakeKube([]), { tikvClusterFromFile: fromFile });
    expect((await observeMigration(onlyFile, target, new Map())).tikvCluster).toEqual({
      object: fromFile,
      served: false,
      converted: false,
      clusterId: '7',
    });
    const { deps: none } = deps(fakeKube([]));
    expect((await observeMigration(none, target, new Map())).tikvCluster).toBeUndefined();
  });

  test('reads PD through the legacy PD Service, every part of it', async () => {
    const { deps: d, pd } = deps(fakeKube(legacyWorld));
    const state = await observeMigration(d, target, new Map());
    if (!('snapshot' in state.pd)) throw new Error(`PD not read: ${state.pd.error}`);
    expect(state.pd.url).toBe(TEST_PD_URL);
    expect(state.pd.snapshot.clusterId).toBe(pd.model.clusterId.toString());
    expect([...state.pd.snapshot.members.keys()]).toEqual(['basic-pd-0', 'basic-pd-1', 'basic-pd-2']);
    expect(state.pd.snapshot.stores.size).toBe(3);
    expect(state.pd.maxReplicas).toBe(3);
    expect(state.pd.downPeerRegions).toBe(0);
  });

  test('a PD that does not answer anywhere is reported with the last URL tried', async () => {
    const { deps: d } = deps(fakeKube(legacyWorld), { pdUrl: 'http://127.0.0.1:1' });
    const state = await observeMigration(d, target, new Map());
    expect(state.pd).toMatchObject({ url: 'http://127.0.0.1:1' });
    expect('error' in state.pd).toBe(true);
  });
});

describe('pdUrlsToTry', () => {
  const own = { annotations: {}, statusId: '1', statusPd: 'http://basic-pdg.default.svc:2379', ready: true };
  test.each([
    ['before the new Cluster exists: the legacy Service', {}, undefined, [TEST_PD_URL]],
    [
      'once the new Cluster published the id: its Service first, then the legacy one',
      {},
      own,
      ['http://basic-pdg.default.svc:2379', TEST_PD_URL],
    ],
    ['the Cluster has a PD URL but no id yet: the legacy Service', {}, { ...own, statusId: undefined }, [TEST_PD_URL]],
    ['a given URL only', { pdUrl: 'http://127.0.0.1:2379' }, own, ['http://127.0.0.1:2379']],
  ] as const)('%s', (_name, d, cluster, urls) => {
    expect(pdUrlsToTry(d, target, cluster)).toEqual([...urls]);
  });
});

test('the resource kinds are the legacy ones', () => {
  expect(migrationKinds.TikvCluster).toMatchObject({ group: 'tikv.org', version: 'v1alpha1', plural: 'tikvclusters' });
});
