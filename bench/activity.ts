// What the operator is waiting for at one moment (see time-split.ts), read from the Pods the bench watches and
// from the simulator's model of each cluster. Pure functions over small views, plus the adapter from the
// simulator's model to those views.
import { labelKeys } from '../core/api/labels.ts';
import type { PdClusterModel } from '../plugins/pd/simulator/model/cluster.ts';
import type { Progress } from './settled.ts';
import type { Wait } from './time-split.ts';

export interface PodView {
  metadata: { labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** Pods of these clusters that are terminating or not Ready yet. */
export function podWaits(pods: Iterable<PodView>, clusters: ReadonlySet<string>): Wait[] {
  const waits = new Set<Wait>();
  for (const pod of pods) {
    const cluster = pod.metadata.labels?.[labelKeys.cluster];
    if (cluster === undefined || !clusters.has(cluster)) continue;
    if (pod.metadata.deletionTimestamp) waits.add('pod-termination');
    else if (!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) waits.add('pod-start');
  }
  return [...waits];
}

export interface StoreView {
  id: number;
  state: 'Up' | 'Offline' | 'Tombstone';
  /** In PD's evict-leader scheduler. */
  evicting: boolean;
  leaders: number;
  peers: number;
}

/** PD is still moving leaders off an evicting store, or still draining an Offline store. */
export function dataPlaneWaits(stores: Iterable<StoreView>): Wait[] {
  const waits = new Set<Wait>();
  for (const s of stores) {
    if (s.evicting && s.leaders > 0) waits.add('leader-eviction');
    if (s.state === 'Offline' && s.peers > 0) waits.add('store-drain');
  }
  return [...waits];
}

/**
 * Nothing the operator started in PD is still open: no store left in the evict-leader scheduler (the operator
 * removes it once a restarted store is back, safety invariant 4) and no store still Offline (a removal PD has not
 * finished). Part of "the step is done" on the simulator.
 */
export function dataPlaneProgress(cluster: string, stores: Iterable<StoreView>): Progress {
  for (const s of stores) {
    if (s.evicting)
      return { settled: false, reason: `${cluster}: store ${s.id} is still in PD's evict-leader scheduler` };
    if (s.state === 'Offline') return { settled: false, reason: `${cluster}: store ${s.id} is still Offline in PD` };
  }
  return { settled: true, reason: 'settled' };
}

/** The stores of one simulated cluster as `dataPlaneWaits` reads them. */
export function storeViews(model: PdClusterModel): StoreView[] {
  const evicting = new Set(model.evictLeaderStores());
  return model.stores().map((store) => {
    const status = model.storeStatus(store.id);
    return {
      id: store.id,
      state: store.state,
      evicting: evicting.has(store.id),
      leaders: status.leaderCount,
      peers: status.regionCount,
    };
  });
}
