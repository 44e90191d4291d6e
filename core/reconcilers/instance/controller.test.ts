import { describe, expect, test } from 'bun:test';
import type { Cluster } from '../../api/cluster.ts';
import type { InstanceObject } from '../../plugin/contract.ts';
import { FakeInformer } from '../../runtime/testing/fake-informer.ts';
import { sampleKind } from '../../testing/sample-plugin/index.ts';
import { addIndexes } from '../indexes.ts';
import { instancesOfCluster } from './controller.ts';
import { instanceObject } from './test-objects.ts';

function cluster(name: string, patch: Partial<Cluster> = {}): Cluster {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name, namespace: 'ns', resourceVersion: '1' },
    spec: { paused: false, upgradePolicy: 'Ordered', revisionHistoryLimit: 10 },
    ...patch,
  } as Cluster;
}

function instances(): FakeInformer<InstanceObject> {
  const informer = new FakeInformer<InstanceObject>(sampleKind.resource);
  addIndexes(informer, 'cluster');
  informer.put(instanceObject({}, { name: 's-0' }));
  informer.put(instanceObject({}, { name: 's-1' }));
  informer.put(instanceObject({ cluster: { name: 'other' } }, { name: 'x-0' }));
  informer.put(instanceObject({}, { name: 'y-0', namespace: 'elsewhere' }));
  return informer;
}

describe('instancesOfCluster', () => {
  const map = instancesOfCluster(instances());
  const c = cluster('c');

  test('a new or deleted Cluster wakes its instances in its namespace', () => {
    expect(map({ type: 'add', obj: c })).toEqual(['ns/s-0', 'ns/s-1']);
    expect(map({ type: 'delete', obj: c })).toEqual(['ns/s-0', 'ns/s-1']);
  });

  test('a change of spec, deletion or published facts wakes them', () => {
    const paused = cluster('c', { spec: { ...c.spec, paused: true } });
    expect(map({ type: 'update', old: c, obj: paused })).toEqual(['ns/s-0', 'ns/s-1']);
    const deleting = cluster('c', { metadata: { ...c.metadata, deletionTimestamp: 'x' } });
    expect(map({ type: 'update', old: c, obj: deleting })).toEqual(['ns/s-0', 'ns/s-1']);
    const facts = cluster('c', { status: { pd: 'http://pd:2379' } });
    expect(map({ type: 'update', old: c, obj: facts })).toEqual(['ns/s-0', 'ns/s-1']);
  });

  test("the Cluster's summary of its groups does not", () => {
    const summary = cluster('c', {
      metadata: { ...c.metadata, resourceVersion: '2' },
      status: {
        observedGeneration: 1,
        conditions: [],
        components: [{ name: 'sample', replicas: 1, readyReplicas: 1 }],
      },
    });
    expect(map({ type: 'update', old: c, obj: summary })).toEqual([]);
  });
});
