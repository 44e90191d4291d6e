// ConfigMap, PVC, PV and status decisions of the instance reconciler.
import { describe, expect, test } from 'bun:test';
import type { Condition } from '../../tasks/conditions.ts';
import { type ConfigMapObject, configHash, configMapPatch, desiredConfigMap } from './config-map.ts';
import { instanceOwnerReference, isOwnedBy } from './identity.ts';
import { instanceStatus } from './status.ts';
import { appliedTemplate, instanceTemplate, serializeTemplate } from './template.ts';
import { instanceObject, podObject } from './test-objects.ts';
import {
  type ClaimObject,
  claimMetadataPatch,
  desiredClaim,
  desiredVolumes,
  existingClaim,
  persistentVolumeLabelPatch,
  retainedOwnerReferences,
  volumeLabels,
} from './volumes.ts';

const identity = {
  'tikv.org/managed-by': 'tikv-operator',
  'tikv.org/cluster': 'c',
  'tikv.org/component': 'sample',
  'tikv.org/group': 's',
  'tikv.org/instance': 's-0',
};

describe('ConfigMap', () => {
  const desired = desiredConfigMap(instanceObject(), 'sample', { fileName: 'config.toml', content: 'a = 1\n' });

  test('holds the rendered file, the identity labels and the instance as owner', () => {
    expect(desired).toMatchObject({
      metadata: { name: 's-0', namespace: 'ns', labels: identity },
      data: { 'config.toml': 'a = 1\n' },
    });
    expect(isOwnedBy(desired, instanceObject())).toBe(true);
  });

  test('the patch sets what differs and removes other files', () => {
    const current: ConfigMapObject = {
      ...desired,
      metadata: { ...desired.metadata, labels: { ...identity, 'tikv.org/group': 'old' } },
      data: { 'config.toml': 'a = 0\n', 'old.toml': 'x' },
    };
    expect(configMapPatch(current, desired)).toEqual({
      metadata: { labels: { 'tikv.org/group': 's' } },
      data: { 'config.toml': 'a = 1\n', 'old.toml': null },
    });
    expect(configMapPatch(desired, desired)).toBeUndefined();
  });

  test('a ConfigMap left by an earlier instance of the same name is adopted', () => {
    const orphan: ConfigMapObject = {
      ...desired,
      metadata: { ...desired.metadata, ownerReferences: [{ ...instanceOwnerReference(instanceObject()), uid: 'old' }] },
    };
    expect(configMapPatch(orphan, desired)).toEqual({
      metadata: { ownerReferences: desired.metadata.ownerReferences },
    });
  });

  test('the hash changes with the content only', () => {
    expect(configHash('a = 1')).toBe(configHash('a = 1'));
    expect(configHash('a = 1')).not.toBe(configHash('a = 2'));
    expect(configHash('')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('PVCs and PVs', () => {
  const instance = instanceObject({
    volumes: [
      { name: 'data', storage: '10Gi', mounts: [], storageClassName: 'fast' },
      { name: 'wal', storage: '1Gi', mounts: [{ mountPath: '/wal' }], volumeAttributesClassName: 'gold' },
    ],
    overlay: { volumeClaims: [{ name: 'wal', volumeClaim: { metadata: { labels: { tier: 'wal' } } } }] },
  });

  test('one desired volume per template volume, named <volume>-<instance>', () => {
    expect(desiredVolumes(instance)).toEqual([
      { name: 'data', claimName: 'data-s-0', storage: '10Gi', storageClassName: 'fast' },
      { name: 'wal', claimName: 'wal-s-0', storage: '1Gi', volumeAttributesClassName: 'gold' },
    ]);
  });

  test('a claim carries the identity and volume-name labels, the owner, and the claim overlay', () => {
    const [data, wal] = instance.spec.volumes;
    expect(desiredClaim(instance, 'sample', data as never)).toMatchObject({
      metadata: { name: 'data-s-0', labels: { ...identity, 'tikv.org/volume-name': 'data' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'fast' },
    });
    const walClaim = desiredClaim(instance, 'sample', wal as never);
    expect(walClaim.metadata.labels).toEqual({ ...identity, 'tikv.org/volume-name': 'wal', tier: 'wal' });
    expect(walClaim.spec?.volumeAttributesClassName).toBe('gold');
    expect(isOwnedBy(walClaim, instance)).toBe(true);
  });

  test('a cached claim is read back for the plan', () => {
    const claim: ClaimObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-s-0', labels: { 'tikv.org/volume-name': 'data' }, deletionTimestamp: 'x' },
      spec: { resources: { requests: { storage: '2Gi' } }, storageClassName: 'fast' },
      status: { capacity: { storage: '1Gi' } },
    };
    expect(existingClaim(claim)).toEqual({
      claimName: 'data-s-0',
      volumeName: 'data',
      storage: '2Gi',
      capacity: '1Gi',
      storageClassName: 'fast',
      deleting: true,
    });
  });

  test('a claim missing labels or owner is patched; a retained one is adopted by the new instance', () => {
    const owner = instanceOwnerReference(instance);
    const labels = volumeLabels(instance, 'sample', 'data');
    const claim = (meta: Partial<ClaimObject['metadata']>): ClaimObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-s-0', ...meta },
    });
    expect(claimMetadataPatch(claim({ labels, ownerReferences: [owner] }), labels, owner)).toBeUndefined();
    expect(
      claimMetadataPatch(
        claim({ labels: { ...labels, 'tikv.org/group': 'x' }, ownerReferences: [owner] }),
        labels,
        owner,
      ),
    ).toEqual({
      metadata: { labels: { 'tikv.org/group': 's' } },
    });
    const stranger = { ...owner, uid: 'other', controller: true };
    const note = { apiVersion: 'v1', kind: 'ConfigMap', name: 'n', uid: 'n' };
    expect(claimMetadataPatch(claim({ labels, ownerReferences: [stranger, note] }), labels, owner)).toEqual({
      metadata: { ownerReferences: [note, owner] },
    });
  });

  test('the PV gets the labels it lacks', () => {
    const labels = volumeLabels(instance, 'sample', 'data');
    expect(persistentVolumeLabelPatch({ metadata: { name: 'pv', labels: { keep: 'x' } } }, labels)).toEqual({
      metadata: { labels },
    });
    expect(
      persistentVolumeLabelPatch({ metadata: { name: 'pv', labels: { ...labels, keep: 'x' } } }, labels),
    ).toBeUndefined();
  });

  test('a retained claim keeps every owner but the instance', () => {
    const owner = instanceOwnerReference(instance);
    const other = { apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x' };
    const claim = (refs: (typeof owner)[]): ClaimObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-s-0', ownerReferences: refs },
    });
    expect(retainedOwnerReferences(claim([owner]), 'uid-s-0')).toBeNull();
    expect(retainedOwnerReferences(claim([owner, other]), 'uid-s-0')).toEqual([other]);
  });
});

describe('template record', () => {
  test('is canonical: the same instance gives the same text whatever the key order', () => {
    const a = instanceObject({ version: '1.0.0', config: 'x' });
    const b = instanceObject({ config: 'x', version: '1.0.0' });
    expect(serializeTemplate(instanceTemplate(a))).toBe(serializeTemplate(instanceTemplate(b)));
  });

  test('client annotations are not part of it', () => {
    const t = instanceTemplate(
      instanceObject({}, { annotations: { a: '1', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }),
    );
    expect(t.metadata.annotations).toEqual({ a: '1' });
  });

  test('a missing or broken record reads as none (the Pod is then recreated)', () => {
    expect(appliedTemplate({ metadata: {} })).toBeUndefined();
    expect(appliedTemplate({ metadata: { annotations: { 'tikv.org/last-instance-template': '{' } } })).toBeUndefined();
    expect(appliedTemplate({ metadata: { annotations: { 'tikv.org/last-instance-template': '{"a":1}' } } })).toEqual({
      a: 1,
    });
  });
});

describe('instanceStatus', () => {
  const conditions: Condition[] = [
    { type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' },
  ];
  const base = { statusPatch: {}, conditions, generation: 3, revision: 'rev-2' };

  test('copies the running revision only from a ready Pod', () => {
    const ready = podObject({ labels: { 'tikv.org/instance-revision-hash': 'rev-2' } });
    expect(instanceStatus({ ...base, before: { currentRevision: 'rev-1' }, pod: ready })).toEqual({
      currentRevision: 'rev-2',
      updateRevision: 'rev-2',
      observedGeneration: 3,
      replicas: 1,
      conditions,
    });
    const starting = podObject({ ready: false, labels: { 'tikv.org/instance-revision-hash': 'rev-2' } });
    expect(instanceStatus({ ...base, before: { currentRevision: 'rev-1' }, pod: starting }).currentRevision).toBe(
      'rev-1',
    );
  });

  test('keeps the plugin fields of earlier reconciles and takes the new ones', () => {
    const status = instanceStatus({
      ...base,
      before: { memberId: '7', memberState: 'Up' },
      statusPatch: { memberState: 'Removing' },
      pod: undefined,
    });
    expect(status).toMatchObject({ memberId: '7', memberState: 'Removing', replicas: 0 });
  });
});
