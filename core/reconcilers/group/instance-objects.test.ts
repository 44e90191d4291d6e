import { describe, expect, test } from 'bun:test';
import { groupLabels, groupSelector, newInstance, updatedInstance } from './instance-objects.ts';
import { testGroup, testInstance } from './test-objects.ts';

const groupKind = {
  group: 'core.tikv.org',
  version: 'v1alpha1',
  kind: 'SampleGroup',
  plural: 'samplegroups',
  namespaced: true,
};
const instanceKind = { ...groupKind, kind: 'Sample', plural: 'samples' };

describe('group labels', () => {
  test('managed-by, cluster, component and group; the selector lists them', () => {
    const group = testGroup();
    expect(groupLabels(group, 'sample')).toEqual({
      'tikv.org/managed-by': 'tikv-operator',
      'tikv.org/cluster': 'c',
      'tikv.org/component': 'sample',
      'tikv.org/group': 'g',
    });
    expect(groupSelector(group, 'sample')).toBe(
      'tikv.org/managed-by=tikv-operator,tikv.org/cluster=c,tikv.org/component=sample,tikv.org/group=g',
    );
  });
});

describe('newInstance', () => {
  const group = testGroup({
    template: {
      metadata: { labels: { team: 'db' }, annotations: { note: 'x' } },
      spec: { version: '2.0.0', config: 'a = 1', volumes: [] },
    },
  });
  const obj = newInstance({
    group,
    groupKind,
    instanceKind,
    component: 'sample',
    name: 'g-3',
    topology: { zone: 'a' },
    revision: 'g-sample-abc',
    pluginAnnotations: { 'tikv.org/boot': '3' },
  });

  test('the spec is the template spec plus cluster, topology and the peer Service as subdomain', () => {
    expect(obj.spec).toEqual({
      version: '2.0.0',
      config: 'a = 1',
      volumes: [],
      cluster: { name: 'c' },
      topology: { zone: 'a' },
      subdomain: 'g-peer',
    } as never);
  });

  test('labels: template labels, group labels and the revision; annotations: template plus plugin', () => {
    expect(obj.metadata.labels).toEqual({
      team: 'db',
      'tikv.org/managed-by': 'tikv-operator',
      'tikv.org/cluster': 'c',
      'tikv.org/component': 'sample',
      'tikv.org/group': 'g',
      'tikv.org/instance-revision-hash': 'g-sample-abc',
    });
    expect(obj.metadata.annotations).toEqual({ note: 'x', 'tikv.org/boot': '3' });
  });

  test('owned by the group as controller, and protected by the finalizer from the start', () => {
    expect(obj.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'core.tikv.org/v1alpha1',
        kind: 'SampleGroup',
        name: 'g',
        uid: 'uid-g',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(obj.metadata.finalizers).toEqual(['tikv.org/finalizer']);
    expect(obj).toMatchObject({ apiVersion: 'core.tikv.org/v1alpha1', kind: 'Sample' });
  });

  test('without a topology the instance has an empty one', () => {
    const plain = newInstance({ group, groupKind, instanceKind, component: 'sample', name: 'g-0', revision: 'r' });
    expect(plain.spec.topology).toEqual({});
  });
});

describe('updatedInstance', () => {
  const current = testInstance('g-1', {
    revision: 'old',
    offline: false,
    topology: { zone: 'b' },
    labels: { team: 'db', stale: 'yes', mine: 'keep' },
    annotations: { 'tikv.org/priority': '2', gone: 'x' },
  });
  (current.spec as unknown as Record<string, unknown>).replicas = 1;
  (current.spec as unknown as Record<string, unknown>).resources = { cpu: '1' };
  const group = testGroup({
    template: { metadata: { labels: { team: 'storage' } }, spec: { version: '2.0.0', volumes: [] } },
  });

  const updated = updatedInstance({
    current,
    group,
    component: 'sample',
    revision: 'new',
    previousTemplate: { labels: { team: 'db', stale: 'yes' }, annotations: { gone: 'x' } },
  });

  test('the spec is the new template; identity and the removal flag stay', () => {
    expect(updated.spec).toEqual({
      version: '2.0.0',
      volumes: [],
      cluster: { name: 'c' },
      topology: { zone: 'b' },
      subdomain: 'g-peer',
      replicas: 1,
      offline: false,
    } as never);
  });

  test("the previous template's labels and annotations go, others stay, the revision label moves", () => {
    expect(updated.metadata.labels).toEqual({
      mine: 'keep',
      team: 'storage',
      'tikv.org/managed-by': 'tikv-operator',
      'tikv.org/cluster': 'c',
      'tikv.org/component': 'sample',
      'tikv.org/group': 'g',
      'tikv.org/instance-revision-hash': 'new',
    });
    expect(updated.metadata.annotations).toEqual({ 'tikv.org/priority': '2' });
  });

  test('the write is guarded by the resourceVersion it was read at', () => {
    expect(updated.metadata.resourceVersion).toBe(current.metadata.resourceVersion);
    expect(updated.metadata.uid).toBe(current.metadata.uid);
  });

  test('without the previous template nothing is removed', () => {
    const kept = updatedInstance({ current, group, component: 'sample', revision: 'new' });
    expect(kept.metadata.labels).toMatchObject({ stale: 'yes', team: 'storage' });
    expect(kept.metadata.annotations).toEqual({ 'tikv.org/priority': '2', gone: 'x' });
  });
});
