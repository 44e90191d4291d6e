// The user's Pod and PVC overlays, applied last to what the operator and the plugin rendered. The list keys
// and one-of groups below are those of the Kubernetes core/v1 types (their listType=map / listMapKey and
// union markers); the merge rules themselves are documented in `merge.ts`.

import type { KubeObject } from '../kube/object.ts';
import { type KeyedList, type MergeRules, mergeOverlay } from './merge.ts';

/** Overlay metadata: only labels and annotations; the rest of the metadata belongs to the operator. */
export interface OverlayMetadata {
  /** A `null` value removes the rendered label. */
  labels?: Record<string, string | null>;
  /** A `null` value removes the rendered annotation. */
  annotations?: Record<string, string | null>;
}

/** A user's overlay for a Pod or a PVC: metadata plus any part of the spec. */
export interface ObjectOverlay {
  metadata?: OverlayMetadata;
  /** Any part of a PodSpec or PersistentVolumeClaimSpec, merged by the rules in `merge.ts`. */
  spec?: Record<string, unknown>;
}

const byName: KeyedList = { keys: ['name'] };

const probeHandlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const lifecycleHandlers = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
const envSources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'];
const volumeSources = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

function containerRules(list: string): Pick<MergeRules, 'keyedLists' | 'unions'> {
  const c = `spec.${list}[]`;
  return {
    keyedLists: {
      [`spec.${list}`]: byName,
      [`${c}.env`]: byName,
      [`${c}.ports`]: { keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } },
      [`${c}.volumeMounts`]: { keys: ['mountPath'] },
      [`${c}.volumeDevices`]: { keys: ['devicePath'] },
      [`${c}.resources.claims`]: byName,
    },
    unions: {
      [`${c}.env[]`]: [['value', 'valueFrom']],
      [`${c}.env[].valueFrom`]: [envSources],
      [`${c}.livenessProbe`]: [probeHandlers],
      [`${c}.readinessProbe`]: [probeHandlers],
      [`${c}.startupProbe`]: [probeHandlers],
      [`${c}.lifecycle.postStart`]: [lifecycleHandlers],
      [`${c}.lifecycle.preStop`]: [lifecycleHandlers],
    },
  };
}

const containers = ['containers', 'initContainers', 'ephemeralContainers'].map(containerRules);

/** How a Pod overlay merges into a rendered Pod (`{ metadata, spec }`). */
export const podMergeRules: MergeRules = {
  keyedLists: Object.assign(
    {
      'spec.volumes': byName,
      'spec.imagePullSecrets': byName,
      'spec.hostAliases': { keys: ['ip'] },
      'spec.topologySpreadConstraints': { keys: ['topologyKey', 'whenUnsatisfiable'] },
      'spec.resourceClaims': byName,
      'spec.schedulingGates': byName,
    },
    ...containers.map((c) => c.keyedLists),
  ),
  unions: Object.assign({ 'spec.volumes[]': [volumeSources] }, ...containers.map((c) => c.unions)),
};

/** How a PVC overlay merges into a rendered PVC: PersistentVolumeClaimSpec has no keyed lists. */
export const volumeClaimMergeRules: MergeRules = { keyedLists: {}, unions: {} };

/**
 * Decides the Pod to apply: `rendered` with the user's overlay merged in (labels and annotations key by key,
 * the spec by the rules in `merge.ts`). Returns a new object. Throws `OverlayError` for an invalid overlay.
 */
export function overlayPod<T extends KubeObject>(rendered: T, overlay: ObjectOverlay | undefined): T {
  return applyOverlay(rendered, overlay, podMergeRules);
}

/**
 * Decides the PVC to apply: `rendered` with the user's volume-claim overlay merged in. The overlay wins here
 * too (even over the storage size), so size changes belong in the volume's own `storage` field.
 */
export function overlayVolumeClaim<T extends KubeObject>(rendered: T, overlay: ObjectOverlay | undefined): T {
  return applyOverlay(rendered, overlay, volumeClaimMergeRules);
}

function applyOverlay<T extends KubeObject>(rendered: T, overlay: ObjectOverlay | undefined, rules: MergeRules): T {
  if (!overlay) return structuredClone(rendered);
  // Whole maps and the whole spec are never deleted: a `null` there would strip the operator's own labels or
  // the Pod's containers. Nulls inside them delete single keys as usual.
  const metadata: OverlayMetadata = {};
  if (isObject(overlay.metadata?.labels)) metadata.labels = overlay.metadata.labels;
  if (isObject(overlay.metadata?.annotations)) metadata.annotations = overlay.metadata.annotations;
  return mergeOverlay(rendered, { metadata, spec: isObject(overlay.spec) ? overlay.spec : undefined }, rules);
}

function isObject<T>(value: T | null | undefined): value is T {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
