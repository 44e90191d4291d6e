import { describe, expect, test } from 'bun:test';
import { PdClusterModel } from '../plugins/pd/simulator/model/cluster.ts';
import { dataPlaneProgress, dataPlaneWaits, type PodView, podWaits, storeViews } from './activity.ts';

const pod = (cluster: string, opts: { ready?: boolean; deleting?: boolean } = {}): PodView => ({
  metadata: {
    labels: { 'tikv.org/cluster': cluster },
    ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
});

describe('podWaits', () => {
  test('a terminating Pod and a Pod not Ready yet are waits; Ready Pods are not', () => {
    const clusters = new Set(['basic']);
    expect(podWaits([pod('basic')], clusters)).toEqual([]);
    expect(podWaits([pod('basic', { deleting: true }), pod('basic', { ready: false })], clusters).sort()).toEqual([
      'pod-start',
      'pod-termination',
    ]);
  });

  test('Pods of other clusters do not count', () => {
    expect(podWaits([pod('other', { ready: false })], new Set(['basic']))).toEqual([]);
  });
});

describe('dataPlaneWaits', () => {
  test('an evicting store that still leads regions, and an Offline store that still holds peers', () => {
    expect(dataPlaneWaits([{ id: 1, state: 'Up', evicting: true, leaders: 3, peers: 20 }])).toEqual([
      'leader-eviction',
    ]);
    expect(dataPlaneWaits([{ id: 1, state: 'Offline', evicting: false, leaders: 0, peers: 5 }])).toEqual([
      'store-drain',
    ]);
  });

  test('an evicted store (no leaders left) and a drained one are no longer waits', () => {
    expect(
      dataPlaneWaits([
        { id: 1, state: 'Up', evicting: true, leaders: 0, peers: 20 },
        { id: 1, state: 'Offline', evicting: false, leaders: 0, peers: 0 },
        { id: 1, state: 'Tombstone', evicting: false, leaders: 0, peers: 0 },
      ]),
    ).toEqual([]);
  });
});

describe('dataPlaneProgress', () => {
  test('a step is not done while a store is still evicting leaders or still Offline', () => {
    expect(dataPlaneProgress('basic', [{ id: 4, state: 'Up', evicting: true, leaders: 0, peers: 3 }])).toEqual({
      settled: false,
      reason: "basic: store 4 is still in PD's evict-leader scheduler",
    });
    expect(
      dataPlaneProgress('basic', [{ id: 5, state: 'Offline', evicting: false, leaders: 0, peers: 0 }]).reason,
    ).toBe('basic: store 5 is still Offline in PD');
  });

  test('Up and Tombstone stores with no scheduler left are settled', () => {
    const stores = [
      { id: 1, state: 'Up' as const, evicting: false, leaders: 3, peers: 3 },
      { id: 2, state: 'Tombstone' as const, evicting: false, leaders: 0, peers: 0 },
    ];
    expect(dataPlaneProgress('basic', stores).settled).toBe(true);
  });
});

describe('storeViews', () => {
  test('reads evicting stores and their leaders from the simulator model', () => {
    let now = 0;
    const model = new PdClusterModel({ clock: { now: () => now }, seed: 1n, knobs: { regionCount: 6 } });
    model.memberUp({ name: 'pd-0', clientUrls: ['http://pd-0:2379'], peerUrls: ['http://pd-0:2380'], dataId: 'pd-0' });
    for (const i of [0, 1, 2]) model.startStore({ address: `tikv-${i}:20160`, dataId: `d${i}` });
    for (let t = 0; t < 20; t++) {
      now += 100;
      model.tick();
    }
    const first = model.stores()[0];
    if (!first) throw new Error('no store');
    model.addScheduler('evict-leader-scheduler', first.id);
    const views = storeViews(model);
    expect(views).toHaveLength(3);
    expect(views.filter((v) => v.evicting)).toHaveLength(1);
    expect(views.reduce((n, v) => n + v.leaders, 0)).toBe(6);
    expect(views.every((v) => v.state === 'Up' && v.peers === 6)).toBe(true);
  });
});
