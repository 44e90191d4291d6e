import { describe, expect, test } from 'bun:test';
import {
  type Condition,
  formatConditionTime,
  getCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
} from './conditions.ts';

const t0 = Date.UTC(2026, 10, 20, 23, 12, 33, 456);
const t1 = t0 + 60_000;

describe('conditions', () => {
  test('times are RFC 3339 with whole seconds', () => {
    expect(formatConditionTime(t0)).toBe('2026-11-20T23:12:33Z');
  });

  test('a new condition is appended with the current time', () => {
    const list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'PodPending', message: 'x' }, t0);
    expect(list).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'PodPending',
        message: 'x',
        lastTransitionTime: '2026-11-20T23:12:33Z',
      },
    ]);
  });

  test('an unchanged status keeps its transition time while reason, message and generation update', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'PodPending', message: 'a' }, t0);
    const after = setCondition(
      before,
      { type: 'Ready', status: 'False', reason: 'StoreNotUp', message: 'b', observedGeneration: 3 },
      t1,
    );
    expect(after).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'StoreNotUp',
        message: 'b',
        observedGeneration: 3,
        lastTransitionTime: '2026-11-20T23:12:33Z',
      },
    ]);
  });

  test('a changed status moves the transition time', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'PodPending', message: '' }, t0);
    const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'Ready', message: '' }, t1);
    expect(getCondition(after, 'Ready')?.lastTransitionTime).toBe('2026-11-20T23:13:33Z');
  });

  test('an explicit transition time is used when the status changes', () => {
    const list = setCondition(
      [],
      { type: 'Synced', status: 'True', reason: 'Synced', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' },
      t0,
    );
    expect(list[0]?.lastTransitionTime).toBe('2020-01-01T00:00:00Z');
  });

  test('setting a condition keeps the others in place and does not mutate the input', () => {
    const before: Condition[] = [
      { type: 'Ready', status: 'False', reason: 'r', message: '', lastTransitionTime: 't' },
      { type: 'Synced', status: 'True', reason: 'r', message: '', lastTransitionTime: 't' },
    ];
    const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'r', message: '' }, t0);
    expect(after.map((c) => c.type)).toEqual(['Ready', 'Synced']);
    expect(before[0]?.status).toBe('False');
  });

  test('isConditionTrue is false for a missing, False or Unknown condition', () => {
    const list = [
      { type: 'A', status: 'True' as const, reason: '', message: '', lastTransitionTime: '' },
      { type: 'B', status: 'Unknown' as const, reason: '', message: '', lastTransitionTime: '' },
    ];
    expect(isConditionTrue(list, 'A')).toBe(true);
    expect(isConditionTrue(list, 'B')).toBe(false);
    expect(isConditionTrue(list, 'C')).toBe(false);
    expect(isConditionTrue(undefined, 'A')).toBe(false);
  });

  test('removeCondition drops only the given type', () => {
    const list = setCondition(
      setCondition([], { type: 'A', status: 'True', reason: '', message: '' }, t0),
      { type: 'B', status: 'True', reason: '', message: '' },
      t0,
    );
    expect(removeCondition(list, 'A').map((c) => c.type)).toEqual(['B']);
  });
});
