// TiKV's scale-in protocol (mode `offline`, DESIGN.md invariant 1): a store leaves only through PD, and its Pod,
// ConfigMap and PVCs go only after PD buried it.
//
//   steps         evict leaders                      (leader-eviction.ts)
//                 wait for zero leaders              bounded by evictLeaderTimeout
//                 delete store in PD                 DELETE /store/{id}: PD marks it Offline and moves its regions
//                 wait for tombstone                 PD buried it (Tombstone / Removed): isRemoved turns true and
//                                                    the core deletes the instance, its Pod, ConfigMap and PVCs
//                 remove the evict-leader scheduler
//   cancelSteps   cancel store removal               offline set back to false before PD finished: state=Up
//                 remove the evict-leader scheduler
//   mayRemove     the group may not start removing stores when fewer Up stores than PD's max-replicas would stay
//
// The same steps run in the instance's finalizer when a user deletes a TiKV CR (a replacement).
import { peerServiceName } from '../../../core/api/names.ts';
import { parseTimestampMs } from '../../../core/api/timestamp.ts';
import type { ComponentContext, GroupObject, InstanceObject, ScaleInProtocol } from '../../../core/plugin/contract.ts';
import { complete, retry, type TaskResult, wait } from '../../../core/tasks/result.ts';
import { task } from '../../../core/tasks/task.ts';
import { isGone, isNoStoreForLeader, isTooFewStores } from '../../pd/client/errors.ts';
import { instanceOfStoreAddress, isAddressInSubdomain } from '../config.ts';
import type { PdAccess } from '../pd-access.ts';
import { isStoreAlive, type TikvView } from '../view.ts';
import { pdUrlOf, type TikvContext } from './context.ts';
import { evictLeaders, removeEvictLeaderScheduler, waitForZeroLeaders } from './leader-eviction.ts';

export const scaleInSteps = {
  deleteStore: 'delete store in PD',
  waitForTombstone: 'wait for tombstone',
  cancelRemoval: 'cancel store removal',
} as const;

/**
 * How long after its Pod started a TiKV may register its store without PD's view showing it yet. Until a poll
 * that late shows no store, "no store" is not yet "nothing to remove" (tidb-operator #4644: a quick scale-out then
 * scale-in). A Pod left unscheduled that long never ran.
 */
export const REGISTRATION_GRACE_MS = 30_000;
/** How often a removal PD refused (too few stores) is tried again. */
export const REFUSED_REMOVAL_RETRY_MS = 10_000;

/** The instance's Pod as far as store registration goes: a TiKV registers its store once its Pod runs. */
export interface PodStart {
  /** `status.startTime`: the kubelet took the Pod. */
  startedAtMs: number | undefined;
  createdAtMs: number;
  /** Bound to a node (`spec.nodeName`). */
  scheduled: boolean;
}

/**
 * Whether the store is gone from PD's point of view, with nothing left to undo: Tombstone without an
 * evict-leader scheduler, or no store at all (never registered, or PD purged it) seen by a poll recent enough.
 * A Pod the cache shows bound but not started may already run (the cache lags the kubelet): its TiKV may be
 * registering right now, so "no store" says nothing until it started and the grace passed.
 */
export function isStoreRemoved(input: {
  view: TikvView;
  /** The instance's Pod; undefined when it has none. */
  pod: PodStart | undefined;
  /** The store id the instance reported once (`status.storeId`). */
  knownStoreId: string | undefined;
}): boolean {
  const { view } = input;
  // Without a PD URL no Pod was ever created (the config waits for it), so no store can exist, unless one was seen.
  if (view.pdUrl === undefined) return input.knownStoreId === undefined;
  if (!view.synced || view.stale) return false;
  const store = view.store;
  if (store) return store.state === 'Tombstone' && !store.evicting;
  const pod = input.pod;
  if (pod === undefined) return true;
  const since = pod.startedAtMs ?? (pod.scheduled ? undefined : pod.createdAtMs);
  if (since === undefined) return false;
  return (view.fetchedAt ?? 0) >= since + REGISTRATION_GRACE_MS;
}

/** PD is removing the store (Offline, node state Removing). */
export function isStoreRemoving(view: TikvView): boolean {
  return view.store?.state === 'Offline';
}

/**
 * Whether `count` more Up stores may start leaving: PD keeps `max-replicas` replicas of every region on distinct
 * stores, so at least that many Up stores must remain (tidb-operator #3182: a scale-in below it leaves a store
 * Offline forever).
 */
export function scaleInVerdict(input: {
  maxReplicas: number;
  upStores: number;
  count: number;
}): { ok: true } | { ok: false; reason: string } {
  const remaining = input.upStores - input.count;
  if (remaining >= input.maxReplicas) return { ok: true };
  return {
    ok: false,
    reason: `PD max-replicas is ${input.maxReplicas}: only ${Math.max(0, remaining)} of ${input.upStores} Up stores would remain`,
  };
}

function podStart(ctx: TikvContext): PodStart | undefined {
  const pod = ctx.pod as
    | { metadata: { creationTimestamp?: string }; spec?: { nodeName?: string }; status?: { startTime?: string } }
    | undefined;
  if (!pod) return undefined;
  return {
    startedAtMs: parseTimestampMs(pod.status?.startTime),
    // A Pod the cache has always has one; without it, count the Pod as created now (the grace starts over).
    createdAtMs: parseTimestampMs(pod.metadata.creationTimestamp) ?? ctx.clock.now(),
    scheduled: pod.spec?.nodeName !== undefined,
  };
}

function knownStoreId(ctx: TikvContext): string | undefined {
  const id = (ctx.instance.status as { storeId?: unknown } | undefined)?.storeId;
  return typeof id === 'string' ? id : undefined;
}

export function isRemoved(ctx: TikvContext): boolean {
  return isStoreRemoved({ view: ctx.dataPlane, pod: podStart(ctx), knownStoreId: knownStoreId(ctx) });
}

export function tikvScaleInProtocol(pd: PdAccess): ScaleInProtocol<TikvView> {
  return {
    mode: 'offline',
    steps: [
      evictLeaders(pd),
      waitForZeroLeaders(pd),
      task(scaleInSteps.deleteStore, (ctx) => deleteStore(pd, ctx)),
      task(scaleInSteps.waitForTombstone, (ctx) => waitForTombstone(pd, ctx)),
      removeEvictLeaderScheduler(pd),
    ],
    cancelSteps: [task(scaleInSteps.cancelRemoval, (ctx) => cancelRemoval(pd, ctx)), removeEvictLeaderScheduler(pd)],
    isRemoved,
    isRemoving: (ctx) => isStoreRemoving(ctx.dataPlane),
    mayRemove: (ctx, count) => mayRemove(pd, ctx, count),
  };
}

async function deleteStore(pd: PdAccess, ctx: TikvContext): Promise<TaskResult> {
  const store = ctx.dataPlane.store;
  if (!store) return complete('PD has no store for this instance');
  if (store.state !== 'Up') return complete();
  let outcome: Awaited<ReturnType<ReturnType<PdAccess['client']>['deleteStore']>>;
  try {
    outcome = await pd.client(pdUrlOf(ctx)).deleteStore(store.id);
  } catch (error) {
    if (!isTooFewStores(error) && !isNoStoreForLeader(error)) throw error;
    const message = `PD refuses to remove store ${store.id} for now: ${(error as Error).message}`;
    ctx.events.record(ctx.instance, 'Warning', 'StoreRemovalRefused', 'DeleteStore', message);
    pd.markBusy(ctx.cluster);
    return retry(REFUSED_REMOVAL_RETRY_MS, message);
  }
  pd.markBusy(ctx.cluster);
  if (outcome === 'offline') {
    Object.assign(store, { state: 'Offline', stateName: 'Offline', nodeState: 'Removing' });
    ctx.events.record(
      ctx.instance,
      'Normal',
      'RemovingStore',
      'DeleteStore',
      `store ${store.id} is Offline: PD moves its ${store.regionCount} regions to other stores`,
    );
  }
  return complete(`store ${store.id}: ${outcome}`);
}

function waitForTombstone(pd: PdAccess, ctx: TikvContext): TaskResult {
  const store = ctx.dataPlane.store;
  if (store?.state === 'Tombstone') return complete();
  pd.markBusy(ctx.cluster);
  if (!store) {
    // Either there is nothing to remove, or the store registered after PD's last poll: look again soon.
    return isRemoved(ctx) ? complete() : retry(2_000, 'waiting for PD to show whether the instance has a store');
  }
  return wait(`PD is moving the regions off store ${store.id} (${store.regionCount} left)`);
}

async function cancelRemoval(pd: PdAccess, ctx: TikvContext): Promise<TaskResult> {
  const store = ctx.dataPlane.store;
  const tooLate = (id: string) => {
    const message = `store ${id} is already Tombstone: the removal cannot be undone; delete this TiKV to replace it`;
    ctx.events.record(ctx.instance, 'Warning', 'RemovalNotCancelable', 'CancelRemoval', message);
    return wait(message);
  };
  if (!store) return complete();
  if (store.state === 'Tombstone') return tooLate(store.id);
  if (store.state !== 'Offline') return complete();
  try {
    await pd.client(pdUrlOf(ctx)).cancelDeleteStore(store.id);
  } catch (error) {
    if (isGone(error)) return tooLate(store.id);
    throw error;
  }
  Object.assign(store, { state: 'Up', stateName: 'Up', nodeState: 'Serving' });
  ctx.events.record(ctx.instance, 'Normal', 'StoreRemovalCanceled', 'CancelRemoval', `store ${store.id} is Up again`);
  return complete(`store ${store.id} is Up again`);
}

function mayRemove(
  pd: PdAccess,
  ctx: ComponentContext & { group: GroupObject; instances: readonly InstanceObject[]; removing?: readonly string[] },
  count: number,
): { ok: true } | { ok: false; reason: string } {
  const pdUrl = ctx.cluster.status?.pd;
  // No PD URL: no TiKV of this cluster ever got a Pod, so no store exists to protect.
  if (pdUrl === undefined) return { ok: true };
  const snapshot = pd.snapshot(ctx.cluster);
  const replication = pd.cachedReplication(pdUrl);
  if (!snapshot?.synced || snapshot.stale || replication === undefined) {
    return { ok: false, reason: "PD's stores and max-replicas are not known yet" };
  }
  // Stores of this group whose instance is already leaving do not count, even while still Up.
  const namespace = ctx.group.metadata.namespace ?? '';
  const subdomain = peerServiceName(ctx.group.metadata.name);
  const staying = new Set(ctx.instances.map((i) => i.metadata.name));
  const leaving = (address: string) =>
    isAddressInSubdomain(address, subdomain, namespace) &&
    !staying.has(instanceOfStoreAddress(address, namespace) ?? '');
  const up = [...snapshot.stores.values()].filter((s) => isStoreAlive(s) && !leaving(s.address));
  // The picked instances take away only the Up stores among them (a Down store serves nothing already); without
  // the names, assume each takes one.
  const picked = ctx.removing;
  const removingUp =
    picked === undefined
      ? count
      : up.filter((s) => picked.includes(instanceOfStoreAddress(s.address, namespace) ?? '')).length;
  return scaleInVerdict({ maxReplicas: replication.maxReplicas, upStores: up.length, count: removingUp });
}
