import { describe, expect, test } from 'bun:test';
import { OverlayError } from '../../overlay/merge.ts';
import type { RenderedPod } from '../../plugin/contract.ts';
import {
  desiredPod,
  isPodReady,
  isPodRunning,
  type PodAction,
  type PodObject,
  podAction,
  podMetadataPatch,
} from './pod.ts';
import { appliedTemplate } from './template.ts';
import { instanceObject, podObject } from './test-objects.ts';

const rendered: RenderedPod = {
  container: { name: 'sample', image: 'example.org/sample:v1.0.0', volumeMounts: [{ name: 'tls', mountPath: '/tls' }] },
  configMountPath: '/etc/sample',
  volumes: [{ name: 'tls', secret: { secretName: 'tls' } }],
  terminationGracePeriodSeconds: 30,
};

function render(instance = instanceObject()) {
  return desiredPod({ instance, component: 'sample', rendered, dataDirectory: '/var/lib/sample', configHash: 'abc' });
}

describe('desiredPod', () => {
  test('gives the Pod the instance identity, labels, owner, config and volumes', () => {
    const { pod, template } = render(
      instanceObject(
        {
          topology: { 'topology.kubernetes.io/zone': 'a' },
          volumes: [
            { name: 'data', storage: '1Gi', mounts: [] },
            { name: 'wal', storage: '1Gi', mounts: [{ mountPath: '/wal' }, { mountPath: '/raft', subPath: 'raft' }] },
          ],
        },
        {
          annotations: {
            note: 'x',
            'tikv.org/priority': '0',
            'kubectl.kubernetes.io/last-applied-configuration': '{}',
          },
        },
      ),
    );
    expect(pod.metadata).toMatchObject({
      name: 's-0',
      namespace: 'ns',
      labels: {
        'tikv.org/managed-by': 'tikv-operator',
        'tikv.org/cluster': 'c',
        'tikv.org/component': 'sample',
        'tikv.org/group': 's',
        'tikv.org/instance': 's-0',
        'tikv.org/instance-revision-hash': 'rev-1',
      },
      ownerReferences: [
        {
          apiVersion: 'core.tikv.org/v1alpha1',
          kind: 'Sample',
          name: 's-0',
          uid: 'uid-s-0',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    // The instance's own annotations, not those of kubectl or the operator's instance-level ones.
    expect(Object.keys(pod.metadata.annotations ?? {}).sort()).toEqual([
      'note',
      'tikv.org/config-hash',
      'tikv.org/last-instance-template',
    ]);
    expect(pod.metadata.annotations?.['tikv.org/config-hash']).toBe('abc');
    expect(appliedTemplate(pod)).toEqual(JSON.parse(JSON.stringify(template)));
    expect(pod.spec).toEqual({
      hostname: 's-0',
      subdomain: 's-peer',
      nodeSelector: { 'topology.kubernetes.io/zone': 'a' },
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: 'sample',
          image: 'example.org/sample:v1.0.0',
          volumeMounts: [
            { name: 'tls', mountPath: '/tls' },
            { name: 'tikv-config', mountPath: '/etc/sample', readOnly: true },
            { name: 'data', mountPath: '/var/lib/sample' },
            { name: 'wal', mountPath: '/wal' },
            { name: 'wal', mountPath: '/raft', subPath: 'raft' },
          ],
        },
      ],
      volumes: [
        { name: 'tikv-config', configMap: { name: 's-0' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data-s-0' } },
        { name: 'wal', persistentVolumeClaim: { claimName: 'wal-s-0' } },
        { name: 'tls', secret: { secretName: 'tls' } },
      ],
    });
  });

  test('a data volume with its own mounts is not mounted at the data directory', () => {
    const { pod } = render(
      instanceObject({ volumes: [{ name: 'data', storage: '1Gi', mounts: [{ mountPath: '/d' }] }] }),
    );
    const mounts = containersOf(pod)[0]?.volumeMounts;
    expect(mounts).toContainEqual({ name: 'data', mountPath: '/d' });
    expect(mounts).not.toContainEqual({ name: 'data', mountPath: '/var/lib/sample' });
  });

  test('the template record leaves out the identity and lifecycle fields', () => {
    const { template } = render(instanceObject({ offline: true, topology: { zone: 'a' } }));
    expect(Object.keys(template.spec).sort()).toEqual(['configUpdateStrategy', 'version', 'volumes']);
  });

  test('applies the Pod overlay last, including its metadata', () => {
    const { pod } = render(
      instanceObject({
        overlay: {
          pod: {
            metadata: { labels: { extra: 'yes' } },
            spec: {
              containers: [{ name: 'sample', env: [{ name: 'A', value: '1' }] }],
              terminationGracePeriodSeconds: 0,
            },
          },
        },
      }),
    );
    expect(pod.metadata.labels?.extra).toBe('yes');
    expect(pod.spec?.terminationGracePeriodSeconds).toBe(0);
    expect(containersOf(pod)[0]?.env).toEqual([{ name: 'A', value: '1' }]);
  });

  test('an overlay that cannot be applied throws OverlayError', () => {
    const bad = instanceObject({ overlay: { pod: { spec: { containers: [{ image: 'x' }] } } } });
    expect(() => render(bad)).toThrow(OverlayError);
  });
});

describe('podAction', () => {
  const desired = render().pod;
  const applied = appliedTemplate(desired);
  const none = { kind: 'none' as const, reasons: [] };
  const cases: [string, Parameters<typeof podAction>[0], PodAction['kind']][] = [
    ['no Pod: create', { pod: undefined, owned: false, desired, decision: none, applied: undefined }, 'create'],
    [
      'a terminating Pod: wait',
      {
        pod: { ...desired, metadata: { ...desired.metadata, deletionTimestamp: 'x' } },
        owned: true,
        desired,
        decision: none,
        applied,
      },
      'waitForDeletion',
    ],
    [
      'a Pod of another owner: wait',
      { pod: desired, owned: false, desired, decision: none, applied },
      'waitForDeletion',
    ],
    [
      'a recreate decision: recreate',
      {
        pod: desired,
        owned: true,
        desired,
        decision: { kind: 'recreate', reasons: ['spec.version changed'] },
        applied,
      },
      'recreate',
    ],
    ['the Pod as desired: nothing', { pod: desired, owned: true, desired, decision: none, applied }, 'none'],
    [
      'a label differs: update in place',
      {
        pod: {
          ...desired,
          metadata: { ...desired.metadata, labels: { ...desired.metadata.labels, 'tikv.org/instance': 'x' } },
        },
        owned: true,
        desired,
        decision: none,
        applied,
      },
      'update',
    ],
  ];
  for (const [name, input, kind] of cases) test(name, () => expect(podAction(input).kind).toBe(kind));
});

describe('podMetadataPatch', () => {
  const pod = (labels: Record<string, string>, annotations: Record<string, string> = {}): PodObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 's-0', labels, annotations },
  });
  const applied = (labels: Record<string, string>, overlayLabels: Record<string, string> = {}) => ({
    metadata: { labels, annotations: {} },
    spec: { overlay: { pod: { metadata: { labels: overlayLabels } } } },
  });

  test('sets changed keys and removes keys the operator put there before', () => {
    const current = pod({ a: '1', b: '2', foreign: 'x', o: 'y' }, { note: 'old' });
    const desired = pod({ a: '1', b: '3' }, { note: 'new' });
    expect(podMetadataPatch(current, desired, applied({ a: '1', b: '2', gone: 'z' }, { o: 'y' }))).toEqual({
      labels: { b: '3', o: null },
      annotations: { note: 'new' },
    });
  });

  test('keeps keys others added and writes nothing when the Pod has what is desired', () => {
    expect(podMetadataPatch(pod({ a: '1', foreign: 'x' }), pod({ a: '1' }), applied({ a: '1' }))).toBeUndefined();
  });

  test('a Pod without a recorded template only gets the desired keys', () => {
    expect(podMetadataPatch(pod({ old: '1' }), pod({ a: '1' }), undefined)).toEqual({ labels: { a: '1' } });
  });
});

describe('Pod state', () => {
  test('running and ready only when not terminating', () => {
    expect(isPodRunning(podObject({}))).toBe(true);
    expect(isPodRunning(podObject({ phase: 'Pending' }))).toBe(false);
    expect(isPodRunning(podObject({ deleting: true }))).toBe(false);
    expect(isPodReady(podObject({}))).toBe(true);
    expect(isPodReady(podObject({ ready: false }))).toBe(false);
    expect(isPodReady(podObject({ deleting: true }))).toBe(false);
    expect(isPodReady(undefined)).toBe(false);
  });
});

function containersOf(pod: PodObject): { volumeMounts?: unknown[]; env?: unknown }[] {
  return (pod.spec?.containers ?? []) as { volumeMounts?: unknown[]; env?: unknown }[];
}
