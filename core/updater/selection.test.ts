import { describe, expect, test } from 'bun:test';
import { type Candidate, disruptionOrder, pickForRevival, type SelectionContext } from './selection.ts';
import type { SpreadTopology, Topology } from './topology.ts';

const zone = (z: string): Topology => ({ zone: z });
const threeZones: SpreadTopology[] = [{ topology: zone('a') }, { topology: zone('b') }, { topology: zone('c') }];

function candidate(name: string, facts: Partial<Candidate> = {}): Candidate {
  return { name, revision: 'r1', running: true, available: true, ...facts };
}

function order(candidates: Candidate[], context: Partial<SelectionContext> = {}): string[] {
  return disruptionOrder(candidates, {
    group: 'kv',
    spread: [],
    population: candidates,
    chosen: new Set(),
    ...context,
  }).map((c) => c.name);
}

describe('disruptionOrder (the policy chain for scale-in and update)', () => {
  test.each<[string, Candidate[], Partial<SelectionContext>, string[]]>([
    [
      'highest ordinal first when nothing else differs',
      [candidate('kv-0'), candidate('kv-10'), candidate('kv-2')],
      {},
      ['kv-10', 'kv-2', 'kv-0'],
    ],
    [
      'names the operator did not allocate come before ordinals',
      [candidate('kv-1'), candidate('kv-legacy')],
      {},
      ['kv-legacy', 'kv-1'],
    ],
    [
      'a lower priority annotation first, annotated before unannotated',
      [candidate('kv-0'), candidate('kv-1', { priority: 5 }), candidate('kv-2', { priority: 0 })],
      {},
      ['kv-2', 'kv-1', 'kv-0'],
    ],
    [
      'the plugin preference beats the priority annotation (the PD leader goes last)',
      [candidate('kv-0', { priority: 0, disruptionCost: 1 }), candidate('kv-1'), candidate('kv-2')],
      {},
      ['kv-2', 'kv-1', 'kv-0'],
    ],
    [
      'not available before available, whatever the plugin says',
      [candidate('kv-0', { disruptionCost: 1, available: false }), candidate('kv-1')],
      {},
      ['kv-0', 'kv-1'],
    ],
    [
      'not running before merely unavailable',
      [
        candidate('kv-0', { available: false }),
        candidate('kv-1', { available: false, running: false }),
        candidate('kv-2'),
      ],
      {},
      ['kv-1', 'kv-0', 'kv-2'],
    ],
    [
      "the user's explicit choice beats everything",
      [candidate('kv-0'), candidate('kv-1', { running: false, available: false }), candidate('kv-2')],
      { chosen: new Set(['kv-0']) },
      ['kv-0', 'kv-1', 'kv-2'],
    ],
    [
      'the over-represented zone first, before priority and ordinal',
      [
        candidate('kv-0', { topology: zone('a') }),
        candidate('kv-1', { topology: zone('a') }),
        candidate('kv-2', { topology: zone('b') }),
        candidate('kv-3', { topology: zone('c') }),
      ],
      { spread: threeZones },
      ['kv-1', 'kv-0', 'kv-3', 'kv-2'],
    ],
    [
      'an instance outside the declared zones first',
      [
        candidate('kv-0', { topology: zone('a') }),
        candidate('kv-1', { topology: zone('x') }),
        candidate('kv-2', { topology: zone('b') }),
      ],
      { spread: threeZones },
      ['kv-1', 'kv-2', 'kv-0'],
    ],
    [
      'not available beats topology',
      [
        candidate('kv-0', { topology: zone('a') }),
        candidate('kv-1', { topology: zone('a') }),
        candidate('kv-2', { topology: zone('b'), available: false }),
      ],
      { spread: threeZones },
      ['kv-2', 'kv-1', 'kv-0'],
    ],
  ])('%s', (_name, candidates, context, expected) => {
    expect(order(candidates, context)).toEqual(expected);
  });

  test('topology counts come from the whole population, not only the candidates', () => {
    // Only kv-0 (zone a) and kv-2 (zone b) are candidates, but zone b holds three instances in all.
    const population = [
      candidate('kv-0', { topology: zone('a') }),
      candidate('kv-1', { topology: zone('a') }),
      candidate('kv-2', { topology: zone('b') }),
      candidate('kv-3', { topology: zone('b') }),
      candidate('kv-4', { topology: zone('b') }),
    ];
    expect(order([population[0]!, population[2]!], { spread: threeZones.slice(0, 2), population })).toEqual([
      'kv-2',
      'kv-0',
    ]);
  });
});

describe('pickForRevival (which removal to cancel on scale-out)', () => {
  const context = (chosen: string[] = [], spread: SpreadTopology[] = [], population: Candidate[] = []) => ({
    group: 'kv',
    spread,
    population,
    chosen: new Set(chosen),
    updateRevision: 'r2',
  });

  test.each<[string, Candidate[], ReturnType<typeof context>, string | undefined]>([
    ['nothing to take back', [], context(), undefined],
    ['the lowest ordinal when nothing else differs', [candidate('kv-4'), candidate('kv-3')], context(), 'kv-3'],
    ['never one the user chose for removal', [candidate('kv-3'), candidate('kv-4')], context(['kv-3']), 'kv-4'],
    ['only chosen ones: none', [candidate('kv-3')], context(['kv-3']), undefined],
    ['one at the update revision first', [candidate('kv-3'), candidate('kv-4', { revision: 'r2' })], context(), 'kv-4'],
    ['an available one first', [candidate('kv-3', { available: false }), candidate('kv-4')], context(), 'kv-4'],
    [
      'the one whose zone needs an instance',
      [candidate('kv-3', { topology: zone('a') }), candidate('kv-4', { topology: zone('b') })],
      context([], threeZones.slice(0, 2), [candidate('kv-0', { topology: zone('a') })]),
      'kv-4',
    ],
  ])('%s', (_name, candidates, ctx, expected) => {
    expect(pickForRevival(candidates, ctx)?.name).toBe(expected);
  });
});
