import { describe, expect, test } from 'bun:test';
import type { GroupObject, InstanceObject } from '../../plugin/contract.ts';
import {
  chosenForRemoval,
  isInstanceReady,
  lifecycleOf,
  listedForRemoval,
  priorityOf,
  REMOVE_INSTANCES_ANNOTATION,
  toUpdaterInstance,
} from './instance-facts.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');

function instance(
  name: string,
  opts: {
    generation?: number;
    deleting?: boolean;
    offline?: boolean;
    annotations?: Record<string, string>;
    conditions?: { type: string; status: string; observedGeneration?: number; lastTransitionTime?: string }[];
    revision?: string;
    topology?: Record<string, string>;
  } = {},
): InstanceObject {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Sample',
    metadata: {
      name,
      namespace: 'ns',
      generation: opts.generation ?? 1,
      labels: { 'tikv.org/instance-revision-hash': opts.revision ?? 'r1' },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      cluster: { name: 'c' },
      topology: opts.topology ?? {},
      subdomain: 'g-peer',
      version: '1.0.0',
      volumes: [],
      configUpdateStrategy: 'Restart',
      ...(opts.offline !== undefined ? { offline: opts.offline } : {}),
    },
    status: {
      currentRevision: opts.revision ?? 'r1',
      conditions: (opts.conditions ?? []).map((c) => ({
        reason: 'R',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
        ...c,
      })),
    },
  };
}

function group(annotations?: Record<string, string>): GroupObject {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'SampleGroup',
    metadata: { name: 'g', namespace: 'ns', ...(annotations ? { annotations } : {}) },
    spec: { cluster: { name: 'c' }, replicas: 3, minReadySeconds: 0, template: { spec: {} } },
  };
}

describe('lifecycleOf', () => {
  test.each([
    ['an instance without marks is active', {}, 'active'],
    ['spec.offline marks it as being removed', { offline: true }, 'removing'],
    ['offline false is active', { offline: false }, 'active'],
    [
      'Offlined=True means its removal finished',
      { offline: true, conditions: [{ type: 'Offlined', status: 'True' }] },
      'removed',
    ],
    [
      'Offlined=False is still being removed',
      { offline: true, conditions: [{ type: 'Offlined', status: 'False' }] },
      'removing',
    ],
    [
      'a deletionTimestamp wins over everything',
      { deleting: true, offline: true, conditions: [{ type: 'Offlined', status: 'True' }] },
      'deleting',
    ],
  ] as [string, Parameters<typeof instance>[1], ReturnType<typeof lifecycleOf>][])('%s', (_, opts, expected) => {
    expect(lifecycleOf(instance('g-0', opts))).toBe(expected);
  });
});

describe('isInstanceReady', () => {
  test('Ready=True for the current generation counts', () => {
    expect(
      isInstanceReady(
        instance('g-0', { generation: 2, conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] }),
      ),
    ).toBe(true);
  });
  test('a Ready computed for an older generation does not count', () => {
    expect(
      isInstanceReady(
        instance('g-0', { generation: 3, conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] }),
      ),
    ).toBe(false);
  });
  test('a Ready without observedGeneration does not count', () => {
    expect(isInstanceReady(instance('g-0', { conditions: [{ type: 'Ready', status: 'True' }] }))).toBe(false);
  });
  test('Ready=False is not ready', () => {
    expect(
      isInstanceReady(instance('g-0', { conditions: [{ type: 'Ready', status: 'False', observedGeneration: 1 }] })),
    ).toBe(false);
  });
});

describe('priorityOf', () => {
  test.each([
    ['0', 0],
    ['7', 7],
    [' 3 ', 3],
    ['-1', undefined],
    ['1.5', undefined],
    ['high', undefined],
  ])('"%s" -> %p', (raw, expected) => {
    expect(priorityOf(instance('g-0', { annotations: { 'tikv.org/priority': raw } }))).toBe(expected);
  });
  test('absent -> undefined', () => {
    expect(priorityOf(instance('g-0'))).toBeUndefined();
  });
});

describe('chosen for removal', () => {
  test('the group annotation lists names, trimmed and de-duplicated', () => {
    expect(listedForRemoval(group({ [REMOVE_INSTANCES_ANNOTATION]: ' g-2, g-4,,g-2 ' }))).toEqual(['g-2', 'g-4']);
  });
  test('instances with priority 0 join the listed names; other priorities do not', () => {
    const chosen = chosenForRemoval(group({ [REMOVE_INSTANCES_ANNOTATION]: 'g-4' }), [
      instance('g-1', { annotations: { 'tikv.org/priority': '0' } }),
      instance('g-2', { annotations: { 'tikv.org/priority': '1' } }),
      instance('g-3'),
    ]);
    expect(chosen).toEqual(['g-1', 'g-4']);
  });
  test('nothing chosen without annotations', () => {
    expect(chosenForRemoval(group(), [instance('g-1')])).toEqual([]);
  });
});

describe('toUpdaterInstance', () => {
  const ready = (since: string) => [
    { type: 'Ready', status: 'True', observedGeneration: 1, lastTransitionTime: since },
    { type: 'Running', status: 'True' },
  ];

  test('a ready instance whose Pod runs an older revision than its label is not available', () => {
    const moved = instance('g-0', { conditions: ready('2026-01-01T00:00:00Z'), revision: 'r2' });
    (moved.status as Record<string, unknown>).currentRevision = 'r1';
    expect(toUpdaterInstance(moved, { minReadySeconds: 0, nowMs: t0, updateRevision: 'r1' }).instance.available).toBe(
      false,
    );
  });

  test('ready for minReadySeconds is available', () => {
    const facts = toUpdaterInstance(instance('g-0', { conditions: ready('2026-01-01T00:00:00Z') }), {
      minReadySeconds: 10,
      nowMs: t0 + 10_000,
      updateRevision: 'r1',
    });
    expect(facts.instance).toEqual({
      name: 'g-0',
      revision: 'r1',
      lifecycle: 'active',
      running: true,
      available: true,
    });
    expect(facts.recheckAfterMs).toBeUndefined();
  });

  test('ready for less than minReadySeconds is not available yet and says when it will be', () => {
    const facts = toUpdaterInstance(instance('g-0', { conditions: ready('2026-01-01T00:00:00Z') }), {
      minReadySeconds: 10,
      nowMs: t0 + 4_000,
      updateRevision: 'r1',
    });
    expect(facts.instance.available).toBe(false);
    expect(facts.recheckAfterMs).toBe(6_000);
  });

  test('minReadySeconds does not apply to an instance at an older revision: ready is available', () => {
    const facts = toUpdaterInstance(instance('g-0', { conditions: ready('2026-01-01T00:00:00Z') }), {
      minReadySeconds: 10,
      nowMs: t0 + 4_000,
      updateRevision: 'r2',
    });
    expect(facts.instance.available).toBe(true);
    expect(facts.recheckAfterMs).toBeUndefined();
  });

  test('not ready: not available and nothing to recheck', () => {
    const facts = toUpdaterInstance(instance('g-0'), { minReadySeconds: 0, nowMs: t0, updateRevision: 'r1' });
    expect(facts.instance).toMatchObject({ available: false, running: false });
    expect(facts.recheckAfterMs).toBeUndefined();
  });

  test('topology, priority and disruption cost are carried over', () => {
    const facts = toUpdaterInstance(
      instance('g-0', { topology: { zone: 'a' }, annotations: { 'tikv.org/priority': '2' }, revision: 'r9' }),
      { minReadySeconds: 0, nowMs: t0, updateRevision: 'r9', disruptionCost: 1 },
    );
    expect(facts.instance).toMatchObject({ revision: 'r9', topology: { zone: 'a' }, priority: 2, disruptionCost: 1 });
  });

  test('an empty topology is no topology', () => {
    expect(
      toUpdaterInstance(instance('g-0'), { minReadySeconds: 0, nowMs: t0, updateRevision: 'r1' }).instance.topology,
    ).toBeUndefined();
  });
});
