// Builders of group and instance objects for the group reconciler's unit tests (not used by production code).
import type { GroupObject, InstanceObject } from '../../plugin/contract.ts';

export interface TestInstanceOptions {
  generation?: number;
  uid?: string;
  resourceVersion?: string;
  revision?: string;
  currentRevision?: string;
  deleting?: boolean;
  offline?: boolean;
  ready?: boolean;
  running?: boolean;
  offlined?: boolean;
  suspended?: boolean;
  synced?: { status: 'True' | 'False'; reason: string; message?: string };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  topology?: Record<string, string>;
  owner?: string;
}

const time = '2026-01-01T00:00:00Z';

export function testInstance(name: string, opts: TestInstanceOptions = {}): InstanceObject {
  const generation = opts.generation ?? 1;
  const conditions = [];
  if (opts.ready !== undefined) {
    conditions.push({
      type: 'Ready',
      status: opts.ready ? 'True' : 'False',
      reason: 'R',
      message: '',
      observedGeneration: generation,
      lastTransitionTime: time,
    });
  }
  if (opts.running ?? opts.ready) {
    conditions.push({ type: 'Running', status: 'True', reason: 'R', message: '', lastTransitionTime: time });
  }
  if (opts.offlined) {
    conditions.push({ type: 'Offlined', status: 'True', reason: 'Completed', message: '', lastTransitionTime: time });
  }
  if (opts.suspended) {
    conditions.push({ type: 'Suspended', status: 'True', reason: 'Suspended', message: '', lastTransitionTime: time });
  }
  if (opts.synced) {
    conditions.push({ type: 'Synced', message: '', lastTransitionTime: time, ...opts.synced });
  }
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Sample',
    metadata: {
      name,
      namespace: 'ns',
      uid: opts.uid ?? `uid-${name}`,
      resourceVersion: opts.resourceVersion ?? '10',
      generation,
      labels: {
        'tikv.org/managed-by': 'tikv-operator',
        'tikv.org/group': 'g',
        'tikv.org/instance-revision-hash': opts.revision ?? 'r1',
        ...opts.labels,
      },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ownerReferences: [
        {
          apiVersion: 'core.tikv.org/v1alpha1',
          kind: 'SampleGroup',
          name: 'g',
          uid: opts.owner ?? 'uid-g',
          controller: true,
        },
      ],
      ...(opts.deleting ? { deletionTimestamp: time } : {}),
    },
    spec: {
      cluster: { name: 'c' },
      topology: opts.topology ?? {},
      subdomain: 'g-peer',
      version: '1.0.0',
      volumes: [{ name: 'data', storage: '1Gi', mounts: [] }],
      configUpdateStrategy: 'Restart',
      ...(opts.offline !== undefined ? { offline: opts.offline } : {}),
    },
    status: {
      observedGeneration: generation,
      conditions,
      ...(opts.currentRevision !== undefined ? { currentRevision: opts.currentRevision } : {}),
    },
  };
}

export function testGroup(spec: Partial<GroupObject['spec']> = {}, metadata: Partial<GroupObject['metadata']> = {}) {
  const group: GroupObject = {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'SampleGroup',
    metadata: { name: 'g', namespace: 'ns', uid: 'uid-g', generation: 1, ...metadata },
    spec: {
      cluster: { name: 'c' },
      replicas: 3,
      minReadySeconds: 0,
      template: { spec: { version: '1.0.0', volumes: [{ name: 'data', storage: '1Gi', mounts: [] }] } },
      updateStrategy: { maxUnavailable: 1, maxSurge: 0 },
      ...spec,
    },
  };
  return group;
}
