import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { apiKinds } from '../kinds.ts';
import { loadManifests, resourceFor } from './manifests.ts';

const examples = join(import.meta.dir, '../../examples');

describe('example manifests for the main job', () => {
  test('examples/basic holds a Cluster, a PDGroup and a TiKVGroup of cluster "basic"', () => {
    const objects = loadManifests(join(examples, 'basic'));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Cluster/basic',
      'PDGroup/basic-pd',
      'TiKVGroup/basic-tikv',
    ]);
  });

  test('every example object maps to a resource the operator serves', () => {
    for (const dir of ['basic', 'multi-zone', 'custom-config']) {
      for (const obj of loadManifests(join(examples, dir))) {
        expect(resourceFor(obj, apiKinds()).group).toBe('core.tikv.org');
      }
    }
  });

  test('an unknown kind is refused with its name', () => {
    expect(() => resourceFor({ apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 't' } }, apiKinds())).toThrow(
      'Thing t: unknown kind x/v1',
    );
  });
});
