import { describe, expect, test } from 'bun:test';
import type { PdMemberHealth, PdMembers, PdStoreInfo } from './responses.ts';
import {
  diffSnapshots,
  emptySnapshot,
  isInProgress,
  nextSnapshot,
  type PdSnapshot,
  POLL_PARTS,
  type PollResult,
  storeViews,
} from './snapshot.ts';

const ALL_READ = new Set(POLL_PARTS);
const addr = (i: number) => `basic-tikv-${i}.basic-tikv-peer.default.svc:20160`;

function members(leader: string | undefined, names = ['pd-0', 'pd-1', 'pd-2']): PdMembers {
  const ref = (name: string, i: number) => ({
    name,
    memberId: `1844674407370955161${i}`,
    peerUrls: [`http://${name}:2380`],
    clientUrls: [`http://${name}:2379`],
  });
  const all = names.map((n, i) => ({
    ...ref(n, i),
    leaderPriority: 0,
    binaryVersion: 'v8.5.2',
    gitHash: '',
    deployPath: '/',
  }));
  const l = all.find((m) => m.name === leader);
  return { clusterId: '7447266112093815125', members: all, leader: l, etcdLeader: l };
}

const health = (unhealthy: string[] = [], names = ['pd-0', 'pd-1', 'pd-2']): PdMemberHealth[] =>
  names.map((name, i) => ({
    name,
    memberId: `1844674407370955161${i}`,
    clientUrls: [],
    health: !unhealthy.includes(name),
  }));

function store(i: number, over: Partial<PdStoreInfo> = {}): PdStoreInfo {
  return {
    id: String(i + 1),
    address: addr(i),
    state: 'Up',
    stateName: 'Up',
    nodeState: 'Serving',
    labels: {},
    version: '8.5.2',
    statusAddress: '',
    physicallyDestroyed: false,
    startTimestamp: 0,
    lastHeartbeatTs: undefined,
    leaderCount: 10,
    regionCount: 30,
    leaderWeight: 1,
    regionWeight: 1,
    capacity: undefined,
    available: undefined,
    isBusy: false,
    ...over,
  };
}

function poll(over: Partial<PollResult> = {}): PollResult {
  return {
    members: members('pd-0'),
    health: health(),
    stores: [store(0), store(1), store(2)],
    evictLeaderStoreIds: [],
    downPeerRegions: [],
    missPeerRegions: [],
    ...over,
  };
}

const snap = (p: PollResult, prev: PdSnapshot = emptySnapshot) => nextSnapshot(prev, p, ALL_READ, 1000, undefined);

describe('snapshot from a poll', () => {
  test('members by name with id, health and leadership; stores by address; cluster id', () => {
    const s = snap(poll({ health: health(['pd-2']) }));
    expect(s.synced).toBe(true);
    expect(s.stale).toBe(false);
    expect(s.clusterId).toBe('7447266112093815125');
    expect(s.leader).toBe('pd-0');
    expect(s.members.get('pd-0')).toMatchObject({ id: '18446744073709551610', health: true, leader: true });
    expect(s.members.get('pd-2')).toMatchObject({ health: false, leader: false });
    expect(s.stores.get(addr(1))).toMatchObject({ id: '2', stateName: 'Up', nodeState: 'Serving', leaderCount: 10 });
  });

  test('a failed part keeps the previous values and marks the snapshot stale', () => {
    const first = snap(poll());
    const second = nextSnapshot(
      first,
      poll({ stores: undefined, members: members('pd-1') }),
      ALL_READ,
      2000,
      'stores: unreachable',
    );
    expect(second.stale).toBe(true);
    expect(second.error).toBe('stores: unreachable');
    expect(second.fetchedAt).toBe(1000);
    expect(second.stores).toEqual(first.stores);
    expect(second.leader).toBe('pd-1');
    const third = nextSnapshot(second, poll({ health: undefined, members: members('pd-2') }), ALL_READ, 3000, 'x');
    expect(third.leader).toBe('pd-1'); // members need both /members and /health
  });

  test('not synced until every part was read once', () => {
    const s = nextSnapshot(emptySnapshot, poll({ downPeerRegions: undefined }), new Set(['members', 'health']), 0, 'x');
    expect(s.synced).toBe(false);
  });

  test('evict-leader and down-peer marks are placed on the stores', () => {
    const s = snap(
      poll({
        evictLeaderStoreIds: ['2'],
        downPeerRegions: [{ regionId: '9', downPeers: [{ peerId: '20', storeId: '3', downSeconds: 5 }] }],
      }),
    );
    expect(s.stores.get(addr(1))?.evicting).toBe(true);
    expect(s.stores.get(addr(2))?.downPeers).toBe(1);
    expect(s.stores.get(addr(0))).toMatchObject({ evicting: false, downPeers: 0 });
  });

  test('miss-peer regions are counted on every store holding one of their replicas, and kept when unread', () => {
    const s = snap(
      poll({
        missPeerRegions: [
          { regionId: '7', storeIds: ['1', '2'] },
          { regionId: '8', storeIds: ['1'] },
        ],
      }),
    );
    expect([0, 1, 2].map((i) => s.stores.get(addr(i))?.missPeers)).toEqual([2, 1, 0]);
    expect(s.missPeerRegions.map((r) => r.regionId)).toEqual(['7', '8']);
    const unread = nextSnapshot(s, poll({ missPeerRegions: undefined }), ALL_READ, 2000, 'miss-peer: timeout');
    expect(unread.missPeerRegions).toEqual(s.missPeerRegions);
    expect(unread.stores.get(addr(0))?.missPeers).toBe(2);
  });

  test('a live store wins its address over a Tombstone store; among equals the newer one', () => {
    const views = storeViews(
      [store(0, { id: '9' }), store(0, { id: '4', state: 'Tombstone', stateName: 'Tombstone', nodeState: 'Removed' })],
      { evicting: [], downPeers: new Map(), missPeers: new Map() },
    );
    expect(views.get(addr(0))?.id).toBe('9');
    const tombstones = storeViews(
      [store(0, { id: '12', state: 'Tombstone' }), store(0, { id: '4', state: 'Tombstone' })],
      { evicting: [], downPeers: new Map(), missPeers: new Map() },
    );
    expect(tombstones.get(addr(0))?.id).toBe('12');
  });
});

describe('changes between snapshots', () => {
  const base = snap(poll());

  test('the first snapshot reports every member and store', () => {
    expect(diffSnapshots(emptySnapshot, base)).toEqual({
      members: ['pd-0', 'pd-1', 'pd-2'],
      stores: [0, 1, 2].map(addr),
    });
  });

  test('a leader change reports the old and the new leader', () => {
    expect(diffSnapshots(base, snap(poll({ members: members('pd-1') })))).toEqual({
      members: ['pd-0', 'pd-1'],
      stores: [],
    });
  });

  test('health changes and member removal', () => {
    const next = snap(poll({ members: members('pd-0', ['pd-0', 'pd-1']), health: health(['pd-1'], ['pd-0', 'pd-1']) }));
    expect(diffSnapshots(base, next).members).toEqual(['pd-1', 'pd-2']);
  });

  test('a store state change, a store added and a store removed', () => {
    const next = snap(
      poll({
        stores: [store(0), store(1, { state: 'Offline', stateName: 'Offline', nodeState: 'Removing' }), store(3)],
      }),
    );
    expect(diffSnapshots(base, next).stores).toEqual([addr(1), addr(2), addr(3)].sort());
  });

  test('leader counts report only when they reach or leave zero', () => {
    const fewer = snap(poll({ stores: [store(0, { leaderCount: 3 }), store(1), store(2)] }));
    expect(diffSnapshots(base, fewer).stores).toEqual([]);
    const none = snap(poll({ stores: [store(0, { leaderCount: 0 }), store(1), store(2)] }));
    expect(diffSnapshots(fewer, none).stores).toEqual([addr(0)]);
    expect(diffSnapshots(none, fewer).stores).toEqual([addr(0)]);
  });

  test('labels, eviction and Disconnected are changes', () => {
    expect(
      diffSnapshots(base, snap(poll({ stores: [store(0, { labels: { zone: 'a' } }), store(1), store(2)] }))),
    ).toEqual({
      members: [],
      stores: [addr(0)],
    });
    expect(diffSnapshots(base, snap(poll({ evictLeaderStoreIds: ['3'] }))).stores).toEqual([addr(2)]);
    expect(
      diffSnapshots(base, snap(poll({ stores: [store(0), store(1, { stateName: 'Disconnected' }), store(2)] }))).stores,
    ).toEqual([addr(1)]);
  });

  test('down peers appearing or clearing wake every store (restarts wait on the others)', () => {
    const down = snap(
      poll({ downPeerRegions: [{ regionId: '1', downPeers: [{ peerId: '5', storeId: '1', downSeconds: 1 }] }] }),
    );
    expect(diffSnapshots(base, down).stores).toEqual([0, 1, 2].map(addr));
    expect(diffSnapshots(down, base).stores).toEqual([0, 1, 2].map(addr));
  });

  test('a store starting or ending to hold regions that miss replicas is a change of that store', () => {
    const missing = snap(poll({ missPeerRegions: [{ regionId: '1', storeIds: ['1', '2'] }] }));
    expect(diffSnapshots(base, missing).stores).toEqual([addr(0), addr(1)]);
    expect(diffSnapshots(missing, base).stores).toEqual([addr(0), addr(1)]);
  });

  test('an identical poll reports nothing', () => {
    expect(diffSnapshots(base, snap(poll(), base))).toEqual({ members: [], stores: [] });
  });
});

describe('in progress', () => {
  test('at rest nothing is in progress', () => {
    expect(isInProgress(snap(poll()))).toBeUndefined();
  });

  test('removal, eviction, unhealthy member, no leader, not synced', () => {
    expect(isInProgress(emptySnapshot)).toBe('not synced');
    expect(
      isInProgress(
        snap(poll({ stores: [store(0, { state: 'Offline', stateName: 'Offline', nodeState: 'Removing' })] })),
      ),
    ).toBe('store 1 being removed');
    expect(isInProgress(snap(poll({ evictLeaderStoreIds: ['1'] })))).toBe('evicting leaders');
    expect(isInProgress(snap(poll({ health: health(['pd-1']) })))).toBe('member pd-1 unhealthy');
    expect(isInProgress(snap(poll({ members: members(undefined) })))).toBe('no PD leader');
  });

  test('regions missing replicas alone are not progress (a one-store cluster misses them for good)', () => {
    expect(isInProgress(snap(poll({ missPeerRegions: [{ regionId: '1', storeIds: ['1'] }] })))).toBeUndefined();
  });

  test('a Down store alone is not progress', () => {
    expect(isInProgress(snap(poll({ stores: [store(0, { stateName: 'Down' }), store(1), store(2)] })))).toBeUndefined();
  });
});
