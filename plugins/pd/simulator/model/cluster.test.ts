import { describe, expect, test } from 'bun:test';
import { PdError } from '../errors.ts';
import { leaderStoreId } from './regions.ts';
import {
  SteppedClock,
  startTestStore,
  storeAddress,
  storeIdAt,
  testCluster,
  tickUntil,
  tickUntilSettled,
} from './testing.ts';

function errorOf(fn: () => unknown): PdError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PdError) return e;
    throw e;
  }
  throw new Error('expected a PdError');
}

describe('bootstrap and replica placement', () => {
  test('the first store bootstraps the regions; later stores receive replicas until every region has max-replicas', () => {
    const { model } = testCluster({ stores: 1, knobs: { regionCount: 10 } });
    expect(model.isBootstrapped()).toBe(true);
    expect(model.regions()).toHaveLength(10);
    expect(model.regions().every((r) => r.peers.length === 1)).toBe(true);
    startTestStore(model, 1);
    startTestStore(model, 2);
    tickUntilSettled(model);
    for (const region of model.regions()) {
      expect(new Set(region.peers.map((p) => p.storeId)).size).toBe(3);
      expect(leaderStoreId(region)).toBeDefined();
    }
  });

  test('keys partition the key space without gaps', () => {
    const { model } = testCluster({ stores: 1, knobs: { regionCount: 4 } });
    const regions = model.regions();
    expect(regions[0]?.startKey).toBe('');
    expect(regions.at(-1)?.endKey).toBe('');
    for (let i = 1; i < regions.length; i++) expect(regions[i]?.startKey).toBe(regions[i - 1]?.endKey as string);
  });

  test('replicas go to distinct zones when location-labels name the zone', () => {
    const { model } = testCluster({
      stores: 6,
      zoneOf: (i) => `z${i % 3}`,
      replication: { locationLabels: ['zone', 'host'] },
      knobs: { regionCount: 20 },
    });
    tickUntilSettled(model);
    for (const region of model.regions()) {
      const zones = region.peers.map((p) => model.store(p.storeId)?.labels.find((l) => l.key === 'zone')?.value);
      expect(new Set(zones).size).toBe(3);
    }
  });

  test('isolation-level leaves regions under-replicated rather than put two replicas in one zone', () => {
    const { model } = testCluster({
      stores: 4,
      zoneOf: (i) => `z${i % 2}`,
      replication: { locationLabels: ['zone', 'host'], isolationLevel: 'zone' },
      knobs: { regionCount: 5 },
    });
    tickUntilSettled(model);
    for (const region of model.regions()) expect(region.peers).toHaveLength(2);
  });

  test('leaders are balanced across stores', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 30 } });
    tickUntilSettled(model);
    const counts = model.stores().map((s) => model.storeStatus(s.id).leaderCount);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  test('lowering max-replicas drops extra peers, never the leader', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 6 } });
    tickUntilSettled(model);
    model.updateReplication({ maxReplicas: 1 });
    tickUntilSettled(model);
    for (const region of model.regions()) {
      expect(region.peers).toHaveLength(1);
      expect(leaderStoreId(region)).toBe(region.peers[0]?.storeId as number);
    }
  });
});

describe('store identity', () => {
  test('a restart on the same data keeps the store id; other data at the address is refused as a duplicate', () => {
    const { model } = testCluster({ stores: 3 });
    const id = storeIdAt(model, 0);
    model.stopStore(storeAddress(0));
    const again = startTestStore(model, 0);
    expect(again).toMatchObject({ status: 'restarted' });
    expect(storeIdAt(model, 0)).toBe(id);
    model.stopStore(storeAddress(0));
    const fresh = startTestStore(model, 0, undefined, 'new-pvc');
    expect(fresh.status).toBe('rejected');
    expect(model.rejections().at(-1)?.reason).toContain('duplicated store address');
  });

  test('a new store may take the address of a Tombstone store and gets a new id', () => {
    const { model } = testCluster({ stores: 4, knobs: { regionCount: 6 } });
    tickUntilSettled(model);
    const old = storeIdAt(model, 3);
    model.deleteStore(old, false);
    tickUntil(model, () => model.store(old)?.state === 'Tombstone');
    model.stopStore(storeAddress(3));
    expect(startTestStore(model, 3).status).toBe('rejected'); // its own data: a tombstone cannot start again
    const fresh = startTestStore(model, 3, undefined, 'new-pvc');
    expect(fresh.status).toBe('registered');
    expect(storeIdAt(model, 3)).not.toBe(old);
  });

  test('ids come from one allocator shared with regions and peers, like PD AllocID', () => {
    const { model } = testCluster({ stores: 2, knobs: { regionCount: 5 } });
    const [first, second] = model.stores();
    expect(first?.id).toBe(1);
    expect(second?.id).toBe(12); // 1 store + 5 regions + 5 peers allocated before it
  });

  test('stores wait while PD has no leader and register once it serves', () => {
    const { model } = testCluster({ pdMembers: 0 });
    expect(startTestStore(model, 0)).toEqual({ status: 'pending' });
    expect(model.isBootstrapped()).toBe(false);
    model.memberUp({ name: 'pd-0', clientUrls: [], peerUrls: [], dataId: 'd' });
    expect(model.isBootstrapped()).toBe(true);
    expect(model.pendingStores()).toEqual([]);
  });
});

describe('store removal', () => {
  test('is refused while the remaining Up stores would be fewer than max-replicas', () => {
    const { model } = testCluster({ stores: 3 });
    const id = storeIdAt(model, 0);
    const err = errorOf(() => model.deleteStore(id, false));
    expect(err.message).toBe(
      `[PD:core:ErrStoresNotEnough]can not remove store ${id} since the number of up stores would be 2 while need 3`,
    );
    expect(model.store(id)?.state).toBe('Up');
  });

  test('is refused when every other Up store is evicting leaders', () => {
    const { model } = testCluster({ stores: 4, replication: { maxReplicas: 1 } });
    for (const i of [1, 2, 3]) model.addScheduler('evict-leader-scheduler', storeIdAt(model, i));
    const err = errorOf(() => model.deleteStore(storeIdAt(model, 0), false));
    expect(err.code).toBe('ErrNoStoreForRegionLeader');
  });

  test('moves peers away at the configured rate and becomes Tombstone only when empty', () => {
    const { model } = testCluster({ stores: 4, knobs: { regionCount: 40, peerMovesPerTick: 5 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 0);
    const before = model.storeStatus(id).regionCount;
    expect(before).toBeGreaterThan(10);
    model.deleteStore(id, false);
    expect(model.store(id)?.state).toBe('Offline');
    expect(model.storeStatus(id).nodeState).toBe('Removing');
    model.tick();
    expect(model.storeStatus(id).regionCount).toBe(before - 5);
    expect(model.store(id)?.state).toBe('Offline');
    const ticks = tickUntil(model, () => model.store(id)?.state === 'Tombstone');
    expect(ticks).toBeGreaterThanOrEqual(Math.ceil((before - 5) / 5) - 1);
    expect(model.storeStatus(id)).toMatchObject({ regionCount: 0, leaderCount: 0, nodeState: 'Removed' });
    for (const region of model.regions()) expect(region.peers).toHaveLength(3);
  });

  test('stays Removing while no store can take its replicas, and finishes when one can', () => {
    const { model } = testCluster({ stores: 4, knobs: { regionCount: 12 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 0);
    model.deleteStore(id, false);
    model.stopStore(storeAddress(1));
    tickUntilSettled(model);
    expect(model.store(id)?.state).toBe('Offline');
    expect(model.storeStatus(id).regionCount).toBeGreaterThan(0);
    startTestStore(model, 1);
    tickUntil(model, () => model.store(id)?.state === 'Tombstone');
  });

  test('can be cancelled with state=Up before PD finishes; then peers stay', () => {
    const { model } = testCluster({ stores: 4, knobs: { regionCount: 40, peerMovesPerTick: 2 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 0);
    model.deleteStore(id, false);
    model.tick();
    model.setStoreState(id, 'Up');
    expect(model.store(id)?.state).toBe('Up');
    const left = model.storeStatus(id).regionCount;
    expect(left).toBeGreaterThan(0);
    model.tick();
    expect(model.storeStatus(id).regionCount).toBeGreaterThanOrEqual(left);
  });

  test('a removed store answers ErrStoreRemoved to delete and to state=Up', () => {
    const { model } = testCluster({ stores: 4, knobs: { regionCount: 4 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 3);
    model.deleteStore(id, false);
    tickUntil(model, () => model.store(id)?.state === 'Tombstone');
    expect(errorOf(() => model.deleteStore(id, false)).code).toBe('ErrStoreRemoved');
    expect(errorOf(() => model.setStoreState(id, 'Up')).code).toBe('ErrStoreRemoved');
  });

  test('force marks the store physically destroyed and skips the replica check', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 4 } });
    const id = storeIdAt(model, 2);
    model.deleteStore(id, true);
    expect(model.store(id)).toMatchObject({ state: 'Offline', physicallyDestroyed: true });
    expect(errorOf(() => model.setStoreState(id, 'Up')).code).toBe('ErrStoreDestroyed');
    expect(errorOf(() => model.deleteStore(id, false)).code).toBe('ErrStoreDestroyed');
  });

  test('deleting an unknown store is ErrStoreNotFound', () => {
    const { model } = testCluster({ stores: 1 });
    expect(errorOf(() => model.deleteStore(999, false)).message).toBe('[PD:core:ErrStoreNotFound]store 999 not found');
  });
});

describe('heartbeats and down detection', () => {
  test('a stopped store is Up, then Disconnected after 20 s, then Down after max-store-down-time', () => {
    const clock = new SteppedClock();
    const { model } = testCluster({ stores: 3, clock });
    const id = storeIdAt(model, 0);
    model.stopStore(storeAddress(0));
    clock.advance(20_000);
    expect(model.storeStatus(id).stateName).toBe('Up');
    clock.advance(1);
    expect(model.storeStatus(id).stateName).toBe('Disconnected');
    clock.advance(30 * 60_000 - 20_001);
    expect(model.storeStatus(id).stateName).toBe('Disconnected');
    clock.advance(1);
    expect(model.storeStatus(id).stateName).toBe('Down');
    startTestStore(model, 0);
    expect(model.storeStatus(id).stateName).toBe('Up');
  });

  test('max-store-down-time is settable', () => {
    const clock = new SteppedClock();
    const { model } = testCluster({ stores: 3, clock });
    model.updateSchedule({ maxStoreDownTimeMs: 60_000 });
    model.stopStore(storeAddress(1));
    clock.advance(60_001);
    expect(model.storeStatus(storeIdAt(model, 1)).stateName).toBe('Down');
  });

  test('peers of a Down store are replaced elsewhere; a Disconnected store keeps them', () => {
    const clock = new SteppedClock();
    const { model } = testCluster({ stores: 4, clock, knobs: { regionCount: 12 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 0);
    const held = model.storeStatus(id).regionCount;
    model.stopStore(storeAddress(0));
    clock.advance(60_000);
    tickUntilSettled(model);
    expect(model.storeStatus(id).regionCount).toBe(held);
    clock.advance(30 * 60_000);
    tickUntilSettled(model);
    expect(model.storeStatus(id).regionCount).toBe(0);
    expect(model.store(id)?.state).toBe('Up'); // PD does not bury a Down store by itself
  });

  test('regions report their peers on stopped stores as down peers with the seconds since the last heartbeat', () => {
    const clock = new SteppedClock();
    const { model } = testCluster({ stores: 3, clock, knobs: { regionCount: 4 } });
    tickUntilSettled(model);
    expect(model.downPeerRegions()).toEqual([]);
    model.stopStore(storeAddress(2));
    clock.advance(12_500);
    const down = model.downPeerRegions();
    expect(down).toHaveLength(4);
    expect(down[0]?.downPeers).toEqual([
      { peer: expect.objectContaining({ storeId: storeIdAt(model, 2) }), downSeconds: 12 },
    ]);
  });
});

describe('evict-leader scheduler', () => {
  test('moves leaders off the store at the configured batch per tick and keeps them off', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 30, evictLeaderBatch: 2 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 0);
    const leaders = model.storeStatus(id).leaderCount;
    expect(leaders).toBe(10);
    expect(model.addScheduler('evict-leader-scheduler', id)).toBe('created');
    model.tick();
    expect(model.storeStatus(id).leaderCount).toBe(leaders - 2);
    tickUntil(model, () => model.storeStatus(id).leaderCount === 0);
    tickUntilSettled(model);
    expect(model.storeStatus(id).leaderCount).toBe(0);
  });

  test('a second store is applied to the existing scheduler; removing the last store removes the scheduler', () => {
    const { model } = testCluster({ stores: 3 });
    const [a, b] = [storeIdAt(model, 0), storeIdAt(model, 1)];
    expect(model.schedulers()).not.toContain('evict-leader-scheduler');
    expect(model.addScheduler('evict-leader-scheduler', a)).toBe('created');
    expect(model.addScheduler('evict-leader-scheduler', b)).toBe('applied');
    expect(model.schedulers().filter((s) => s === 'evict-leader-scheduler')).toHaveLength(1);
    expect(model.evictLeaderStores()).toEqual([a, b]);
    expect(model.removeEvictLeader(a)).toBe(false);
    expect(errorOf(() => model.removeEvictLeader(a)).code).toBe('ErrScheduleConfigNotExist');
    expect(model.removeEvictLeader(b)).toBe(true);
    expect(model.schedulers()).not.toContain('evict-leader-scheduler');
    expect(errorOf(() => model.removeEvictLeader(b)).code).toBe('ErrSchedulerNotFound');
  });

  test('leaders come back to the store once it is no longer evicting', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 30 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 1);
    model.addScheduler('evict-leader-scheduler', id);
    tickUntil(model, () => model.storeStatus(id).leaderCount === 0);
    model.removeEvictLeader(id);
    tickUntilSettled(model);
    expect(model.storeStatus(id).leaderCount).toBeGreaterThanOrEqual(9);
  });

  test('stalls while another store has down peers, like PD skipping regions with down peers', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 9 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 0);
    const leaders = model.storeStatus(id).leaderCount;
    model.stopStore(storeAddress(2));
    model.tick();
    const afterStop = model.storeStatus(id).leaderCount; // may have gained leaders from the stopped store
    expect(afterStop).toBeGreaterThanOrEqual(leaders);
    model.addScheduler('evict-leader-scheduler', id);
    model.tick();
    model.tick();
    expect(model.storeStatus(id).leaderCount).toBe(afterStop);
  });

  test('rejects unknown schedulers, a missing store id and unknown stores', () => {
    const { model } = testCluster({ stores: 1 });
    expect(errorOf(() => model.addScheduler('nope')).message).toBe('unknown scheduler');
    expect(errorOf(() => model.addScheduler('evict-leader-scheduler')).message).toBe('missing store id');
    expect(errorOf(() => model.addScheduler('evict-leader-scheduler', 77)).code).toBe('ErrStoreNotFound');
    expect(errorOf(() => model.addScheduler('balance-leader-scheduler')).code).toBe('ErrSchedulerExisted');
  });

  test('without the balance-leader scheduler leaders stay where elections put them', () => {
    const { model } = testCluster({ stores: 1, knobs: { regionCount: 12 } });
    model.removeScheduler('balance-leader-scheduler');
    startTestStore(model, 1);
    startTestStore(model, 2);
    tickUntilSettled(model);
    expect(model.storeStatus(storeIdAt(model, 0)).leaderCount).toBe(12);
  });
});

describe('store labels', () => {
  test('merge by default, replace with force, delete by key', () => {
    const { model } = testCluster({ stores: 1 });
    const id = storeIdAt(model, 0);
    model.setStoreLabels(id, { zone: 'z1', host: 'h1' }, false);
    model.setStoreLabels(id, { zone: 'z2' }, false);
    expect(model.store(id)?.labels).toEqual([
      { key: 'zone', value: 'z2' },
      { key: 'host', value: 'h1' },
    ]);
    model.setStoreLabels(id, { rack: 'r' }, true);
    expect(model.store(id)?.labels).toEqual([{ key: 'rack', value: 'r' }]);
    model.deleteStoreLabel(id, 'rack');
    expect(model.store(id)?.labels).toEqual([]);
    expect(errorOf(() => model.deleteStoreLabel(id, 'rack')).message).toBe('the label key rack does not exist');
  });

  test('validate keys, values, the reserved engine key and strictly-match-label', () => {
    const { model } = testCluster({ stores: 1, replication: { locationLabels: ['zone'], strictlyMatchLabel: true } });
    const id = storeIdAt(model, 0);
    expect(errorOf(() => model.setStoreLabels(id, { engine: 'tiflash' }, false)).message).toContain('reserved');
    expect(errorOf(() => model.setStoreLabels(id, { 'bad key': 'v' }, false)).message).toContain('does not match');
    expect(errorOf(() => model.setStoreLabels(id, { rack: 'r' }, false)).message).toContain(
      'need to specify the key: zone',
    );
    model.setStoreLabels(id, { zone: 'z' }, false);
    expect(errorOf(() => model.setStoreLabels(id, { zone: 'z', rack: 'r' }, false)).message).toContain(
      'store label key: rack',
    );
    expect(errorOf(() => model.setStoreLabels(999, { zone: 'z' }, false)).code).toBe('ErrInvalidStoreID');
  });
});

describe('replication config', () => {
  test('isolation-level must be one of location-labels', () => {
    const { model } = testCluster();
    expect(errorOf(() => model.updateReplication({ isolationLevel: 'zone' })).message).toBe(
      'isolation-level must be one of location-labels or empty',
    );
    model.updateReplication({ locationLabels: ['zone', 'host'], isolationLevel: 'zone' });
    expect(model.replication()).toMatchObject({ locationLabels: ['zone', 'host'], isolationLevel: 'zone' });
  });
});
