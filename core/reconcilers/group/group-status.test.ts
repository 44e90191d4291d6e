import { describe, expect, test } from 'bun:test';
import type { InstanceObject } from '../../plugin/contract.ts';
import { getCondition } from '../../tasks/conditions.ts';
import { computeGroupStatus, type GroupStatusInput, isRolloutDone } from './group-status.ts';
import { testGroup, testInstance } from './test-objects.ts';

const now = Date.parse('2026-01-02T00:00:00Z');
const revisions = { updateRevision: 'r2', currentRevision: 'r1', collisionCount: 0 };

function input(instances: InstanceObject[], extra: Partial<GroupStatusInput> = {}): GroupStatusInput {
  return {
    group: testGroup({}, { generation: 4 }),
    instances,
    pendingCreations: 0,
    revisions,
    selector: 'sel',
    acted: true,
    suspendCompute: false,
    nowMs: now,
    ...extra,
  };
}

const done = (name: string) => testInstance(name, { revision: 'r2', currentRevision: 'r2', ready: true });

describe('isRolloutDone', () => {
  test('exactly desired instances, all at the update revision and running it', () => {
    expect(isRolloutDone([done('g-0'), done('g-1'), done('g-2')], 'r2', 3, 0)).toBe(true);
  });
  test.each([
    [
      'one still runs the old Pod',
      [done('g-0'), done('g-1'), testInstance('g-2', { revision: 'r2', currentRevision: 'r1' })],
    ],
    ['one still carries the old revision', [done('g-0'), done('g-1'), testInstance('g-2', { revision: 'r1' })]],
    ['one too many', [done('g-0'), done('g-1'), done('g-2'), done('g-3')]],
    [
      'one being removed',
      [done('g-0'), done('g-1'), done('g-2'), testInstance('g-3', { revision: 'r2', offline: true })],
    ],
  ])('not when %s', (_, instances) => {
    expect(isRolloutDone(instances, 'r2', 3, 0)).toBe(false);
  });
  test('a deleting instance does not count (it is being replaced)', () => {
    expect(
      isRolloutDone([done('g-0'), done('g-1'), done('g-2'), testInstance('g-3', { deleting: true })], 'r2', 3, 0),
    ).toBe(true);
  });
  test('not while a creation is pending', () => {
    expect(isRolloutDone([done('g-0'), done('g-1')], 'r2', 3, 1)).toBe(false);
  });
});

describe('computeGroupStatus', () => {
  test('counts: replicas exist (not deleting), ready, current and updated among the active ones', () => {
    const status = computeGroupStatus(
      input([
        testInstance('g-0', { revision: 'r1', ready: true }),
        testInstance('g-1', { revision: 'r2', ready: false }),
        testInstance('g-2', { revision: 'r2', ready: true, currentRevision: 'r2' }),
        testInstance('g-3', { revision: 'r1', offline: true }),
        testInstance('g-4', { deleting: true }),
      ]),
    );
    expect(status).toMatchObject({
      replicas: 4,
      readyReplicas: 2,
      currentReplicas: 1,
      updatedReplicas: 2,
      updateRevision: 'r2',
      currentRevision: 'r1',
      collisionCount: 0,
      selector: 'sel',
      observedGeneration: 4,
    });
    expect(getCondition(status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NotAllInstancesReady',
      message: '2 of 3 instances ready',
      observedGeneration: 4,
    });
    expect(getCondition(status.conditions, 'Synced')).toMatchObject({ status: 'False', reason: 'Updating' });
  });

  test('all updated and ready: Ready and Synced True, and the version is published', () => {
    const status = computeGroupStatus(
      input([done('g-0'), done('g-1'), done('g-2')], { revisions: { ...revisions, currentRevision: 'r2' } }),
    );
    expect(getCondition(status.conditions, 'Ready')?.status).toBe('True');
    expect(getCondition(status.conditions, 'Synced')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(status.version).toBe('1.0.0');
  });

  test('the version stays the old one while the current revision has not moved', () => {
    const group = testGroup({}, { generation: 4 });
    group.status = { version: '0.9.0' };
    const status = computeGroupStatus(input([done('g-0'), testInstance('g-1', { revision: 'r1' })], { group }));
    expect(status.version).toBe('0.9.0');
  });

  test('a blocker makes Synced False with its reason', () => {
    const status = computeGroupStatus(
      input([done('g-0'), done('g-1'), done('g-2')], { blocker: { reason: 'ConfigInvalid', message: 'bad' } }),
    );
    expect(getCondition(status.conditions, 'Synced')).toMatchObject({
      status: 'False',
      reason: 'ConfigInvalid',
      message: 'bad',
    });
  });

  test('without acting (paused) observedGeneration and revisions stay as they were', () => {
    const group = testGroup({}, { generation: 5 });
    group.status = { observedGeneration: 3, updateRevision: 'old-u', currentRevision: 'old-c', keep: 'plugin field' };
    const { revisions: _, ...rest } = input([], { group, acted: false });
    const status = computeGroupStatus(rest);
    expect(status).toMatchObject({
      observedGeneration: 3,
      updateRevision: 'old-u',
      currentRevision: 'old-c',
      keep: 'plugin field',
    });
  });

  test('suspension: Suspending until every instance is suspended, then Suspended; Resuming after', () => {
    const suspendedStatus = (instances: InstanceObject[], suspendCompute: boolean) =>
      getCondition(computeGroupStatus(input(instances, { suspendCompute })).conditions, 'Suspended');
    expect(suspendedStatus([testInstance('g-0', { suspended: true }), testInstance('g-1')], true)).toMatchObject({
      status: 'False',
      reason: 'Suspending',
    });
    expect(
      suspendedStatus([testInstance('g-0', { suspended: true }), testInstance('g-1', { suspended: true })], true),
    ).toMatchObject({ status: 'True', reason: 'Suspended' });
    expect(suspendedStatus([testInstance('g-0', { suspended: true })], false)).toMatchObject({
      status: 'False',
      reason: 'Resuming',
    });
    expect(suspendedStatus([testInstance('g-0')], false)).toMatchObject({ status: 'False', reason: 'NotSuspended' });
  });

  test('recomputing the same state keeps transition times (no write at steady state)', () => {
    const first = computeGroupStatus(input([done('g-0')]));
    const group = testGroup({}, { generation: 4 });
    group.status = first;
    const second = computeGroupStatus(input([done('g-0')], { group, nowMs: now + 60_000 }));
    expect(second).toEqual(first);
  });
});
