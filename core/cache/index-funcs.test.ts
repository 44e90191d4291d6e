import { describe, expect, test } from 'bun:test';
import type { KubeObject } from '../kube/object.ts';
import { byControllerUid, byField, byLabel, byOwnerUid } from './index-funcs.ts';

const pod = {
  metadata: {
    name: 'p',
    labels: { 'tikv.org/cluster': 'basic' },
    ownerReferences: [
      { apiVersion: 'core.tikv.org/v1alpha1', kind: 'TiKV', name: 't', uid: 'u-tikv', controller: true },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u-cm' },
    ],
  },
  spec: { cluster: { name: 'basic' }, replicas: 3, zones: ['a', 'b'], nested: { x: 1 } },
} as KubeObject;

describe('index functions', () => {
  test('byOwnerUid lists every owner, byControllerUid only the controller', () => {
    expect(byOwnerUid(pod)).toEqual(['u-tikv', 'u-cm']);
    expect(byControllerUid(pod)).toEqual(['u-tikv']);
    expect(byOwnerUid({ metadata: { name: 'orphan' } })).toEqual([]);
  });

  test('byLabel indexes the label value, and nothing when the label is missing', () => {
    expect(byLabel('tikv.org/cluster')(pod)).toEqual(['basic']);
    expect(byLabel('tikv.org/component')(pod)).toEqual([]);
  });

  test('byField follows a dotted path; scalars as strings, arrays per element, objects and gaps not at all', () => {
    expect(byField('spec.cluster.name')(pod)).toEqual(['basic']);
    expect(byField('spec.replicas')(pod)).toEqual(['3']);
    expect(byField('spec.zones')(pod)).toEqual(['a', 'b']);
    expect(byField('spec.nested')(pod)).toEqual([]);
    expect(byField('spec.missing.deeper')(pod)).toEqual([]);
    expect(byField('metadata.name')(pod)).toEqual(['p']);
  });

  test('factories return the same function for the same argument (safe to add to a shared informer twice)', () => {
    expect(byLabel('a')).toBe(byLabel('a'));
    expect(byField('spec.x')).toBe(byField('spec.x'));
    expect(byLabel('a')).not.toBe(byLabel('b'));
  });
});
