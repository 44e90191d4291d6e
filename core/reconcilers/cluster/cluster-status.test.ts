import { describe, expect, test } from 'bun:test';
import type { Cluster } from '../../api/cluster.ts';
import type { GroupObject } from '../../plugin/contract.ts';
import { getCondition } from '../../tasks/conditions.ts';
import { testGroup } from '../group/test-objects.ts';
import { computeClusterStatus } from './cluster-status.ts';

const now = Date.parse('2026-01-02T00:00:00Z');
const time = '2026-01-01T00:00:00Z';

function cluster(spec: Partial<Cluster['spec']> = {}, status?: Cluster['status']): Cluster {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'c', namespace: 'ns', generation: 2 },
    spec: { paused: false, upgradePolicy: 'Ordered', revisionHistoryLimit: 10, ...spec },
    ...(status ? { status } : {}),
  };
}

type GroupState = { ready?: boolean; synced?: boolean | string; readyReplicas?: number; suspended?: string };

function group(name: string, replicas: number, state: GroupState = {}): GroupObject {
  const g = testGroup({ replicas }, { name, generation: 3 });
  const cond = (type: string, status: boolean, reason: string) => ({
    type,
    status: status ? 'True' : 'False',
    reason,
    message: '',
    observedGeneration: 3,
    lastTransitionTime: time,
  });
  const synced = state.synced ?? true;
  g.status = {
    observedGeneration: 3,
    readyReplicas: state.readyReplicas ?? replicas,
    conditions: [
      cond('Ready', state.ready ?? true, 'R'),
      cond('Synced', synced === true, typeof synced === 'string' ? synced : 'Synced'),
      ...(state.suspended
        ? [cond('Suspended', state.suspended === 'Suspended', state.suspended)]
        : [cond('Suspended', false, 'NotSuspended')]),
    ],
  };
  return g;
}

function status(groups: Record<string, GroupObject[]>, c: Cluster = cluster(), facts = {}) {
  return computeClusterStatus({
    cluster: c,
    components: ['pd', 'kv'],
    groups: new Map(Object.entries(groups)),
    facts,
    nowMs: now,
  });
}

const conditionOf = (s: ReturnType<typeof status>, type: string) =>
  getCondition(s.conditions as Parameters<typeof getCondition>[0], type);

describe('computeClusterStatus', () => {
  test('components sum desired and ready replicas per component, in registry order', () => {
    const s = status({ pd: [group('pd', 3, { readyReplicas: 2 })], kv: [group('a', 3), group('b', 2)] });
    expect(s.components).toEqual([
      { name: 'pd', replicas: 3, readyReplicas: 2 },
      { name: 'kv', replicas: 5, readyReplicas: 5 },
    ]);
    expect(s.observedGeneration).toBe(2);
  });

  test('every group ready and synced: Ready, Synced and Available True, Progressing False', () => {
    const s = status({ pd: [group('pd', 3)], kv: [group('a', 3)] });
    expect(conditionOf(s, 'Ready')?.status).toBe('True');
    expect(conditionOf(s, 'Synced')?.status).toBe('True');
    expect(conditionOf(s, 'Available')?.status).toBe('True');
    expect(conditionOf(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'Stable' });
    expect(conditionOf(s, 'Suspended')).toMatchObject({ status: 'False', reason: 'NotSuspended' });
  });

  test("a group rolling out: Progressing True with the group's reason; still Available within maxUnavailable", () => {
    const s = status({
      pd: [group('pd', 3)],
      kv: [group('a', 3, { ready: false, synced: 'Updating', readyReplicas: 2 })],
    });
    expect(conditionOf(s, 'Ready')).toMatchObject({ status: 'False', message: 'not ready: kv/a' });
    expect(conditionOf(s, 'Progressing')).toMatchObject({ status: 'True', message: 'kv/a (Updating)' });
    expect(conditionOf(s, 'Available')?.status).toBe('True');
  });

  test('a group below replicas - maxUnavailable ready instances makes the cluster unavailable', () => {
    const s = status({ kv: [group('a', 3, { ready: false, readyReplicas: 1 })] });
    expect(conditionOf(s, 'Available')).toMatchObject({
      status: 'False',
      message: 'too few ready instances: kv/a 1/3',
    });
  });

  test('a group status for an older generation does not count as ready or synced', () => {
    const stale = group('a', 3);
    stale.metadata.generation = 4;
    const s = status({ kv: [stale] });
    expect(conditionOf(s, 'Ready')?.status).toBe('False');
    expect(conditionOf(s, 'Synced')?.status).toBe('False');
  });

  test('no groups: nothing is ready or available', () => {
    const s = status({});
    expect(conditionOf(s, 'Ready')).toMatchObject({ status: 'False', reason: 'NoGroups' });
    expect(conditionOf(s, 'Available')).toMatchObject({ status: 'False', reason: 'NoGroups' });
  });

  test('suspension: Suspending until every group is Suspended; Resuming until none is', () => {
    const suspending = cluster({ suspendAction: { suspendCompute: true } });
    expect(
      conditionOf(
        status(
          { kv: [group('a', 3, { suspended: 'Suspended' }), group('b', 3, { suspended: 'Suspending' })] },
          suspending,
        ),
        'Suspended',
      ),
    ).toMatchObject({ status: 'False', reason: 'Suspending', message: 'suspending: kv/b' });
    expect(
      conditionOf(status({ kv: [group('a', 3, { suspended: 'Suspended' })] }, suspending), 'Suspended'),
    ).toMatchObject({ status: 'True', reason: 'Suspended' });
    expect(conditionOf(status({ kv: [group('a', 3, { suspended: 'Resuming' })] }), 'Suspended')).toMatchObject({
      status: 'False',
      reason: 'Resuming',
    });
  });

  test('published facts are set; a fact nobody publishes any more is kept', () => {
    const s = status({}, cluster({}, { id: '42', pd: 'http://old:2379' }), { pd: 'http://pd.ns:2379' });
    expect(s).toMatchObject({ pd: 'http://pd.ns:2379', id: '42' });
  });
});
