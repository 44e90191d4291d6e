// The PVC side of the Pod and volume manager: from the volumes an instance's template declares and the PVCs
// that exist for it, decide what to create, grow, keep, refuse, or (when the instance goes) delete or retain.
// Changing a volume never restarts the Pod: growth is an online expansion by the CSI driver, and the
// attributes class is modified in place.

import { compareQuantities } from '../kube/quantity.ts';

/** What happens to an instance's PVCs when the instance is removed. */
export type VolumeReclaimPolicy = 'Delete' | 'Retain';

/** A volume the instance's template declares, with the PVC name it gets. */
export interface DesiredVolume {
  /** Volume name in the template (also the PVC's volume-name label). */
  name: string;
  claimName: string;
  /** Requested size, a Kubernetes quantity ("100Gi"). */
  storage: string;
  /** Unset: the cluster's default class (admission fills it in on the PVC). */
  storageClassName?: string;
  /** Unset: no opinion (an existing class is left alone). */
  volumeAttributesClassName?: string;
}

/** A PVC of the instance as the cache shows it. */
export interface ExistingClaim {
  claimName: string;
  /** Its volume-name label. */
  volumeName: string;
  /** spec.resources.requests.storage. */
  storage: string;
  /** status.capacity.storage, once bound. */
  capacity?: string;
  storageClassName?: string;
  volumeAttributesClassName?: string;
  /** It has a deletionTimestamp. */
  deleting: boolean;
}

export interface VolumePlanInput {
  desired: readonly DesiredVolume[];
  existing: readonly ExistingClaim[];
  /** The instance is being removed (its scale-in protocol finished, or the cluster is deleted). */
  removing: boolean;
  reclaimPolicy: VolumeReclaimPolicy;
}

export type VolumeAction =
  | { kind: 'create'; volume: DesiredVolume }
  /** Raise spec.resources.requests.storage (online expansion; no restart). */
  | { kind: 'expand'; claimName: string; from: string; to: string }
  /** Set spec.volumeAttributesClassName (modified in place; no restart). */
  | { kind: 'setAttributesClass'; claimName: string; from?: string; to: string }
  /** Nothing to change (a reason when the PVC is not simply up to date). */
  | { kind: 'keep'; claimName: string; reason?: string }
  /** A change that cannot be made; the PVC stays as it is and the reason goes to a condition and an event. */
  | { kind: 'refuse'; claimName: string; reason: string }
  /** The PVC with this name is still being deleted; create it again once it is gone. */
  | { kind: 'wait'; claimName: string; reason: string }
  | { kind: 'delete'; claimName: string }
  /** Keep the PVC after the instance is gone: drop its owner reference so the garbage collector leaves it. */
  | { kind: 'retain'; claimName: string };

/**
 * Decides what to do with each of an instance's PVCs:
 * - removing the instance: every PVC is deleted, or retained under the `Retain` policy;
 * - a declared volume without a PVC: create it (wait while an old PVC of that name is still being deleted);
 * - a larger size: expand; a smaller size: refused (Kubernetes cannot shrink a PVC);
 * - a different storage class: refused (immutable on a PVC); a different attributes class: set it;
 * - a PVC whose volume left the template: kept until the instance is removed (a template edit never deletes data).
 * Actions come in the order of the declared volumes, then the PVCs of undeclared volumes.
 */
export function planVolumes(input: VolumePlanInput): VolumeAction[] {
  const live = input.existing.filter((c) => !c.deleting);
  if (input.removing) {
    return live.map((c) =>
      input.reclaimPolicy === 'Retain'
        ? { kind: 'retain', claimName: c.claimName }
        : { kind: 'delete', claimName: c.claimName },
    );
  }

  const actions: VolumeAction[] = [];
  for (const volume of input.desired) {
    const claim = live.find((c) => c.volumeName === volume.name);
    if (!claim) {
      const gone = input.existing.find((c) => c.claimName === volume.claimName && c.deleting);
      actions.push(
        gone
          ? { kind: 'wait', claimName: volume.claimName, reason: `PVC ${volume.claimName} is still being deleted` }
          : { kind: 'create', volume },
      );
      continue;
    }
    actions.push(...planClaim(volume, claim));
  }
  for (const claim of live) {
    if (input.desired.some((v) => v.name === claim.volumeName)) continue;
    actions.push({
      kind: 'keep',
      claimName: claim.claimName,
      reason: `volume ${claim.volumeName} is no longer in the template; its PVC is kept until the instance is removed`,
    });
  }
  return actions;
}

function planClaim(volume: DesiredVolume, claim: ExistingClaim): VolumeAction[] {
  const actions: VolumeAction[] = [];
  const name = claim.claimName;
  const size = compareQuantities(volume.storage, claim.storage);
  if (size === undefined) {
    actions.push({
      kind: 'refuse',
      claimName: name,
      reason: `invalid storage size ${volume.storage} (PVC has ${claim.storage})`,
    });
  } else if (size > 0) {
    actions.push({ kind: 'expand', claimName: name, from: claim.storage, to: volume.storage });
  } else if (size < 0) {
    actions.push({
      kind: 'refuse',
      claimName: name,
      reason: `volume ${volume.name} cannot shrink from ${claim.storage} to ${volume.storage}: Kubernetes only expands PVCs`,
    });
  }
  if (volume.storageClassName !== undefined && volume.storageClassName !== claim.storageClassName) {
    actions.push({
      kind: 'refuse',
      claimName: name,
      reason: `volume ${volume.name} cannot move from storage class ${claim.storageClassName ?? '(default)'} to ${volume.storageClassName}: the class of a PVC is immutable`,
    });
  }
  if (
    volume.volumeAttributesClassName !== undefined &&
    volume.volumeAttributesClassName !== claim.volumeAttributesClassName
  ) {
    actions.push(
      claim.volumeAttributesClassName === undefined
        ? { kind: 'setAttributesClass', claimName: name, to: volume.volumeAttributesClassName }
        : {
            kind: 'setAttributesClass',
            claimName: name,
            from: claim.volumeAttributesClassName,
            to: volume.volumeAttributesClassName,
          },
    );
  }
  if (actions.length === 0) {
    const resizing = claim.capacity !== undefined && (compareQuantities(claim.capacity, claim.storage) ?? 0) < 0;
    actions.push(
      resizing
        ? {
            kind: 'keep',
            claimName: name,
            reason: `expansion to ${claim.storage} in progress (capacity ${claim.capacity})`,
          }
        : { kind: 'keep', claimName: name },
    );
  }
  return actions;
}
