import { expect, test } from 'bun:test';
import { type Cluster, clusterKind } from '../api/cluster.ts';
import type { DataPlaneSource } from '../plugin/contract.ts';
import { FakeInformer } from '../runtime/testing/fake-informer.ts';
import { dataPlaneKeys } from './data-plane-keys.ts';

class RecordingSource implements DataPlaneSource {
  readonly active = new Map<string, (names: readonly string[]) => void>();
  starts = 0;
  watch(cluster: Cluster, onChange: (names: readonly string[]) => void): () => void {
    const key = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
    this.starts++;
    this.active.set(key, onChange);
    return () => this.active.delete(key);
  }
}

function cluster(name: string, extra: Partial<Cluster['metadata']> = {}, pd?: string): Cluster {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...extra },
    spec: {} as Cluster['spec'],
    ...(pd ? { status: { pd } } : {}),
  };
}

test('every cluster gets a watch whose instance names become keys in its namespace', () => {
  const clusters = new FakeInformer<Cluster>(clusterKind.resource);
  clusters.put(cluster('a'));
  const source = new RecordingSource();
  const keys: string[] = [];
  const unsubscribe = dataPlaneKeys(clusters, source)((k) => keys.push(...k));
  clusters.put(cluster('b'));
  expect([...source.active.keys()]).toEqual(['ns/a', 'ns/b']);
  source.active.get('ns/b')?.(['b-tikv-0', 'b-tikv-1']);
  expect(keys).toEqual(['ns/b-tikv-0', 'ns/b-tikv-1']);
  unsubscribe();
  expect(source.active.size).toBe(0);
  expect(clusters.handlerCount()).toBe(0);
});

test('a watch restarts when the published facts change, not on other updates', () => {
  const clusters = new FakeInformer<Cluster>(clusterKind.resource);
  const source = new RecordingSource();
  dataPlaneKeys(clusters, source)(() => {});
  clusters.put(cluster('a'));
  clusters.put(cluster('a', { generation: 2 }));
  expect(source.starts).toBe(1);
  clusters.put(cluster('a', {}, 'http://pd:2379'));
  expect(source.starts).toBe(2);
  expect(source.active.size).toBe(1);
});

test('a deleting or deleted cluster is no longer watched', () => {
  const clusters = new FakeInformer<Cluster>(clusterKind.resource);
  const source = new RecordingSource();
  dataPlaneKeys(clusters, source)(() => {});
  clusters.put(cluster('a'));
  clusters.put(cluster('b'));
  clusters.put(cluster('a', { deletionTimestamp: '2026-01-01T00:00:00Z' }));
  expect([...source.active.keys()]).toEqual(['ns/b']);
  clusters.remove('ns/b');
  expect(source.active.size).toBe(0);
});
