// TiKV stores as PD records them, and the states PD derives from them. A store's metapb state (Up, Offline,
// Tombstone) changes only through PD's API and its own bury step; "Disconnected" and "Down" are not states but
// names PD reports for an Up store whose last heartbeat is older than 20 s or than max-store-down-time
// (pkg/response/store.go BuildStoreInfo). node_state follows the metapb state: Serving, Removing, Removed.

export type StoreState = 'Up' | 'Offline' | 'Tombstone';

export type StoreStateName = 'Up' | 'Disconnected' | 'Down' | 'Offline' | 'Tombstone';

/** metapb.StoreState numbers (what `?state=` filters on and `store.state` carries). */
export const storeStateNumber: Record<StoreState, number> = { Up: 0, Offline: 1, Tombstone: 2 };

/** metapb.NodeState numbers: Preparing=0, Serving=1, Removing=2, Removed=3. */
export type NodeState = 'Preparing' | 'Serving' | 'Removing' | 'Removed';
export const nodeStateNumber: Record<NodeState, number> = { Preparing: 0, Serving: 1, Removing: 2, Removed: 3 };

/** pkg/core/store.go storeDisconnectDuration. */
export const STORE_DISCONNECT_MS = 20_000;

export interface StoreLabel {
  key: string;
  value: string;
}

export interface StoreRecord {
  readonly id: number;
  readonly address: string;
  statusAddress: string;
  version: string;
  gitHash: string;
  deployPath: string;
  labels: StoreLabel[];
  state: StoreState;
  /** Set by DELETE /store/{id}?force: the store will never come back, PD may bury it without draining. */
  physicallyDestroyed: boolean;
  /** Which data directory (PVC) this store lives in; a TiKV with other data cannot be this store. */
  dataId: string;
  /** The data directory is gone (PVC deleted): the store's peers are lost for good. */
  dataDestroyed: boolean;
  /** The TiKV process is up and heartbeating. */
  running: boolean;
  /** When the current (or last) process started: start_timestamp. */
  startedAtMs: number;
  /** The last heartbeat of a stopped store; a running store heartbeats continuously (its last is "now"). */
  stoppedAtMs: number;
}

export function lastHeartbeatMs(store: StoreRecord, nowMs: number): number {
  return store.running ? nowMs : store.stoppedAtMs;
}

/** PD's DownTime(): how long since the last heartbeat. */
export function downTimeMs(store: StoreRecord, nowMs: number): number {
  return nowMs - lastHeartbeatMs(store, nowMs);
}

export function stateName(store: StoreRecord, nowMs: number, maxStoreDownTimeMs: number): StoreStateName {
  if (store.state !== 'Up') return store.state;
  const down = downTimeMs(store, nowMs);
  if (down > maxStoreDownTimeMs) return 'Down';
  if (down > STORE_DISCONNECT_MS) return 'Disconnected';
  return 'Up';
}

export function nodeState(store: StoreRecord): NodeState {
  // A store registers Preparing and PD promotes it to Serving on its next store check while the cluster has
  // fewer than 100 regions (InitClusterRegionThreshold); the simulator skips that short window.
  switch (store.state) {
    case 'Up':
      return 'Serving';
    case 'Offline':
      return 'Removing';
    case 'Tombstone':
      return 'Removed';
  }
}

/** Its peers can vote and serve: the process runs on its data. */
export function isAlive(store: StoreRecord): boolean {
  return store.running && !store.dataDestroyed && store.state !== 'Tombstone';
}

export function labelValue(store: StoreRecord, key: string): string {
  return store.labels.find((l) => l.key === key)?.value ?? '';
}

/** PD's MergeLabels: new values replace old ones with the same key, other old labels stay. */
export function mergeLabels(old: StoreLabel[], updates: StoreLabel[]): StoreLabel[] {
  const out = old.map((l) => ({ ...l }));
  for (const u of updates) {
    const existing = out.find((l) => l.key === u.key);
    if (existing) existing.value = u.value;
    else out.push({ ...u });
  }
  return out;
}
