// TiKV's restart protocol: what makes deleting a store's Pod safe (an upgrade, a config change, a restart).
//
//   before   check no down peers elsewhere   a region with a peer down on another store would lose its quorum
//                                            when this store stops too (tidb-operator #6877): wait
//            check replicas complete         a region of this store still missing replicas (just created, or
//                                            a store just added) has two peers or fewer: stopping one loses its
//                                            quorum. Wait while PD can add them; when no store can take them,
//                                            waiting would never end (a cluster smaller than max-replicas)
//            evict leaders                   (leader-eviction.ts)
//            wait for zero leaders           bounded by evictLeaderTimeout
//   delete   the Pod, with a grace period sized to the store's regions
//   after    remove the evict-leader scheduler, once the new Pod's store is Up again (not before: leaders would
//            come back to a store about to stop, tidb-operator #3724); level-triggered, so it also ends an
//            eviction whose restart was called off, and one an operator restart left behind
import type { RestartProtocol } from '../../../core/plugin/contract.ts';
import { complete, retry, type TaskResult, wait } from '../../../core/tasks/result.ts';
import { task, when } from '../../../core/tasks/task.ts';
import type { StoreView } from '../../pd/client/snapshot.ts';
import type { PdAccess } from '../pd-access.ts';
import { isStoreAlive, type TikvView } from '../view.ts';
import { isInstanceDeleting, type TikvContext } from './context.ts';
import { evictLeaders, removeEvictLeaderScheduler, waitForZeroLeaders } from './leader-eviction.ts';

export const restartSteps = {
  checkDownPeers: 'check no down peers elsewhere',
  checkReplicas: 'check replicas complete',
} as const;

/** How often a restart held by down or missing peers looks again (besides the PD poll reporting the change). */
export const REGION_RECHECK_MS = 5_000;

/** Stores other than this instance's that hold down peers (Tombstone stores hold nothing any more). */
export function downPeersElsewhere(view: TikvView): StoreView[] {
  const own = view.store?.id;
  return [...view.stores.values()].filter((s) => s.id !== own && s.downPeers > 0 && s.state !== 'Tombstone');
}

/**
 * The regions with a replica on this instance's store that have fewer replicas than PD's replication asks for:
 * `waiting`, PD can add the missing ones (an alive store holds none of the region's replicas); `stuck`, no
 * store can take them.
 */
export function regionsMissingReplicas(view: TikvView): { waiting: number; stuck: number } {
  const own = view.store?.id;
  const out = { waiting: 0, stuck: 0 };
  if (own === undefined) return out;
  const alive = [...view.stores.values()].filter(isStoreAlive).map((s) => s.id);
  for (const region of view.missPeerRegions) {
    if (!region.storeIds.includes(own)) continue;
    if (alive.some((id) => !region.storeIds.includes(id))) out.waiting++;
    else out.stuck++;
  }
  return out;
}

/**
 * Grace period of a store's Pod deletion: TiKV needs time to flush and close its regions, about one second per
 * 200 regions (tidb-operator v2 `CalcGracePeriod`), and never less than `minimumSeconds` (30 by default).
 */
export function gracePeriodForRegions(regionCount: number, minimumSeconds = 30): number {
  return Math.max(minimumSeconds, Math.floor(Math.max(0, regionCount) / 200) + 1);
}

/** The new Pod's store serves again and the instance is staying: the eviction is over. */
export function isRestartOver(ctx: TikvContext): boolean {
  return isStoreAlive(ctx.dataPlane.store) && ctx.instance.spec.offline !== true && !isInstanceDeleting(ctx);
}

export function tikvRestartProtocol(
  pd: PdAccess,
  opts: { minGracePeriodSeconds?: number } = {},
): RestartProtocol<TikvView> {
  return {
    before: [
      task(restartSteps.checkDownPeers, (ctx: TikvContext): TaskResult => {
        if (!ctx.dataPlane.synced) return wait("PD's stores have not been read yet");
        const down = downPeersElsewhere(ctx.dataPlane);
        if (down.length === 0) return complete();
        pd.markBusy(ctx.cluster);
        const list = down.map((s) => `store ${s.id} (${s.downPeers})`).join(', ');
        return retry(REGION_RECHECK_MS, `regions have down peers on ${list}: the restart waits`);
      }),
      task(restartSteps.checkReplicas, (ctx: TikvContext): TaskResult => {
        const { waiting, stuck } = regionsMissingReplicas(ctx.dataPlane);
        const store = ctx.dataPlane.store?.id;
        if (waiting > 0) {
          pd.markBusy(ctx.cluster);
          return retry(
            REGION_RECHECK_MS,
            `${waiting} regions with a replica on store ${store} miss replicas PD is adding: the restart waits`,
          );
        }
        if (stuck > 0) {
          const message = `${stuck} regions with a replica on store ${store} have fewer replicas than max-replicas and no other store can take one: they are unavailable while the store restarts`;
          ctx.events.record(ctx.instance, 'Warning', 'ReplicasMissing', 'Restart', message);
          return complete(message);
        }
        return complete();
      }),
      evictLeaders(pd),
      waitForZeroLeaders(pd),
    ],
    after: [when(isRestartOver, removeEvictLeaderScheduler(pd))],
    gracePeriodSeconds: (ctx) =>
      gracePeriodForRegions(ctx.dataPlane.store?.regionCount ?? 0, opts.minGracePeriodSeconds ?? 30),
  };
}
