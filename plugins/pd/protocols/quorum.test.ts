import { expect, test } from 'bun:test';
import { pdInstance } from '../testing.ts';
import { memberHealth, quorumOf } from './quorum.ts';

test('quorumOf: a majority', () => {
  expect([1, 2, 3, 4, 5, 6, 7].map(quorumOf)).toEqual([1, 2, 2, 3, 3, 4, 4]);
});

test('memberHealth: healthy in PD and Ready as an instance; members of other groups by PD alone; the one stopping by PD alone', () => {
  const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
  const unready = { conditions: [{ type: 'Ready', status: 'False' }] };
  const instances = [
    pdInstance('pd-0', { status: ready }),
    pdInstance('pd-1', { status: unready }),
    pdInstance('pd-2', { status: ready }),
    pdInstance('pd-3', { status: unready }),
  ];
  const members = [
    { name: 'pd-0', health: true },
    { name: 'pd-1', health: true },
    { name: 'pd-2', health: false },
    { name: 'pd-3', health: true },
    { name: 'other-0', health: true },
  ];
  expect(memberHealth(members, instances, 'pd-3')).toEqual([
    { name: 'pd-0', healthy: true },
    { name: 'pd-1', healthy: false },
    { name: 'pd-2', healthy: false },
    { name: 'pd-3', healthy: true },
    { name: 'other-0', healthy: true },
  ]);
});
