import { describe, expect, test } from 'bun:test';
import {
  type ClusterLike,
  type ClusterObservation,
  clusterProgress,
  type GroupLike,
  groupKey,
  groupProgress,
  type MemberLike,
} from './settled.ts';

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

function members(kind: string, count: number, cluster = 'basic'): MemberLike[] {
  return Array.from({ length: count }, (_, i) => ({
    kind,
    metadata: { name: `${cluster}-${i}`, labels: { 'tikv.org/cluster': cluster } },
    spec: { cluster: { name: cluster } },
  }));
}

describe('clusterProgress', () => {
  const groups = [group('PDGroup', 'basic-pd', 3), group('TiKVGroup', 'basic-tikv', 6)];
  const observe = (over: Partial<ClusterObservation> = {}): ClusterObservation => ({
    cluster: cluster(3, 6),
    groups,
    instances: members('TiKV', 9),
    pods: members('Pod', 9),
    ...over,
  });

  test('a Ready cluster whose overview counts what its groups want is settled', () => {
    expect(clusterProgress(observe()).settled).toBe(true);
  });

  test('a Ready condition from before a scale-out is not enough: the overview must count the new replicas', () => {
    const p = clusterProgress(observe({ cluster: cluster(3, 3) }));
    expect(p).toEqual({ settled: false, reason: 'Cluster basic: overview shows 6/6 ready, groups want 9' });
  });

  test('names the first group that is not settled', () => {
    const lagging = [groups[0] as GroupLike, group('TiKVGroup', 'basic-tikv', 6, { readyReplicas: 4 })];
    expect(clusterProgress(observe({ groups: lagging })).reason).toBe('TiKVGroup basic-tikv: ready 4/6');
  });

  test('honours the generation the bench wrote per group', () => {
    const min = new Map([[groupKey(groups[1] as GroupLike), 3]]);
    expect(clusterProgress(observe({ minGenerations: min })).settled).toBe(false);
  });

  test('a missing cluster, or one without groups, is not settled', () => {
    expect(clusterProgress(observe({ cluster: undefined })).reason).toBe('Cluster not visible yet');
    expect(clusterProgress(observe({ cluster: cluster(0, 0), groups: [] })).reason).toBe(
      'Cluster basic: no groups yet',
    );
  });

  test('a scale-in is not done while removed instances or their Pods are still going away', () => {
    const leaving = [
      ...members('TiKV', 9),
      {
        ...members('TiKV', 1)[0],
        metadata: { name: 'basic-tikv-6', deletionTimestamp: 't' },
        spec: { cluster: { name: 'basic' } },
      },
    ];
    expect(clusterProgress(observe({ instances: leaving })).reason).toBe(
      'Cluster basic: 1 instances still being removed (basic-tikv-6)',
    );
    expect(clusterProgress(observe({ pods: members('Pod', 10) })).reason).toBe('Cluster basic: 10 Pods, groups want 9');
  });

  test('instances and Pods of other clusters do not count', () => {
    const p = clusterProgress(
      observe({
        instances: [...members('TiKV', 9), ...members('TiKV', 3, 'other')],
        pods: [...members('Pod', 9), ...members('Pod', 1, 'other')],
      }),
    );
    expect(p.settled).toBe(true);
  });
});
