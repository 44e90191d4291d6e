import { describe, expect, test } from 'bun:test';
import { type ClusterLike, clusterProgress, type GroupLike, groupKey, groupProgress } from './settled.ts';

const ready = [
  { type: 'Ready', status: 'True', reason: 'AllInstancesReady' },
  { type: 'Synced', status: 'True', reason: 'Synced' },
];

function group(kind: string, name: string, replicas: number, status: Partial<NonNullable<GroupLike['status']>> = {}) {
  return {
    kind,
    metadata: { name, namespace: 'ns', generation: 2 },
    spec: { cluster: { name: 'basic' }, replicas },
    status: {
      observedGeneration: 2,
      replicas,
      readyReplicas: replicas,
      updatedReplicas: replicas,
      currentRevision: 'r2',
      updateRevision: 'r2',
      conditions: ready,
      ...status,
    },
  } satisfies GroupLike;
}

function cluster(pd: number, tikv: number): ClusterLike {
  return {
    metadata: { name: 'basic', namespace: 'ns' },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      components: [
        { name: 'pd', replicas: pd, readyReplicas: pd },
        { name: 'tikv', replicas: tikv, readyReplicas: tikv },
      ],
    },
  };
}

describe('groupProgress', () => {
  test('a group is settled when its current generation is observed, Ready and Synced, every replica ready and updated', () => {
    expect(groupProgress(group('TiKVGroup', 'basic-tikv', 3))).toEqual({ settled: true, reason: 'settled' });
  });

  test.each([
    ['an unobserved generation', { observedGeneration: 1 }, /generation 2 not observed/],
    ['a missing ready replica', { readyReplicas: 2 }, /ready 2\/3/],
    ['an instance on the old revision', { updatedReplicas: 2 }, /updated 2\/3/],
    ['a rollout not finished', { currentRevision: 'r1' }, /current revision/],
    [
      'Synced False',
      { conditions: [ready[0], { type: 'Synced', status: 'False', reason: 'Updating', message: 'creating 1' }] },
      /Synced=False Updating: creating 1/,
    ],
  ])('is not settled with %s', (_, status, reason) => {
    const p = groupProgress(group('TiKVGroup', 'basic-tikv', 3, status as GroupLike['status']));
    expect(p.settled).toBe(false);
    expect(p.reason).toMatch(reason);
  });

  test('a status from before the write of the bench itself does not count, even if it looked settled', () => {
    const p = groupProgress(group('TiKVGroup', 'basic-tikv', 3), 3);
    expect(p).toEqual({
      settled: false,
      reason: 'TiKVGroup basic-tikv: the new spec is not visible yet (generation 2)',
    });
  });
});

describe('clusterProgress', () => {
  const groups = [group('PDGroup', 'basic-pd', 3), group('TiKVGroup', 'basic-tikv', 6)];

  test('a Ready cluster whose overview counts what its groups want is settled', () => {
    expect(clusterProgress(cluster(3, 6), groups).settled).toBe(true);
  });

  test('a Ready condition from before a scale-out is not enough: the overview must count the new replicas', () => {
    const p = clusterProgress(cluster(3, 3), groups);
    expect(p).toEqual({ settled: false, reason: 'Cluster basic: overview shows 6/6 ready, groups want 9' });
  });

  test('names the first group that is not settled', () => {
    const lagging = [groups[0] as GroupLike, group('TiKVGroup', 'basic-tikv', 6, { readyReplicas: 4 })];
    expect(clusterProgress(cluster(3, 6), lagging).reason).toBe('TiKVGroup basic-tikv: ready 4/6');
  });

  test('honours the generation the bench wrote per group', () => {
    const min = new Map([[groupKey(groups[1] as GroupLike), 3]]);
    expect(clusterProgress(cluster(3, 6), groups, min).settled).toBe(false);
  });

  test('a missing cluster, or one without groups, is not settled', () => {
    expect(clusterProgress(undefined, groups).reason).toBe('Cluster not visible yet');
    expect(clusterProgress(cluster(0, 0), []).reason).toBe('Cluster basic: no groups yet');
  });
});
