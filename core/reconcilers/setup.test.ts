import { describe, expect, test } from 'bun:test';
import type { Cluster } from '../api/cluster.ts';
import type { Informer } from '../cache/informer.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject, ResourceKind } from '../kube/object.ts';
import { silentLogger } from '../observability/log.ts';
import type { GroupObject } from '../plugin/contract.ts';
import { PluginRegistry } from '../plugin/registry.ts';
import { FakeClock } from '../runtime/clock.ts';
import { Manager } from '../runtime/manager.ts';
import { FakeInformer } from '../runtime/testing/fake-informer.ts';
import { SampleDataPlane, SamplePlugin, sampleGroupKind } from '../testing/sample-plugin/index.ts';
import { testGroup } from './group/test-objects.ts';
import { addIndexes } from './indexes.ts';
import { groupsOnClusterSpecChange, groupsOnSettledChange, setupControllers } from './setup.ts';

function cluster(spec: Partial<Cluster['spec']> = {}, status?: Cluster['status']): Cluster {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'c', namespace: 'ns' },
    spec: { paused: false, upgradePolicy: 'Ordered', revisionHistoryLimit: 10, ...spec },
    ...(status ? { status } : {}),
  };
}

function groupsInformer(...groups: GroupObject[]): Informer<GroupObject> {
  const informer = new FakeInformer<GroupObject>(sampleGroupKind.resource);
  addIndexes(informer, 'cluster');
  for (const g of groups) informer.put(g);
  return informer;
}

describe('setupControllers', () => {
  test('builds the cluster controller and a group and an instance controller per plugin, with their informers', () => {
    const requested: { kind: string; namespace?: string; labelSelector?: string }[] = [];
    const manager = new Manager({
      informerFactory: (kind: ResourceKind, scope) => {
        requested.push({ kind: kind.kind, ...scope });
        return new FakeInformer<KubeObject>(kind);
      },
      clock: new FakeClock(),
    });
    const plugin = new SamplePlugin({ dataPlane: new SampleDataPlane() });
    const controllers = setupControllers(manager, new PluginRegistry([plugin]), {
      client: {} as KubeClient,
      events: { record() {} },
      clock: new FakeClock(),
      logger: silentLogger(),
      namespace: 'ns',
    });
    expect(controllers.cluster.name).toBe('cluster');
    expect(controllers.groups.get('sample')?.name).toBe('samplegroup');
    expect(controllers.instances.get('sample')?.name).toBe('sample');
    const managed = 'tikv.org/managed-by=tikv-operator';
    expect(requested).toEqual(
      expect.arrayContaining([
        { kind: 'Cluster', namespace: 'ns' },
        { kind: 'SampleGroup', namespace: 'ns' },
        { kind: 'Sample', namespace: 'ns' },
        { kind: 'Pod', namespace: 'ns', labelSelector: managed },
        { kind: 'ConfigMap', namespace: 'ns', labelSelector: managed },
        { kind: 'PersistentVolumeClaim', namespace: 'ns', labelSelector: managed },
        { kind: 'Service', namespace: 'ns', labelSelector: managed },
        { kind: 'ControllerRevision', namespace: 'ns', labelSelector: managed },
        { kind: 'PersistentVolume', labelSelector: managed },
      ]),
    );
    // One informer per kind and scope, however many controllers read it.
    expect(requested.filter((r) => r.kind === 'Cluster')).toHaveLength(1);
  });
});

describe('group controller event mapping', () => {
  const groups = groupsInformer(testGroup({}, { name: 'a' }), testGroup({}, { name: 'b' }));
  const map = groupsOnClusterSpecChange(groups);

  test('a Cluster spec change wakes every group of the cluster', () => {
    expect(map({ type: 'update', old: cluster(), obj: cluster({ paused: true }) })).toEqual(['ns/a', 'ns/b']);
    expect(map({ type: 'add', obj: cluster() })).toEqual(['ns/a', 'ns/b']);
  });

  test("a change of the Cluster's status alone wakes no group", () => {
    expect(map({ type: 'update', old: cluster(), obj: cluster({}, { id: '1', components: [] }) })).toEqual([]);
  });

  test('the Cluster being deleted wakes every group', () => {
    const deleting = cluster();
    deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(map({ type: 'update', old: cluster(), obj: deleting })).toEqual(['ns/a', 'ns/b']);
  });

  test("a dependency's group wakes the groups of its cluster only when it settles or unsettles", () => {
    const mine = groupsInformer(testGroup({}, { name: 'kv' }));
    const onDependency = groupsOnSettledChange(mine);
    const pd = (settled: boolean, replicasReady = 3) => {
      const g = testGroup({}, { name: 'pd', generation: 1 });
      g.status = {
        observedGeneration: 1,
        readyReplicas: replicasReady,
        version: '1.0.0',
        conditions: ['Ready', 'Synced'].map((type) => ({
          type,
          status: settled ? 'True' : 'False',
          reason: 'R',
          message: '',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        })),
      };
      return g;
    };
    expect(onDependency({ type: 'update', old: pd(false), obj: pd(true) })).toEqual(['ns/kv']);
    expect(onDependency({ type: 'update', old: pd(true, 3), obj: pd(true, 2) })).toEqual([]);
    expect(onDependency({ type: 'delete', obj: pd(true) })).toEqual(['ns/kv']);
  });
});
