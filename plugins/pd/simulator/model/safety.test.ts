import { describe, expect, test } from 'bun:test';
import { SafetyLedger } from './safety.ts';
import { startTestStore, storeAddress, storeIdAt, testCluster, tickUntil, tickUntilSettled } from './testing.ts';

describe('safety accounting', () => {
  test('a settled cluster, restarted one store at a time after leader eviction, stays clean', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 12 } });
    tickUntilSettled(model);
    for (const i of [0, 1, 2]) {
      const id = storeIdAt(model, i);
      model.addScheduler('evict-leader-scheduler', id);
      tickUntil(model, () => model.storeStatus(id).leaderCount === 0);
      model.stopStore(storeAddress(i));
      model.tick();
      startTestStore(model, i);
      model.removeEvictLeader(id);
      tickUntilSettled(model);
    }
    expect(model.safety()).toEqual({
      clean: true,
      violations: [],
      counters: {
        regionUnavailableEvents: 0,
        unavailableRegions: 0,
        dataLostRegions: 0,
        leaderDropEvents: 0,
        droppedLeaders: 0,
        pdLeaderDropEvents: 0,
      },
    });
  });

  test('stopping a store that still leads regions counts its dropped leaders', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 12 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 1);
    const leaders = model.storeStatus(id).leaderCount;
    expect(leaders).toBeGreaterThan(0);
    model.stopStore(storeAddress(1));
    const report = model.safety();
    expect(report.clean).toBe(false);
    expect(report.counters).toMatchObject({ leaderDropEvents: 1, droppedLeaders: leaders, regionUnavailableEvents: 0 });
    expect(report.violations[0]).toMatchObject({ kind: 'leader-dropped', storeId: id });
    model.stopStore(storeAddress(1)); // already stopped: not counted twice
    expect(model.safety().counters.leaderDropEvents).toBe(1);
  });

  test('stopping too many stores makes regions unavailable, counted once per outage', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 6 } });
    tickUntilSettled(model);
    model.stopStore(storeAddress(0));
    model.stopStore(storeAddress(1));
    expect(model.safety().counters).toMatchObject({ regionUnavailableEvents: 6, unavailableRegions: 6 });
    model.tick();
    expect(model.safety().counters.regionUnavailableEvents).toBe(6);
    startTestStore(model, 1);
    expect(model.safety().counters).toMatchObject({ regionUnavailableEvents: 6, unavailableRegions: 0 });
    expect(model.safety().violations.filter((v) => v.kind === 'region-unavailable')).toHaveLength(6);
  });

  test('an outage between two ticks is seen, because every change is checked', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 2 } });
    tickUntilSettled(model);
    model.stopStore(storeAddress(0));
    model.stopStore(storeAddress(2));
    startTestStore(model, 0);
    startTestStore(model, 2);
    expect(model.safety().counters.regionUnavailableEvents).toBe(2);
  });

  test('losing the data of every replica counts the region as lost', () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 4 } });
    tickUntilSettled(model);
    model.destroyData('tikv-data-0');
    model.destroyData('tikv-data-1');
    expect(model.safety().counters.dataLostRegions).toBe(0);
    model.destroyData('tikv-data-2');
    expect(model.safety().counters.dataLostRegions).toBe(4);
    expect(model.safety().violations.some((v) => v.kind === 'data-lost')).toBe(true);
  });

  test('the data of a Tombstone store can go without loss', () => {
    const { model } = testCluster({ stores: 4, knobs: { regionCount: 8 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 3);
    model.addScheduler('evict-leader-scheduler', id);
    tickUntil(model, () => model.storeStatus(id).leaderCount === 0);
    model.deleteStore(id, false);
    tickUntil(model, () => model.store(id)?.state === 'Tombstone');
    model.stopStore(storeAddress(3));
    model.destroyData('tikv-data-3');
    tickUntilSettled(model);
    expect(model.safety().clean).toBe(true);
  });

  test('stopping or deleting the PD leader without a transfer counts, after a transfer it does not', () => {
    const { model } = testCluster();
    model.transferLeader('basic-pd-1');
    model.memberDown('basic-pd-0'); // not the leader
    model.memberUp({ name: 'basic-pd-0', clientUrls: [], peerUrls: [], dataId: 'pd-data-0' });
    expect(model.safety().counters.pdLeaderDropEvents).toBe(0);
    model.memberDown('basic-pd-1'); // the leader, with healthy peers
    expect(model.safety().counters.pdLeaderDropEvents).toBe(1);
    expect(model.safety().violations.at(-1)).toMatchObject({ kind: 'pd-leader-dropped', member: 'basic-pd-1' });
    model.memberUp({ name: 'basic-pd-1', clientUrls: [], peerUrls: [], dataId: 'pd-data-1' });
    const leader = model.leader()?.name as string;
    model.deleteMemberByName(leader);
    expect(model.safety().counters.pdLeaderDropEvents).toBe(2);
    expect(model.safety().clean).toBe(false);
  });

  test('a single PD member restarting is not a leader drop: nobody could take over', () => {
    const { model } = testCluster({ pdMembers: 1 });
    model.memberDown('basic-pd-0');
    expect(model.safety().counters.pdLeaderDropEvents).toBe(0);
  });

  test('the list of violations is bounded, oldest dropped first', () => {
    const ledger = new SafetyLedger(2);
    for (let i = 0; i < 3; i++) ledger.recordLeaderDrop(i, `a${i}`, 1, i);
    const report = ledger.report();
    expect(report.violations.map((v) => v.storeId)).toEqual([1, 2]);
    expect(report.counters.leaderDropEvents).toBe(3);
  });
});
