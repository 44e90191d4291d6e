// The volume half of the Pod and volume manager: the PVCs an instance's template asks for (one per volume,
// `<volume>-<instance>`), read back from the cache for core/instance planVolumes, and the labels that lead from
// a Pod to its PVCs and on to their PVs (`tikv.org/instance`, `tikv.org/volume-name`), so a PV found on a node
// says which instance's data it holds.
import { labelKeys } from '../../api/labels.ts';
import { pvcName } from '../../api/names.ts';
import type { Volume } from '../../api/template.ts';
import type { DesiredVolume, ExistingClaim } from '../../instance/volume-plan.ts';
import type { KubeObject, OwnerReference } from '../../kube/object.ts';
import { type ObjectOverlay, overlayVolumeClaim } from '../../overlay/overlay.ts';
import type { InstanceObject } from '../../plugin/contract.ts';
import { instanceOwnerReference, ownedObjectLabels } from './identity.ts';

export interface ClaimObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  spec?: {
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    storageClassName?: string;
    volumeAttributesClassName?: string;
    volumeName?: string;
  } & Record<string, unknown>;
  status?: { phase?: string; capacity?: { storage?: string } };
}

export interface PersistentVolumeObject extends KubeObject {
  spec?: Record<string, unknown>;
}

/** The volumes of the instance's template, with their PVC names, for planVolumes. */
export function desiredVolumes(instance: InstanceObject): DesiredVolume[] {
  return instance.spec.volumes.map((volume) => {
    const desired: DesiredVolume = {
      name: volume.name,
      claimName: pvcName(volume.name, instance.metadata.name),
      storage: String(volume.storage),
    };
    if (volume.storageClassName !== undefined) desired.storageClassName = volume.storageClassName;
    if (volume.volumeAttributesClassName !== undefined) {
      desired.volumeAttributesClassName = volume.volumeAttributesClassName;
    }
    return desired;
  });
}

/** A cached PVC as planVolumes sees it. */
export function existingClaim(pvc: ClaimObject): ExistingClaim {
  const claim: ExistingClaim = {
    claimName: pvc.metadata.name,
    volumeName: pvc.metadata.labels?.[labelKeys.volumeName] ?? '',
    storage: pvc.spec?.resources?.requests?.storage ?? '0',
    deleting: pvc.metadata.deletionTimestamp !== undefined,
  };
  if (pvc.status?.capacity?.storage !== undefined) claim.capacity = pvc.status.capacity.storage;
  if (pvc.spec?.storageClassName !== undefined) claim.storageClassName = pvc.spec.storageClassName;
  if (pvc.spec?.volumeAttributesClassName !== undefined) {
    claim.volumeAttributesClassName = pvc.spec.volumeAttributesClassName;
  }
  return claim;
}

/** Labels of a PVC and its PV: the instance identity plus the template volume name. */
export function volumeLabels(instance: InstanceObject, component: string, volume: string): Record<string, string> {
  return { ...ownedObjectLabels(instance, component), [labelKeys.volumeName]: volume };
}

/** The PVC to create for `volume`, with the user's claim overlay for that volume merged in. */
export function desiredClaim(instance: InstanceObject, component: string, volume: Volume): ClaimObject {
  const spec: NonNullable<ClaimObject['spec']> = {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: String(volume.storage) } },
  };
  if (volume.storageClassName !== undefined) spec.storageClassName = volume.storageClassName;
  if (volume.volumeAttributesClassName !== undefined) spec.volumeAttributesClassName = volume.volumeAttributesClassName;
  const claim: ClaimObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: pvcName(volume.name, instance.metadata.name),
      namespace: instance.metadata.namespace,
      labels: volumeLabels(instance, component, volume.name),
      ownerReferences: [instanceOwnerReference(instance)],
    },
    spec,
  };
  const overlay = instance.spec.overlay?.volumeClaims?.find((c) => c.name === volume.name)?.volumeClaim;
  return overlayVolumeClaim(claim, overlay as ObjectOverlay | undefined);
}

/**
 * The metadata patch that keeps an existing PVC found: identity labels that are missing or differ, and this
 * instance as controller when it is not (a PVC retained from an earlier instance of the same name is adopted).
 */
export function claimMetadataPatch(
  pvc: ClaimObject,
  labels: Record<string, string>,
  owner: OwnerReference,
): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = {};
  const labelPatch = missingLabels(pvc.metadata.labels, labels);
  if (labelPatch) metadata.labels = labelPatch;
  const refs = pvc.metadata.ownerReferences ?? [];
  if (!refs.some((r) => r.uid === owner.uid)) {
    // Another controller on a retained claim would be a conflict the garbage collector resolves wrongly: the
    // instance takes the claim over alone.
    metadata.ownerReferences = [...refs.filter((r) => r.controller !== true), owner];
  }
  return Object.keys(metadata).length > 0 ? { metadata } : undefined;
}

/** The PV label patch, when the PV lacks one of the labels. */
export function persistentVolumeLabelPatch(
  pv: PersistentVolumeObject,
  labels: Record<string, string>,
): Record<string, unknown> | undefined {
  const labelPatch = missingLabels(pv.metadata.labels, labels);
  return labelPatch ? { metadata: { labels: labelPatch } } : undefined;
}

/** The owner references a retained PVC keeps: everything but this instance. `null` removes the list. */
export function retainedOwnerReferences(pvc: ClaimObject, instanceUid: string): OwnerReference[] | null {
  const rest = (pvc.metadata.ownerReferences ?? []).filter((r) => r.uid !== instanceUid);
  return rest.length > 0 ? rest : null;
}

function missingLabels(
  current: Record<string, string> | undefined,
  wanted: Record<string, string>,
): Record<string, string> | undefined {
  const patch: Record<string, string> = {};
  for (const [key, value] of Object.entries(wanted)) if (current?.[key] !== value) patch[key] = value;
  return Object.keys(patch).length > 0 ? patch : undefined;
}
