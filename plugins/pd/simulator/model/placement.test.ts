import { describe, expect, test } from 'bun:test';
import { distinctScore, firstDifferingLevel, pickExtraPeerStore, pickTargetStore } from './placement.ts';
import type { StoreRecord } from './stores.ts';

function store(id: number, zone: string, host: string): StoreRecord {
  return {
    id,
    address: `s${id}:20160`,
    statusAddress: '',
    version: '8.5.2',
    gitHash: '',
    deployPath: '/',
    labels: [
      { key: 'zone', value: zone },
      { key: 'host', value: host },
    ],
    state: 'Up',
    physicallyDestroyed: false,
    dataId: `d${id}`,
    dataDestroyed: false,
    running: true,
    startedAtMs: 0,
    stoppedAtMs: 0,
  };
}

const labels = ['zone', 'host'];
const rules = { locationLabels: labels, isolationLevel: '' };

describe('placement', () => {
  test('the first differing level is the most significant label that differs', () => {
    expect(firstDifferingLevel(store(1, 'a', 'h1'), store(2, 'b', 'h1'), labels)).toBe(0);
    expect(firstDifferingLevel(store(1, 'a', 'h1'), store(2, 'a', 'h2'), labels)).toBe(1);
    expect(firstDifferingLevel(store(1, 'a', 'h1'), store(2, 'a', 'h1'), labels)).toBe(-1);
  });

  test('a store in another zone scores higher than one on another host of the same zone', () => {
    const peers = [store(1, 'a', 'h1')];
    expect(distinctScore(store(2, 'b', 'h2'), peers, labels)).toBeGreaterThan(
      distinctScore(store(3, 'a', 'h3'), peers, labels),
    );
  });

  test('prefers isolation over load, and load over id', () => {
    const peers = [store(1, 'a', 'h1'), store(2, 'b', 'h2')];
    const candidates = [store(3, 'a', 'h3'), store(4, 'c', 'h4'), store(5, 'c', 'h5')];
    const load = new Map([
      [3, 0],
      [4, 9],
      [5, 3],
    ]);
    expect(pickTargetStore(candidates, peers, rules, (id) => load.get(id) ?? 0)?.id).toBe(5);
    expect(pickTargetStore(candidates.slice(0, 2), peers, rules, () => 0)?.id).toBe(4);
    expect(pickTargetStore([store(7, 'c', 'x'), store(6, 'c', 'y')], peers, rules, () => 0)?.id).toBe(6);
  });

  test('never picks a store that already holds a peer, and honours isolation-level', () => {
    const peers = [store(1, 'a', 'h1')];
    expect(pickTargetStore([store(1, 'a', 'h1')], peers, rules, () => 0)).toBeUndefined();
    expect(
      pickTargetStore([store(2, 'a', 'h2')], peers, { locationLabels: labels, isolationLevel: 'zone' }, () => 0),
    ).toBeUndefined();
  });

  test('the extra peer to drop is the least isolated one and never on the leader store', () => {
    const peers = [store(1, 'a', 'h1'), store(2, 'a', 'h2'), store(3, 'b', 'h3'), store(4, 'c', 'h4')];
    expect(pickExtraPeerStore(peers, 3, rules, () => 0)?.id).toBe(2);
    expect(pickExtraPeerStore(peers, 2, rules, () => 0)?.id).toBe(1);
  });
});
