// Objects for the instance reconciler's unit tests.
import type { InstanceObject } from '../../plugin/contract.ts';
import type { PodObject } from './pod.ts';

/** A Sample-like instance as the apiserver stores it (defaults applied), with overrides. */
export function instanceObject(
  spec: Partial<InstanceObject['spec']> = {},
  meta: Partial<InstanceObject['metadata']> = {},
): InstanceObject {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Sample',
    metadata: {
      name: 's-0',
      namespace: 'ns',
      uid: 'uid-s-0',
      generation: 1,
      labels: {
        'tikv.org/managed-by': 'tikv-operator',
        'tikv.org/cluster': 'c',
        'tikv.org/component': 'sample',
        'tikv.org/group': 's',
        'tikv.org/instance-revision-hash': 'rev-1',
      },
      ...meta,
    },
    spec: {
      cluster: { name: 'c' },
      topology: {},
      subdomain: 's-peer',
      version: '1.0.0',
      configUpdateStrategy: 'Restart',
      volumes: [{ name: 'data', storage: '1Gi', mounts: [] }],
      ...spec,
    },
  };
}

export function podObject(opts: {
  phase?: string;
  ready?: boolean;
  deleting?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerUid?: string;
}): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 's-0',
      namespace: 'ns',
      uid: 'pod-uid',
      labels: opts.labels ?? { 'tikv.org/instance-revision-hash': 'rev-1' },
      annotations: opts.annotations ?? {},
      ownerReferences: [
        {
          apiVersion: 'core.tikv.org/v1alpha1',
          kind: 'Sample',
          name: 's-0',
          uid: opts.ownerUid ?? 'uid-s-0',
          controller: true,
        },
      ],
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {},
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}
