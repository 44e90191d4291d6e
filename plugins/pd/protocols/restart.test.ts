import { describe, expect, test } from 'bun:test';
import { restartKeepsQuorum } from './restart.ts';

/** `n` members pd-0..n-1, the first `unhealthy` of the others (pd-1, pd-2, ...) unhealthy. */
function members(n: number, unhealthy: number, selfHealthy = true) {
  return Array.from({ length: n }, (_, i) => ({
    name: `pd-${i}`,
    healthy: i === 0 ? selfHealthy : i > unhealthy,
  }));
}

describe('restartKeepsQuorum (restarting pd-0)', () => {
  test.each([
    // n, unhealthy others, self healthy, PD has a leader, ok
    [1, 0, true, true, false],
    [3, 0, true, true, true],
    [3, 1, true, true, false],
    [3, 1, false, true, true],
    [5, 1, true, true, true],
    [5, 2, true, true, false],
    [5, 2, false, true, true],
    [3, 2, true, false, true],
  ])('%i members, %i others unhealthy, self healthy %p, leader %p -> %p', (n, k, self, leader, ok) => {
    expect(restartKeepsQuorum('pd-0', members(n, k, self), leader).ok).toBe(ok);
  });

  test('a member PD does not list may restart', () => {
    expect(restartKeepsQuorum('pd-9', members(3, 1), true)).toEqual({
      ok: true,
      reason: 'PD does not list the member',
    });
  });

  test('the refusal says how many stay healthy and how many PD needs', () => {
    expect(restartKeepsQuorum('pd-0', members(3, 1), true)).toEqual({
      ok: false,
      reason: 'restarting pd-0 would leave 1 of 3 PD members healthy; PD needs 2',
    });
  });
});
