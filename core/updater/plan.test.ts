import { describe, expect, test } from 'bun:test';
import { planUpdate, type UpdaterAction, type UpdaterInput } from './plan.ts';
import type { UpdaterInstance } from './state.ts';
import type { SpreadTopology, Topology } from './topology.ts';

const zone = (z: string): Topology => ({ zone: z });
const zones = (...names: string[]): SpreadTopology[] => names.map((z) => ({ topology: zone(z) }));

/** `kv-<n>` at revision r1, active, running and available unless told otherwise. */
function kv(n: number, facts: Partial<UpdaterInstance> & { z?: string } = {}): UpdaterInstance {
  const { z, ...rest } = facts;
  return {
    name: `kv-${n}`,
    revision: 'r1',
    lifecycle: 'active',
    running: true,
    available: true,
    ...(z ? { topology: zone(z) } : {}),
    ...rest,
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const r2 = { revision: 'r2' } as const;

function input(overrides: Partial<UpdaterInput>): UpdaterInput {
  return { group: 'kv', instances: [], desired: 3, updateRevision: 'r2', maxSurge: 0, maxUnavailable: 1, ...overrides };
}

/** Actions in a compact form: `scaleOut kv-0 @a`, `update kv-2`, `wait AvailabilityLimit`. */
function brief(actions: UpdaterAction[]): string[] {
  return actions.map((a) => {
    switch (a.kind) {
      case 'wait':
        return `wait ${a.reason}`;
      case 'scaleOut':
        return a.topology ? `scaleOut ${a.name} @${a.topology.zone}` : `scaleOut ${a.name}`;
      default:
        return `${a.kind} ${a.name}`;
    }
  });
}

// The effect of applying the actions, as the reconcilers would (new and updated instances start unavailable).
function apply(instances: UpdaterInstance[], actions: UpdaterAction[], updateRevision: string): UpdaterInstance[] {
  let next = instances.map((i) => ({ ...i }));
  for (const a of actions) {
    const target = next.find((i) => 'name' in a && i.name === a.name);
    switch (a.kind) {
      case 'scaleOut':
        next.push({
          name: a.name,
          revision: updateRevision,
          lifecycle: 'active',
          running: false,
          available: false,
          ...(a.topology ? { topology: a.topology } : {}),
        });
        break;
      case 'update':
        Object.assign(target!, { revision: updateRevision, running: false, available: false });
        break;
      case 'scaleIn':
        target!.lifecycle = 'removing';
        break;
      case 'cancelRemoval':
        target!.lifecycle = 'active';
        break;
      case 'delete':
        next = next.filter((i) => i !== target);
        break;
      case 'wait':
        break;
    }
  }
  return next;
}

// Time passes: every Pod comes up and every removal in progress finishes.
function settle(instances: UpdaterInstance[]): UpdaterInstance[] {
  return instances.map((i) =>
    i.lifecycle === 'active'
      ? { ...i, running: true, available: true }
      : i.lifecycle === 'removing'
        ? { ...i, lifecycle: 'removed' }
        : i,
  );
}

describe('planUpdate: scaling', () => {
  test.each<[string, Partial<UpdaterInput>, string[]]>([
    [
      'scale out 0 -> 3 creates all three at once',
      { instances: [] },
      ['scaleOut kv-0', 'scaleOut kv-1', 'scaleOut kv-2', 'wait UpdatedNotAvailable'],
    ],
    [
      'scale out 0 -> 3 spreads over three zones',
      { instances: [], spread: zones('a', 'b', 'c') },
      ['scaleOut kv-0 @a', 'scaleOut kv-1 @b', 'scaleOut kv-2 @c', 'wait UpdatedNotAvailable'],
    ],
    [
      'scale out 3 -> 5 fills the zone with the fewest instances first',
      {
        instances: [kv(0, { ...r2, z: 'a' }), kv(1, { ...r2, z: 'b' }), kv(2, { ...r2, z: 'a' })],
        desired: 5,
        spread: zones('a', 'b'),
      },
      ['scaleOut kv-3 @b', 'scaleOut kv-4 @a', 'wait UpdatedNotAvailable'],
    ],
    [
      'new names fill gaps, lowest first',
      { instances: [kv(0, r2), kv(2, r2)], desired: 4 },
      ['scaleOut kv-1', 'scaleOut kv-3', 'wait UpdatedNotAvailable'],
    ],
    [
      'a name still held by a PVC or a data-plane member is skipped',
      { instances: range(0, 3).map((n) => kv(n, r2)), desired: 4, takenNames: ['kv-3'] },
      ['scaleOut kv-4', 'wait UpdatedNotAvailable'],
    ],
    [
      'scale in 5 -> 3 removes the highest ordinals',
      { instances: range(0, 5).map((n) => kv(n, r2)) },
      ['scaleIn kv-4', 'scaleIn kv-3'],
    ],
    [
      'scale in 5 -> 3 keeps the spread: over-represented zones first, then ordinal',
      {
        instances: [
          kv(0, { ...r2, z: 'a' }),
          kv(1, { ...r2, z: 'a' }),
          kv(2, { ...r2, z: 'b' }),
          kv(3, { ...r2, z: 'c' }),
          kv(4, { ...r2, z: 'b' }),
        ],
        spread: zones('a', 'b', 'c'),
      },
      ['scaleIn kv-4', 'scaleIn kv-1'],
    ],
    [
      'scale in never empties a zone while another has two',
      {
        instances: [kv(0, { ...r2, z: 'a' }), kv(1, { ...r2, z: 'a' }), kv(2, { ...r2, z: 'b' })],
        desired: 2,
        spread: zones('a', 'b'),
      },
      ['scaleIn kv-1'],
    ],
    [
      'the explicit choice decides which instances go (selective scale-in)',
      { instances: range(0, 5).map((n) => kv(n, r2)), chosenForRemoval: ['kv-0', 'kv-2'] },
      ['scaleIn kv-2', 'scaleIn kv-0'],
    ],
    [
      'the explicit choice removes no more than the replicas allow',
      { instances: range(0, 5).map((n) => kv(n, r2)), desired: 4, chosenForRemoval: ['kv-0', 'kv-2'] },
      ['scaleIn kv-2'],
    ],
    [
      'the explicit choice alone does not remove anything',
      { instances: range(0, 3).map((n) => kv(n, r2)), chosenForRemoval: ['kv-0'] },
      [],
    ],
    [
      'the priority annotation picks the instance to scale in',
      { instances: [kv(0, { ...r2, priority: 0 }), kv(1, r2), kv(2, r2)], desired: 2 },
      ['scaleIn kv-0'],
    ],
    [
      'a not-running instance is scaled in before the highest ordinal',
      { instances: [kv(0, r2), kv(1, { ...r2, running: false, available: false }), kv(2, r2)], desired: 2 },
      ['scaleIn kv-1'],
    ],
    [
      'scale to zero removes everything',
      { instances: range(0, 3).map((n) => kv(n, r2)), desired: 0 },
      ['scaleIn kv-2', 'scaleIn kv-1', 'scaleIn kv-0'],
    ],
    [
      'scale out takes back an instance whose removal is in progress instead of creating one',
      { instances: [kv(0, r2), kv(1, r2), kv(2, r2), kv(3, { ...r2, lifecycle: 'removing' })], desired: 4 },
      ['cancelRemoval kv-3'],
    ],
    [
      'scale out does not take back an instance the user chose to remove',
      {
        instances: [kv(0, r2), kv(1, r2), kv(2, r2), kv(3, { ...r2, lifecycle: 'removing' })],
        desired: 4,
        chosenForRemoval: ['kv-3'],
      },
      ['scaleOut kv-4', 'wait UpdatedNotAvailable'],
    ],
    [
      'instances whose removal finished are deleted',
      {
        instances: [
          kv(0, r2),
          kv(1, r2),
          kv(2, r2),
          kv(4, { ...r2, lifecycle: 'removed' }),
          kv(3, { ...r2, lifecycle: 'removed' }),
        ],
      },
      ['delete kv-3', 'delete kv-4'],
    ],
    [
      'a deleted instance is replaced under a new name while it goes',
      { instances: [kv(0, r2), kv(1, { ...r2, lifecycle: 'deleting' }), kv(2, r2)] },
      ['scaleOut kv-3', 'wait UpdatedNotAvailable'],
    ],
    [
      'a creation the cache does not show yet, passed in as a pending instance, is not planned again',
      { instances: [kv(0, r2), kv(1, r2), kv(2, { ...r2, running: false, available: false })] },
      ['wait UpdatedNotAvailable'],
    ],
    ['nothing to do when all is updated and available', { instances: range(0, 3).map((n) => kv(n, r2)) }, []],
  ])('%s', (_name, overrides, expected) => {
    expect(brief(planUpdate(input(overrides)).actions)).toEqual(expected);
  });
});

describe('planUpdate: rolling update', () => {
  test.each<[string, Partial<UpdaterInput>, string[]]>([
    [
      'maxUnavailable 1 updates one instance, highest ordinal first',
      { instances: range(0, 3).map((n) => kv(n)) },
      ['update kv-2', 'wait AvailabilityLimit'],
    ],
    [
      'maxUnavailable 2 updates two at once',
      { instances: range(0, 5).map((n) => kv(n)), desired: 5, maxUnavailable: 2 },
      ['update kv-4', 'update kv-3', 'wait AvailabilityLimit'],
    ],
    [
      'the next instance is updated once the previous one is available',
      { instances: [kv(0), kv(1), kv(2, r2)] },
      ['update kv-1', 'wait AvailabilityLimit'],
    ],
    [
      'an updated instance that is not available yet blocks further updates',
      { instances: [kv(0), kv(1), kv(2, { ...r2, available: false })] },
      ['wait AvailabilityLimit'],
    ],
    [
      'an outdated instance that is not available blocks the update of available ones, but is updated itself',
      { instances: [kv(0), kv(1, { available: false }), kv(2)] },
      ['update kv-1', 'wait AvailabilityLimit'],
    ],
    [
      'an outdated instance that is not running is updated first',
      { instances: [kv(0, { running: false, available: false }), kv(1), kv(2)] },
      ['update kv-0', 'wait AvailabilityLimit'],
    ],
    [
      'outdated instances already out of service are all updated: that costs no availability',
      { instances: range(0, 5).map((n) => kv(n, n % 2 ? { running: false, available: false } : {})), desired: 5 },
      ['update kv-3', 'update kv-1', 'wait AvailabilityLimit'],
    ],
    [
      'the last update waits for its instance to become available',
      { instances: [kv(0, r2), kv(1, r2), kv(2, { ...r2, available: false })] },
      ['wait UpdatedNotAvailable'],
    ],
    [
      'the plugin preference updates the PD leader last',
      { instances: [kv(0), kv(1), kv(2, { disruptionCost: 1 })] },
      ['update kv-1', 'wait AvailabilityLimit'],
    ],
    [
      'maxSurge 1 with maxUnavailable 0 creates an extra instance first',
      { instances: range(0, 3).map((n) => kv(n)), maxSurge: 1, maxUnavailable: 0 },
      ['scaleOut kv-3', 'wait AvailabilityLimit'],
    ],
    [
      'maxSurge 1: with the extra instance available, one outdated instance is updated in place',
      { instances: [kv(0), kv(1), kv(2), kv(3, r2)], maxSurge: 1, maxUnavailable: 0 },
      ['update kv-2', 'wait AvailabilityLimit'],
    ],
    [
      'maxSurge 1: once enough are updated, the last outdated instance is scaled in',
      { instances: [kv(0), kv(1, r2), kv(2, r2), kv(3, r2)], maxSurge: 1, maxUnavailable: 0 },
      ['scaleIn kv-0'],
    ],
    [
      'maxSurge 1 does not take back an outdated instance being removed: it creates a new one',
      { instances: [kv(0), kv(1, r2), kv(2, { lifecycle: 'removing' }), kv(3, r2)], maxSurge: 1, maxUnavailable: 1 },
      ['scaleOut kv-4', 'scaleIn kv-0', 'wait UpdatedNotAvailable'],
    ],
    [
      'scale in during an update removes outdated instances and keeps the updated one',
      { instances: [kv(0), kv(1), kv(2), kv(3), kv(4, r2)] },
      ['scaleIn kv-3', 'scaleIn kv-2', 'update kv-1', 'wait AvailabilityLimit'],
    ],
    [
      'scale out during an update creates the new instance first and updates once it is available',
      { instances: [kv(0), kv(1), kv(2)], desired: 4 },
      ['scaleOut kv-3', 'wait AvailabilityLimit'],
    ],
    [
      'maxSurge 0 and maxUnavailable 0 can never progress, and say so',
      { instances: range(0, 3).map((n) => kv(n)), maxUnavailable: 0 },
      ['wait AvailabilityLimit'],
    ],
    [
      'an explicitly chosen instance that is not available is updated first',
      { instances: [kv(0), kv(1, { available: false }), kv(2)], chosenForRemoval: ['kv-0'] },
      ['update kv-1', 'wait AvailabilityLimit'],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(brief(planUpdate(input(overrides)).actions)).toEqual(expected);
  });

  test('the wait message names the blocking instance and the limit', () => {
    const plan = planUpdate(input({ instances: [kv(0), kv(1), kv(2, { ...r2, available: false })] }));
    expect(plan.actions).toEqual([
      {
        kind: 'wait',
        reason: 'AvailabilityLimit',
        message:
          'update of kv-1 waits: 2 of 3 desired instances available (not available: kv-2), at least 2 must stay available',
      },
    ]);
  });

  test('with both limits at 0 the message says to raise one', () => {
    const plan = planUpdate(input({ instances: range(0, 3).map((n) => kv(n)), maxUnavailable: 0 }));
    expect(plan.actions[0]).toMatchObject({
      kind: 'wait',
      message: expect.stringContaining('maxSurge and maxUnavailable are both 0'),
    });
  });
});

describe('planUpdate: counts for the group status', () => {
  test('counts the observed state, not the planned one', () => {
    const plan = planUpdate(
      input({
        instances: [
          kv(0),
          kv(1, r2),
          kv(2, { ...r2, available: false }),
          kv(3, { lifecycle: 'removing' }),
          kv(4, { lifecycle: 'removed' }),
        ],
      }),
    );
    expect(plan.counts).toEqual({
      desired: 3,
      active: 3,
      updated: 2,
      outdated: 1,
      available: 2,
      updatedAvailable: 1,
      removing: 1,
      removed: 1,
      allUpdated: false,
    });
  });

  test('allUpdated once exactly the desired instances are at the update revision', () => {
    expect(planUpdate(input({ instances: range(0, 3).map((n) => kv(n, r2)) })).counts.allUpdated).toBe(true);
    expect(planUpdate(input({ instances: range(0, 4).map((n) => kv(n, r2)) })).counts.allUpdated).toBe(false);
  });
});

describe('planUpdate: idempotence and convergence', () => {
  const scenarios: [string, UpdaterInput][] = [
    ['scale out 0 -> 3 over zones', input({ instances: [], spread: zones('a', 'b', 'c') })],
    ['scale in 5 -> 3', input({ instances: range(0, 5).map((n) => kv(n, r2)) })],
    ['rolling update of 3, maxUnavailable 1', input({ instances: range(0, 3).map((n) => kv(n)) })],
    [
      'rolling update of 6, maxUnavailable 2',
      input({ instances: range(0, 6).map((n) => kv(n)), desired: 6, maxUnavailable: 2 }),
    ],
    [
      'rolling update of 3, maxSurge 1, maxUnavailable 0',
      input({ instances: range(0, 3).map((n) => kv(n)), maxSurge: 1, maxUnavailable: 0 }),
    ],
    [
      'rolling update of 4, maxSurge 2, maxUnavailable 1',
      input({ instances: range(0, 4).map((n) => kv(n)), desired: 4, maxSurge: 2 }),
    ],
    ['update while scaling in 5 -> 3', input({ instances: [kv(0), kv(1), kv(2, r2), kv(3), kv(4)] })],
    [
      'update while scaling out 2 -> 4 over zones',
      input({ instances: [kv(0, { z: 'a' }), kv(1, { z: 'b' })], desired: 4, spread: zones('a', 'b') }),
    ],
    [
      'update with one instance down',
      input({ instances: [kv(0), kv(1, { running: false, available: false }), kv(2)] }),
    ],
  ];

  test.each(scenarios)('%s: the same state gives the same plan', (_name, start) => {
    expect(planUpdate(start)).toEqual(planUpdate(start));
  });

  test.each(scenarios)('%s: re-planning right after applying the plan adds no disruption', (_name, start) => {
    const first = planUpdate(start);
    const applied = apply([...start.instances], first.actions, start.updateRevision);
    const again = planUpdate({ ...start, instances: applied });
    expect(again.actions.filter((a) => a.kind === 'update' || a.kind === 'scaleIn' || a.kind === 'scaleOut')).toEqual(
      [],
    );
  });

  test.each(scenarios)('%s: converges to desired updated instances within the limits', (_name, start) => {
    let instances = [...start.instances];
    const minimum = start.desired - start.maxUnavailable;
    for (let step = 0; step < 50; step++) {
      const plan = planUpdate({ ...start, instances });
      if (plan.actions.length === 0) break;
      const availableBefore = instances.filter((i) => i.lifecycle === 'active' && i.available).length;
      const activeBefore = instances.filter((i) => i.lifecycle === 'active').length;
      instances = apply(instances, plan.actions, start.updateRevision);
      const active = instances.filter((i) => i.lifecycle === 'active');
      expect(active.filter((i) => i.available).length).toBeGreaterThanOrEqual(Math.min(availableBefore, minimum));
      expect(active.length).toBeLessThanOrEqual(Math.max(activeBefore, start.desired + start.maxSurge));
      instances = settle(instances);
    }
    expect(planUpdate({ ...start, instances }).actions).toEqual([]);
    expect(instances).toHaveLength(start.desired);
    expect(instances.every((i) => i.revision === start.updateRevision && i.lifecycle === 'active')).toBe(true);
    const names = instances.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test('a rollout over zones ends evenly spread', () => {
    let instances: UpdaterInstance[] = [];
    const start = input({ instances, desired: 6, spread: zones('a', 'b', 'c') });
    for (let step = 0; step < 10; step++) {
      const plan = planUpdate({ ...start, instances });
      instances = settle(apply(instances, plan.actions, start.updateRevision));
    }
    const perZone = ['a', 'b', 'c'].map((z) => instances.filter((i) => i.topology?.zone === z).length);
    expect(perZone).toEqual([2, 2, 2]);
  });
});

describe('planUpdate: failed instances (failover, replace mode)', () => {
  const down = { running: false, available: false } as const;

  test.each<[string, Partial<UpdaterInput>, string[]]>([
    [
      'a failed instance gets a replacement and is kept',
      { instances: [kv(0, r2), kv(1, { ...r2, ...down }), kv(2, r2)], failed: ['kv-1'] },
      ['scaleOut kv-3', 'wait UpdatedNotAvailable'],
    ],
    [
      'with its replacement present nothing more happens',
      { instances: [kv(0, r2), kv(1, { ...r2, ...down }), kv(2, r2), kv(3, r2)], failed: ['kv-1'] },
      [],
    ],
    [
      'two failed instances get two replacements',
      {
        instances: [kv(0, r2), kv(1, { ...r2, ...down }), kv(2, { ...r2, ...down })],
        failed: ['kv-1', 'kv-2'],
      },
      ['scaleOut kv-3', 'scaleOut kv-4', 'wait UpdatedNotAvailable'],
    ],
    [
      'once it recovers (no longer failed) the chosen replacement is scaled in',
      { instances: range(0, 4).map((n) => kv(n, r2)), chosenForRemoval: ['kv-3'] },
      ['scaleIn kv-3'],
    ],
    [
      'the user may keep the replacement and remove the original instead',
      { instances: range(0, 4).map((n) => kv(n, r2)), chosenForRemoval: ['kv-1'] },
      ['scaleIn kv-1'],
    ],
    [
      'a failed name that is not an active instance is ignored',
      { instances: range(0, 3).map((n) => kv(n, r2)), failed: ['kv-7'] },
      [],
    ],
    [
      'lowering replicas removes the failed instance first (it is not available), then what is left too many',
      { instances: [kv(0, r2), kv(1, { ...r2, ...down }), kv(2, r2), kv(3, r2)], desired: 2, failed: ['kv-1'] },
      ['scaleIn kv-1', 'scaleIn kv-3'],
    ],
    [
      'a rolling update goes on: the failed instance does not count against maxUnavailable',
      { instances: [kv(0), kv(1, down), kv(2), kv(3)], failed: ['kv-1'] },
      ['update kv-1', 'update kv-3', 'wait AvailabilityLimit'],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(brief(planUpdate(input(overrides)).actions)).toEqual(expected);
  });

  test('the group counts as all updated with its failed instances besides the desired ones', () => {
    const plan = planUpdate(
      input({ instances: [kv(0, r2), kv(1, { ...r2, ...down }), kv(2, r2), kv(3, r2)], failed: ['kv-1'] }),
    );
    expect(plan.counts.allUpdated).toBe(true);
    expect(plan.counts.active).toBe(4);
  });

  test('a replacement comes and the availability floor holds while the failed instance is down', () => {
    let instances = [kv(0), kv(1, down), kv(2)];
    const start = input({ instances, failed: ['kv-1'] });
    for (let step = 0; step < 30; step++) {
      const plan = planUpdate({ ...start, instances });
      if (plan.actions.length === 0) break;
      instances = apply(instances, plan.actions, start.updateRevision);
      const available = instances.filter((i) => i.lifecycle === 'active' && i.available).length;
      expect(available).toBeGreaterThanOrEqual(start.desired - start.maxUnavailable);
      // Time passes for every instance but the failed one.
      instances = settle(instances).map((i) => (i.name === 'kv-1' ? { ...i, ...down } : i));
    }
    const active = instances.filter((i) => i.lifecycle === 'active');
    expect(active.map((i) => i.name).sort()).toEqual(['kv-0', 'kv-1', 'kv-2', 'kv-3']);
    expect(active.filter((i) => i.available)).toHaveLength(3);
    expect(active.every((i) => i.revision === 'r2')).toBe(true);
  });
});
