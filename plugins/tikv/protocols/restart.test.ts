// The restart protocol: its decisions as tables, and its steps against a simulated PD (real client, real state
// source, PD's HTTP API on loopback).
import { afterEach, describe, expect, test } from 'bun:test';
import { storeAddress, tickUntil, tickUntilSettled } from '../../pd/simulator/model/testing.ts';
import { type HarnessContext, storeView, type TikvHarness, tikvHarness, viewOf } from '../testing.ts';
import { evictionNeeded, evictionProgress, leadersSinceEviction } from './leader-eviction.ts';
import { downPeersElsewhere, gracePeriodForRegions, isRestartOver, regionsMissingReplicas } from './restart.ts';

describe('gracePeriodForRegions', () => {
  test.each([
    [0, undefined, 30],
    [5_999, undefined, 30],
    [6_000, undefined, 31],
    [20_000, undefined, 101],
    [0, 1, 1],
    [64, 1, 1],
    [400, 1, 3],
    [-5, 1, 1],
  ])('%i regions (minimum %s) -> %i s', (regions, minimum, expected) => {
    expect(gracePeriodForRegions(regions, minimum)).toBe(expected);
  });
});

describe('evictionProgress', () => {
  test.each([
    [{ leaderCount: 0, startedAtMs: 0, nowMs: 10 * 60_000, timeoutMs: 300_000 }, { kind: 'evicted' }],
    [
      { leaderCount: 3, startedAtMs: 0, nowMs: 60_000, timeoutMs: 300_000 },
      { kind: 'waiting', remainingMs: 240_000 },
    ],
    [
      { leaderCount: 3, startedAtMs: 0, nowMs: 300_000, timeoutMs: 300_000 },
      { kind: 'timedOut', waitedMs: 300_000 },
    ],
    // PD has not shown the eviction yet: no count to trust, however long ago it started.
    [
      { leaderCount: undefined, startedAtMs: 0, nowMs: 1_000, timeoutMs: 300_000 },
      { kind: 'waiting', remainingMs: 299_000 },
    ],
    // A start in the future (clock skew between operator replicas) counts as just started.
    [
      { leaderCount: 3, startedAtMs: 5_000, nowMs: 0, timeoutMs: 300_000 },
      { kind: 'waiting', remainingMs: 300_000 },
    ],
  ])('%j -> %j', (input, expected) => {
    expect(evictionProgress(input)).toEqual(expected as ReturnType<typeof evictionProgress>);
  });
});

describe('evictionNeeded', () => {
  const other = storeView({ id: '2', address: 'b:20160' });
  test.each([
    ['no store', viewOf(undefined, [other]), 'PD has no store for this instance: no leaders to move'],
    [
      'an Offline store',
      viewOf(storeView({ state: 'Offline', stateName: 'Offline', nodeState: 'Removing' }), [other]),
      'store 1 is Offline: PD moves its data',
    ],
    [
      'a Down store',
      viewOf(storeView({ stateName: 'Down' }), [other]),
      'store 1 is Down: its regions elect leaders elsewhere',
    ],
    ['the only store', viewOf(storeView()), 'no other Up store can take the leaders of store 1'],
    [
      'every other store evicting too',
      viewOf(storeView(), [{ ...other, evicting: true }]),
      'no other Up store can take the leaders of store 1',
    ],
    [
      'every other store Disconnected',
      viewOf(storeView(), [{ ...other, stateName: 'Disconnected' }]),
      'no other Up store can take the leaders of store 1',
    ],
  ])('%s: no eviction', (_what, view, why) => {
    expect(evictionNeeded(view)).toEqual({ evict: false, why });
  });

  test('an Up store with another Up store to take its leaders is evicted', () => {
    expect(evictionNeeded(viewOf(storeView(), [other])).evict).toBe(true);
  });
});

describe('downPeersElsewhere', () => {
  test('counts other stores holding down peers, not this one, not Tombstone ones', () => {
    const view = viewOf(storeView({ downPeers: 4 }), [
      storeView({ id: '2', address: 'b:20160', downPeers: 2 }),
      storeView({ id: '3', address: 'c:20160', downPeers: 0 }),
      storeView({ id: '4', address: 'd:20160', downPeers: 1, state: 'Tombstone', stateName: 'Tombstone' }),
    ]);
    expect(downPeersElsewhere(view).map((s) => s.id)).toEqual(['2']);
  });
});

describe('leadersSinceEviction', () => {
  test('the leader count only once PD showed the store evicting, never one read before', () => {
    const idle = storeView({ leaderCount: 0 });
    // evict leaders marks the instance's own copy; what PD showed is unchanged.
    const justAdded = viewOf(idle);
    if (justAdded.store) justAdded.store.evicting = true;
    expect(leadersSinceEviction(justAdded)).toBeUndefined();
    expect(leadersSinceEviction(viewOf(storeView({ leaderCount: 0, evicting: true })))).toBe(0);
    expect(leadersSinceEviction(viewOf(storeView({ leaderCount: 4, evicting: true })))).toBe(4);
    // Another store took the address (new data after a Tombstone): its marks are not this store's.
    const other = storeView({ id: '9', evicting: true, leaderCount: 0 });
    expect(leadersSinceEviction(viewOf(storeView(), [], { stores: new Map([[other.address, other]]) }))).toBe(
      undefined,
    );
  });
});

describe('regionsMissingReplicas', () => {
  const b = storeView({ id: '2', address: 'b:20160' });
  const c = storeView({ id: '3', address: 'c:20160' });
  test.each([
    ['none missing', [], [b, c], { waiting: 0, stuck: 0 }],
    ['missing, but none on this store', [{ regionId: '7', storeIds: ['2', '3'] }], [b, c], { waiting: 0, stuck: 0 }],
    [
      'on this store, a third store can take one',
      [{ regionId: '7', storeIds: ['1', '2'] }],
      [b, c],
      { waiting: 1, stuck: 0 },
    ],
    [
      'on this store, every alive store has one',
      [{ regionId: '7', storeIds: ['1', '2'] }],
      [b],
      { waiting: 0, stuck: 1 },
    ],
    [
      'on this store, the only store without one is Down',
      [{ regionId: '7', storeIds: ['1', '2'] }],
      [b, { ...c, stateName: 'Down' }],
      { waiting: 0, stuck: 1 },
    ],
    [
      'two regions, one repairable',
      [
        { regionId: '7', storeIds: ['1'] },
        { regionId: '8', storeIds: ['1', '2', '3'] },
      ],
      [b, c],
      { waiting: 1, stuck: 1 },
    ],
  ])('%s', (_what, missPeerRegions, others, expected) => {
    expect(regionsMissingReplicas(viewOf(storeView(), others, { missPeerRegions }))).toEqual(expected);
  });

  test('an instance without a store holds nothing', () => {
    expect(
      regionsMissingReplicas(viewOf(undefined, [], { missPeerRegions: [{ regionId: '7', storeIds: ['1'] }] })),
    ).toEqual({
      waiting: 0,
      stuck: 0,
    });
  });
});

describe('restart protocol against a simulated PD', () => {
  let h: TikvHarness;
  afterEach(async () => {
    await h?.stop();
  });

  const conditionOf = (ctx: HarnessContext, type: string) => ctx.conditionsNow.find((c) => c.type === type);
  const storeId = (i: number) => String(h.pd.model.storeByAddress(storeAddress(i))?.id);
  const leadersOn = (i: number) => h.pd.model.storeStatus(Number(storeId(i))).leaderCount;

  async function settledCluster(stores = 3) {
    h = await tikvHarness({ stores });
    tickUntilSettled(h.pd.model);
    await h.refresh();
  }

  test('evicts the leaders and completes only once none is left on the store', async () => {
    await settledCluster();
    expect(leadersOn(0)).toBeGreaterThan(0);
    const first = h.context(0);
    const result = await h.run(first, h.plugin.restart.before);
    expect(result.kind).toBe('retry');
    expect(h.pd.model.evictLeaderStores()).toEqual([Number(storeId(0))]);
    expect(conditionOf(first, 'LeadersEvicted')).toMatchObject({ status: 'False', reason: 'Evicting' });

    tickUntil(h.pd.model, () => leadersOn(0) === 0);
    await h.refresh();
    const second = h.context(0, { conditions: first.conditionsNow });
    expect((await h.run(second, h.plugin.restart.before)).kind).toBe('complete');
    expect(conditionOf(second, 'LeadersEvicted')).toMatchObject({ status: 'True', reason: 'Evicted' });
    expect(h.writes).toEqual(['addEvictLeaderScheduler']);
  });

  test('waits while another store has down peers, without evicting', async () => {
    await settledCluster();
    h.pd.model.stopStore(storeAddress(1));
    h.pd.model.tick();
    await h.refresh();
    const ctx = h.context(0);
    const result = await h.run(ctx, h.plugin.restart.before);
    expect(result).toMatchObject({ kind: 'retry', afterMs: 5_000 });
    expect(result.message).toContain(`regions have down peers on store ${storeId(1)}`);
    expect(h.pd.model.evictLeaderStores()).toEqual([]);
    expect(h.writes).toEqual([]);
  });

  test('a zero leader count PD showed before the eviction is not taken as evicted', async () => {
    await settledCluster();
    // Store 0 leads nothing when PD is polled (leaders arrive on a new store by balancing, later)...
    h.pd.model.addScheduler('evict-leader-scheduler', Number(storeId(0)));
    tickUntil(h.pd.model, () => leadersOn(0) === 0);
    h.pd.model.removeEvictLeader(Number(storeId(0)));
    await h.refresh();
    // ...and leads again by the time its restart evicts it.
    tickUntil(h.pd.model, () => leadersOn(0) > 0);
    const first = h.context(0);
    const result = await h.run(first, h.plugin.restart.before);
    expect(result).toMatchObject({ kind: 'retry' });
    expect(result.message).toContain(`waiting for PD to show store ${storeId(0)} in the evict-leader scheduler`);
    expect(conditionOf(first, 'LeadersEvicted')).toMatchObject({ status: 'False', reason: 'Evicting' });

    await h.refresh(); // PD now shows the scheduler, and the leaders
    const second = h.context(0, { conditions: first.conditionsNow });
    expect((await h.run(second, h.plugin.restart.before)).message).toContain(
      `${leadersOn(0)} leaders left on store ${storeId(0)}`,
    );
  });

  test('waits while regions of the store miss replicas PD is adding; restarts of other stores do not', async () => {
    h = await tikvHarness({ stores: 3 });
    // Freshly bootstrapped: every region has one replica, on store 0.
    await h.refresh();
    const ctx = h.context(0);
    const result = await h.run(ctx, h.plugin.restart.before);
    expect(result).toMatchObject({ kind: 'retry', afterMs: 5_000 });
    expect(result.message).toMatch(
      new RegExp(`^\\d+ regions with a replica on store ${storeId(0)} miss replicas PD is adding`),
    );
    expect(h.writes).toEqual([]);
    // Store 1 holds none of them: its restart goes on to the eviction.
    expect((await h.run(h.context(1), h.plugin.restart.before)).message).not.toContain('miss replicas');

    tickUntilSettled(h.pd.model);
    await h.refresh();
    expect((await h.run(h.context(0), h.plugin.restart.before)).message).not.toContain('miss replicas');
    expect(h.writes).toContain('addEvictLeaderScheduler');
  });

  test('an eviction past evictLeaderTimeout goes on with EvictionTimedOut and one Warning event', async () => {
    await settledCluster();
    const first = h.context(0, { spec: { evictLeaderTimeout: '2m' } });
    expect((await h.run(first, h.plugin.restart.before)).kind).toBe('retry');
    await h.refresh();
    // The model does not tick: the leaders stay. Two minutes later:
    await h.clock.advance(120_000);
    const late = h.context(0, { spec: { evictLeaderTimeout: '2m' }, conditions: first.conditionsNow });
    const result = await h.run(late, h.plugin.restart.before);
    expect(result.kind).toBe('complete');
    const condition = conditionOf(late, 'LeadersEvicted');
    expect(condition).toMatchObject({ status: 'False', reason: 'EvictionTimedOut' });
    expect(condition?.message).toContain('when evictLeaderTimeout (2m) passed: going on without waiting longer');
    expect(late.recorded.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning EvictionTimedOut']);

    const again = h.context(0, { spec: { evictLeaderTimeout: '2m' }, conditions: late.conditionsNow });
    expect((await h.run(again, h.plugin.restart.before)).kind).toBe('complete');
    expect(again.recorded).toEqual([]);
  });

  test('before the timeout, the wait comes back when the timeout is due', async () => {
    await settledCluster();
    const first = h.context(0, { spec: { evictLeaderTimeout: '2m' } });
    await h.run(first, h.plugin.restart.before);
    await h.refresh();
    await h.clock.advance(50_000);
    const later = h.context(0, { spec: { evictLeaderTimeout: '2m' }, conditions: first.conditionsNow });
    expect(await h.run(later, h.plugin.restart.before)).toMatchObject({ kind: 'retry', afterMs: 70_000 });
  });

  test('after: removes the scheduler and the condition once the store is Up and the instance stays', async () => {
    await settledCluster();
    const evicting = h.context(0);
    await h.run(evicting, h.plugin.restart.before);
    await h.refresh();

    // Still being removed or deleted: the scheduler belongs to the scale-in.
    for (const over of [{ spec: { offline: true } }, { deleting: true }]) {
      const ctx = h.context(0, { ...over, conditions: evicting.conditionsNow });
      expect(isRestartOver(ctx)).toBe(false);
      await h.run(ctx, h.plugin.restart.after);
      expect(h.pd.model.evictLeaderStores()).toEqual([Number(storeId(0))]);
    }

    const back = h.context(0, { conditions: evicting.conditionsNow });
    expect((await h.run(back, h.plugin.restart.after)).kind).toBe('complete');
    expect(h.pd.model.evictLeaderStores()).toEqual([]);
    expect(conditionOf(back, 'LeadersEvicted')).toBeUndefined();
    expect(h.writes).toEqual(['addEvictLeaderScheduler', 'removeEvictLeaderScheduler']);

    // Level-triggered: nothing to undo, nothing written.
    await h.refresh();
    await h.run(h.context(0), h.plugin.restart.after);
    expect(h.writes).toHaveLength(2);
  });

  test('a single store restarts without eviction (nowhere to move the leaders), warning of its lone replicas', async () => {
    h = await tikvHarness({ stores: 1 });
    await h.refresh();
    const ctx = h.context(0);
    expect((await h.run(ctx, h.plugin.restart.before)).kind).toBe('complete');
    expect(h.writes).toEqual([]);
    expect(ctx.recorded.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning ReplicasMissing']);
  });

  test('the grace period follows the region count', async () => {
    await settledCluster();
    const ctx = h.context(0);
    expect(h.plugin.restart.gracePeriodSeconds?.(ctx)).toBe(30);
  });
});
