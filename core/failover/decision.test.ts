import { describe, expect, test } from 'bun:test';
import { decideFailover, type FailoverInput, type FailoverInstance, type Verdict } from './decision.ts';

const MIN = 60_000;
const NOW = Date.parse('2030-01-01T12:00:00Z');
const PERIOD = 30 * MIN;

/** `kv-<n>`, active, healthy, created in ordinal order, unless told otherwise. */
function kv(n: number, facts: Partial<FailoverInstance> = {}): FailoverInstance {
  return {
    name: `kv-${n}`,
    lifecycle: 'active',
    createdMs: NOW - 1000 * MIN + n * MIN,
    healthy: true,
    restarting: false,
    recreating: false,
    ...facts,
  };
}
/** Down since `minutesAgo`. */
const down = (minutesAgo: number): Partial<FailoverInstance> => ({
  healthy: false,
  downSinceMs: NOW - minutesAgo * MIN,
});
const failedSince = (minutesAgo: number): Partial<FailoverInstance> => ({ failedSinceMs: NOW - minutesAgo * MIN });

function input(overrides: Partial<FailoverInput> = {}): FailoverInput {
  return {
    mode: 'replace',
    settings: { enabled: true, periodMs: PERIOD, maxFailovers: 3 },
    nowMs: NOW,
    instances: [kv(0), kv(1), kv(2)],
    chosenForRemoval: [],
    mayFailover: () => ({ ok: true }),
    ...overrides,
  };
}

/** The decision in a compact form for the tables. */
function brief(overrides: Partial<FailoverInput>) {
  const d = decideFailover(input(overrides));
  return {
    fail: d.fail?.name,
    recovered: d.recovered,
    failed: d.failed,
    unreplaced: d.unreplaced,
    prefer: d.preferForRemoval,
    condition: `${d.condition.status} ${d.condition.reason}`,
  };
}

const none = { recovered: [], failed: [], unreplaced: [], prefer: [] };

describe('decideFailover (replace)', () => {
  test.each<[string, Partial<FailoverInput>, ReturnType<typeof brief>]>([
    ['all healthy: nothing', {}, { ...none, fail: undefined, condition: 'False NoFailure' }],
    [
      'down, but the period has not passed: nothing yet',
      { instances: [kv(0), kv(1, down(29)), kv(2)] },
      { ...none, fail: undefined, condition: 'False Waiting' },
    ],
    [
      'down for exactly the period: fails over',
      { instances: [kv(0), kv(1, down(30)), kv(2)] },
      { ...none, fail: 'kv-1', failed: ['kv-1'], unreplaced: ['kv-1'], condition: 'True FailedOver' },
    ],
    [
      'down, but its Pod is being recreated by the operator (a restart): never',
      { instances: [kv(0), kv(1, { ...down(90), restarting: true }), kv(2)] },
      { ...none, fail: undefined, condition: 'False Waiting' },
    ],
    [
      'down past the period, PD unhealthy (the plugin refuses): nothing, and the refusal shows',
      {
        instances: [kv(0), kv(1, down(60)), kv(2)],
        mayFailover: (): Verdict => ({ ok: false, reason: 'PD has no quorum' }),
      },
      { ...none, fail: undefined, condition: 'False Refused' },
    ],
    [
      'max failovers reached: nothing more',
      {
        settings: { enabled: true, periodMs: PERIOD, maxFailovers: 1 },
        instances: [
          kv(0),
          kv(1, { ...down(90), ...failedSince(60) }),
          kv(2, down(60)),
          kv(3, { replacementFor: 'kv-1' }),
        ],
      },
      {
        ...none,
        fail: undefined,
        failed: ['kv-1'],
        condition: 'True MaxFailoversReached',
      },
    ],
    [
      'maxFailovers 0: never',
      { settings: { enabled: true, periodMs: PERIOD, maxFailovers: 0 }, instances: [kv(0), kv(1, down(60)), kv(2)] },
      { ...none, fail: undefined, condition: 'False MaxFailoversReached' },
    ],
    [
      'failover disabled: nothing, the condition says so',
      { settings: { enabled: false, periodMs: PERIOD, maxFailovers: 3 }, instances: [kv(0), kv(1, down(60)), kv(2)] },
      { ...none, fail: undefined, condition: 'False Disabled' },
    ],
    [
      'a plugin without failover: nothing',
      { mode: undefined, instances: [kv(0), kv(1, down(60)), kv(2)] },
      { ...none, fail: undefined, condition: 'False NotSupported' },
    ],
    [
      'two down past the period: the longest down first, one per decision',
      { instances: [kv(0), kv(1, down(40)), kv(2, down(50))] },
      { ...none, fail: 'kv-2', failed: ['kv-2'], unreplaced: ['kv-2'], condition: 'True FailedOver' },
    ],
    [
      'a failed instance with its replacement: stays failed, nothing new',
      {
        instances: [kv(0), kv(1, { ...down(90), ...failedSince(60) }), kv(2), kv(3, { replacementFor: 'kv-1' })],
      },
      { ...none, fail: undefined, failed: ['kv-1'], condition: 'True FailedOver' },
    ],
    [
      'a failed instance whose replacement is not created yet is unreplaced',
      { instances: [kv(0), kv(1, { ...down(90), ...failedSince(60) }), kv(2)] },
      { ...none, fail: undefined, failed: ['kv-1'], unreplaced: ['kv-1'], condition: 'True FailedOver' },
    ],
    [
      'recovered: the mark goes and the replacement is preferred for removal',
      {
        instances: [kv(0), kv(1, failedSince(60)), kv(2), kv(3, { replacementFor: 'kv-1' })],
      },
      { ...none, fail: undefined, recovered: ['kv-1'], prefer: ['kv-3'], condition: 'False NoFailure' },
    ],
    [
      'recovered, the user chose the original for removal: their choice stands',
      {
        instances: [kv(0), kv(1, failedSince(60)), kv(2), kv(3, { replacementFor: 'kv-1' })],
        chosenForRemoval: ['kv-1'],
      },
      { ...none, fail: undefined, recovered: ['kv-1'], condition: 'False NoFailure' },
    ],
    [
      'recovered while failover is disabled: the mark still goes',
      {
        settings: { enabled: false, periodMs: PERIOD, maxFailovers: 3 },
        instances: [kv(0), kv(1, failedSince(60)), kv(2), kv(3, { replacementFor: 'kv-1' })],
      },
      { ...none, fail: undefined, recovered: ['kv-1'], prefer: ['kv-3'], condition: 'False Disabled' },
    ],
    [
      'disabled with a failed instance still down: its replacement stays',
      {
        settings: { enabled: false, periodMs: PERIOD, maxFailovers: 3 },
        instances: [kv(0), kv(1, { ...down(90), ...failedSince(60) }), kv(2), kv(3, { replacementFor: 'kv-1' })],
      },
      { ...none, fail: undefined, failed: ['kv-1'], condition: 'False Disabled' },
    ],
    [
      'a failed instance being removed or deleted no longer counts',
      {
        instances: [
          kv(0),
          kv(1, { ...down(90), ...failedSince(60), lifecycle: 'deleting' }),
          kv(2),
          kv(3, { replacementFor: 'kv-1' }),
        ],
      },
      { ...none, fail: undefined, condition: 'False NoFailure' },
    ],
    [
      'a replacement of an instance that was forgotten (deleted) is an ordinary instance',
      { instances: [kv(0), kv(2), kv(3, { replacementFor: 'kv-1' })] },
      { ...none, fail: undefined, condition: 'False NoFailure' },
    ],
    [
      'a later instance under the failed name is not the failed one: its "replacement" is not preferred',
      {
        instances: [kv(0), kv(1, { createdMs: NOW - MIN }), kv(2), kv(3, { replacementFor: 'kv-1' })],
      },
      { ...none, fail: undefined, condition: 'False NoFailure' },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(brief(overrides)).toEqual(expected);
  });

  test('the plugin is asked only about the instance that is due', () => {
    const asked: string[] = [];
    decideFailover(
      input({
        instances: [kv(0, down(10)), kv(1, down(60)), kv(2)],
        mayFailover: (name) => {
          asked.push(name);
          return { ok: true };
        },
      }),
    );
    expect(asked).toEqual(['kv-1']);
  });

  test('the plugin is not asked when nothing is due or the maximum is reached', () => {
    let asked = 0;
    const mayFailover = (): Verdict => {
      asked++;
      return { ok: true };
    };
    decideFailover(input({ instances: [kv(0, down(10)), kv(1), kv(2)], mayFailover }));
    decideFailover(
      input({
        settings: { enabled: true, periodMs: PERIOD, maxFailovers: 0 },
        instances: [kv(0, down(60)), kv(1), kv(2)],
        mayFailover,
      }),
    );
    expect(asked).toBe(0);
  });

  test('looks again exactly when the next down instance becomes due', () => {
    const d = decideFailover(input({ instances: [kv(0, down(10)), kv(1, down(25)), kv(2)] }));
    expect(d.recheckAfterMs).toBe(5 * MIN);
    expect(d.condition.message).toContain(
      'kv-1 is down since 2030-01-01T11:35:00Z, fails over at 2030-01-01T12:05:00Z',
    );
  });

  test('no recheck when nothing waits for its period', () => {
    expect(decideFailover(input()).recheckAfterMs).toBeUndefined();
    expect(
      decideFailover(input({ instances: [kv(0, { ...down(10), restarting: true }), kv(1), kv(2)] })).recheckAfterMs,
    ).toBeUndefined();
  });

  test('a refusal is asked again after the period, at most 30 s later', () => {
    const refuse = () => ({ ok: false as const, reason: 'PD has no quorum' });
    const instances = [kv(0), kv(1, down(60)), kv(2)];
    expect(decideFailover(input({ instances, mayFailover: refuse })).recheckAfterMs).toBe(30_000);
    const short = { enabled: true, periodMs: 3000, maxFailovers: 3 };
    expect(decideFailover(input({ settings: short, instances, mayFailover: refuse })).recheckAfterMs).toBe(3000);
  });

  test('the condition names each failed instance and its replacement', () => {
    const d = decideFailover(
      input({
        instances: [
          kv(0),
          kv(1, { ...down(90), ...failedSince(60) }),
          kv(2, down(45)),
          kv(3, { replacementFor: 'kv-1' }),
        ],
      }),
    );
    expect(d.fail?.name).toBe('kv-2');
    expect(d.condition.message).toBe(
      'failed over: kv-1 (replaced by kv-3), kv-2 (replaced by a new instance); 2 of at most 3',
    );
  });

  test('the refusal names the instance and the reason', () => {
    const d = decideFailover(
      input({
        instances: [kv(0), kv(1, down(60)), kv(2)],
        mayFailover: () => ({ ok: false, reason: 'PD has no quorum' }),
      }),
    );
    expect(d.condition.message).toBe(
      'kv-1 should fail over (down since 2030-01-01T11:00:00Z), refused: PD has no quorum',
    );
  });

  test('the failed instance is marked with the time it went down', () => {
    expect(decideFailover(input({ instances: [kv(0), kv(1, down(45)), kv(2)] })).fail).toEqual({
      name: 'kv-1',
      downSinceMs: NOW - 45 * MIN,
    });
  });

  test('deciding again after applying a decision marks the next one, never more than the maximum', () => {
    let instances = [kv(0, down(60)), kv(1, down(61)), kv(2, down(62)), kv(3)];
    const settings = { enabled: true, periodMs: PERIOD, maxFailovers: 2 };
    const marked: string[] = [];
    for (let step = 0; step < 5; step++) {
      const d = decideFailover(input({ settings, instances }));
      expect(d.failed.length).toBeLessThanOrEqual(2);
      if (!d.fail) break;
      marked.push(d.fail.name);
      const name = d.fail.name;
      instances = instances.map((i) => (i.name === name ? { ...i, failedSinceMs: NOW } : i));
    }
    expect(marked).toEqual(['kv-2', 'kv-1']);
  });
});

describe('decideFailover (recreateEmpty)', () => {
  const pd = (n: number, facts: Partial<FailoverInstance> = {}) => ({ ...kv(n, facts), name: `pd-${n}` });
  const recreate = (overrides: Partial<FailoverInput>) => brief({ mode: 'recreateEmpty', ...overrides });

  test.each<[string, Partial<FailoverInput>, ReturnType<typeof brief>]>([
    [
      'a member down past the period is recreated; no extra instance',
      { instances: [pd(0), pd(1, down(31)), pd(2)] },
      { ...none, fail: 'pd-1', condition: 'True FailedOver' },
    ],
    [
      'not before the period',
      { instances: [pd(0), pd(1, down(5)), pd(2)] },
      { ...none, fail: undefined, condition: 'False Waiting' },
    ],
    [
      'one at a time: none while another is being recreated',
      { instances: [pd(0), pd(1, { ...down(60), recreating: true }), pd(2, down(60))] },
      { ...none, fail: undefined, condition: 'True FailedOver' },
    ],
    [
      'one at a time: none while another member is starting (just recreated, joining again)',
      { instances: [pd(0), pd(1, { healthy: false }), pd(2, down(60))] },
      { ...none, fail: undefined, condition: 'False Waiting' },
    ],
    [
      'never when the others would lose quorum (the plugin refuses)',
      {
        instances: [pd(0), pd(1, down(60)), pd(2, down(60))],
        mayFailover: () => ({ ok: false, reason: 'removing pd-1 leaves 1 healthy of 2 members' }),
      },
      { ...none, fail: undefined, condition: 'False Refused' },
    ],
    [
      'never for a member the operator is restarting',
      { instances: [pd(0), pd(1, { ...down(60), restarting: true }), pd(2)] },
      { ...none, fail: undefined, condition: 'False Waiting' },
    ],
    [
      'failed-since marks mean nothing in this mode',
      { instances: [pd(0), pd(1, failedSince(10)), pd(2)] },
      { ...none, fail: undefined, condition: 'False NoFailure' },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(recreate(overrides)).toEqual(expected);
  });
});
