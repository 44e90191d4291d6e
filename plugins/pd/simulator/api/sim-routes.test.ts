import { afterEach, describe, expect, test } from 'bun:test';
import type { RunningServer } from '../../../../core/platform/runtime.ts';
import { testCluster } from '../model/testing.ts';
import { parseJsonLossless } from '../pd-json.ts';
import { serveSimulatedCluster } from './server.ts';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

function sim(model: Parameters<typeof serveSimulatedCluster>[0]) {
  const server = serveSimulatedCluster(model, { namespace: 'ns1', name: 'basic' });
  servers.push(server);
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      body: res.headers.get('content-type')?.includes('json') ? parseJsonLossless(text) : text,
    };
  };
}

describe('simulator control API', () => {
  test('plays TiKV processes by hand and steps time', async () => {
    const { model } = testCluster({ knobs: { regionCount: 4 } });
    const call = sim(model);
    for (const i of [0, 1, 2]) {
      const r = await call('POST', '/sim/api/v1/stores/start', { address: `t${i}:20160`, dataId: `d${i}` });
      expect(r.body).toMatchObject({ status: 'registered' });
    }
    const tick = await call('POST', '/sim/api/v1/tick', { count: 50 });
    expect(tick.body).toMatchObject({ ticks: 50, scheduled: true });
    const state = (await call('GET', '/sim/api/v1/state')).body as Record<string, unknown>;
    expect(state).toMatchObject({
      namespace: 'ns1',
      name: 'basic',
      quorum: true,
      leader: 'basic-pd-0',
      regions: { count: 4, unavailable: 0, under_replicated: 0, without_leader: 0 },
    });
    expect((state.stores as unknown[]).length).toBe(3);
    await call('POST', '/sim/api/v1/stores/stop', { address: 't0:20160' });
    const safety = (await call('GET', '/sim/api/v1/safety')).body as { counters: Record<string, number> };
    expect(safety.counters.leaderDropEvents).toBe(1);
  });

  test('exposes the safety counters as Prometheus text', async () => {
    const { model } = testCluster({ stores: 3, knobs: { regionCount: 2 } });
    const call = sim(model);
    const r = await call('GET', '/sim/metrics');
    expect(r.status).toBe(200);
    expect(r.text).toContain('# TYPE tikv_simulator_region_unavailable_events_total counter');
    expect(r.text).toContain('tikv_simulator_leader_drop_events_total{namespace="ns1",cluster="basic"} 0');
  });

  test('changes member health and destroys data', async () => {
    const { model } = testCluster({ stores: 1 });
    const call = sim(model);
    expect((await call('POST', '/sim/api/v1/members/health', { name: 'basic-pd-1', healthy: false })).status).toBe(200);
    expect(model.member('basic-pd-1')?.healthy).toBe(false);
    expect((await call('POST', '/sim/api/v1/members/health', { name: 'nope', healthy: false })).status).toBe(404);
    const up = await call('POST', '/sim/api/v1/members/up', {
      name: 'extra',
      clientUrls: [],
      peerUrls: [],
      dataId: 'x',
    });
    expect(up.body).toMatchObject({ ok: true, joined: true });
    const destroyed = await call('POST', '/sim/api/v1/data/destroy', { dataId: 'tikv-data-0' });
    expect(destroyed.body).toEqual({ stores: [1] });
    expect(model.safety().counters.dataLostRegions).toBe(64);
  });

  test('rejects malformed bodies with a readable message', async () => {
    const { model } = testCluster();
    const call = sim(model);
    const r = await call('POST', '/sim/api/v1/stores/start', { address: '' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('address');
    expect((await call('POST', '/sim/api/v1/tick', { count: 0 })).status).toBe(400);
  });
});
