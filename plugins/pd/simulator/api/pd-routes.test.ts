import { afterEach, describe, expect, test } from 'bun:test';
import type { RunningServer } from '../../../../core/platform/runtime.ts';
import type { PdClusterModel } from '../model/cluster.ts';
import {
  pdName,
  startTestStore,
  storeAddress,
  storeIdAt,
  testCluster,
  tickUntil,
  tickUntilSettled,
} from '../model/testing.ts';
import { type LosslessJson, parseJsonLossless } from '../pd-json.ts';
import { serveSimulatedCluster } from './server.ts';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

interface Reply {
  status: number;
  text: string;
  body: LosslessJson | undefined;
}

function client(model: PdClusterModel) {
  const server = serveSimulatedCluster(model, { namespace: 'default', name: 'basic' });
  servers.push(server);
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: LosslessJson | undefined;
    try {
      parsed = text === '' ? undefined : parseJsonLossless(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, text, body: parsed };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    del: (path: string, body?: unknown) => call('DELETE', path, body),
  };
}

const v1 = (path: string) => `/pd/api/v1${path}`;

describe('members, leader and health', () => {
  test('nothing answers before a PD member serves', async () => {
    const { model } = testCluster({ pdMembers: 0 });
    const pd = client(model);
    expect((await pd.get(v1('/health'))).status).toBe(503);
  });

  test('health lists every member with its uint64 id written in full', async () => {
    const { model } = testCluster();
    model.memberDown(pdName(2));
    const pd = client(model);
    const r = await pd.get(v1('/health'));
    expect(r.status).toBe(200);
    const m0 = model.member(pdName(0));
    expect(r.text).toContain(`"member_id": ${m0?.memberId}`);
    expect(r.body).toEqual(
      model
        .members()
        .map((m) => ({ name: m.name, member_id: m.memberId, client_urls: m.clientUrls, health: m.healthy })),
    );
  });

  test('members carry the cluster id, the members, the leader and the etcd leader', async () => {
    const { model } = testCluster();
    const r = await client(model).get(v1('/members'));
    const body = r.body as Record<string, LosslessJson>;
    expect(body.header).toEqual({ cluster_id: model.clusterId });
    expect((body.members as unknown[]).length).toBe(3);
    expect(body.leader).toMatchObject({ name: pdName(0), member_id: model.member(pdName(0))?.memberId as bigint });
    expect(body.etcd_leader).toEqual(body.leader as LosslessJson);
  });

  test('leader transfer moves the leader; unknown targets answer 500 with PD text', async () => {
    const { model } = testCluster();
    const pd = client(model);
    const ok = await pd.post(v1(`/leader/transfer/${pdName(1)}`));
    expect([ok.status, ok.body]).toEqual([200, 'The transfer command is submitted.']);
    expect(((await pd.get(v1('/leader'))).body as Record<string, LosslessJson>).name).toBe(pdName(1));
    const bad = await pd.post(v1('/leader/transfer/nobody'));
    expect([bad.status, bad.body]).toEqual([500, 'no valid pd to transfer etcd leader']);
  });

  test('members are deleted by name (404 when absent) and by id (400 when not a uint64)', async () => {
    const { model } = testCluster();
    const pd = client(model);
    const r = await pd.del(v1(`/members/name/${pdName(2)}`));
    expect([r.status, r.body]).toEqual([200, `removed, pd: ${pdName(2)}`]);
    const again = await pd.del(v1(`/members/name/${pdName(2)}`));
    expect([again.status, again.body]).toEqual([404, `not found, pd: ${pdName(2)}`]);
    const id = model.member(pdName(1))?.memberId;
    const byId = await pd.del(v1(`/members/id/${id}`));
    expect([byId.status, byId.body]).toEqual([200, `removed, pd: ${id}`]);
    expect((await pd.del(v1('/members/id/abc'))).status).toBe(400);
  });

  test('without a quorum every PD endpoint fails and v2 ready answers 500', async () => {
    const { model } = testCluster();
    model.memberDown(pdName(0));
    model.memberDown(pdName(1));
    const pd = client(model);
    const r = await pd.get(v1('/members'));
    expect([r.status, r.body]).toEqual([500, '[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader']);
    expect((await pd.get('/pd/api/v2/ready')).status).toBe(500);
    model.memberUp({ name: pdName(1), clientUrls: [], peerUrls: [], dataId: 'pd-data-1' });
    expect((await pd.get('/pd/api/v2/ready')).status).toBe(200);
  });

  test('leader priority can be set by member name', async () => {
    const { model } = testCluster();
    const pd = client(model);
    expect((await pd.post(v1(`/members/name/${pdName(2)}`), { 'leader-priority': 3 })).status).toBe(200);
    expect(model.member(pdName(2))?.leaderPriority).toBe(3);
    expect((await pd.post(v1('/members/name/nope'), { 'leader-priority': 3 })).status).toBe(404);
  });
});

describe('cluster, version and config', () => {
  test('cluster has the uint64 id and max_peer_count; version and ready answer', async () => {
    const { model } = testCluster();
    const pd = client(model);
    expect((await pd.get(v1('/cluster'))).body).toEqual({ id: model.clusterId, max_peer_count: 3 });
    expect((await pd.get(v1('/version'))).body).toEqual({ version: 'v8.5.2' });
    const ready = await pd.get('/pd/api/v2/ready');
    expect([ready.status, ready.text]).toEqual([200, '']);
    expect((await pd.get('/pd/api/v2/ready?verbose')).body).toEqual({ region_loaded: false, is_bootstrapped: false });
  });

  test('replication config reads and writes with string booleans and comma-joined labels', async () => {
    const { model } = testCluster();
    const pd = client(model);
    expect((await pd.get(v1('/config/replicate'))).body).toEqual({
      'max-replicas': 3,
      'location-labels': '',
      'strictly-match-label': 'false',
      'enable-placement-rules': 'true',
      'enable-placement-rules-cache': 'false',
      'isolation-level': '',
    });
    const r = await pd.post(v1('/config/replicate'), { 'max-replicas': 5, 'location-labels': 'zone,host' });
    expect([r.status, r.body]).toEqual([200, 'The config is updated.']);
    expect(model.replication()).toMatchObject({ maxReplicas: 5, locationLabels: ['zone', 'host'] });
    expect((await pd.post(v1('/config/replicate'), { 'strictly-match-label': true })).status).toBe(400);
    expect((await pd.post(v1('/config/replicate'), { 'location-labels': ['zone'] })).status).toBe(400);
    expect((await pd.post(v1('/config/replicate'), { 'isolation-level': 'rack' })).status).toBe(500);
  });

  test('config sets max-store-down-time by bare or dotted key and rejects unknown items', async () => {
    const { model } = testCluster();
    const pd = client(model);
    expect(
      ((await pd.get(v1('/config'))).body as Record<string, Record<string, LosslessJson>>).schedule?.[
        'max-store-down-time'
      ],
    ).toBe('30m0s');
    expect((await pd.post(v1('/config'), { 'max-store-down-time': '1m' })).status).toBe(200);
    expect(model.schedule().maxStoreDownTimeMs).toBe(60_000);
    expect((await pd.post(v1('/config'), { 'schedule.max-store-down-time': '90s' })).status).toBe(200);
    const cfg = (await pd.get(v1('/config'))).body as Record<string, Record<string, LosslessJson>>;
    expect(cfg.schedule?.['max-store-down-time']).toBe('1m30s');
    expect(cfg.replication?.['max-replicas']).toBe(3);
    expect((await pd.post(v1('/config'), { 'replication.max-replicas': 1 })).status).toBe(200);
    expect(model.replication().maxReplicas).toBe(1);
    const unknown = await pd.post(v1('/config'), { foo: 1 });
    expect([unknown.status, unknown.body]).toEqual([400, 'config item foo not found']);
    expect((await pd.post(v1('/config'), { 'max-store-down-time': 'soon' })).status).toBe(400);
    expect((await pd.post(v1('/config'), '{not json')).status).toBe(400);
  });
});

describe('stores', () => {
  test('before the first store, cluster routes answer 500 ErrNotBootstrapped', async () => {
    const { model } = testCluster();
    const pd = client(model);
    for (const path of ['/stores', '/store/1', '/regions/check/down-peer', '/regions/check/miss-peer', '/schedulers']) {
      const r = await pd.get(v1(path));
      expect([r.status, r.body]).toEqual([
        500,
        '[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first',
      ]);
    }
  });

  test('store info has PD shapes: state names, node state, sizes, times', async () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 6 } });
    tickUntilSettled(model);
    const id = storeIdAt(model, 0);
    const r = await client(model).get(v1(`/store/${id}`));
    expect(r.status).toBe(200);
    const body = r.body as { store: Record<string, LosslessJson>; status: Record<string, LosslessJson> };
    expect(body.store).toMatchObject({
      id,
      address: storeAddress(0),
      state_name: 'Up',
      node_state: 1,
      version: '8.5.2',
    });
    expect(body.store.state).toBeUndefined(); // Up is the zero value: omitted
    expect(typeof body.store.last_heartbeat).toBe('bigint');
    expect(body.status).toMatchObject({ capacity: '100GiB', region_count: 6, leader_count: 2 });
    expect(body.status.last_heartbeat_ts).toBe('2026-01-01T00:00:00Z');
  });

  test('unknown stores are 404 with PD text, malformed ids 400', async () => {
    const { model } = testCluster({ stores: 1 });
    const pd = client(model);
    const r = await pd.get(v1('/store/9'));
    expect([r.status, r.body]).toEqual([404, '[PD:core:ErrStoreNotFound]store 9 not found']);
    expect((await pd.get(v1('/store/x'))).status).toBe(400);
    expect((await pd.del(v1('/store/9'))).status).toBe(404);
  });

  test('deleting a store: 400 with too few stores, 200 Offline, then 410 once removed; Tombstone hidden by default', async () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 6 } });
    tickUntilSettled(model);
    const pd = client(model);
    const id = storeIdAt(model, 2);
    const refused = await pd.del(v1(`/store/${id}`));
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('[PD:core:ErrStoresNotEnough]');
    startTestStore(model, 3);
    const ok = await pd.del(v1(`/store/${id}`));
    expect([ok.status, ok.body]).toEqual([200, 'The store is set as Offline.']);
    const offline = (await pd.get(v1(`/store/${id}`))).body as { store: Record<string, LosslessJson> };
    expect(offline.store).toMatchObject({ state: 1, node_state: 2, state_name: 'Offline' });
    tickUntil(model, () => model.store(id)?.state === 'Tombstone');
    const gone = await pd.del(v1(`/store/${id}`));
    expect([gone.status, gone.body]).toEqual([410, `[PD:core:ErrStoreRemoved]store ${id} has been removed`]);
    const byDefault = (await pd.get(v1('/stores'))).body as { count: number };
    expect(byDefault.count).toBe(3);
    const all = (await pd.get(v1('/stores?state=0&state=1&state=2'))).body as {
      count: number;
      stores: Array<{ store: Record<string, LosslessJson> }>;
    };
    expect(all.count).toBe(4);
    expect(all.stores.find((s) => s.store.id === id)?.store).toMatchObject({
      state: 2,
      node_state: 3,
      state_name: 'Tombstone',
    });
    expect(((await pd.get(v1('/stores?state=2'))).body as { count: number }).count).toBe(1);
    expect((await pd.get(v1('/stores?state=7'))).status).toBe(500);
  });

  test('force marks the store physically destroyed in its JSON', async () => {
    const { model } = testCluster({ stores: 3 });
    const pd = client(model);
    const id = storeIdAt(model, 1);
    expect((await pd.del(v1(`/store/${id}?force`))).status).toBe(200);
    const body = (await pd.get(v1(`/store/${id}`))).body as { store: Record<string, LosslessJson> };
    expect(body.store.physically_destroyed).toBe(true);
  });

  test('state=Up cancels a removal; unknown states are 400; removed stores 410', async () => {
    const { model } = testCluster({ stores: 4, knobs: { regionCount: 4 } });
    tickUntilSettled(model);
    const pd = client(model);
    const id = storeIdAt(model, 3);
    await pd.del(v1(`/store/${id}`));
    const r = await pd.post(v1(`/store/${id}/state?state=Up`));
    expect([r.status, r.body]).toEqual([200, "The store's state is updated."]);
    expect(model.store(id)?.state).toBe('Up');
    expect((await pd.post(v1(`/store/${id}/state?state=Sideways`))).status).toBe(400);
    await pd.del(v1(`/store/${id}`));
    tickUntil(model, () => model.store(id)?.state === 'Tombstone');
    expect((await pd.post(v1(`/store/${id}/state?state=Up`))).status).toBe(410);
  });

  test('labels are merged, replaced with force and deleted by key', async () => {
    const { model } = testCluster({ stores: 1 });
    const pd = client(model);
    const id = storeIdAt(model, 0);
    const r = await pd.post(v1(`/store/${id}/label`), { zone: 'z1', host: 'h1' });
    expect([r.status, r.body]).toEqual([200, "The store's label is updated."]);
    await pd.post(v1(`/store/${id}/label?force`), { zone: 'z2' });
    const labels = ((await pd.get(v1(`/store/${id}`))).body as { store: Record<string, LosslessJson> }).store.labels;
    expect(labels).toEqual([{ key: 'zone', value: 'z2' }]);
    const del = await pd.del(v1(`/store/${id}/label`), '"zone"');
    expect([del.status, del.body]).toEqual([200, `The label zone is deleted for store ${id}.`]);
    expect((await pd.del(v1(`/store/${id}/label`), '"zone"')).status).toBe(500);
    expect((await pd.post(v1(`/store/${id}/label`), { engine: 'x' })).status).toBe(400);
    expect((await pd.post(v1('/store/999/label'), { zone: 'x' })).status).toBe(500);
    expect((await pd.post(v1(`/store/${id}/label`), { zone: 1 })).status).toBe(400);
  });

  test('remove-tombstone forgets Tombstone stores', async () => {
    const { model } = testCluster({ stores: 4, knobs: { regionCount: 4 } });
    tickUntilSettled(model);
    const pd = client(model);
    const id = storeIdAt(model, 3);
    await pd.del(v1(`/store/${id}`));
    tickUntil(model, () => model.store(id)?.state === 'Tombstone');
    expect((await pd.del(v1('/stores/remove-tombstone'))).body).toBe('Remove tombstone successfully.');
    expect((await pd.get(v1(`/store/${id}`))).status).toBe(404);
  });
});

describe('schedulers', () => {
  test('evict-leader lifecycle: created, applied, listed with its stores, removed per store, gone after the last', async () => {
    const { model } = testCluster({ stores: 3 });
    const pd = client(model);
    const [a, b] = [storeIdAt(model, 0), storeIdAt(model, 1)];
    expect((await pd.get(v1('/schedulers'))).body).toEqual([
      'balance-region-scheduler',
      'balance-leader-scheduler',
      'balance-hot-region-scheduler',
      'evict-slow-store-scheduler',
    ]);
    const created = await pd.post(v1('/schedulers'), { name: 'evict-leader-scheduler', store_id: a });
    expect([created.status, created.body]).toEqual([200, 'The scheduler is created.']);
    const applied = await pd.post(v1('/schedulers'), { name: 'evict-leader-scheduler', store_id: b });
    expect([applied.status, applied.body]).toEqual([200, 'The scheduler has been applied to the store.']);
    expect((await pd.get(v1('/schedulers'))).body).toContain('evict-leader-scheduler');
    expect((await pd.get(v1('/scheduler-config/evict-leader-scheduler/list'))).body).toEqual({
      'store-id-ranges': {
        [String(a)]: [{ 'start-key': '', 'end-key': '' }],
        [String(b)]: [{ 'start-key': '', 'end-key': '' }],
      },
      batch: 3,
    });
    const removed = await pd.del(v1(`/schedulers/evict-leader-scheduler-${a}`));
    expect([removed.status, removed.text]).toEqual([200, 'null\n']);
    expect((await pd.del(v1(`/schedulers/evict-leader-scheduler-${a}`))).status).toBe(404);
    expect((await pd.del(v1(`/schedulers/evict-leader-scheduler-${b}`))).status).toBe(200);
    expect((await pd.get(v1('/schedulers'))).body).not.toContain('evict-leader-scheduler');
    const list = await pd.get(v1('/scheduler-config/evict-leader-scheduler/list'));
    expect([list.status, list.text]).toEqual([404, '404 page not found\n']);
    const absent = await pd.del(v1(`/schedulers/evict-leader-scheduler-${b}`));
    expect([absent.status, absent.text]).toEqual([404, 'null\n']);
  });

  test('bad scheduler requests are 400 with PD texts', async () => {
    const { model } = testCluster({ stores: 1 });
    const pd = client(model);
    expect((await pd.post(v1('/schedulers'), { name: 'evict-leader-scheduler' })).body).toBe('missing store id');
    expect((await pd.post(v1('/schedulers'), { name: 'evict-leader-scheduler', store_id: '1' })).body).toBe(
      'please input a right store id',
    );
    expect((await pd.post(v1('/schedulers'), { store_id: 1 })).body).toBe('missing scheduler name');
    const unknown = await pd.post(v1('/schedulers'), { name: 'x-scheduler' });
    expect([unknown.status, unknown.body]).toEqual([400, 'unknown scheduler']);
    expect((await pd.post(v1('/schedulers'), { name: 'evict-leader-scheduler', store_id: 404 })).status).toBe(400);
  });

  test('other schedulers can be removed and added back', async () => {
    const { model } = testCluster({ stores: 1 });
    const pd = client(model);
    expect((await pd.del(v1('/schedulers/balance-leader-scheduler'))).body).toBe('The scheduler is removed.');
    expect((await pd.del(v1('/schedulers/balance-leader-scheduler'))).status).toBe(404);
    expect((await pd.post(v1('/schedulers'), { name: 'balance-leader-scheduler' })).status).toBe(200);
    expect((await pd.post(v1('/schedulers'), { name: 'balance-leader-scheduler' })).status).toBe(400);
  });
});

describe('regions', () => {
  test('down-peer lists regions with peers on stopped stores and their down seconds', async () => {
    const { model, clock } = testCluster({ stores: 3, knobs: { regionCount: 3 } });
    tickUntilSettled(model);
    const pd = client(model);
    expect((await pd.get(v1('/regions/check/down-peer'))).body).toEqual({ count: 0, regions: [] });
    model.stopStore(storeAddress(1));
    clock.advance(5_000);
    const body = (await pd.get(v1('/regions/check/down-peer'))).body as {
      count: number;
      regions: Array<Record<string, LosslessJson>>;
    };
    expect(body.count).toBe(3);
    expect(body.regions[0]?.down_peers).toEqual([
      {
        peer: { id: expect.any(Number), store_id: storeIdAt(model, 1), role_name: 'Voter' },
        down_seconds: 5,
      },
    ]);
    expect(((await pd.get(v1('/regions'))).body as { count: number }).count).toBe(3);
  });

  test('miss-peer lists regions with fewer peers than max-replicas, until the replica checker adds them', async () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 4 } });
    const pd = client(model);
    // The bootstrap regions start with one peer, on the first store.
    const before = (await pd.get(v1('/regions/check/miss-peer'))).body as {
      count: number;
      regions: Array<{ peers: Array<{ store_id: LosslessJson }> }>;
    };
    expect(before.count).toBe(4);
    expect(before.regions.map((r) => r.peers.map((p) => p.store_id))).toEqual(
      Array.from({ length: 4 }, () => [storeIdAt(model, 0)]),
    );
    tickUntilSettled(model);
    expect((await pd.get(v1('/regions/check/miss-peer'))).body).toEqual({ count: 0, regions: [] });
    model.updateReplication({ maxReplicas: 5 });
    expect(((await pd.get(v1('/regions/check/miss-peer'))).body as { count: number }).count).toBe(4);
  });
});

describe('routing', () => {
  test('unknown paths are a plain-text 404 like Go muxes', async () => {
    const { model } = testCluster();
    const r = await client(model).get('/pd/api/v1/nope');
    expect([r.status, r.text]).toEqual([404, '404 page not found\n']);
  });
});
