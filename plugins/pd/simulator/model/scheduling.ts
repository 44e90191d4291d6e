// One scheduling round of the simulated cluster, split into the steps PD and TiKV perform: Raft elects new
// leaders for regions whose leader died; PD's replica checker replaces peers on Offline or Down stores and
// fixes the replica count; PD buries emptied Offline stores; the evict-leader scheduler moves leaders off its
// stores; the balance-leader scheduler evens leaders out. Each step is bounded by a rate so that state changes
// are observable while they happen, as with a real cluster.

import { type PlacementRules, pickExtraPeerStore, pickTargetStore } from './placement.ts';
import { bump, leaderStoreId, type Peer, quorum, type Region, type StoreLoad, storeLoad } from './regions.ts';
import { downTimeMs, isAlive, type StoreRecord } from './stores.ts';

export interface SchedulingState {
  readonly stores: ReadonlyMap<number, StoreRecord>;
  readonly regions: readonly Region[];
  readonly evictLeaderStores: readonly number[];
  readonly rules: PlacementRules;
  readonly maxReplicas: number;
  readonly maxStoreDownTimeMs: number;
  readonly nowMs: number;
  allocId(): number;
  isLost(regionId: number): boolean;
}

function storeOf(state: SchedulingState, storeId: number): StoreRecord | undefined {
  return state.stores.get(storeId);
}

function isPeerAlive(state: SchedulingState, peer: Peer): boolean {
  const store = storeOf(state, peer.storeId);
  return store !== undefined && isAlive(store);
}

export function hasDownPeer(state: SchedulingState, region: Region): boolean {
  return region.peers.some((p) => !isPeerAlive(state, p));
}

/** May lead after a transfer: PD's leader filters reject removing, disconnected and evicting stores. */
function canTakeLeader(state: SchedulingState, store: StoreRecord): boolean {
  return isAlive(store) && store.state === 'Up' && !state.evictLeaderStores.includes(store.id);
}

/** The live peer that should lead: one PD would transfer leaders to first, then the least loaded store. */
function bestLeaderPeer(state: SchedulingState, region: Region, load: StoreLoad, exclude?: number): Peer | undefined {
  let best: { peer: Peer; preferred: boolean; leaders: number } | undefined;
  for (const peer of region.peers) {
    if (peer.id === exclude) continue;
    const store = storeOf(state, peer.storeId);
    if (!store || !isAlive(store)) continue;
    const preferred = canTakeLeader(state, store);
    const leaders = load.leaders.get(store.id) ?? 0;
    if (
      !best ||
      (preferred && !best.preferred) ||
      (preferred === best.preferred && leaders < best.leaders) ||
      (preferred === best.preferred && leaders === best.leaders && peer.storeId < best.peer.storeId)
    ) {
      best = { peer, preferred, leaders };
    }
  }
  return best?.peer;
}

function setLeader(region: Region, peer: Peer | undefined, load: StoreLoad): void {
  const old = leaderStoreId(region);
  if (old !== undefined) bump(load.leaders, old, -1);
  region.leaderPeerId = peer?.id;
  if (peer) bump(load.leaders, peer.storeId, 1);
}

/**
 * Raft elections: a region whose leader is not alive gets a new leader among its live peers when they are a
 * quorum. Without a quorum nobody can be elected, and PD keeps showing the last leader it heard from.
 */
export function electLeaders(state: SchedulingState): number {
  const load = storeLoad(state.regions);
  let elected = 0;
  for (const region of state.regions) {
    const leader = leaderStoreId(region);
    const leaderStore = leader === undefined ? undefined : storeOf(state, leader);
    if (leaderStore && isAlive(leaderStore)) continue;
    const alive = region.peers.filter((p) => isPeerAlive(state, p)).length;
    if (alive < quorum(region.peers.length)) continue;
    const next = bestLeaderPeer(state, region, load);
    if (next) {
      setLeader(region, next, load);
      elected += 1;
    }
  }
  return elected;
}

/** Its peers must move elsewhere: the store is being removed, or has been down longer than max-store-down-time. */
function mustVacate(state: SchedulingState, store: StoreRecord | undefined): boolean {
  if (!store) return true;
  if (store.state !== 'Up') return true;
  return !store.running && downTimeMs(store, state.nowMs) > state.maxStoreDownTimeMs;
}

function canTakePeer(store: StoreRecord): boolean {
  return store.state === 'Up' && isAlive(store);
}

/**
 * PD's replica checker, at most `budget` membership changes: replace a peer on a store that must be vacated
 * (add the new peer, move the leader if needed, remove the old peer), add missing replicas, drop extra ones.
 * A region is only changed while it has a live quorum and a live leader, which every Raft conf change needs.
 */
export function repairReplicas(state: SchedulingState, budget: number): number {
  const load = storeLoad(state.regions);
  const candidates = [...state.stores.values()].filter(canTakePeer).sort((a, b) => a.id - b.id);
  const peerCount = (id: number) => load.peers.get(id) ?? 0;
  let changes = 0;
  for (const region of state.regions) {
    if (changes >= budget) break;
    if (state.isLost(region.id)) continue;
    const alive = region.peers.filter((p) => isPeerAlive(state, p)).length;
    const leader = leaderStoreId(region);
    const leaderStore = leader === undefined ? undefined : storeOf(state, leader);
    if (alive < quorum(region.peers.length) || !leaderStore || !isAlive(leaderStore)) continue;

    const leaving = region.peers.find((p) => mustVacate(state, storeOf(state, p.storeId)));
    if (leaving) {
      const staying = region.peers.filter((p) => p !== leaving);
      const stayingStores = staying.map((p) => storeOf(state, p.storeId)).filter((s) => s !== undefined);
      const target =
        region.peers.length > state.maxReplicas
          ? undefined
          : pickTargetStore(candidates, stayingStores, state.rules, peerCount);
      if (!target && region.peers.length <= state.maxReplicas) continue;
      if (target) {
        const added: Peer = { id: state.allocId(), storeId: target.id };
        region.peers.push(added);
        bump(load.peers, target.id, 1);
        region.confVer += 1;
      }
      if (region.leaderPeerId === leaving.id) setLeader(region, bestLeaderPeer(state, region, load, leaving.id), load);
      region.peers = region.peers.filter((p) => p !== leaving);
      bump(load.peers, leaving.storeId, -1);
      region.confVer += 1;
      changes += 1;
      continue;
    }
    if (region.peers.length < state.maxReplicas) {
      const peerStores = region.peers.map((p) => storeOf(state, p.storeId)).filter((s) => s !== undefined);
      const target = pickTargetStore(candidates, peerStores, state.rules, peerCount);
      if (!target) continue;
      region.peers.push({ id: state.allocId(), storeId: target.id });
      bump(load.peers, target.id, 1);
      region.confVer += 1;
      changes += 1;
      continue;
    }
    if (region.peers.length > state.maxReplicas) {
      const peerStores = region.peers.map((p) => storeOf(state, p.storeId)).filter((s) => s !== undefined);
      const extra = pickExtraPeerStore(peerStores, leader, state.rules, peerCount);
      if (!extra) continue;
      region.peers = region.peers.filter((p) => p.storeId !== extra.id);
      bump(load.peers, extra.id, -1);
      region.confVer += 1;
      changes += 1;
    }
  }
  return changes;
}

/** PD's store check: an Offline store without peers becomes Tombstone (node state Removed). */
export function buryEmptyStores(state: SchedulingState): StoreRecord[] {
  const load = storeLoad(state.regions);
  const buried: StoreRecord[] = [];
  for (const store of state.stores.values()) {
    if (store.state === 'Offline' && (load.peers.get(store.id) ?? 0) === 0) {
      store.state = 'Tombstone';
      buried.push(store);
    }
  }
  return buried;
}

/**
 * The evict-leader scheduler: per evicting store, up to `batch` leaders move to a live peer that may lead.
 * Like PD it skips regions with down peers (RegionDownFilter), so eviction stalls while another store is down.
 */
export function evictLeaders(state: SchedulingState, batch: number): number {
  const load = storeLoad(state.regions);
  let moved = 0;
  for (const storeId of state.evictLeaderStores) {
    let movedHere = 0;
    for (const region of state.regions) {
      if (movedHere >= batch) break;
      if (leaderStoreId(region) !== storeId || hasDownPeer(state, region)) continue;
      const target = bestLeaderPeer(state, region, load, region.leaderPeerId);
      const targetStore = target ? storeOf(state, target.storeId) : undefined;
      if (!target || !targetStore || !canTakeLeader(state, targetStore)) continue;
      setLeader(region, target, load);
      movedHere += 1;
    }
    moved += movedHere;
  }
  return moved;
}

/**
 * The balance-leader scheduler: move one leader at a time from the store with the most leaders to a peer's
 * store with at least two fewer, among stores that may lead, at most `limit` times per round.
 */
export function balanceLeaders(state: SchedulingState, limit: number): number {
  const load = storeLoad(state.regions);
  const eligible = [...state.stores.values()].filter((s) => canTakeLeader(state, s));
  let moved = 0;
  while (moved < limit) {
    const byLeaders = [...eligible].sort(
      (a, b) => (load.leaders.get(b.id) ?? 0) - (load.leaders.get(a.id) ?? 0) || a.id - b.id,
    );
    let transferred = false;
    for (const source of byLeaders) {
      const sourceLeaders = load.leaders.get(source.id) ?? 0;
      for (const region of state.regions) {
        if (leaderStoreId(region) !== source.id || hasDownPeer(state, region)) continue;
        const target = region.peers
          .map((p) => ({ peer: p, store: storeOf(state, p.storeId) }))
          .filter(
            (c): c is { peer: Peer; store: StoreRecord } =>
              c.store !== undefined &&
              c.store.id !== source.id &&
              canTakeLeader(state, c.store) &&
              sourceLeaders - (load.leaders.get(c.store.id) ?? 0) >= 2,
          )
          .sort(
            (a, b) =>
              (load.leaders.get(a.store.id) ?? 0) - (load.leaders.get(b.store.id) ?? 0) || a.store.id - b.store.id,
          )[0];
        if (!target) continue;
        setLeader(region, target.peer, load);
        transferred = true;
        break;
      }
      if (transferred) break;
    }
    if (!transferred) break;
    moved += 1;
  }
  return moved;
}
