// Where a new replica goes. Like PD's replica checker without placement rules: among the candidate stores,
// prefer the one that is most isolated from the region's other peers along `location-labels` (differing at
// the first, most significant level counts most, PD's DistinctScore with base 100), then the one with the
// fewest peers, then the lowest id. With `isolation-level` set, a store that shares every label up to that
// level with an existing peer is not a candidate at all.

import { labelValue, type StoreRecord } from './stores.ts';

export interface PlacementRules {
  locationLabels: readonly string[];
  /** A label key from `locationLabels`, or "" for none. */
  isolationLevel: string;
}

/** Index of the first location level where the stores differ, or -1 when they match on every level. */
export function firstDifferingLevel(a: StoreRecord, b: StoreRecord, labels: readonly string[]): number {
  for (let i = 0; i < labels.length; i++) {
    const key = labels[i] as string;
    if (labelValue(a, key) !== labelValue(b, key)) return i;
  }
  return -1;
}

const LEVEL_BASE = 100;

/** Higher is better isolated from `others` (PD's DistinctScore). */
export function distinctScore(
  candidate: StoreRecord,
  others: readonly StoreRecord[],
  labels: readonly string[],
): number {
  let score = 0;
  for (const other of others) {
    if (other.id === candidate.id) continue;
    const level = firstDifferingLevel(candidate, other, labels);
    if (level >= 0) score += LEVEL_BASE ** (labels.length - level - 1);
  }
  return score;
}

function satisfiesIsolation(candidate: StoreRecord, others: readonly StoreRecord[], rules: PlacementRules): boolean {
  if (rules.isolationLevel === '') return true;
  const maxLevel = rules.locationLabels.indexOf(rules.isolationLevel);
  if (maxLevel < 0) return true;
  return others.every((other) => {
    const level = firstDifferingLevel(candidate, other, rules.locationLabels);
    return level >= 0 && level <= maxLevel;
  });
}

/**
 * The best store for one more peer of a region whose current (staying) peers live on `peerStores`, or
 * undefined when no candidate qualifies. `candidates` must already exclude stores that cannot take a peer.
 */
export function pickTargetStore(
  candidates: readonly StoreRecord[],
  peerStores: readonly StoreRecord[],
  rules: PlacementRules,
  peerCountOf: (storeId: number) => number,
): StoreRecord | undefined {
  const taken = new Set(peerStores.map((s) => s.id));
  let best: { store: StoreRecord; score: number; load: number } | undefined;
  for (const store of candidates) {
    if (taken.has(store.id) || !satisfiesIsolation(store, peerStores, rules)) continue;
    const score = distinctScore(store, peerStores, rules.locationLabels);
    const load = peerCountOf(store.id);
    if (
      !best ||
      score > best.score ||
      (score === best.score && load < best.load) ||
      (score === best.score && load === best.load && store.id < best.store.id)
    ) {
      best = { store, score, load };
    }
  }
  return best?.store;
}

/**
 * The peer to drop when a region has more peers than max-replicas: the one on the store that is least isolated
 * from the rest (lowest distinct score), then the most loaded, then the highest id. Never the leader's store.
 */
export function pickExtraPeerStore(
  peerStores: readonly StoreRecord[],
  leaderStoreId: number | undefined,
  rules: PlacementRules,
  peerCountOf: (storeId: number) => number,
): StoreRecord | undefined {
  let worst: { store: StoreRecord; score: number; load: number } | undefined;
  for (const store of peerStores) {
    if (store.id === leaderStoreId) continue;
    const score = distinctScore(store, peerStores, rules.locationLabels);
    const load = peerCountOf(store.id);
    if (
      !worst ||
      score < worst.score ||
      (score === worst.score && load > worst.load) ||
      (score === worst.score && load === worst.load && store.id > worst.store.id)
    ) {
      worst = { store, score, load };
    }
  }
  return worst?.store;
}
