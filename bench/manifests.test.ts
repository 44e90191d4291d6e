import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { loadManifests } from '../cmd/dev/manifests.ts';
import { clusterManifests, clusterNames } from './manifests.ts';

const example = loadManifests(join(import.meta.dir, '../examples/basic'));

describe('clusterManifests', () => {
  test('renames and resizes examples/basic and keeps the rest of it', () => {
    const [cluster, pd, tikv] = clusterManifests(example, { name: 'c-07', pd: 3, tikv: 50, version: 'v8.5.2' });
    expect(cluster?.metadata).toEqual({ name: 'c-07' });
    expect(pd).toMatchObject({
      kind: 'PDGroup',
      metadata: { name: 'c-07-pd' },
      spec: { cluster: { name: 'c-07' }, replicas: 3, template: { spec: { version: 'v8.5.2' } } },
    });
    expect(tikv).toMatchObject({
      kind: 'TiKVGroup',
      metadata: { name: 'c-07-tikv' },
      spec: { replicas: 50, template: { spec: { volumes: [{ name: 'data', storage: '100Gi' }] } } },
    });
  });

  test('adds Pod annotations through the template overlay of both groups', () => {
    const objects = clusterManifests(example, { name: 'b', pd: 1, tikv: 1 }, { podAnnotations: { a: '1' } });
    for (const g of objects.slice(1)) {
      expect(g).toMatchObject({
        spec: { template: { spec: { overlay: { pod: { metadata: { annotations: { a: '1' } } } } } } },
      });
    }
  });

  test('never changes the loaded example', () => {
    const before = JSON.stringify(example);
    clusterManifests(example, { name: 'x', pd: 5, tikv: 5, version: 'v9' }, { podAnnotations: { a: '1' } });
    expect(JSON.stringify(example)).toBe(before);
  });
});

describe('clusterNames', () => {
  test('one cluster keeps the prefix; several are numbered so that they sort', () => {
    expect(clusterNames('basic', 1)).toEqual(['basic']);
    expect(clusterNames('c', 3)).toEqual(['c-0', 'c-1', 'c-2']);
    expect(clusterNames('c', 20).slice(0, 2)).toEqual(['c-00', 'c-01']);
  });
});
