import { describe, expect, test } from 'bun:test';
import { splitTime } from './time-split.ts';

describe('splitTime', () => {
  test('each sample holds until the next; idle time belongs to the operator', () => {
    const split = splitTime(
      [
        { atMs: 0, waits: [] },
        { atMs: 100, waits: ['leader-eviction'] },
        { atMs: 400, waits: [] },
        { atMs: 450, waits: ['pod-termination'] },
        { atMs: 950, waits: ['pod-start'] },
        { atMs: 1000, waits: [] },
      ],
      0,
      1200,
      true,
    );
    expect(split).toEqual({
      dataPlaneWaitMs: 300,
      podLifecycleMs: 550,
      operatorMs: 350,
      byWait: { 'leader-eviction': 300, 'store-drain': 0, 'pod-termination': 500, 'pod-start': 50 },
      samples: 6,
      resolutionMs: 100,
    });
  });

  test('overlapping waits count once, for the data plane first', () => {
    const split = splitTime([{ atMs: 0, waits: ['pod-start', 'store-drain'] }], 0, 100, true);
    expect(split.byWait['store-drain']).toBe(100);
    expect(split.podLifecycleMs).toBe(0);
  });

  test('without a simulator the data-plane share is unknown and stays with the operator', () => {
    const split = splitTime(
      [
        { atMs: 0, waits: ['leader-eviction'] },
        { atMs: 50, waits: ['pod-start'] },
      ],
      0,
      100,
      false,
    );
    expect(split.dataPlaneWaitMs).toBeNull();
    expect(split.operatorMs).toBe(50);
    expect(split.podLifecycleMs).toBe(50);
  });

  test('the parts always add up to the step, also with samples outside it or none at all', () => {
    const split = splitTime(
      [
        { atMs: 150, waits: ['pod-start'] },
        { atMs: 20, waits: [] },
        { atMs: 900, waits: ['pod-start'] },
      ],
      100,
      500,
      true,
    );
    expect((split.dataPlaneWaitMs ?? 0) + split.podLifecycleMs + split.operatorMs).toBe(400);
    expect(splitTime([], 100, 500, true).operatorMs).toBe(400);
  });
});
