// The decoders against the recorded PD response shapes (plugins/pd/simulator/fixtures): what a real PD v8.5
// sends, including omitempty fields and uint64 ids beyond 2^53.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonLossless } from './json.ts';
import {
  compareUint64,
  DecodeError,
  decodeCluster,
  decodeDownPeerRegions,
  decodeEvictLeaderList,
  decodeHealth,
  decodeLeader,
  decodeMembers,
  decodeMissPeerRegions,
  decodeReplicationConfig,
  decodeSchedulers,
  decodeStores,
  encodeReplicationPatch,
} from './responses.ts';

const fixture = (name: string) =>
  parseJsonLossless(readFileSync(join(import.meta.dir, '..', 'simulator', 'fixtures', name), 'utf8'));

describe('decoding recorded PD responses', () => {
  test('members: exact uint64 cluster and member ids as decimal strings, leader, priority', () => {
    const m = decodeMembers(fixture('members.json'));
    expect(m.clusterId).toBe('7447266112093815125');
    expect(m.members.map((x) => [x.name, x.memberId, x.leaderPriority])).toEqual([
      ['basic-pd-0', '3474484975246189105', 0],
      ['basic-pd-1', '13108417562371226873', 1],
    ]);
    expect(m.leader?.name).toBe('basic-pd-0');
    expect(m.etcdLeader?.memberId).toBe('3474484975246189105');
    expect(m.members[0]?.clientUrls).toEqual(['http://basic-pd-0.basic-pd-peer.default.svc:2379']);
  });

  test('health and leader', () => {
    expect(decodeHealth(fixture('health.json'))).toEqual([
      {
        name: 'basic-pd-0',
        memberId: '3474484975246189105',
        clientUrls: ['http://basic-pd-0.basic-pd-peer.default.svc:2379'],
        health: true,
      },
      {
        name: 'basic-pd-1',
        memberId: '13108417562371226873',
        clientUrls: ['http://basic-pd-1.basic-pd-peer.default.svc:2379'],
        health: false,
      },
    ]);
    expect(decodeLeader(fixture('leader.json'))?.name).toBeString();
    expect(decodeLeader(null)).toBeUndefined();
  });

  test('stores: enums by number with omitempty defaults, labels as a map, counts from status', () => {
    const stores = decodeStores(fixture('stores.json'));
    const up = stores[0];
    expect(up).toMatchObject({
      id: '1',
      address: 'basic-tikv-0.basic-tikv-peer.default.svc:20160',
      state: 'Up',
      stateName: 'Up',
      nodeState: 'Serving',
      labels: { zone: 'z1', host: 'kwok-node-0' },
      leaderCount: 7,
      regionCount: 21,
      lastHeartbeatTs: '2024-12-11T07:35:23.456789012Z',
      physicallyDestroyed: false,
    });
    const offline = stores.find((s) => s.id === '4');
    expect(offline).toMatchObject({ state: 'Offline', stateName: 'Offline', nodeState: 'Removing' });
    for (const s of stores) expect(s.id).toMatch(/^\d+$/);
  });

  test('cluster, schedulers, evict-leader list, down and missing peers, replication', () => {
    expect(decodeCluster(fixture('cluster.json'))).toEqual({ id: '7447266112093815125', maxPeerCount: 3 });
    expect(decodeSchedulers(fixture('schedulers.json'))).toContain('balance-leader-scheduler');
    expect(decodeEvictLeaderList(fixture('scheduler-config-evict-leader-list.json'))).toEqual(['4']);
    expect(decodeDownPeerRegions(fixture('regions-check-down-peer.json'))).toEqual([
      { regionId: '2', downPeers: [{ peerId: '27', storeId: '5', downSeconds: 42 }] },
    ]);
    expect(decodeMissPeerRegions(fixture('regions-check-miss-peer.json'))).toEqual([
      { regionId: '2', storeIds: ['1', '4'] },
    ]);
    expect(decodeReplicationConfig(fixture('config-replicate.json'))).toMatchObject({
      maxReplicas: 3,
      locationLabels: ['zone', 'host'],
      strictlyMatchLabel: false,
      enablePlacementRules: true,
    });
  });

  test('a body of the wrong shape names the field', () => {
    expect(() => decodeMembers({ members: [{ name: 7 }] })).toThrow(DecodeError);
    expect(() => decodeMembers({ members: [{ name: 7 }] })).toThrow('members[0].name: expected a string');
    expect(() => decodeStores({ stores: [{ store: { id: 1, address: 'a', node_state: 9 } }] })).toThrow(
      'stores[0].store.node_state: unknown value 9',
    );
    expect(() => decodeHealth({})).toThrow('expected an array');
  });
});

describe('encoding and ordering', () => {
  test('replication patches use PD encoding: string booleans and comma-joined labels, only given keys', () => {
    expect(encodeReplicationPatch({ locationLabels: ['zone', 'host'], strictlyMatchLabel: true })).toEqual({
      'location-labels': 'zone,host',
      'strictly-match-label': 'true',
    });
    expect(encodeReplicationPatch({ maxReplicas: 5 })).toEqual({ 'max-replicas': 5 });
    expect(() => encodeReplicationPatch({ maxReplicas: 0 })).toThrow(RangeError);
  });

  test('uint64 strings compare numerically', () => {
    const ids = ['13108417562371226873', '4', '3474484975246189105', '10'];
    expect([...ids].sort(compareUint64)).toEqual(['4', '10', '3474484975246189105', '13108417562371226873']);
  });
});
