import { describe, expect, test } from 'bun:test';
import { decidePodOnLostNode, type LostNodeInput } from './lost-node.ts';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const GRACE = 5 * 60_000;
const notReadyFor = (ms: number) => ({ kind: 'notReady' as const, node: 'n1', sinceMs: NOW - ms, message: 'x' });

function decide(overrides: Partial<LostNodeInput>) {
  return decidePodOnLostNode({
    node: { kind: 'ready', node: 'n1' },
    podTerminating: false,
    nowMs: NOW,
    gracePeriodMs: GRACE,
    ...overrides,
  });
}

describe('decidePodOnLostNode', () => {
  test.each<[string, Partial<LostNodeInput>, 'none' | 'forceDelete' | 'recheck']>([
    ['node Ready: nothing', {}, 'none'],
    ['Pod not bound to a node: nothing', { node: { kind: 'unscheduled' } }, 'none'],
    ['node gone: force-delete at once', { node: { kind: 'gone', node: 'n1' } }, 'forceDelete'],
    [
      'node gone, Pod terminating: force-delete',
      { node: { kind: 'gone', node: 'n1' }, podTerminating: true },
      'forceDelete',
    ],
    [
      'node NotReady past the grace period, Pod not terminating: left alone (it may still run)',
      { node: notReadyFor(GRACE * 10) },
      'none',
    ],
    [
      'node NotReady past the grace period, Pod terminating: force-delete',
      { node: notReadyFor(GRACE), podTerminating: true },
      'forceDelete',
    ],
    [
      'node NotReady within the grace period, Pod terminating: look again later',
      { node: notReadyFor(GRACE - 1000), podTerminating: true },
      'recheck',
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(decide(overrides).kind).toBe(expected);
  });

  test('looks again exactly when the grace period ends', () => {
    expect(decide({ node: notReadyFor(60_000), podTerminating: true })).toEqual({
      kind: 'recheck',
      afterMs: GRACE - 60_000,
    });
  });

  test('says why', () => {
    expect(decide({ node: { kind: 'gone', node: 'n1' } })).toEqual({
      kind: 'forceDelete',
      reason: 'node n1 no longer exists',
    });
    expect(decide({ node: notReadyFor(GRACE), podTerminating: true })).toEqual({
      kind: 'forceDelete',
      reason: 'the Pod is terminating on node n1, which has not been Ready for 5m',
    });
  });
});
