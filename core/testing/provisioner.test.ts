import { describe, expect, test } from 'bun:test';
import {
  type PersistentVolume,
  type PersistentVolumeClaim,
  planVolumeActions,
  provisionerName,
  type StorageClass,
  selectedNodeAnnotation,
  standardStorageClass,
} from './provisioner.ts';

const wffc = standardStorageClass('standard');
const immediate: StorageClass = { ...standardStorageClass('fast'), volumeBindingMode: 'Immediate' };
const foreign: StorageClass = { ...standardStorageClass('other'), provisioner: 'ebs.csi.aws.com' };
const fixed: StorageClass = { ...standardStorageClass('fixed'), allowVolumeExpansion: false };
const classes = new Map([wffc, immediate, foreign, fixed].map((sc) => [sc.metadata.name, sc]));

function claim(
  name: string,
  opts: {
    sc?: string;
    size?: string;
    node?: string;
    volume?: string;
    phase?: string;
    capacity?: string;
    deleting?: boolean;
  } = {},
): PersistentVolumeClaim {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      annotations: opts.node ? { [selectedNodeAnnotation]: opts.node } : {},
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      storageClassName: opts.sc ?? 'standard',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: opts.size ?? '1Gi' } },
      ...(opts.volume ? { volumeName: opts.volume } : {}),
    },
    status: { phase: opts.phase ?? 'Pending', ...(opts.capacity ? { capacity: { storage: opts.capacity } } : {}) },
  };
}

function volume(name: string, opts: { size?: string; claimUid?: string; phase?: string; ours?: boolean } = {}) {
  const pv: PersistentVolume = {
    metadata: { name, annotations: opts.ours === false ? {} : { 'pv.kubernetes.io/provisioned-by': provisionerName } },
    spec: {
      capacity: { storage: opts.size ?? '1Gi' },
      persistentVolumeReclaimPolicy: 'Delete',
      ...(opts.claimUid ? { claimRef: { namespace: 'ns', uid: opts.claimUid } } : {}),
    },
    status: { phase: opts.phase ?? 'Bound' },
  };
  return pv;
}

function plan(claims: PersistentVolumeClaim[], volumes: PersistentVolume[] = []) {
  return planVolumeActions({ claims, volumes, classes });
}

describe('planVolumeActions', () => {
  test('a WaitForFirstConsumer claim waits until the scheduler selected a node', () => {
    expect(plan([claim('data')])).toEqual([]);
  });

  test('a claim with a selected node gets a local PV pinned to that node and pre-bound to the claim', () => {
    const [action] = plan([claim('data', { node: 'kwok-node-1', size: '5Gi' })]);
    if (action?.type !== 'create-pv') throw new Error(`expected create-pv, got ${action?.type}`);
    expect(action.claim).toBe('ns/data');
    expect(action.pv.metadata.name).toBe('pvc-uid-data');
    expect(action.pv.spec.capacity).toEqual({ storage: '5Gi' });
    expect(action.pv.spec.storageClassName).toBe('standard');
    expect(action.pv.spec.claimRef).toMatchObject({ namespace: 'ns', name: 'data', uid: 'uid-data' });
    expect(action.pv.spec.nodeAffinity).toEqual({
      required: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['kwok-node-1'] }] },
        ],
      },
    });
    expect(action.pv.spec.local).toBeDefined();
  });

  test('an Immediate claim is provisioned at once, without node affinity', () => {
    const [action] = plan([claim('data', { sc: 'fast' })]);
    if (action?.type !== 'create-pv') throw new Error(`expected create-pv, got ${action?.type}`);
    expect(action.pv.spec.nodeAffinity).toBeUndefined();
    expect(action.pv.spec.hostPath).toBeDefined();
  });

  test('claims of other provisioners, unknown classes and deleting claims are left alone', () => {
    expect(
      plan([
        claim('a', { sc: 'other', node: 'n' }),
        claim('b', { sc: 'missing', node: 'n' }),
        claim('c', { node: 'n', deleting: true }),
      ]),
    ).toEqual([]);
  });

  test('a claim that already has a PV waiting for the binder is not provisioned twice', () => {
    expect(plan([claim('data', { node: 'n' })], [volume('pvc-uid-data', { claimUid: 'uid-data' })])).toEqual([]);
  });

  test('a bound claim asking for more than its volume holds is expanded', () => {
    const c = claim('data', { volume: 'pv1', phase: 'Bound', size: '2Gi', capacity: '1Gi' });
    expect(plan([c], [volume('pv1', { size: '1Gi' })])).toEqual([
      { type: 'expand', claim: 'ns/data', pv: 'pv1', size: '2Gi' },
    ]);
  });

  test('expansion is not attempted for a class without allowVolumeExpansion', () => {
    const c = claim('data', { sc: 'fixed', volume: 'pv1', phase: 'Bound', size: '2Gi', capacity: '1Gi' });
    expect(plan([c], [volume('pv1', { size: '1Gi' })])).toEqual([]);
  });

  test('a grown volume whose claim still reports the old size gets its expansion completed', () => {
    const c = claim('data', { volume: 'pv1', phase: 'Bound', size: '2Gi', capacity: '1Gi' });
    expect(plan([c], [volume('pv1', { size: '2Gi' })])).toEqual([
      { type: 'complete-expansion', claim: 'ns/data', size: '2Gi' },
    ]);
  });

  test('sizes are compared as quantities, not as strings', () => {
    const c = claim('data', { volume: 'pv1', phase: 'Bound', size: '1024Mi', capacity: '1Gi' });
    expect(plan([c], [volume('pv1', { size: '1Gi' })])).toEqual([]);
  });

  test('a Released volume of ours with reclaim policy Delete is deleted; others are kept', () => {
    expect(
      plan(
        [],
        [
          volume('released', { phase: 'Released' }),
          volume('bound', { phase: 'Bound' }),
          volume('foreign', { phase: 'Released', ours: false }),
        ],
      ),
    ).toEqual([{ type: 'delete-pv', pv: 'released' }]);
  });
});
