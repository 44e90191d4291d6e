// The simulator's record of what the operator must never cause (design brief section 4): a region without a
// quorum of live peers (unavailable), a region whose every copy is gone (data lost), a store stopped while it
// still led regions (its leaders dropped instead of being evicted first), and the PD leader stopped or removed
// while another member could have taken over (no transfer first). Tests and the bench assert that
// these stay at zero; every violation is also kept in a bounded list with its time and cause.

export type ViolationKind = 'region-unavailable' | 'data-lost' | 'leader-dropped' | 'pd-leader-dropped';

export interface Violation {
  kind: ViolationKind;
  atMs: number;
  regionId?: number;
  storeId?: number;
  /** PD member name, for pd-leader-dropped. */
  member?: string;
  /** What happened, for a test failure message or the bench report. */
  detail: string;
}

export interface SafetyCounters {
  /** Times a region went from a live quorum to less than a quorum of live peers. */
  regionUnavailableEvents: number;
  /** Regions without a live quorum right now. */
  unavailableRegions: number;
  /** Regions whose every peer lost its data. */
  dataLostRegions: number;
  /** Stores stopped while PD still counted leaders on them. */
  leaderDropEvents: number;
  /** Sum of the leaders those stores held when they stopped. */
  droppedLeaders: number;
  /** The PD leader stopped or was deleted while another healthy member could have been made leader first. */
  pdLeaderDropEvents: number;
}

export interface SafetyReport {
  counters: SafetyCounters;
  /** The most recent violations, oldest first. */
  violations: Violation[];
  /** True when no violation was ever recorded. */
  clean: boolean;
}

export interface RegionHealth {
  regionId: number;
  peers: number;
  alivePeers: number;
  /** Peers whose store still has its data (alive or not). */
  peersWithData: number;
}

export class SafetyLedger {
  private readonly unavailable = new Set<number>();
  private readonly lost = new Set<number>();
  private readonly recent: Violation[] = [];
  private counts: SafetyCounters = {
    regionUnavailableEvents: 0,
    unavailableRegions: 0,
    dataLostRegions: 0,
    leaderDropEvents: 0,
    droppedLeaders: 0,
    pdLeaderDropEvents: 0,
  };

  constructor(private readonly keep = 200) {}

  /** Called after every change to stores or regions, so short outages between ticks are seen too. */
  observeRegions(regions: Iterable<RegionHealth>, nowMs: number): void {
    const seen = new Set<number>();
    for (const r of regions) {
      seen.add(r.regionId);
      const hasQuorum = r.alivePeers >= Math.floor(r.peers / 2) + 1;
      if (!hasQuorum && !this.unavailable.has(r.regionId)) {
        this.unavailable.add(r.regionId);
        this.counts.regionUnavailableEvents += 1;
        this.record({
          kind: 'region-unavailable',
          atMs: nowMs,
          regionId: r.regionId,
          detail: `region ${r.regionId} has ${r.alivePeers} live peers of ${r.peers}, quorum is ${Math.floor(r.peers / 2) + 1}`,
        });
      } else if (hasQuorum) {
        this.unavailable.delete(r.regionId);
      }
      if (r.peersWithData === 0 && !this.lost.has(r.regionId)) {
        this.lost.add(r.regionId);
        this.counts.dataLostRegions += 1;
        this.record({
          kind: 'data-lost',
          atMs: nowMs,
          regionId: r.regionId,
          detail: `region ${r.regionId} lost all ${r.peers} copies of its data`,
        });
      }
    }
    for (const id of this.unavailable) if (!seen.has(id)) this.unavailable.delete(id);
    this.counts.unavailableRegions = this.unavailable.size;
  }

  recordLeaderDrop(storeId: number, address: string, leaders: number, nowMs: number): void {
    this.counts.leaderDropEvents += 1;
    this.counts.droppedLeaders += leaders;
    this.record({
      kind: 'leader-dropped',
      atMs: nowMs,
      storeId,
      detail: `store ${storeId} (${address}) stopped while leading ${leaders} regions`,
    });
  }

  recordPdLeaderDrop(member: string, how: 'stopped' | 'deleted', nowMs: number): void {
    this.counts.pdLeaderDropEvents += 1;
    this.record({
      kind: 'pd-leader-dropped',
      atMs: nowMs,
      member,
      detail: `PD leader ${member} was ${how} without a transfer to another healthy member first`,
    });
  }

  isLost(regionId: number): boolean {
    return this.lost.has(regionId);
  }

  report(): SafetyReport {
    const c = this.counts;
    return {
      counters: { ...c },
      violations: this.recent.map((v) => ({ ...v })),
      clean:
        c.regionUnavailableEvents === 0 &&
        c.dataLostRegions === 0 &&
        c.leaderDropEvents === 0 &&
        c.pdLeaderDropEvents === 0,
    };
  }

  private record(v: Violation): void {
    this.recent.push(v);
    if (this.recent.length > this.keep) this.recent.shift();
  }
}
