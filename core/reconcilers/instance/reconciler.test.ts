// The instance reconciler's effects on a small in-memory apiserver, for the paths the integration tests cannot
// reach through admission or timing: a refused shrink, a stale cache, a foreign Pod, a held restart protocol.
import { beforeEach, describe, expect, test } from 'bun:test';
import { type Cluster, clusterKind } from '../../api/cluster.ts';
import type { NodeObject } from '../../failover/nodes.ts';
import type { KubeClient } from '../../kube/client.ts';
import { KubeApiError } from '../../kube/errors.ts';
import { type KubeObject, keyOf, kinds, type ResourceKind } from '../../kube/object.ts';
import type { EventType } from '../../observability/events.ts';
import type { GroupObject, InstanceObject } from '../../plugin/contract.ts';
import { FakeClock } from '../../runtime/clock.ts';
import { FakeInformer } from '../../runtime/testing/fake-informer.ts';
import { complete } from '../../tasks/result.ts';
import { task } from '../../tasks/task.ts';
import {
  SampleDataPlane,
  SamplePlugin,
  sampleGroupKind,
  sampleKind,
  sampleSteps,
} from '../../testing/sample-plugin/index.ts';
import { addIndexes } from '../indexes.ts';
import type { ConfigMapObject } from './config-map.ts';
import type { PodObject } from './pod.ts';
import { InstanceReconciler } from './reconciler.ts';
import { instanceObject } from './test-objects.ts';
import type { ClaimObject, PersistentVolumeObject } from './volumes.ts';

type Obj = KubeObject & Record<string, unknown>;

/** Objects by kind and key; writes are recorded; `sync()` shows the stored objects to the informers. */
class FakeApiserver implements Pick<KubeClient, 'create' | 'mergePatch' | 'delete' | 'patchStatus' | 'get'> {
  readonly store = new Map<string, Map<string, Obj>>();
  readonly writes: string[] = [];
  readonly deletes: { kind: string; name: string; opts: unknown }[] = [];
  private uid = 0;

  objects(kind: ResourceKind): Map<string, Obj> {
    let m = this.store.get(kind.kind);
    if (!m) {
      m = new Map();
      this.store.set(kind.kind, m);
    }
    return m;
  }

  put(kind: ResourceKind, obj: KubeObject): void {
    this.objects(kind).set(keyOf(obj), structuredClone(obj) as Obj);
  }

  async get<T extends KubeObject>(kind: ResourceKind, name: string, namespace?: string): Promise<T> {
    const obj = this.objects(kind).get(keyOf({ metadata: { name, namespace } }));
    if (!obj) throw new KubeApiError({ code: 404, reason: 'NotFound', message: `${name} not found` });
    return structuredClone(obj) as unknown as T;
  }

  async create<T extends KubeObject>(kind: ResourceKind, obj: T): Promise<T> {
    this.writes.push(`create ${kind.kind} ${obj.metadata.name}`);
    const key = keyOf(obj);
    if (this.objects(kind).has(key)) {
      throw new KubeApiError({ code: 409, reason: 'AlreadyExists', message: `${obj.metadata.name} exists` });
    }
    const stored = structuredClone({ ...obj, metadata: { ...obj.metadata, uid: `uid-${++this.uid}` } }) as Obj;
    this.objects(kind).set(key, stored);
    return structuredClone(stored) as unknown as T;
  }

  async mergePatch<T extends KubeObject>(kind: ResourceKind, name: string, ns: string | undefined, patch: unknown) {
    this.writes.push(`patch ${kind.kind} ${name}`);
    const key = keyOf({ metadata: { name, namespace: ns } });
    const obj = this.objects(kind).get(key);
    if (!obj) throw new KubeApiError({ code: 404, reason: 'NotFound', message: `${name} not found` });
    const merged = mergePatch(obj, patch) as Obj;
    this.objects(kind).set(key, merged);
    return structuredClone(merged) as unknown as T;
  }

  async patchStatus<T extends KubeObject>(kind: ResourceKind, name: string, ns: string | undefined, status: unknown) {
    this.writes.push(`status ${kind.kind} ${name}`);
    return this.mergePatch<T>(kind, name, ns, { status }).finally(() => this.writes.pop());
  }

  async delete(kind: ResourceKind, name: string, namespace?: string, opts?: unknown): Promise<void> {
    this.writes.push(`delete ${kind.kind} ${name}`);
    this.deletes.push({ kind: kind.kind, name, opts });
    const key = keyOf({ metadata: { name, namespace } });
    const obj = this.objects(kind).get(key);
    if (!obj) throw new KubeApiError({ code: 404, reason: 'NotFound', message: `${name} not found` });
    if (kind.kind === 'Pod') obj.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    else this.objects(kind).delete(key);
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Setup {
  server: FakeApiserver;
  plugin: SamplePlugin;
  dataPlane: SampleDataPlane;
  events: { type: EventType; reason: string; note: string }[];
  reconcile(): Promise<unknown>;
  /** Copies the apiserver's objects into the caches (what the watches would do). */
  sync(): void;
  pod(): PodObject | undefined;
  clock: FakeClock;
}

function setup(
  instance: InstanceObject,
  cluster: Partial<Cluster['spec']> = {},
  configure?: (plugin: SamplePlugin) => void,
): Setup {
  const server = new FakeApiserver();
  server.put(sampleKind.resource, instance);
  server.put(clusterKind.resource, {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'c', namespace: 'ns' },
    spec: cluster,
  } as KubeObject);
  const informers = {
    instances: new FakeInformer<InstanceObject>(sampleKind.resource),
    clusters: new FakeInformer<Cluster>(clusterKind.resource),
    groups: new FakeInformer<GroupObject>(sampleGroupKind.resource),
    pods: new FakeInformer<PodObject>(kinds.Pod),
    configMaps: new FakeInformer<ConfigMapObject>(kinds.ConfigMap),
    pvcs: new FakeInformer<ClaimObject>(kinds.PersistentVolumeClaim),
    pvs: new FakeInformer<PersistentVolumeObject>(kinds.PersistentVolume),
    nodes: new FakeInformer<NodeObject>(kinds.Node),
  };
  addIndexes(informers.instances, 'cluster', 'groupLabel');
  addIndexes(informers.pvcs, 'instanceLabel');
  const byKind: [ResourceKind, FakeInformer<KubeObject>][] = [
    [sampleKind.resource, informers.instances as unknown as FakeInformer<KubeObject>],
    [clusterKind.resource, informers.clusters as unknown as FakeInformer<KubeObject>],
    [kinds.Pod, informers.pods as unknown as FakeInformer<KubeObject>],
    [kinds.ConfigMap, informers.configMaps as unknown as FakeInformer<KubeObject>],
    [kinds.PersistentVolumeClaim, informers.pvcs as unknown as FakeInformer<KubeObject>],
    [kinds.PersistentVolume, informers.pvs as unknown as FakeInformer<KubeObject>],
    [kinds.Node, informers.nodes as unknown as FakeInformer<KubeObject>],
  ];
  const sync = () => {
    for (const [kind, informer] of byKind) {
      const stored = server.objects(kind);
      for (const key of [...informer.objects.keys()]) if (!stored.has(key)) informer.remove(key);
      for (const obj of stored.values()) informer.put(structuredClone(obj));
    }
  };
  sync();
  const dataPlane = new SampleDataPlane();
  const plugin = new SamplePlugin({ dataPlane, gracePeriodSeconds: 7 });
  configure?.(plugin);
  const events: Setup['events'] = [];
  const clock = new FakeClock();
  const reconciler = new InstanceReconciler({
    plugin,
    client: server as unknown as KubeClient,
    events: { record: (_obj, type, reason, _action, note) => events.push({ type, reason, note }) },
    clock,
    lostNodeGracePeriodMs: 60_000,
    ...informers,
    groupsOfCluster: () => new Map(),
  });
  return {
    server,
    plugin,
    dataPlane,
    events,
    reconcile: () => reconciler.reconcile('ns/s-0'),
    sync,
    pod: () => server.objects(kinds.Pod).get('ns/s-0') as PodObject | undefined,
    clock,
  };
}

/** Reconciles and syncs until a reconcile writes nothing (or `max` rounds). */
async function settle(s: Setup, max = 6): Promise<void> {
  for (let i = 0; i < max; i++) {
    const before = s.server.writes.length;
    await s.reconcile();
    s.sync();
    if (s.server.writes.length === before) return;
  }
}

/** Marks the stored Pod Running and Ready (what kwok does). */
function runPod(s: Setup): void {
  const pod = s.pod();
  if (!pod) throw new Error('no Pod');
  pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  s.sync();
}

function statusOf(
  s: Setup,
): { conditions?: { type: string; status: string; reason: string }[] } & Record<string, unknown> {
  return (s.server.objects(sampleKind.resource).get('ns/s-0')?.status ?? {}) as never;
}

function conditionOf(s: Setup, type: string) {
  return statusOf(s).conditions?.find((c) => c.type === type);
}

describe('InstanceReconciler', () => {
  let s: Setup;
  beforeEach(async () => {
    s = setup(instanceObject({}, { finalizers: ['tikv.org/finalizer'] }));
    await settle(s);
    runPod(s);
    await settle(s);
  });

  test('brings up the objects and then writes nothing', async () => {
    expect(conditionOf(s, 'Ready')?.status).toBe('True');
    const before = s.server.writes.length;
    await s.reconcile();
    await s.reconcile();
    expect(s.server.writes.slice(before)).toEqual([]);
  });

  test('a PVC larger than the template is left alone: VolumeChangeRefused, a Warning event, the Pod untouched', async () => {
    const pvc = s.server.objects(kinds.PersistentVolumeClaim).get('ns/data-s-0') as ClaimObject;
    pvc.spec = { ...pvc.spec, resources: { requests: { storage: '5Gi' } } };
    s.sync();
    const before = s.server.writes.length;
    await s.reconcile();
    expect(s.server.writes.slice(before)).toEqual(['status Sample s-0']);
    expect(conditionOf(s, 'Synced')).toMatchObject({ status: 'False', reason: 'VolumeChangeRefused' });
    expect(s.events.find((e) => e.reason === 'VolumeChangeRefused')).toMatchObject({ type: 'Warning' });
    expect(s.events.at(-1)?.note).toContain('cannot shrink from 5Gi to 1Gi');
  });

  test('restart.before holds the old Pod; once released the Pod is deleted with the grace period and its UID', async () => {
    s.plugin.hold(sampleSteps.drain);
    const instance = s.server.objects(sampleKind.resource).get('ns/s-0') as unknown as InstanceObject;
    instance.spec.version = '2.0.0';
    instance.metadata.generation = 2;
    s.sync();
    await s.reconcile();
    expect(s.server.deletes).toEqual([]);
    expect(conditionOf(s, 'Synced')).toMatchObject({ status: 'False', reason: 'PodNotUpToDate' });

    s.plugin.release(sampleSteps.drain);
    await s.reconcile();
    expect(s.server.deletes).toEqual([
      { kind: 'Pod', name: 's-0', opts: { preconditions: { uid: s.pod()?.metadata.uid }, gracePeriodSeconds: 7 } },
    ]);
    expect(s.plugin.callsOf('s-0')).toContain(sampleSteps.drain);
    expect(s.events.find((e) => e.reason === 'RecreatingPod')?.note).toContain('spec.version changed');
  });

  test('a stale cache that misses a created object makes the step wait instead of failing', async () => {
    const stale = setup(instanceObject({}, { finalizers: ['tikv.org/finalizer'] }));
    // The apiserver has the ConfigMap; the cache has not seen it yet (no sync).
    stale.server.put(kinds.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 's-0', namespace: 'ns' },
    } as KubeObject);
    expect(await stale.reconcile()).toEqual({});
    expect(stale.server.writes).toContain('create ConfigMap s-0');
    expect(stale.server.writes).not.toContain('create Pod s-0');
  });

  test('a Pod of the same name owned by something else is neither patched nor deleted', async () => {
    const fresh = setup(instanceObject({}, { finalizers: ['tikv.org/finalizer'] }));
    fresh.server.put(kinds.Pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 's-0',
        namespace: 'ns',
        uid: 'old-pod',
        ownerReferences: [
          { apiVersion: 'core.tikv.org/v1alpha1', kind: 'Sample', name: 's-0', uid: 'earlier', controller: true },
        ],
      },
    } as KubeObject);
    fresh.sync();
    await fresh.reconcile();
    expect(fresh.server.writes.filter((w) => w.includes('Pod'))).toEqual([]);
    expect(fresh.server.deletes).toEqual([]);
  });

  test('a pending config creates no Pod, records no event, reports ConfigPending and comes back later', async () => {
    const fresh = setup(instanceObject({}, { finalizers: ['tikv.org/finalizer'] }));
    fresh.plugin.renderConfig = () => ({ ok: false, pending: 'waiting for the peers', retryAfterMs: 500 });
    const result = await fresh.reconcile();
    fresh.sync();
    expect(result).toEqual({ requeueAfterMs: 500 });
    expect(fresh.server.writes.filter((w) => !w.startsWith('status'))).toEqual([]);
    expect(fresh.pod()).toBeUndefined();
    expect(fresh.events).toEqual([]);
    expect(conditionOf(fresh, 'Synced')).toMatchObject({ status: 'False', reason: 'ConfigPending' });

    fresh.plugin.renderConfig = SamplePlugin.prototype.renderConfig;
    await settle(fresh);
    expect(fresh.pod()).toBeDefined();
  });

  test('a condition a plugin step removes is gone from the written status', async () => {
    let mark: 'set' | 'remove' | 'none' = 'set';
    const fresh = setup(instanceObject({}, { finalizers: ['tikv.org/finalizer'] }), {}, (plugin) => {
      plugin.syncSteps.push(
        task('mark', (ctx) => {
          if (mark === 'set') ctx.setCondition('Marked', 'False', 'Marking', 'marked by the plugin');
          if (mark === 'remove') ctx.removeCondition('Marked');
          return complete();
        }),
      );
    });
    await settle(fresh);
    expect(conditionOf(fresh, 'Marked')).toMatchObject({ status: 'False', reason: 'Marking' });
    mark = 'remove';
    await settle(fresh);
    expect(conditionOf(fresh, 'Marked')).toBeUndefined();
    expect(conditionOf(fresh, 'Synced')).toBeDefined();
  });

  test('a paused cluster: nothing is written, not even the status', async () => {
    const paused = setup(instanceObject({ version: '9.9.9' }, { finalizers: ['tikv.org/finalizer'] }), {
      paused: true,
    });
    await paused.reconcile();
    expect(paused.server.writes).toEqual([]);
    expect(paused.plugin.dataPlaneLoads).toBe(0);
  });
});

/** A Node whose Ready condition has `status` since `sinceMs`. */
function nodeObject(name: string, ready: 'True' | 'Unknown', sinceMs: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      conditions: [
        { type: 'Ready', status: ready, reason: 'Test', lastTransitionTime: new Date(sinceMs).toISOString() },
      ],
    },
  } as KubeObject;
}

describe('InstanceReconciler: health', () => {
  let s: Setup;
  const member = () => s.dataPlane.member('ns', 's-0');
  beforeEach(async () => {
    s = setup(instanceObject({}, { finalizers: ['tikv.org/finalizer'] }));
    s.server.put(kinds.Node, nodeObject('n1', 'True', s.clock.now() - 3_600_000));
    await settle(s);
    const pod = s.pod() as PodObject;
    pod.spec = { ...pod.spec, nodeName: 'n1' };
    runPod(s);
    await settle(s);
  });

  test('a Ready Pod on a Ready node with its member up is Healthy, without downSince, and stays unwritten', async () => {
    expect(conditionOf(s, 'Healthy')).toMatchObject({ status: 'True', reason: 'Healthy' });
    expect(statusOf(s).downSince).toBeUndefined();
    const before = s.server.writes.length;
    await s.reconcile();
    expect(s.server.writes.slice(before)).toEqual([]);
  });

  test('a member down: DataPlaneDown, downSince once, one Warning; healthy again: Recovered, downSince gone', async () => {
    s.dataPlane.setDown('ns', 's-0', true);
    await settle(s);
    expect(conditionOf(s, 'Healthy')).toMatchObject({ status: 'False', reason: 'DataPlaneDown' });
    const since = statusOf(s).downSince;
    expect(since).toBe('2026-01-01T00:00:00Z');
    expect(s.events.filter((e) => e.reason === 'DataPlaneDown')).toHaveLength(1);

    await s.clock.advance(10_000);
    await settle(s);
    expect(statusOf(s).downSince).toBe(since);
    expect(s.events.filter((e) => e.reason === 'DataPlaneDown')).toHaveLength(1);

    s.dataPlane.setDown('ns', 's-0', false);
    await settle(s);
    expect(conditionOf(s, 'Healthy')).toMatchObject({ status: 'True', reason: 'Healthy' });
    expect(statusOf(s).downSince).toBeUndefined();
    expect(s.events.at(-1)).toMatchObject({ type: 'Normal', reason: 'Recovered' });
    expect(member()?.down).toBe(false);
  });

  test('a node NotReady: NodeNotReady, down since the node went NotReady; the Pod is left alone', async () => {
    const since = s.clock.now() - 30_000;
    s.server.put(kinds.Node, nodeObject('n1', 'Unknown', since));
    s.sync();
    await settle(s);
    expect(conditionOf(s, 'Healthy')).toMatchObject({ status: 'False', reason: 'NodeNotReady' });
    expect(statusOf(s).downSince).toBe(new Date(since).toISOString().replace('.000Z', 'Z'));
    expect(s.server.deletes).toEqual([]);
  });

  test('a node the apiserver confirms gone: the Pod is force-deleted with its UID; the PVC stays', async () => {
    s.server.objects(kinds.Node).delete('n1');
    s.sync();
    const uid = s.pod()?.metadata.uid;
    await s.reconcile();
    expect(s.server.deletes).toEqual([
      { kind: 'Pod', name: 's-0', opts: { preconditions: { uid }, gracePeriodSeconds: 0 } },
    ]);
    expect(s.events.find((e) => e.reason === 'ForceDeletedPod')?.note).toContain('node n1 no longer exists');
    expect(s.server.objects(kinds.PersistentVolumeClaim).has('ns/data-s-0')).toBe(true);
    s.sync();
    expect(conditionOf(s, 'Healthy')).toMatchObject({ status: 'False', reason: 'NodeGone' });
  });

  test('a node missing from the cache but known to the apiserver: nothing is deleted', async () => {
    (s.server.objects(kinds.Node).get('n1') as KubeObject).metadata.labels = { changed: 'yes' };
    const informerNodes = s.server.objects(kinds.Node);
    const stored = informerNodes.get('n1') as Obj;
    informerNodes.delete('n1');
    s.sync();
    informerNodes.set('n1', stored);
    await s.reconcile();
    expect(s.server.deletes).toEqual([]);
  });

  test('a Pod terminating on a NotReady node: waits out the grace period, then is force-deleted', async () => {
    s.server.put(kinds.Node, nodeObject('n1', 'Unknown', s.clock.now() - 20_000));
    (s.pod() as PodObject).metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    s.sync();
    expect(await s.reconcile()).toEqual({ requeueAfterMs: 40_000 });
    expect(s.server.deletes).toEqual([]);

    await s.clock.advance(40_000);
    await s.reconcile();
    expect(s.server.deletes).toMatchObject([{ kind: 'Pod', name: 's-0', opts: { gracePeriodSeconds: 0 } }]);
  });
});

describe('InstanceReconciler: recreate empty (failover mode recreateEmpty)', () => {
  let s: Setup;
  const mark = async () => {
    await s.server.mergePatch(sampleKind.resource, 's-0', 'ns', {
      metadata: { annotations: { 'tikv.org/recreate-empty': '2026-01-01T00:00:00Z' } },
    });
    s.sync();
  };
  beforeEach(async () => {
    s = setup(instanceObject({}, { finalizers: ['tikv.org/finalizer'] }), {}, (p) => {
      p.failoverMode = 'recreateEmpty';
    });
    await settle(s);
    runPod(s);
    await settle(s);
  });

  test('forgets the member, deletes the Pod, then the PVCs, then clears the mark and downSince', async () => {
    s.dataPlane.setDown('ns', 's-0', true);
    await settle(s);
    expect(statusOf(s).downSince).toBeDefined();
    await mark();

    await s.reconcile();
    s.sync();
    expect(s.plugin.callsOf('s-0')).toContain(sampleSteps.forget);
    expect(s.dataPlane.member('ns', 's-0')).toBeUndefined();
    expect(s.server.deletes.map((d) => d.kind)).toEqual(['Pod']);

    // The Pod is gone (what the kubelet confirms): the PVCs go next, then the mark.
    s.server.objects(kinds.Pod).delete('ns/s-0');
    s.sync();
    await s.reconcile();
    s.sync();
    expect(s.server.deletes.map((d) => d.kind)).toEqual(['Pod', 'PersistentVolumeClaim']);
    // downSince goes first (a group must never see the mark gone with the old downSince), then the mark.
    await s.reconcile();
    s.sync();
    expect(statusOf(s).downSince).toBeUndefined();
    const marked = s.server.objects(sampleKind.resource).get('ns/s-0') as unknown as InstanceObject;
    expect(marked.metadata.annotations?.['tikv.org/recreate-empty']).toBeDefined();
    await s.reconcile();
    s.sync();
    const instance = s.server.objects(sampleKind.resource).get('ns/s-0') as unknown as InstanceObject;
    expect(instance.metadata.annotations?.['tikv.org/recreate-empty']).toBeUndefined();
    expect(statusOf(s).downSince).toBeUndefined();
    expect(s.events.map((e) => e.reason)).toContain('RecreatedEmpty');

    // Starts again empty: new PVC, new Pod, and the member joins under a new id.
    await settle(s);
    expect(s.server.objects(kinds.PersistentVolumeClaim).has('ns/data-s-0')).toBe(true);
    runPod(s);
    await settle(s);
    expect(s.dataPlane.member('ns', 's-0')?.id).not.toBe('1');
    expect(conditionOf(s, 'Healthy')).toMatchObject({ status: 'True' });
  });

  test('a member serving again before it was forgotten is not recreated: the mark goes', async () => {
    await mark();
    await s.reconcile();
    s.sync();
    expect(s.server.deletes).toEqual([]);
    expect(s.plugin.callsOf('s-0')).not.toContain(sampleSteps.forget);
    const instance = s.server.objects(sampleKind.resource).get('ns/s-0') as unknown as InstanceObject;
    expect(instance.metadata.annotations?.['tikv.org/recreate-empty']).toBeUndefined();
    expect(s.events.map((e) => e.reason)).toContain('RecreationCancelled');
  });
});
