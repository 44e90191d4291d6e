import { describe, expect, test } from 'bun:test';
import {
  type HealthInput,
  healthEvent,
  healthReasons,
  type InstanceHealth,
  instanceHealth,
  nextDownSince,
  type PodFacts,
} from './health.ts';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const readyPod: PodFacts = { running: true, ready: true, terminating: false, phase: 'Running' };
const pendingPod: PodFacts = { running: false, ready: false, terminating: false, phase: 'Pending' };

function input(overrides: Partial<HealthInput> = {}): HealthInput {
  return {
    suspended: false,
    pod: readyPod,
    node: { kind: 'ready', node: 'n1' },
    strandedVolumes: [],
    dataPlane: { state: 'up', message: 'store 1 is Up' },
    serving: { healthy: true, reason: 'store 1 is Up' },
    ...overrides,
  };
}

const of = (overrides: Partial<HealthInput>) => {
  const h = instanceHealth(input(overrides));
  return `${h.status} ${h.reason}${h.down ? ' down' : ''}`;
};

describe('instanceHealth', () => {
  test.each<[string, Partial<HealthInput>, string]>([
    ['Pod ready, data plane up', {}, 'True Healthy'],
    ['suspended: no Pod on purpose, not down', { suspended: true, pod: undefined }, 'False Suspended'],
    ['node gone', { node: { kind: 'gone', node: 'n1' } }, 'False NodeGone down'],
    [
      'node NotReady, even with the Pod still Ready in the cache',
      { node: { kind: 'notReady', node: 'n1', sinceMs: NOW, message: 'node n1 is not ready' } },
      'False NodeNotReady down',
    ],
    [
      'the Pod is Pending and its volume is stranded on a lost node',
      { pod: pendingPod, node: { kind: 'unscheduled' }, strandedVolumes: ['pvc-1'] },
      'False VolumeStranded down',
    ],
    ['a stranded volume does not matter while the Pod runs', { strandedVolumes: ['pvc-1'] }, 'True Healthy'],
    ['data plane Down', { dataPlane: { state: 'down', message: 'store 1 is Down' } }, 'False DataPlaneDown down'],
    [
      'data plane Down without a Pod (it cannot be scheduled)',
      { pod: undefined, node: { kind: 'unscheduled' }, dataPlane: { state: 'down', message: 'store 1 is Down' } },
      'False DataPlaneDown down',
    ],
    [
      'no Pod: being created or recreated, not down',
      { pod: undefined, node: { kind: 'unscheduled' } },
      'False PodNotCreated',
    ],
    ['Pod not ready: restarting, not down', { pod: pendingPod }, 'False PodNotReady'],
    [
      'Pod terminating',
      { pod: { running: false, ready: false, terminating: true, phase: 'Running' } },
      'False PodNotReady',
    ],
    [
      'data plane disconnected: a blip, not down',
      { dataPlane: { state: 'disconnected', message: 'store 1 is Disconnected' } },
      'False DataPlaneDisconnected',
    ],
    [
      'data plane cannot tell (PD without quorum): Unknown',
      { dataPlane: { state: 'unknown', message: 'PD does not answer' } },
      'Unknown DataPlaneUnknown',
    ],
    [
      'no data-plane verdict: the plugin health decides, never down',
      { dataPlane: undefined, serving: { healthy: false, reason: 'the member is Removing' } },
      'False DataPlaneUnhealthy',
    ],
    ['no data-plane verdict, serving', { dataPlane: undefined }, 'True Healthy'],
    [
      'the node is the most telling reason when several apply',
      {
        node: { kind: 'notReady', node: 'n1', sinceMs: NOW, message: 'node n1 is not ready' },
        pod: pendingPod,
        dataPlane: { state: 'down', message: 'store 1 is Down' },
      },
      'False NodeNotReady down',
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(of(overrides)).toBe(expected);
  });

  test('a node NotReady counts from its own transition time; a Down store from the data plane time', () => {
    expect(
      instanceHealth(input({ node: { kind: 'notReady', node: 'n1', sinceMs: NOW - 5000, message: 'x' } })).sinceMs,
    ).toBe(NOW - 5000);
    expect(instanceHealth(input({ dataPlane: { state: 'down', sinceMs: NOW - 7000, message: 'x' } })).sinceMs).toBe(
      NOW - 7000,
    );
  });
});

describe('nextDownSince', () => {
  const h = (overrides: Partial<HealthInput>) => instanceHealth(input(overrides));
  const downNode = h({ node: { kind: 'gone', node: 'n1' } });
  const pending = h({ pod: pendingPod });
  const unknown = h({ dataPlane: { state: 'unknown', message: 'x' } });

  test.each<[string, number | undefined, InstanceHealth, number | undefined]>([
    ['healthy: nothing', undefined, h({}), undefined],
    ['becomes down: now', undefined, downNode, NOW],
    ['stays down: the first time is kept', NOW - 60_000, downNode, NOW - 60_000],
    ['unhealthy, not down, never down before: nothing', undefined, pending, undefined],
    ['down, then the Pod goes Pending elsewhere: still down since the start', NOW - 60_000, pending, NOW - 60_000],
    ['healthy again: cleared', NOW - 60_000, h({}), undefined],
    ['suspended: cleared', NOW - 60_000, h({ suspended: true, pod: undefined }), undefined],
    ['the data plane cannot tell: kept', NOW - 60_000, unknown, NOW - 60_000],
    ['the data plane cannot tell: not started', undefined, unknown, undefined],
    [
      'down with an earlier time known: that time',
      undefined,
      h({ dataPlane: { state: 'down', sinceMs: NOW - 9000, message: 'x' } }),
      NOW - 9000,
    ],
    [
      'a time in the future is never trusted',
      undefined,
      h({ dataPlane: { state: 'down', sinceMs: NOW + 9000, message: 'x' } }),
      NOW,
    ],
  ])('%s', (_name, previous, health, expected) => {
    expect(nextDownSince(previous, health, NOW)).toBe(expected);
  });
});

describe('healthEvent', () => {
  const h = (overrides: Partial<HealthInput>) => instanceHealth(input(overrides));
  const nodeDown = h({ node: { kind: 'notReady', node: 'n1', sinceMs: NOW, message: 'node n1 is not ready' } });

  test('a Warning when the instance becomes down', () => {
    expect(healthEvent({ status: 'True', reason: 'Healthy' }, nodeDown, false)).toEqual({
      type: 'Warning',
      reason: healthReasons.NodeNotReady,
      note: 'node n1 is not ready',
    });
  });

  test('no event while it stays down for the same reason', () => {
    expect(healthEvent({ status: 'False', reason: 'NodeNotReady' }, nodeDown, true)).toBeUndefined();
  });

  test('a Warning when it is down for another reason', () => {
    const gone = h({ node: { kind: 'gone', node: 'n1' } });
    expect(healthEvent({ status: 'False', reason: 'NodeNotReady' }, gone, true)?.reason).toBe('NodeGone');
  });

  test('no event for routine states: created, restarted, briefly disconnected', () => {
    expect(healthEvent(undefined, h({ pod: undefined, node: { kind: 'unscheduled' } }), false)).toBeUndefined();
    expect(healthEvent({ status: 'True', reason: 'Healthy' }, h({ pod: pendingPod }), false)).toBeUndefined();
    expect(healthEvent({ status: 'False', reason: 'PodNotReady' }, h({}), false)).toBeUndefined();
    expect(
      healthEvent(
        { status: 'True', reason: 'Healthy' },
        h({ dataPlane: { state: 'disconnected', message: 'x' } }),
        false,
      ),
    ).toBeUndefined();
  });

  test('a Normal Recovered when a down instance is healthy again, also after a routine state in between', () => {
    expect(healthEvent({ status: 'False', reason: 'NodeNotReady' }, h({}), true)?.reason).toBe('Recovered');
    expect(healthEvent({ status: 'False', reason: 'PodNotReady' }, h({}), true)).toEqual({
      type: 'Normal',
      reason: 'Recovered',
      note: 'healthy again: store 1 is Up',
    });
  });
});
