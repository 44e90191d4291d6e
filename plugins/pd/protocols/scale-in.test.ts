import { describe, expect, test } from 'bun:test';
import { pdInstance, snapshotWith } from '../testing.ts';
import { decideMemberRemoval, leavingMembers, mayRemoveMembers } from './scale-in.ts';

/** pd-0..n-1; the last `unhealthy` members are unhealthy. */
function members(n: number, unhealthy: number) {
  return Array.from({ length: n }, (_, i) => ({ name: `pd-${i}`, healthy: i < n - unhealthy }));
}

describe('mayRemoveMembers: N members, k unhealthy, remove r (worst case: healthy ones)', () => {
  test.each([
    [3, 0, 1, true],
    [3, 0, 2, true],
    [3, 0, 3, false],
    [3, 1, 1, false],
    [2, 0, 1, true],
    [1, 0, 1, false],
    [5, 0, 2, true],
    [5, 1, 2, true],
    [5, 2, 1, false],
    [5, 0, 4, true],
    [4, 1, 1, true],
    [4, 1, 2, false],
  ])('N=%i k=%i r=%i -> %p', (n, k, r, ok) => {
    expect(mayRemoveMembers({ members: members(n, k), leaving: [], removing: r }).ok).toBe(ok);
  });
});

describe('mayRemoveMembers by name', () => {
  test('removing the unhealthy member keeps the quorum of the rest', () => {
    expect(mayRemoveMembers({ members: members(3, 1), leaving: [], removing: ['pd-2'] })).toEqual({ ok: true });
  });

  test('removing a healthy member next to an unhealthy one is refused with the numbers', () => {
    expect(mayRemoveMembers({ members: members(3, 1), leaving: [], removing: ['pd-0'] })).toEqual({
      ok: false,
      reason: 'removing pd-0 would leave 1 healthy of 2 PD members; a quorum needs 2',
    });
  });

  test('members already leaving count as gone', () => {
    expect(mayRemoveMembers({ members: members(5, 1), leaving: ['pd-0'], removing: ['pd-1'] }).ok).toBe(true);
    expect(mayRemoveMembers({ members: members(5, 1), leaving: ['pd-0', 'pd-1'], removing: ['pd-2'] }).ok).toBe(false);
  });

  test('never the last member', () => {
    expect(mayRemoveMembers({ members: members(1, 0), leaving: [], removing: ['pd-0'] })).toEqual({
      ok: false,
      reason: 'removing pd-0 would leave no PD member: a PD group keeps at least one',
    });
  });

  test('names PD does not list change nothing', () => {
    expect(mayRemoveMembers({ members: members(3, 0), leaving: [], removing: ['pd-7'] })).toEqual({ ok: true });
  });
});

describe('decideMemberRemoval', () => {
  test.each([
    ['not listed: done', 'pd-9', members(3, 0), 'done'],
    ['the last member is left in PD', 'pd-0', members(1, 0), 'done'],
    ['healthy quorum without it: delete', 'pd-0', members(3, 0), 'delete'],
    ['an unhealthy member with a healthy rest: delete', 'pd-2', members(3, 1), 'delete'],
    ['the rest would lack a quorum: wait', 'pd-0', members(3, 1), 'wait'],
  ] as const)('%s', (_name, self, list, kind) => {
    expect(decideMemberRemoval(self, list).kind).toBe(kind);
  });
});

test('leavingMembers: members named like the group without an active instance', () => {
  const snapshot = snapshotWith([
    { name: 'pd-0' },
    { name: 'pd-1' },
    { name: 'pd-2' },
    { name: 'pdx-0' },
    { name: 'pd-a' },
  ]);
  expect(leavingMembers(snapshot, 'pd', [pdInstance('pd-0'), pdInstance('pd-2')])).toEqual(['pd-1']);
});
