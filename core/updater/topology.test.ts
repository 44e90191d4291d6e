import { describe, expect, test } from 'bun:test';
import {
  compareTuples,
  countSpread,
  nextTopologyToAdd,
  removalScore,
  type SpreadTopology,
  sameTopology,
  spreadSequence,
  type Topology,
  topologyIndex,
} from './topology.ts';

const zone = (z: string): Topology => ({ 'topology.kubernetes.io/zone': z });
const zones = (...names: string[]): SpreadTopology[] => names.map((z) => ({ topology: zone(z) }));
const weighted = (...entries: [string, number][]): SpreadTopology[] =>
  entries.map(([z, weight]) => ({ topology: zone(z), weight }));
const letters = (topologies: Topology[]) => topologies.map((t) => t['topology.kubernetes.io/zone']).join('');

// The declared topology a removal takes from next; ties go to the topology declared last, the mirror of
// nextTopologyToAdd's tie-break (the updater leaves such ties to its later criteria instead).
function nextToRemove(spread: SpreadTopology[], placed: Topology[]): number {
  const counts = countSpread(spread, placed);
  let best = -1;
  for (let i = 0; i < spread.length; i++) {
    if ((counts.counts[i] ?? 0) === 0) continue;
    if (
      best < 0 ||
      compareTuples(
        removalScore(spread, counts, spread[i]!.topology),
        removalScore(spread, counts, spread[best]!.topology),
      ) >= 0
    ) {
      best = i;
    }
  }
  return best;
}

describe('sameTopology and topologyIndex', () => {
  test('key order does not matter, values and keys do', () => {
    expect(sameTopology({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameTopology({ a: '1' }, { a: '1', b: '2' })).toBe(false);
    expect(sameTopology({ a: '1' }, { a: '2' })).toBe(false);
    expect(sameTopology(undefined, {})).toBe(true);
  });

  test('an undeclared or missing topology has index -1', () => {
    expect(topologyIndex(zones('a', 'b'), zone('b'))).toBe(1);
    expect(topologyIndex(zones('a', 'b'), zone('c'))).toBe(-1);
    expect(topologyIndex(zones('a', 'b'), undefined)).toBe(-1);
  });
});

describe('spreadSequence (instances added one by one to an empty group)', () => {
  test.each<[string, SpreadTopology[], number, string]>([
    ['1 zone', zones('a'), 3, 'aaa'],
    ['2 zones', zones('a', 'b'), 5, 'ababa'],
    ['3 zones', zones('a', 'b', 'c'), 7, 'abcabca'],
    ['2 zones weighted 2:1', weighted(['a', 2], ['b', 1]), 6, 'abaaba'],
    ['2 zones weighted 1:2 (heavier zone first)', weighted(['a', 1], ['b', 2]), 3, 'bab'],
    ['2 zones weighted 10:1 still put one instance in each zone first', weighted(['a', 10], ['b', 1]), 4, 'abaa'],
    ['3 zones weighted 1:1:2', weighted(['a', 1], ['b', 1], ['c', 2]), 8, 'cabccabc'],
    ['no topologies declared: nothing to place', [], 3, ''],
  ])('%s', (_name, spread, count, expected) => {
    expect(letters(spreadSequence(spread, count))).toBe(expected);
  });

  test.each<[string, SpreadTopology[], number, number[]]>([
    ['3 zones, 9 instances', zones('a', 'b', 'c'), 9, [3, 3, 3]],
    ['2:1, 9 instances', weighted(['a', 2], ['b', 1]), 9, [6, 3]],
    ['1:1:2, 12 instances', weighted(['a', 1], ['b', 1], ['c', 2]), 12, [3, 3, 6]],
  ])('%s reach the exact weighted shares', (_name, spread, count, expected) => {
    expect(countSpread(spread, spreadSequence(spread, count)).counts).toEqual(expected);
  });
});

describe('nextTopologyToAdd', () => {
  test('fills the zone with the largest deficit', () => {
    expect(nextTopologyToAdd(zones('a', 'b', 'c'), [zone('a'), zone('a'), zone('b'), zone('c'), zone('c')])).toEqual(
      zone('b'),
    );
  });

  test('an empty zone comes before any deficit', () => {
    expect(nextTopologyToAdd(weighted(['a', 5], ['b', 1]), [zone('a')])).toEqual(zone('b'));
  });

  test('instances in undeclared zones do not count towards any share', () => {
    expect(nextTopologyToAdd(zones('a', 'b'), [zone('x'), zone('x'), zone('a')])).toEqual(zone('b'));
  });

  test('a tie over all instances is broken by the updated instances', () => {
    // All: a=2, b=2 (tie). Updated: a=1, b=0, so the new instance goes to b.
    const all = [zone('a'), zone('a'), zone('b'), zone('b')];
    expect(nextTopologyToAdd(zones('a', 'b'), all, [zone('a')])).toEqual(zone('b'));
  });

  test('a full tie goes to the topology declared first', () => {
    expect(nextTopologyToAdd(zones('b', 'a'), [])).toEqual(zone('b'));
  });

  test('no declared topology gives no topology', () => {
    expect(nextTopologyToAdd([], [zone('a')])).toBeUndefined();
  });
});

describe('removalScore', () => {
  test('an instance in an undeclared topology is removed first', () => {
    const spread = zones('a', 'b');
    const counts = countSpread(spread, [zone('a'), zone('a'), zone('b'), zone('x')]);
    expect(
      compareTuples(removalScore(spread, counts, zone('x')), removalScore(spread, counts, zone('a'))),
    ).toBeGreaterThan(0);
    expect(
      compareTuples(removalScore(spread, counts, undefined), removalScore(spread, counts, zone('a'))),
    ).toBeGreaterThan(0);
  });

  test('the over-represented zone gives up an instance first', () => {
    const spread = zones('a', 'b', 'c');
    const placed = [zone('a'), zone('a'), zone('b'), zone('b'), zone('b'), zone('c'), zone('c')];
    expect(nextToRemove(spread, placed)).toBe(1);
  });

  test('the last instance of a zone is kept while another zone has two', () => {
    // a has 3 of weight 10, b its single instance: by surplus b would go, but it is the last one in b.
    const spread = weighted(['a', 10], ['b', 1]);
    expect(nextToRemove(spread, [zone('a'), zone('a'), zone('b')])).toBe(0);
  });

  test('when every zone has one instance, the lightest zone gives it up', () => {
    expect(nextToRemove(weighted(['a', 2], ['b', 1], ['c', 3]), [zone('a'), zone('b'), zone('c')])).toBe(1);
  });

  test.each<[string, SpreadTopology[]]>([
    ['1 zone', zones('a')],
    ['2 zones', zones('a', 'b')],
    ['3 zones', zones('a', 'b', 'c')],
    ['2:1', weighted(['a', 2], ['b', 1])],
    ['1:1:2', weighted(['a', 1], ['b', 1], ['c', 2])],
    ['10:1', weighted(['a', 10], ['b', 1])],
  ])('removing is the inverse of adding: %s', (_name, spread) => {
    const sequence = spreadSequence(spread, 12);
    for (let n = 12; n > 1; n--) {
      const placed = sequence.slice(0, n);
      const removed = nextToRemove(spread, placed);
      const expected = countSpread(spread, sequence.slice(0, n - 1)).counts;
      const after = countSpread(spread, placed).counts;
      after[removed] = (after[removed] ?? 0) - 1;
      expect(after).toEqual(expected);
    }
  });
});
