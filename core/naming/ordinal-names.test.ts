import { describe, expect, test } from 'bun:test';
import { allocateNames, instanceName, ordinalOf } from './ordinal-names.ts';

describe('ordinalOf', () => {
  test.each([
    ['kv-0', 0],
    ['kv-12', 12],
    ['kv-01', undefined],
    ['kv-', undefined],
    ['kv-x7k2pq', undefined],
    ['kv-east-1', undefined],
    ['pd-1', undefined],
    ['kv1', undefined],
  ])('%s -> %p', (name, expected) => {
    expect(ordinalOf('kv', name)).toBe(expected);
  });

  test('a group whose name extends another group name is not confused with it', () => {
    expect(ordinalOf('kv', instanceName('kv-east', 1))).toBeUndefined();
    expect(ordinalOf('kv-east', instanceName('kv-east', 1))).toBe(1);
  });
});

describe('allocateNames', () => {
  test.each<[string, number, string[], string[]]>([
    ['an empty group starts at 0', 3, [], ['kv-0', 'kv-1', 'kv-2']],
    ['continues after the existing names', 2, ['kv-0', 'kv-1', 'kv-2'], ['kv-3', 'kv-4']],
    ['fills gaps first, lowest ordinal first', 3, ['kv-0', 'kv-2', 'kv-4'], ['kv-1', 'kv-3', 'kv-5']],
    ['skips a name still held only by a PVC or a data-plane member', 1, ['kv-0', 'kv-1'], ['kv-2']],
    ['names of other groups do not take ordinals', 1, ['pd-0', 'kv-east-0'], ['kv-0']],
    ['zero names asked, zero given', 0, ['kv-0'], []],
  ])('%s', (_name, count, taken, expected) => {
    expect(allocateNames('kv', count, new Set(taken))).toEqual(expected);
  });

  test('a stale cache plus the reservations never hands out a name twice', () => {
    // The cache still shows only kv-0 while kv-1 was created a moment ago (reserved).
    const cached = ['kv-0'];
    const reserved = ['kv-1'];
    expect(allocateNames('kv', 1, new Set([...cached, ...reserved]))).toEqual(['kv-2']);
  });
});
