// The local control plane's volume provisioner: what a CSI driver plus external-provisioner and external-resizer do,
// for the harness's StorageClass. It creates a PV for each pending PVC of the class (pre-bound through claimRef, so
// the PV binder in kube-controller-manager binds it), grows the PV and completes the PVC status when a bound PVC asks
// for more, and deletes Released PVs whose reclaim policy is Delete.
import type { KubeObject } from '../kube/object.ts';
import { keyOf } from '../kube/object.ts';
import { compareQuantities } from '../kube/quantity.ts';
import { type ApiClient, isAlreadyExists, isNotFound } from './api.ts';
import { Reflector } from './reflector.ts';

export const provisionerName = 'sim.tikv.org/local';
/** Set by kube-scheduler on a WaitForFirstConsumer claim once it picked the node of the first pod using it. */
export const selectedNodeAnnotation = 'volume.kubernetes.io/selected-node';
const provisionedByAnnotation = 'pv.kubernetes.io/provisioned-by';

export interface StorageClass extends KubeObject {
  provisioner: string;
  reclaimPolicy?: 'Delete' | 'Retain';
  volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  allowVolumeExpansion?: boolean;
}

export interface PersistentVolumeClaim extends KubeObject {
  spec: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    volumeMode?: string;
    resources?: { requests?: { storage?: string } };
  };
  status?: { phase?: string; capacity?: { storage?: string } };
}

export interface PersistentVolume extends KubeObject {
  spec: {
    capacity?: { storage?: string };
    claimRef?: { apiVersion?: string; kind?: string; namespace?: string; name?: string; uid?: string };
    storageClassName?: string;
    persistentVolumeReclaimPolicy?: string;
    [field: string]: unknown;
  };
  status?: { phase?: string };
}

export function standardStorageClass(name = 'standard'): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: provisionerName,
    reclaimPolicy: 'Delete',
    // Like local volumes: the scheduler picks the node first, the PV is pinned to it, and a recreated pod must
    // return to the node that holds its data. Immediate binding would let pods float away from their volumes.
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}

export type VolumeAction =
  | { type: 'create-pv'; claim: string; pv: PersistentVolume }
  | { type: 'expand'; claim: string; pv: string; size: string }
  | { type: 'complete-expansion'; claim: string; size: string }
  | { type: 'delete-pv'; pv: string };

/** What to do now, from the current claims, volumes and classes. Pure: the provisioner loop applies the result. */
export function planVolumeActions(state: {
  claims: Iterable<PersistentVolumeClaim>;
  volumes: Iterable<PersistentVolume>;
  classes: ReadonlyMap<string, StorageClass>;
}): VolumeAction[] {
  const actions: VolumeAction[] = [];
  const volumes = [...state.volumes];
  const volumeByName = new Map(volumes.map((pv) => [pv.metadata.name, pv]));
  const claimedUids = new Set(volumes.map((pv) => pv.spec.claimRef?.uid).filter((uid) => uid !== undefined));

  for (const claim of state.claims) {
    const sc = state.classes.get(claim.spec.storageClassName ?? '');
    if (!sc || sc.provisioner !== provisionerName || claim.metadata.deletionTimestamp) continue;
    const requested = claim.spec.resources?.requests?.storage;
    if (!requested) continue;
    const key = keyOf(claim);

    if (!claim.spec.volumeName) {
      if (claim.metadata.uid && claimedUids.has(claim.metadata.uid)) continue; // provisioned, the PV binder has not bound it yet
      const node = claim.metadata.annotations?.[selectedNodeAnnotation];
      if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !node) continue;
      actions.push({ type: 'create-pv', claim: key, pv: volumeFor(claim, sc, requested, node) });
      continue;
    }

    const pv = volumeByName.get(claim.spec.volumeName);
    const pvSize = pv?.spec.capacity?.storage;
    if (!pv || !pvSize) continue;
    if ((compareQuantities(requested, pvSize) ?? 0) > 0) {
      if (sc.allowVolumeExpansion) actions.push({ type: 'expand', claim: key, pv: pv.metadata.name, size: requested });
      continue;
    }
    const reported = claim.status?.capacity?.storage;
    if (claim.status?.phase === 'Bound' && reported && (compareQuantities(reported, pvSize) ?? 0) < 0) {
      actions.push({ type: 'complete-expansion', claim: key, size: pvSize });
    }
  }

  for (const pv of volumes) {
    const ours = pv.metadata.annotations?.[provisionedByAnnotation] === provisionerName;
    if (ours && pv.status?.phase === 'Released' && pv.spec.persistentVolumeReclaimPolicy === 'Delete') {
      actions.push({ type: 'delete-pv', pv: pv.metadata.name });
    }
  }
  return actions;
}

function volumeFor(claim: PersistentVolumeClaim, sc: StorageClass, size: string, node: string | undefined) {
  const uid = claim.metadata.uid ?? '';
  const name = `pvc-${uid}`;
  const path = `/var/lib/sim-volumes/${name}`;
  const pv: PersistentVolume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [provisionedByAnnotation]: provisionerName } },
    spec: {
      capacity: { storage: size },
      accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
      volumeMode: claim.spec.volumeMode ?? 'Filesystem',
      storageClassName: sc.metadata.name,
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: claim.metadata.namespace,
        name: claim.metadata.name,
        uid,
      },
      // A local volume must name its node; without a selected node (Immediate binding) it is a hostPath anywhere.
      ...(node
        ? {
            local: { path },
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
                ],
              },
            },
          }
        : { hostPath: { path, type: 'DirectoryOrCreate' } }),
    },
  };
  return pv;
}

export class VolumeProvisioner {
  private readonly classes: Reflector<StorageClass>;
  private readonly claims: Reflector<PersistentVolumeClaim>;
  private readonly volumes: Reflector<PersistentVolume>;
  private running = false;
  private dirty = false;
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly log: (message: string) => void = () => {},
  ) {
    const onChange = () => this.schedule();
    const onError = (err: unknown) => this.log(`provisioner watch error: ${String(err)}`);
    this.classes = new Reflector(api, '/apis/storage.k8s.io/v1/storageclasses', onChange, onError);
    this.claims = new Reflector(api, '/api/v1/persistentvolumeclaims', onChange, onError);
    this.volumes = new Reflector(api, '/api/v1/persistentvolumes', onChange, onError);
  }

  async start(): Promise<void> {
    for (const r of [this.classes, this.claims, this.volumes]) r.start();
    await Promise.all([this.classes.hasSynced, this.claims.hasSynced, this.volumes.hasSynced]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await Promise.all([this.classes.stop(), this.claims.stop(), this.volumes.stop()]);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        const actions = planVolumeActions({
          claims: this.claims.items.values(),
          volumes: this.volumes.items.values(),
          classes: new Map([...this.classes.items.values()].map((sc) => [sc.metadata.name, sc])),
        });
        for (const action of actions) {
          try {
            await this.apply(action);
          } catch (err) {
            this.log(`provisioner: ${action.type} failed, retrying: ${String(err)}`);
            clearTimeout(this.retry);
            this.retry = setTimeout(() => this.schedule(), 1_000);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async apply(action: VolumeAction): Promise<void> {
    switch (action.type) {
      case 'create-pv':
        try {
          await this.api.create('/api/v1/persistentvolumes', action.pv);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
        return;
      case 'expand':
        // external-resizer's order: grow the volume, then report the new size on the claim.
        await this.api.patch(`/api/v1/persistentvolumes/${action.pv}`, {
          spec: { capacity: { storage: action.size } },
        });
        await this.completeExpansion(action.claim, action.size);
        return;
      case 'complete-expansion':
        await this.completeExpansion(action.claim, action.size);
        return;
      case 'delete-pv':
        try {
          await this.api.delete(`/api/v1/persistentvolumes/${action.pv}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
    }
  }

  private async completeExpansion(claimKey: string, size: string): Promise<void> {
    const [namespace, name] = claimKey.split('/');
    await this.api.patch(`/api/v1/namespaces/${namespace}/persistentvolumeclaims/${name}/status`, {
      status: {
        capacity: { storage: size },
        allocatedResources: { storage: size },
        allocatedResourceStatuses: null,
        conditions: null,
      },
    });
  }
}
