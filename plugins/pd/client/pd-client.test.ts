// The PD client against the simulator's real HTTP server (PD v8.5 paths, codes and bodies), reached under the
// cluster-internal URL through the address resolver; and against small servers that fail on purpose.
import { afterEach, describe, expect, test } from 'bun:test';
import { type RunningServer, serve } from '../../../core/platform/runtime.ts';
import { FakeClock } from '../../../core/runtime/clock.ts';
import { pdName, storeAddress, storeIdAt, tickUntil, tickUntilSettled } from '../simulator/model/testing.ts';
import { isGone, isNotFound, isTimeout, isTooFewStores, PdApiError, PdUnreachableError } from './errors.ts';
import { PdClient, PdClientFactory, type PdWrite } from './pd-client.ts';
import { type ServedPd, servePd, TEST_PD_URL, until } from './testing.ts';

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function pd(opts: Parameters<typeof servePd>[0] = {}): ServedPd {
  const served = servePd(opts);
  running.push(served);
  return served;
}

function server(handler: (req: Request) => Response | Promise<Response>): RunningServer {
  const s = serve({ hostname: '127.0.0.1', port: 0, fetch: handler });
  running.push(s);
  return s;
}

const TWO_POW_53 = 2n ** 53n;

describe('members and leadership', () => {
  test('member and cluster ids above 2^53 round-trip exactly', async () => {
    const { model, client } = pd();
    const members = await client().members();
    expect(members.clusterId).toBe(model.clusterId.toString());
    expect(model.clusterId > TWO_POW_53).toBe(true);
    expect(members.members.map((m) => [m.name, m.memberId])).toEqual(
      model.members().map((m) => [m.name, m.memberId.toString()]),
    );
    expect(model.members().every((m) => m.memberId > TWO_POW_53)).toBe(true);
    expect(await client().clusterId()).toBe(model.clusterId.toString());
    const health = await client().health();
    expect(health.map((h) => [h.name, h.memberId, h.health])).toEqual(
      model.members().map((m) => [m.name, m.memberId.toString(), true]),
    );
  });

  test('leader and transferLeader', async () => {
    const { model, client } = pd();
    const c = client();
    expect((await c.leader())?.name).toBe(model.leader()?.name);
    expect((await c.members()).leader?.name).toBe(model.leader()?.name);
    const target = model.members().find((m) => m.name !== model.leader()?.name)?.name as string;
    await c.transferLeader(target);
    expect(model.leader()?.name).toBe(target);
    const err = await c.transferLeader('nobody').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PdApiError);
    expect((err as PdApiError).status).toBe(500);
  });

  test('deleteMemberByName: true when deleted, false when PD does not know the member (404)', async () => {
    const { model, client } = pd();
    const c = client();
    expect(await c.deleteMemberByName('nobody')).toBe(false);
    expect(await c.deleteMemberByName(pdName(2))).toBe(true);
    expect(model.member(pdName(2))).toBeUndefined();
    expect(await c.deleteMemberByName(pdName(2))).toBe(false);
  });

  test('deleteMemberById removes exactly the member with that uint64 id', async () => {
    const { model, client } = pd();
    const victim = model.members()[1];
    if (!victim) throw new Error('no member');
    const id = (await client().members()).members.find((m) => m.name === victim.name)?.memberId as string;
    // A rounded id (what JSON.parse would give) is another member or none: PD refuses it.
    const rounded = BigInt(Number(id)).toString();
    if (rounded !== id) {
      await expect(client().deleteMemberById(rounded)).rejects.toBeInstanceOf(PdApiError);
      expect(model.member(victim.name)).toBeDefined();
    }
    await client().deleteMemberById(id);
    expect(model.member(victim.name)).toBeUndefined();
    expect(model.members()).toHaveLength(2);
  });
});

describe('config', () => {
  test('replication config is read and updated in PD encoding', async () => {
    const { model, client } = pd();
    const c = client();
    expect(await c.replicationConfig()).toMatchObject({
      maxReplicas: 3,
      locationLabels: [],
      strictlyMatchLabel: false,
    });
    await c.updateReplicationConfig({ locationLabels: ['zone', 'host'], maxReplicas: 5 });
    expect(model.replication()).toMatchObject({ locationLabels: ['zone', 'host'], maxReplicas: 5 });
    expect((await c.replicationConfig()).locationLabels).toEqual(['zone', 'host']);
    expect((await c.config()).replication.locationLabels).toEqual(['zone', 'host']);
  });

  test('updateConfig sets PD items; a bad item is a 400 PdApiError', async () => {
    const { model, client } = pd();
    const c = client();
    await c.updateConfig({ 'max-store-down-time': '1m' });
    expect(model.schedule().maxStoreDownTimeMs).toBe(60_000);
    expect((await c.config()).maxStoreDownTime).toBe('1m0s');
    const err = await c.updateConfig({ 'no-such-item': 1 }).catch((e: unknown) => e);
    expect((err as PdApiError).status).toBe(400);
  });
});

describe('stores', () => {
  test('a cluster without stores is not bootstrapped: empty lists, not errors', async () => {
    const c = pd().client();
    expect(await c.stores()).toEqual([]);
    expect(await c.store(1)).toBeUndefined();
    expect(await c.schedulers()).toEqual([]);
    expect(await c.evictLeaderSchedulerStores()).toEqual([]);
    expect(await c.downPeerRegions()).toEqual([]);
  });

  test('stores are listed by state; Tombstone only when asked for', async () => {
    const { model, client } = pd({ stores: 4 });
    const c = client();
    const stores = await c.stores();
    expect(stores.map((s) => s.address).sort()).toEqual([0, 1, 2, 3].map(storeAddress));
    expect(stores.every((s) => s.state === 'Up' && s.nodeState === 'Serving')).toBe(true);
    const id = storeIdAt(model, 3);
    expect(await c.deleteStore(id)).toBe('offline');
    tickUntil(model, () => model.store(id)?.state === 'Tombstone');
    expect((await c.stores()).find((s) => s.id === String(id))?.stateName).toBe('Tombstone');
    expect((await c.stores({ includeTombstone: false })).map((s) => s.id)).not.toContain(String(id));
  });

  test('store(id): typed info, undefined for an unknown id', async () => {
    const { model, client } = pd({ stores: 3 });
    const id = storeIdAt(model, 0);
    const info = await client().store(String(id));
    expect(info).toMatchObject({ id: String(id), address: storeAddress(0), state: 'Up', stateName: 'Up' });
    expect(info?.regionCount).toBeGreaterThan(0);
    expect(await client().store(999_999)).toBeUndefined();
  });

  test('deleteStore: Offline, repeated, cancelled, refused below max-replicas', async () => {
    const { model, client } = pd({ stores: 4 });
    const c = client();
    const id = storeIdAt(model, 3);
    expect(await c.deleteStore(id)).toBe('offline');
    expect(model.store(id)?.state).toBe('Offline');
    expect(await c.deleteStore(id)).toBe('offline');
    await c.cancelDeleteStore(id);
    expect(model.store(id)?.state).toBe('Up');
    await c.cancelDeleteStore(id); // Up stays Up
    expect(await c.deleteStore(999_999)).toBe('not-found');
    await c.updateReplicationConfig({ maxReplicas: 4 });
    const refused = await c.deleteStore(id).catch((e: unknown) => e);
    expect(isTooFewStores(refused)).toBe(true);
    expect((refused as PdApiError).status).toBe(400);
    expect(model.store(id)?.state).toBe('Up');
  });

  test('deleteStore on a Tombstone answers removed (410); cancelling is then too late', async () => {
    const { model, client } = pd({ stores: 4 });
    const c = client();
    const id = storeIdAt(model, 1);
    await c.deleteStore(id);
    tickUntil(model, () => model.store(id)?.state === 'Tombstone');
    expect(await c.deleteStore(id)).toBe('removed');
    const err = await c.cancelDeleteStore(id).catch((e: unknown) => e);
    expect(isGone(err)).toBe(true);
  });

  test('force marks the store physically destroyed', async () => {
    const { model, client } = pd({ stores: 3 });
    const id = storeIdAt(model, 2);
    expect(await client().deleteStore(id, { force: true })).toBe('offline');
    expect((await client().store(id))?.physicallyDestroyed).toBe(true);
  });

  test('store labels: merge, replace with force, delete (a missing key counts as deleted)', async () => {
    const { model, client } = pd({ stores: 3 });
    const c = client();
    const id = storeIdAt(model, 0);
    await c.setStoreLabels(id, { zone: 'z1' });
    await c.setStoreLabels(id, { host: 'h1' });
    expect((await c.store(id))?.labels).toEqual({ zone: 'z1', host: 'h1' });
    await c.setStoreLabels(id, { rack: 'r1' }, { force: true });
    expect((await c.store(id))?.labels).toEqual({ rack: 'r1' });
    await c.deleteStoreLabel(id, 'rack');
    expect((await c.store(id))?.labels).toEqual({});
    await c.deleteStoreLabel(id, 'rack');
    const bad = await c.setStoreLabels(id, { engine: 'tiflash' }).catch((e: unknown) => e);
    expect((bad as PdApiError).status).toBe(400);
  });
});

describe('schedulers and regions', () => {
  test('evict-leader scheduler: add (created, then applied), list, remove (404 is done)', async () => {
    const { model, client } = pd({ stores: 4 });
    const c = client();
    const [a, b] = [storeIdAt(model, 0), storeIdAt(model, 1)];
    expect(await c.evictLeaderSchedulerStores()).toEqual([]);
    await c.addEvictLeaderScheduler(a);
    await c.addEvictLeaderScheduler(b);
    await c.addEvictLeaderScheduler(a);
    expect(await c.schedulers()).toContain('evict-leader-scheduler');
    expect(await c.evictLeaderSchedulerStores()).toEqual([String(a), String(b)].sort((x, y) => Number(x) - Number(y)));
    await c.removeEvictLeaderScheduler(a);
    await c.removeEvictLeaderScheduler(a);
    await c.removeEvictLeaderScheduler(b);
    expect(model.evictLeaderStores()).toEqual([]);
    expect(await c.evictLeaderSchedulerStores()).toEqual([]);
    expect(await c.schedulers()).not.toContain('evict-leader-scheduler');
  });

  test('an "already exists" refusal is success when the store is evicting', async () => {
    let evicting = false;
    const s = server(async (req) => {
      const path = new URL(req.url).pathname;
      if (req.method === 'POST' && path === '/pd/api/v1/schedulers') {
        evicting = true;
        return Response.json('[PD:scheduler:ErrSchedulerExisted]scheduler existed', { status: 500 });
      }
      if (path === '/pd/api/v1/scheduler-config/evict-leader-scheduler/list' && evicting) {
        return new Response('{"store-id-ranges":{"7":[{"start-key":"","end-key":""}]},"batch":3}');
      }
      return new Response('404 page not found\n', { status: 404 });
    });
    const c = new PdClient(`http://127.0.0.1:${s.port}`);
    await c.addEvictLeaderScheduler(7);
    const err = await c.addEvictLeaderScheduler(8).catch((e: unknown) => e);
    expect((err as PdApiError).code).toBe('ErrSchedulerExisted');
  });

  test('down-peer regions name the stopped store', async () => {
    const { model, client } = pd({ stores: 3 });
    const stopped = storeIdAt(model, 2);
    tickUntilSettled(model); // replicas spread to every store
    expect(await client().downPeerRegions()).toEqual([]);
    model.stopStore(storeAddress(2));
    const regions = await client().downPeerRegions();
    expect(regions.length).toBeGreaterThan(0);
    expect(regions.every((r) => r.downPeers.every((p) => p.storeId === String(stopped)))).toBe(true);
  });
});

describe('replication', () => {
  test('miss-peer regions name the stores that hold the replicas there are', async () => {
    const { model, client } = pd({ stores: 3 });
    const first = String(storeIdAt(model, 0));
    const regions = await client().missPeerRegions();
    expect(regions.length).toBeGreaterThan(0);
    expect(regions.every((r) => r.storeIds.length === 1 && r.storeIds[0] === first)).toBe(true);
    tickUntilSettled(model);
    expect(await client().missPeerRegions()).toEqual([]);
  });
});

describe('readiness', () => {
  test('ready while PD has a leader, not ready without quorum', async () => {
    const { model, client } = pd();
    expect(await client().ready()).toBe(true);
    model.setMemberHealth(pdName(1), false);
    model.setMemberHealth(pdName(2), false);
    expect(await client().ready()).toBe(false);
  });

  test('a PD older than v8.5.2 without the route (404) counts as ready', async () => {
    const s = server(() => new Response('404 page not found\n', { status: 404 }));
    expect(await new PdClient(`http://127.0.0.1:${s.port}`).ready()).toBe(true);
  });
});

describe('addresses', () => {
  test('the cluster-internal URL reaches the simulator only through the resolver', async () => {
    const { resolver, model } = pd();
    const resolved = new PdClient(TEST_PD_URL, { resolver });
    expect((await resolved.members()).clusterId).toBe(model.clusterId.toString());
    const direct = new PdClient(TEST_PD_URL, { retry: { attempts: 1 } });
    const err = await direct.members().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PdUnreachableError);
    expect((err as Error).message).toContain(TEST_PD_URL);
  });

  test('the factory hands out one client per URL', () => {
    const f = new PdClientFactory();
    expect(f.get('http://basic-pd.default.svc:2379')).toBe(f.get('http://Basic-PD.default.svc:2379/'));
    expect(f.get('http://other-pd.default.svc:2379')).not.toBe(f.get(TEST_PD_URL));
    f.forget(TEST_PD_URL);
    expect(f.urls()).toEqual(['http://other-pd.default.svc:2379']);
  });
});

describe('write notifications', () => {
  test('every write notifies after it settles, reads do not', async () => {
    const { model, client } = pd({ stores: 4 });
    const c = client();
    const writes: PdWrite[] = [];
    const off = c.onWrite((w) => writes.push(w));
    await c.members();
    await c.stores();
    await c.deleteStore(storeIdAt(model, 3));
    await c.transferLeader('nobody').catch(() => {});
    off();
    await c.cancelDeleteStore(storeIdAt(model, 3));
    expect(writes).toEqual([
      { operation: 'deleteStore', ok: true },
      { operation: 'transferLeader', ok: false },
    ]);
  });
});

describe('timeouts and retries', () => {
  /** A server that counts requests and answers each with the next reply; `hang` never answers. */
  function scripted(replies: Array<'hang' | (() => Response)>) {
    const seen: string[] = [];
    const s = server((req) => {
      seen.push(`${req.method} ${new URL(req.url).pathname}`);
      const reply = replies[Math.min(seen.length - 1, replies.length - 1)];
      return reply === 'hang' || reply === undefined ? new Promise<Response>(() => {}) : reply();
    });
    return { url: `http://127.0.0.1:${s.port}`, seen };
  }

  const membersBody = () => new Response('{"header":{"cluster_id":1},"members":[]}');
  const unavailable = () => new Response('no PD member is serving', { status: 503 });
  const noLeader = () => Response.json('[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader', { status: 500 });

  test('a request without an answer times out on the clock and a read is tried again', async () => {
    const clock = new FakeClock();
    const pdServer = scripted(['hang', membersBody]);
    const c = new PdClient(pdServer.url, { clock, retry: { attempts: 2, initialDelayMs: 100 } });
    let result: unknown;
    c.members().then(
      (v) => {
        result = v;
      },
      (e) => {
        result = e;
      },
    );
    await until(() => pdServer.seen.length === 1, 'first attempt arrives');
    await clock.advance(9_999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    await until(() => clock.pendingTimers() === 1, 'backoff timer armed');
    await clock.advance(100);
    await until(() => result !== undefined, 'second attempt answered');
    expect(result).toMatchObject({ clusterId: '1', members: [] });
    expect(pdServer.seen).toHaveLength(2);
  });

  test('a timed-out write that is not idempotent is not repeated', async () => {
    const clock = new FakeClock();
    const pdServer = scripted(['hang']);
    const c = new PdClient(pdServer.url, { clock, timeoutMs: 5_000 });
    let result: unknown;
    c.transferLeader('basic-pd-1').catch((e) => {
      result = e;
    });
    await until(() => pdServer.seen.length === 1, 'attempt arrives');
    await clock.advance(5_000);
    await until(() => result !== undefined, 'timeout reported');
    expect(isTimeout(result)).toBe(true);
    expect(pdServer.seen).toHaveLength(1);
  });

  test('writes are repeated when PD surely did nothing (503, no leader)', async () => {
    const pdServer = scripted([unavailable, noLeader, () => Response.json('The transfer command is submitted.')]);
    const c = new PdClient(pdServer.url, { retry: { attempts: 3, initialDelayMs: 1 } });
    await c.transferLeader('basic-pd-1');
    expect(pdServer.seen).toEqual(Array(3).fill('POST /pd/api/v1/leader/transfer/basic-pd-1'));
  });

  test('retries are bounded and the last failure is reported', async () => {
    const pdServer = scripted([unavailable]);
    const c = new PdClient(pdServer.url, { retry: { attempts: 3, initialDelayMs: 1 } });
    const err = await c.members().catch((e: unknown) => e);
    expect((err as PdApiError).status).toBe(503);
    expect(pdServer.seen).toHaveLength(3);
  });

  test('definitive answers are not retried', async () => {
    const pdServer = scripted([() => Response.json('[PD:core:ErrStoreNotFound]store 9 not found', { status: 404 })]);
    const c = new PdClient(pdServer.url, { retry: { attempts: 3, initialDelayMs: 1 } });
    const err = await c.store(9).catch((e: unknown) => e);
    expect(err).toBeUndefined();
    expect(pdServer.seen).toHaveLength(1);
    const pdServer2 = scripted([() => Response.json('[PD:core:ErrInvalidInput]nope', { status: 500 })]);
    const err2 = await new PdClient(pdServer2.url, { retry: { attempts: 3 } }).members().catch((e: unknown) => e);
    expect((err2 as PdApiError).code).toBe('ErrInvalidInput');
    expect(pdServer2.seen).toHaveLength(1);
  });

  test('a refused connection is retried and reported as unreachable', async () => {
    const s = serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
    const port = s.port;
    await s.stop();
    const c = new PdClient(`http://127.0.0.1:${port}`, { retry: { attempts: 2, initialDelayMs: 1 } });
    const err = await c.deleteMemberById('12345678901234567890').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PdUnreachableError);
    expect((err as PdUnreachableError).reason).toBe('connect');
  });

  test('a success body that is not PD JSON is a PdResponseError', async () => {
    const pdServer = scripted([() => new Response('<html>proxy</html>')]);
    const err = await new PdClient(pdServer.url).members().catch((e: unknown) => e);
    expect((err as Error).name).toBe('PdResponseError');
    expect((err as Error).message).toContain('not JSON');
  });

  test('the caller can cancel a call', async () => {
    const pdServer = scripted(['hang']);
    const c = new PdClient(pdServer.url);
    const controller = new AbortController();
    const pending = c.members({ signal: controller.signal }).catch((e: unknown) => e);
    await until(() => pdServer.seen.length === 1, 'attempt arrives');
    controller.abort(new Error('stopped'));
    expect(((await pending) as Error).message).toBe('stopped');
  });

  test('404 of an unknown route is a PdApiError with the plain-text body', async () => {
    const pdServer = scripted([() => new Response('404 page not found\n', { status: 404 })]);
    const err = await new PdClient(pdServer.url).members().catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect((err as PdApiError).body).toBe('404 page not found');
  });
});
