// What the operator knows about one PD cluster at a moment, built from PD's answers, and the pure decisions
// on it: which members and stores changed between two snapshots (the keys pushed to the controllers), and
// whether something is in progress (which makes the state source poll fast).

import type { Uint64 } from './json.ts';
import {
  compareUint64,
  type DownPeerRegion,
  type MissPeerRegion,
  type NodeState,
  type PdMemberHealth,
  type PdMembers,
  type PdStoreInfo,
  type StoreState,
} from './responses.ts';

export interface MemberView {
  name: string;
  id: Uint64;
  health: boolean;
  leader: boolean;
  clientUrls: readonly string[];
}

export interface StoreView {
  id: Uint64;
  address: string;
  state: StoreState;
  /** `Up`, `Offline`, `Tombstone`, `Disconnected` or `Down`. */
  stateName: string;
  nodeState: NodeState;
  leaderCount: number;
  regionCount: number;
  labels: Readonly<Record<string, string>>;
  physicallyDestroyed: boolean;
  /** The evict-leader scheduler holds this store. */
  evicting: boolean;
  /** Peers on this store that region leaders report as down. */
  downPeers: number;
  /** Regions with a peer on this store that have fewer replicas than PD's replication asks for. */
  missPeers: number;
}

export interface PdSnapshot {
  /** Every part (members, health, stores, schedulers, down peers) has been read at least once. */
  synced: boolean;
  /** The last poll failed in part or whole: what is shown is from earlier polls. */
  stale: boolean;
  /** The last poll's failure. */
  error: string | undefined;
  /** Clock time of the last poll that read every part. */
  fetchedAt: number | undefined;
  clusterId: Uint64 | undefined;
  /** The PD leader's member name. */
  leader: string | undefined;
  /** By member name. */
  members: ReadonlyMap<string, MemberView>;
  /** By advertise address (how TiKV instances are matched to stores). */
  stores: ReadonlyMap<string, StoreView>;
  /** Stores in the evict-leader scheduler, ascending. */
  evictLeaderStoreIds: readonly Uint64[];
  /** Regions PD is still adding replicas to, with the stores of the replicas they have. */
  missPeerRegions: readonly MissPeerRegion[];
}

export const emptySnapshot: PdSnapshot = {
  synced: false,
  stale: false,
  error: undefined,
  fetchedAt: undefined,
  clusterId: undefined,
  leader: undefined,
  members: new Map(),
  stores: new Map(),
  evictLeaderStoreIds: [],
  missPeerRegions: [],
};

/** One poll's answers; a part is undefined when reading it failed. */
export interface PollResult {
  members?: PdMembers | undefined;
  health?: PdMemberHealth[] | undefined;
  stores?: PdStoreInfo[] | undefined;
  evictLeaderStoreIds?: Uint64[] | undefined;
  downPeerRegions?: DownPeerRegion[] | undefined;
  missPeerRegions?: MissPeerRegion[] | undefined;
}

export const POLL_PARTS = [
  'members',
  'health',
  'stores',
  'evictLeaderStoreIds',
  'downPeerRegions',
  'missPeerRegions',
] as const;

export function memberViews(members: PdMembers, health: readonly PdMemberHealth[]): Map<string, MemberView> {
  const healthy = new Map(health.map((h) => [h.name, h.health]));
  const out = new Map<string, MemberView>();
  for (const m of members.members) {
    out.set(m.name, {
      name: m.name,
      id: m.memberId,
      // A member /health does not list is not known to be healthy.
      health: healthy.get(m.name) ?? false,
      leader: members.leader?.name === m.name,
      clientUrls: m.clientUrls,
    });
  }
  return out;
}

/** Down peers per store id, from the down-peer regions. */
export function downPeerCounts(regions: readonly DownPeerRegion[]): Map<Uint64, number> {
  const out = new Map<Uint64, number>();
  for (const r of regions) for (const p of r.downPeers) out.set(p.storeId, (out.get(p.storeId) ?? 0) + 1);
  return out;
}

/** Miss-peer regions per store id, from the stores their replicas are on. */
export function missPeerCounts(regions: readonly MissPeerRegion[]): Map<Uint64, number> {
  const out = new Map<Uint64, number>();
  for (const r of regions) for (const id of new Set(r.storeIds)) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
}

/** Per-store region marks from the region checks of one poll. */
interface RegionMarks {
  evicting: readonly Uint64[];
  downPeers: ReadonlyMap<Uint64, number>;
  missPeers: ReadonlyMap<Uint64, number>;
}

/**
 * Stores by address. New data may take the address of a Tombstone store (or of one deleted with force), so
 * two stores can share it: the live one wins over a Tombstone, then the newer (higher id).
 */
export function storeViews(stores: readonly PdStoreInfo[], marks: RegionMarks): Map<string, StoreView> {
  const evictingSet = new Set(marks.evicting);
  const out = new Map<string, StoreView>();
  for (const s of stores) {
    const view: StoreView = {
      id: s.id,
      address: s.address,
      state: s.state,
      stateName: s.stateName,
      nodeState: s.nodeState,
      leaderCount: s.leaderCount,
      regionCount: s.regionCount,
      labels: s.labels,
      physicallyDestroyed: s.physicallyDestroyed,
      evicting: evictingSet.has(s.id),
      downPeers: marks.downPeers.get(s.id) ?? 0,
      missPeers: marks.missPeers.get(s.id) ?? 0,
    };
    const other = out.get(s.address);
    if (!other || preferStore(view, other)) out.set(s.address, view);
  }
  return out;
}

function preferStore(a: StoreView, b: StoreView): boolean {
  const aLive = a.state !== 'Tombstone';
  const bLive = b.state !== 'Tombstone';
  if (aLive !== bLive) return aLive;
  return compareUint64(a.id, b.id) > 0;
}

/** The previous stores with this poll's evict-leader, down-peer and miss-peer marks (their /stores read failed). */
function remarkStores(stores: ReadonlyMap<string, StoreView>, marks: RegionMarks): Map<string, StoreView> {
  const evictingSet = new Set(marks.evicting);
  const out = new Map<string, StoreView>();
  for (const [address, s] of stores) {
    out.set(address, {
      ...s,
      evicting: evictingSet.has(s.id),
      downPeers: marks.downPeers.get(s.id) ?? 0,
      missPeers: marks.missPeers.get(s.id) ?? 0,
    });
  }
  return out;
}

/**
 * The next snapshot: parts that were read replace the previous ones, parts that failed keep them. Members need
 * both /members and /health; the evict-leader, down-peer and miss-peer marks of stores come from this poll when read.
 */
export function nextSnapshot(
  previous: PdSnapshot,
  poll: PollResult,
  everRead: ReadonlySet<(typeof POLL_PARTS)[number]>,
  now: number,
  error: string | undefined,
): PdSnapshot {
  const complete = POLL_PARTS.every((p) => poll[p] !== undefined);
  let members = previous.members;
  let leader = previous.leader;
  if (poll.members && poll.health) {
    members = memberViews(poll.members, poll.health);
    leader = poll.members.leader?.name;
  }
  const clusterId = poll.members && poll.members.clusterId !== '0' ? poll.members.clusterId : previous.clusterId;
  const evict = poll.evictLeaderStoreIds ?? previous.evictLeaderStoreIds;
  const down = poll.downPeerRegions
    ? downPeerCounts(poll.downPeerRegions)
    : new Map([...previous.stores.values()].map((s) => [s.id, s.downPeers]));
  const missPeerRegions = poll.missPeerRegions ?? previous.missPeerRegions;
  const marks = { evicting: evict, downPeers: down, missPeers: missPeerCounts(missPeerRegions) };
  const stores = poll.stores ? storeViews(poll.stores, marks) : remarkStores(previous.stores, marks);
  return {
    synced: POLL_PARTS.every((p) => everRead.has(p)),
    stale: !complete,
    error: complete ? undefined : (error ?? 'PD poll failed'),
    fetchedAt: complete ? now : previous.fetchedAt,
    clusterId,
    leader,
    members,
    stores,
    evictLeaderStoreIds: evict,
    missPeerRegions,
  };
}

function sameMember(a: MemberView, b: MemberView): boolean {
  return (
    a.id === b.id &&
    a.health === b.health &&
    a.leader === b.leader &&
    a.clientUrls.length === b.clientUrls.length &&
    a.clientUrls.every((u, i) => u === b.clientUrls[i])
  );
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => a[k] === b[k]);
}

/**
 * Whether a store changed in a way a controller acts on. Leader and region counts matter only when they reach
 * or leave zero (leaders evicted, store drained); the counts themselves move all the time and would wake
 * controllers for nothing. The snapshot still carries the exact counts.
 */
function sameStore(a: StoreView, b: StoreView): boolean {
  return (
    a.id === b.id &&
    a.state === b.state &&
    a.stateName === b.stateName &&
    a.nodeState === b.nodeState &&
    a.physicallyDestroyed === b.physicallyDestroyed &&
    a.evicting === b.evicting &&
    (a.leaderCount === 0) === (b.leaderCount === 0) &&
    (a.regionCount === 0) === (b.regionCount === 0) &&
    (a.downPeers === 0) === (b.downPeers === 0) &&
    (a.missPeers === 0) === (b.missPeers === 0) &&
    sameLabels(a.labels, b.labels)
  );
}

export interface SnapshotChanges {
  /** Member names added, removed or changed (id, health, leadership, URLs). */
  members: string[];
  /**
   * Store addresses added, removed or changed. When the set of stores with down peers changes, every store is
   * listed: a TiKV restart waits for no down peers on the other stores, so all of them may proceed or stop.
   */
  stores: string[];
}

export function diffSnapshots(prev: PdSnapshot, next: PdSnapshot): SnapshotChanges {
  const members = changedKeys(prev.members, next.members, sameMember);
  const downBefore = [...prev.stores.values()].filter((s) => s.downPeers > 0).map((s) => s.address);
  const downAfter = [...next.stores.values()].filter((s) => s.downPeers > 0).map((s) => s.address);
  const downChanged = downBefore.length !== downAfter.length || downBefore.some((a) => !downAfter.includes(a));
  const stores = downChanged
    ? [...new Set([...prev.stores.keys(), ...next.stores.keys()])].sort()
    : changedKeys(prev.stores, next.stores, sameStore);
  return { members, stores };
}

function changedKeys<V>(
  prev: ReadonlyMap<string, V>,
  next: ReadonlyMap<string, V>,
  same: (a: V, b: V) => boolean,
): string[] {
  const out: string[] = [];
  for (const [key, value] of next) {
    const before = prev.get(key);
    if (before === undefined || !same(before, value)) out.push(key);
  }
  for (const key of prev.keys()) if (!next.has(key)) out.push(key);
  return out.sort();
}

/**
 * Something is moving that a controller waits for: a store being removed, leaders being evicted, a member
 * unhealthy or no leader, or the view not complete yet. Down stores alone do not count: a dead node can stay
 * Down for hours, and nothing about it changes until someone acts.
 */
export function isInProgress(s: PdSnapshot): string | undefined {
  if (!s.synced) return 'not synced';
  if (s.members.size > 0 && s.leader === undefined) return 'no PD leader';
  for (const m of s.members.values()) if (!m.health) return `member ${m.name} unhealthy`;
  if (s.evictLeaderStoreIds.length > 0) return 'evicting leaders';
  for (const st of s.stores.values()) {
    if (st.state === 'Offline' || st.nodeState === 'Removing') return `store ${st.id} being removed`;
    if (st.nodeState === 'Preparing') return `store ${st.id} preparing`;
  }
  return undefined;
}
