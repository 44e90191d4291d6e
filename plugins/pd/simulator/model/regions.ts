// Regions: consecutive key ranges, each a Raft group of peers on distinct stores with at most one leader.
// A region can serve while a quorum (majority) of its peers is alive; it keeps its data while at least one
// peer's store still has its data directory.

export interface Peer {
  readonly id: number;
  readonly storeId: number;
}

export interface Region {
  readonly id: number;
  /** Hex-encoded keys as PD's API shows them; "" is the start or end of the key space. */
  readonly startKey: string;
  readonly endKey: string;
  /** Bumped on every membership change (conf_ver) like Raft's region epoch. */
  confVer: number;
  version: number;
  peers: Peer[];
  /** The leader peer as PD last heard from it; undefined while no peer has been elected. */
  leaderPeerId: number | undefined;
}

export function quorum(peerCount: number): number {
  return Math.floor(peerCount / 2) + 1;
}

export function leaderStoreId(region: Region): number | undefined {
  if (region.leaderPeerId === undefined) return undefined;
  return region.peers.find((p) => p.id === region.leaderPeerId)?.storeId;
}

export function peerOnStore(region: Region, storeId: number): Peer | undefined {
  return region.peers.find((p) => p.storeId === storeId);
}

function hex(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/** Split points of `count` regions over the key space: region i covers [key(i), key(i+1)). */
export function regionKeys(count: number): Array<{ startKey: string; endKey: string }> {
  const splitKey = (i: number) => hex(`t${String(i).padStart(8, '0')}`);
  return Array.from({ length: count }, (_, i) => ({
    startKey: i === 0 ? '' : splitKey(i),
    endKey: i === count - 1 ? '' : splitKey(i + 1),
  }));
}

/** Leaders and peers per store, counted once for a scheduling step. */
export interface StoreLoad {
  leaders: Map<number, number>;
  peers: Map<number, number>;
}

export function storeLoad(regions: readonly Region[]): StoreLoad {
  const leaders = new Map<number, number>();
  const peers = new Map<number, number>();
  for (const region of regions) {
    for (const p of region.peers) peers.set(p.storeId, (peers.get(p.storeId) ?? 0) + 1);
    const leader = leaderStoreId(region);
    if (leader !== undefined) leaders.set(leader, (leaders.get(leader) ?? 0) + 1);
  }
  return { leaders, peers };
}

export function bump(counts: Map<number, number>, storeId: number, delta: number): void {
  counts.set(storeId, (counts.get(storeId) ?? 0) + delta);
}
