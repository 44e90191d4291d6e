// Weighted even spreading of a group's instances over declared topologies (zones, racks: label maps that
// become the Pod's nodeSelector). Each topology i has a weight w_i; with n_i instances in it, T instances in
// all declared topologies and W the sum of weights, its share is w_i/W and its target count w_i*T/W.
//
// Adding: every empty topology is filled first (one instance per zone before any zone gets a second: spreading
// is about surviving the loss of a zone), highest weight first; then the topology with the largest deficit
// after the addition, w_i*(T+1) - n_i*W (the deficit multiplied by W, so it stays an integer).
// Removing: instances in no declared topology go first; a topology's last instance is kept while another
// topology still has two or more; then the topology with the largest surplus after the removal,
// n_i*W - w_i*(T-1). The two rules are inverse: removing after adding returns to the same counts (when removal
// ties go to the topology declared last). Addition ties go to the topology declared first; removal ties are
// left to the caller's later criteria (plugin preference, ordinal), which matter more than declaration order.

/** A set of node labels an instance is pinned to, for example `{ 'topology.kubernetes.io/zone': 'a' }`. */
export type Topology = Readonly<Record<string, string>>;

/** One entry of a group's spreading policy. */
export interface SpreadTopology {
  topology: Topology;
  /** Relative share of the instances; at least 1 (default 1). */
  weight?: number;
}

/** How many instances each declared topology holds. */
export interface SpreadCounts {
  /** Per declared topology, in declaration order. */
  counts: number[];
  /** Instances in no declared topology (none set, or one the policy no longer lists). */
  unknown: number;
  /** Instances in declared topologies (T). */
  total: number;
  /** Sum of the weights (W). */
  totalWeight: number;
}

/** Whether two topologies are the same label map (key order does not matter). */
export function sameTopology(a: Topology | undefined, b: Topology | undefined): boolean {
  const aKeys = Object.keys(a ?? {});
  const bKeys = Object.keys(b ?? {});
  return aKeys.length === bKeys.length && aKeys.every((k) => a?.[k] === b?.[k]);
}

/** Index of `topology` in the policy, or -1 when the policy does not declare it. */
export function topologyIndex(spread: readonly SpreadTopology[], topology: Topology | undefined): number {
  if (topology === undefined) return -1;
  return spread.findIndex((s) => sameTopology(s.topology, topology));
}

/** Counts the given instance topologies per declared topology. */
export function countSpread(
  spread: readonly SpreadTopology[],
  topologies: Iterable<Topology | undefined>,
): SpreadCounts {
  const counts = spread.map(() => 0);
  let unknown = 0;
  for (const topology of topologies) {
    const i = topologyIndex(spread, topology);
    if (i < 0) unknown++;
    else counts[i] = (counts[i] ?? 0) + 1;
  }
  return {
    counts,
    unknown,
    total: counts.reduce((sum, n) => sum + n, 0),
    totalWeight: spread.reduce((sum, s) => sum + weightOf(s), 0),
  };
}

/**
 * How much topology `i` wants the next instance, as a tuple compared element by element (larger first):
 * [empty, deficit after the addition].
 */
export function additionScore(spread: readonly SpreadTopology[], counts: SpreadCounts, i: number): [number, number] {
  const n = counts.counts[i] ?? 0;
  const w = weightOf(spread[i]);
  return [n === 0 ? 1 : 0, w * (counts.total + 1) - n * counts.totalWeight];
}

/**
 * Decides the topology of the next new instance: the best addition score over all instances; among equals,
 * the best over `updated` (so the instances of the new revision are spread evenly too while a rollout replaces
 * old ones); then the first declared. Undefined when the policy declares no topology.
 */
export function nextTopologyToAdd(
  spread: readonly SpreadTopology[],
  all: Iterable<Topology | undefined>,
  updated: Iterable<Topology | undefined> = [],
): Topology | undefined {
  if (spread.length === 0) return undefined;
  const allCounts = countSpread(spread, all);
  const updatedCounts = countSpread(spread, updated);
  let best = 0;
  for (let i = 1; i < spread.length; i++) {
    const byAll = compareTuples(additionScore(spread, allCounts, i), additionScore(spread, allCounts, best));
    if (byAll > 0) best = i;
    else if (byAll === 0) {
      if (compareTuples(additionScore(spread, updatedCounts, i), additionScore(spread, updatedCounts, best)) > 0) {
        best = i;
      }
    }
  }
  return spread[best]?.topology;
}

/**
 * How much an instance in `topology` should be removed first, as a tuple compared element by element (larger
 * first): [in no declared topology, not the protected last one of its topology, surplus after the removal].
 * A topology's last instance is protected only while some other topology has two or more (avoidable).
 */
export function removalScore(
  spread: readonly SpreadTopology[],
  counts: SpreadCounts,
  topology: Topology | undefined,
): [number, number, number] {
  const i = topologyIndex(spread, topology);
  if (i < 0) return [1, 1, 0];
  const n = counts.counts[i] ?? 0;
  const avoidable = counts.counts.some((c) => c >= 2);
  const protectedLast = n <= 1 && avoidable;
  return [0, protectedLast ? 0 : 1, n * counts.totalWeight - weightOf(spread[i]) * (counts.total - 1)];
}

/** The topologies `count` instances get when added one by one to an empty group (to explain and test weights). */
export function spreadSequence(spread: readonly SpreadTopology[], count: number): Topology[] {
  const placed: Topology[] = [];
  for (let k = 0; k < count; k++) {
    const next = nextTopologyToAdd(spread, placed);
    if (!next) break;
    placed.push(next);
  }
  return placed;
}

/** Compares equal-length number tuples element by element: positive when `a` is larger. */
export function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let k = 0; k < a.length; k++) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function weightOf(s: SpreadTopology | undefined): number {
  return Math.max(1, Math.floor(s?.weight ?? 1));
}
