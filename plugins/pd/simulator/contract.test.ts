// Pins the simulator's JSON against recorded shapes of real PD responses (fixtures/), so the simulator and the
// operator's PD client agree with PD and not only with each other: same keys, same value types, and uint64 ids
// written as bare integers beyond 2^53. Keys PD omits when empty (omitempty) may be missing on either side.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import type { RunningServer } from '../../../core/platform/runtime.ts';
import { serveSimulatedCluster } from './api/server.ts';
import type { PdClusterModel } from './model/cluster.ts';
import { startTestStore, storeAddress, storeIdAt, testCluster, tickUntil, tickUntilSettled } from './model/testing.ts';
import { type LosslessJson, parseJsonLossless } from './pd-json.ts';

const OMITEMPTY = new Set([
  // metapb.Store, metapb.Peer, pdpb.Member and pdpb.PeerStats: every protobuf field is omitempty.
  'state',
  'labels',
  'peer_address',
  'status_address',
  'git_hash',
  'start_timestamp',
  'deploy_path',
  'physically_destroyed',
  'node_state',
  'leader_priority',
  'binary_version',
  'down_seconds',
  // response.StoreStatus and RegionInfo omitempty fields.
  'learner_count',
  'witness_count',
  'pending_peer_count',
  'slow_score',
  'is_busy',
  'start_ts',
  'last_heartbeat_ts',
  'uptime',
  'down_peers',
  'pending_peers',
]);

type Shape = 'uint64' | 'number' | 'string' | 'boolean' | 'null' | 'array' | 'object';

function shapeOf(value: LosslessJson): Shape {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return 'uint64';
  if (Array.isArray(value)) return 'array';
  return typeof value as Shape;
}

function isPlainObject(value: LosslessJson | undefined): value is { [key: string]: LosslessJson } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value !== 'bigint';
}

/** Differences between two JSON values' shapes, as readable paths. Map keys (store ids) are compared as one. */
function shapeDiff(actual: LosslessJson, expected: LosslessJson, path: string, mapKeys = false): string[] {
  const a = shapeOf(actual);
  const e = shapeOf(expected);
  // Small uint64 values (store ids) are plain numbers after parsing; large ones must stay uint64.
  if (a !== e && !(e === 'number' && a === 'uint64')) return [`${path}: ${a} where PD has ${e}`];
  if (Array.isArray(actual) && Array.isArray(expected)) {
    const template = expected[0];
    if (template === undefined) return [];
    return actual.flatMap((item, i) => shapeDiff(item, template, `${path}[${i}]`));
  }
  if (isPlainObject(actual) && isPlainObject(expected)) {
    if (mapKeys) {
      const template = Object.values(expected)[0];
      if (template === undefined) return [];
      return Object.entries(actual).flatMap(([k, v]) => shapeDiff(v, template, `${path}.${k}`));
    }
    const out: string[] = [];
    for (const key of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
      const av = actual[key];
      const ev = expected[key];
      if (av === undefined && ev !== undefined && !OMITEMPTY.has(key)) out.push(`${path}.${key}: missing`);
      else if (ev === undefined && av !== undefined && !OMITEMPTY.has(key)) out.push(`${path}.${key}: not in PD`);
      else if (av !== undefined && ev !== undefined)
        out.push(...shapeDiff(av, ev, `${path}.${key}`, key === 'store-id-ranges'));
    }
    return out;
  }
  return [];
}

function fixture(name: string): { text: string; json: LosslessJson } {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return { text, json: parseJsonLossless(text) };
}

/** Every uint64 id PD writes (member and cluster ids) must come as a bare integer beyond 2^53. */
function bareUint64Ids(text: string): bigint[] {
  return [...text.matchAll(/"(?:member_id|cluster_id|id)"\s*:\s*(\d+)/g)]
    .map((m) => BigInt(m[1] as string))
    .filter((n) => n > 2n ** 53n);
}

let model: PdClusterModel;
let server: RunningServer;
let unbootstrapped: PdClusterModel;
let emptyServer: RunningServer;
let tombstoneId = 0;

beforeAll(() => {
  const built = testCluster({ stores: 5, knobs: { regionCount: 10 } });
  model = built.model;
  tickUntilSettled(model);
  model.setStoreLabels(storeIdAt(model, 0), { zone: 'z1', host: 'h0' }, false);
  model.setMemberLeaderPriority('basic-pd-1', 1);
  model.memberDown('basic-pd-2');
  tombstoneId = storeIdAt(model, 4);
  model.deleteStore(tombstoneId, true);
  tickUntil(model, () => model.store(tombstoneId)?.state === 'Tombstone');
  model.deleteStore(storeIdAt(model, 3), false); // stays Offline for a moment: no tick until the test reads it
  model.stopStore(storeAddress(2));
  built.clock.advance(30_000); // store 2 is Disconnected now
  model.addScheduler('evict-leader-scheduler', storeIdAt(model, 1));
  model.updateReplication({ maxReplicas: 4 }); // every region misses a peer now: no tick until the test reads it
  server = serveSimulatedCluster(model, { namespace: 'default', name: 'basic' });
  ({ model: unbootstrapped } = testCluster());
  emptyServer = serveSimulatedCluster(unbootstrapped, { namespace: 'default', name: 'empty' });
});

afterAll(async () => {
  await Promise.all([server?.stop(), emptyServer?.stop()]);
});

async function get(path: string, srv = server, method = 'GET'): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${srv.port}${path}`, { method });
  return { status: res.status, text: await res.text() };
}

describe('the shape comparison', () => {
  test('sees a quoted uint64, a missing key, an extra key and a wrong type, and lets omitempty keys go', () => {
    const recorded = parseJsonLossless('{"member_id": 13108417562371226873, "name": "a", "leader_priority": 1}');
    expect(shapeDiff(parseJsonLossless('{"member_id": "13108417562371226873", "name": "a"}'), recorded, '$')).toEqual([
      '$.member_id: string where PD has uint64',
    ]);
    expect(shapeDiff(parseJsonLossless('{"member_id": 13108417562371226873}'), recorded, '$')).toEqual([
      '$.name: missing',
    ]);
    expect(
      shapeDiff(parseJsonLossless('{"member_id": 13108417562371226873, "name": "a", "x": 1}'), recorded, '$'),
    ).toEqual(['$.x: not in PD']);
    expect(shapeDiff(parseJsonLossless('{"member_id": 1.5, "name": "a"}'), recorded, '$')).toEqual([
      '$.member_id: number where PD has uint64',
    ]);
    expect(shapeDiff(parseJsonLossless('{"member_id": 13108417562371226873, "name": "b"}'), recorded, '$')).toEqual([]);
  });
});

describe('simulator responses have the shapes of recorded PD responses', () => {
  test.each([
    ['/pd/api/v1/health', 'health.json'],
    ['/pd/api/v1/members', 'members.json'],
    ['/pd/api/v1/leader', 'leader.json'],
    ['/pd/api/v1/cluster', 'cluster.json'],
    ['/pd/api/v1/config/replicate', 'config-replicate.json'],
    ['/pd/api/v1/schedulers', 'schedulers.json'],
    ['/pd/api/v1/scheduler-config/evict-leader-scheduler/list', 'scheduler-config-evict-leader-list.json'],
    ['/pd/api/v1/regions/check/down-peer', 'regions-check-down-peer.json'],
    ['/pd/api/v1/regions/check/miss-peer', 'regions-check-miss-peer.json'],
    ['/pd/api/v1/version', 'version.json'],
  ])('%s matches fixtures/%s', async (path, name) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(shapeDiff(parseJsonLossless(res.text), fixture(name).json, '$')).toEqual([]);
  });

  test('every store state (Up, Offline, Tombstone) matches the recorded store of that state', async () => {
    const res = await get('/pd/api/v1/stores?state=0&state=1&state=2');
    const actual = parseJsonLossless(res.text) as { count: number; stores: Array<{ store: { state_name: string } }> };
    const recorded = fixture('stores.json').json as { stores: Array<{ store: { state_name: string } }> };
    const names = new Set(actual.stores.map((s) => s.store.state_name));
    expect(names).toEqual(new Set(['Up', 'Disconnected', 'Offline', 'Tombstone']));
    for (const store of actual.stores) {
      // Disconnected and Down are Up stores by their state and shape.
      const wanted = ['Disconnected', 'Down'].includes(store.store.state_name) ? 'Up' : store.store.state_name;
      const template = recorded.stores.find((s) => s.store.state_name === wanted);
      expect(template).toBeDefined();
      expect(shapeDiff(store as unknown as LosslessJson, template as unknown as LosslessJson, `$[${wanted}]`)).toEqual(
        [],
      );
    }
    expect(shapeDiff(actual as unknown as LosslessJson, { count: 0, stores: [] }, '$')).toEqual([]);
  });

  test('member and cluster ids are written as bare integers beyond 2^53, like the recorded responses', async () => {
    for (const [path, name] of [
      ['/pd/api/v1/members', 'members.json'],
      ['/pd/api/v1/health', 'health.json'],
      ['/pd/api/v1/cluster', 'cluster.json'],
    ] as const) {
      expect(bareUint64Ids(fixture(name).text).length).toBeGreaterThan(0);
      const ids = bareUint64Ids((await get(path)).text);
      expect(ids.length).toBeGreaterThan(0);
    }
    const members = parseJsonLossless((await get('/pd/api/v1/members')).text) as { header: { cluster_id: bigint } };
    expect(members.header.cluster_id).toBe(model.clusterId);
  });

  test('errors are JSON strings with the recorded status and text', async () => {
    const recorded = fixture('errors.json').json as Record<string, { status: number; body: string }>;
    const cases: Array<[string, Promise<{ status: number; text: string }>]> = [
      ['GET /pd/api/v1/store/9', get('/pd/api/v1/store/9')],
      ['GET /pd/api/v1/stores before bootstrap', get('/pd/api/v1/stores', emptyServer)],
      ['DELETE /pd/api/v1/members/name/nobody', get('/pd/api/v1/members/name/nobody', server, 'DELETE')],
    ];
    for (const [key, pending] of cases) {
      const res = await pending;
      expect({ key, status: res.status, body: parseJsonLossless(res.text) }).toEqual({
        key,
        status: recorded[key]?.status as number,
        body: recorded[key]?.body as string,
      });
    }
    const gone = await get(`/pd/api/v1/store/${tombstoneId}`, server, 'DELETE');
    const want = recorded['DELETE /pd/api/v1/store/{tombstone}'];
    if (!want) throw new Error('fixture errors.json lacks the tombstone case');
    expect(gone.status).toBe(want.status);
    expect(parseJsonLossless(gone.text)).toBe(want.body.replace('store 5', `store ${tombstoneId}`));
  });

  test('a new store at a tombstone address keeps the shapes', async () => {
    startTestStore(model, 4, undefined, 'replacement');
    const res = await get(`/pd/api/v1/store/${storeIdAt(model, 4)}`);
    const recorded = fixture('stores.json').json as { stores: LosslessJson[] };
    expect(shapeDiff(parseJsonLossless(res.text), recorded.stores[0] as LosslessJson, '$')).toEqual([]);
  });
});
