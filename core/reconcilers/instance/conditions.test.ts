import { describe, expect, test } from 'bun:test';
import { type ConditionInput, instanceConditions, offlinedCondition } from './conditions.ts';
import { podObject } from './test-objects.ts';

const healthy = { healthy: true, reason: 'the member is Up' };
const base: ConditionInput = {
  generation: 2,
  pod: podObject({}),
  suspended: false,
  podUpToDate: true,
  pendingChanges: [],
  problems: [],
  health: healthy,
};

function summary(input: Partial<ConditionInput>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of instanceConditions({ ...base, ...input })) out[c.type] = `${c.status}/${c.reason}`;
  return out;
}

describe('instanceConditions', () => {
  const cases: [string, Partial<ConditionInput>, Record<string, string>][] = [
    [
      'running, ready, healthy, up to date',
      {},
      { Running: 'True/PodRunning', Ready: 'True/Ready', Synced: 'True/Synced', Suspended: 'False/NotSuspended' },
    ],
    [
      'no Pod',
      { pod: undefined },
      { Running: 'False/PodNotCreated', Ready: 'False/PodNotCreated', Synced: 'False/PodNotCreated' },
    ],
    [
      'a pending Pod',
      { pod: podObject({ phase: 'Pending', ready: false }) },
      { Running: 'False/PodNotRunning', Ready: 'False/PodNotReady' },
    ],
    [
      'a terminating Pod',
      { pod: podObject({ deleting: true }) },
      { Running: 'False/PodTerminating', Ready: 'False/PodNotReady' },
    ],
    [
      'unhealthy data plane',
      { health: { healthy: false, reason: 'the member is Removing' } },
      { Ready: 'False/InstanceNotHealthy' },
    ],
    ['health unknown', { health: undefined }, { Ready: 'False/InstanceNotHealthy' }],
    [
      'a recreation pending',
      { podUpToDate: false, pendingChanges: ['spec.version changed'] },
      { Synced: 'False/PodNotUpToDate', Ready: 'True/Ready' },
    ],
    [
      'a problem wins over everything else in Synced',
      { problems: [{ reason: 'ConfigInvalid', message: 'bad' }], podUpToDate: false },
      { Synced: 'False/ConfigInvalid' },
    ],
    ['suspending', { suspended: true }, { Synced: 'False/Suspending', Suspended: 'False/Suspending' }],
    [
      'suspended',
      { suspended: true, pod: undefined },
      { Synced: 'True/Suspended', Suspended: 'True/Suspended', Running: 'False/PodNotCreated' },
    ],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => expect(summary(input)).toMatchObject(expected));
  }

  test('every condition carries the generation it was computed for', () => {
    for (const c of instanceConditions(base)) expect(c.observedGeneration).toBe(2);
  });

  test('Synced explains a pending recreation', () => {
    const synced = instanceConditions({ ...base, podUpToDate: false, pendingChanges: ['a changed', 'b changed'] }).find(
      (c) => c.type === 'Synced',
    );
    expect(synced?.message).toBe('a changed; b changed');
  });
});

describe('offlinedCondition', () => {
  test('maps the offline progress', () => {
    expect(offlinedCondition('processing', 1)).toMatchObject({ status: 'False', reason: 'Processing' });
    expect(offlinedCondition('completed', 1)).toMatchObject({ status: 'True', reason: 'Completed' });
    expect(offlinedCondition('canceling', 1)).toMatchObject({ status: 'False', reason: 'Canceling' });
    expect(offlinedCondition('none', 1)).toBe('remove');
    expect(offlinedCondition('keep', 1)).toBe('keep');
  });
});
