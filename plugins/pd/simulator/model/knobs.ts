// The simulator's tunables: how big the data set is and how fast the simulated cluster moves. Defaults are
// chosen so that a 3-store cluster spreads its replicas and drains a store within about a second of real-time
// ticking, fast for tests and the dev loop, slow enough that each phase is visible to the operator.

export interface SimulationKnobs {
  /** Regions created when the first store bootstraps the cluster. */
  regionCount: number;
  /** Interval of the real-time ticker (the model itself only counts ticks). */
  tickMs: number;
  /** Leaders moved off each evicting store per tick (shown as the evict-leader scheduler's `batch`). */
  evictLeaderBatch: number;
  /** Replica changes (add, replace, drop a peer) per tick, cluster-wide. */
  peerMovesPerTick: number;
  /** Leader transfers of the balance-leader scheduler per tick. */
  leaderBalancePerTick: number;
  /** Approximate size of every region, for store sizes and `region_size`. */
  regionSizeMiB: number;
  /** Capacity each store reports. */
  storeCapacityBytes: number;
  /** What /version, /members and the stores report. */
  pdVersion: string;
  pdGitHash: string;
  tikvVersion: string;
}

export const defaultKnobs: SimulationKnobs = {
  regionCount: 64,
  tickMs: 100,
  evictLeaderBatch: 3,
  peerMovesPerTick: 8,
  leaderBalancePerTick: 4,
  regionSizeMiB: 64,
  storeCapacityBytes: 100 * 1024 ** 3,
  pdVersion: 'v8.5.2',
  pdGitHash: '4cd009c4db3c15215341a96521dd53e53c55e5bd',
  tikvVersion: '8.5.2',
};

export function withDefaults(knobs: Partial<SimulationKnobs> = {}): SimulationKnobs {
  const out = { ...defaultKnobs };
  for (const [key, value] of Object.entries(knobs) as Array<[keyof SimulationKnobs, unknown]>) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
