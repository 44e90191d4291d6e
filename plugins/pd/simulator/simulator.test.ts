import { afterEach, describe, expect, test } from 'bun:test';
import type { EventHandler, Informer } from '../../../core/cache/informer.ts';
import type { KubeObject } from '../../../core/kube/object.ts';
import { FakeClock } from '../../../core/runtime/clock.ts';
import { legacyLabels, legacyNames, legacyPdUrl, legacyStoreAddress } from '../../legacy/objects.ts';
import type { PodLike } from './drive/observations.ts';
import { parseJsonLossless } from './pd-json.ts';
import { type ObservedEvent, type Simulator, type SimulatorOptions, startSimulator } from './simulator.ts';

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function start(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ seed: 1, ...opts });
  running.push(sim);
  return sim;
}

function pod(name: string, component: 'pd' | 'tikv', opts: { claim?: string; deleting?: boolean; ns?: string } = {}) {
  const p: PodLike = {
    metadata: {
      name,
      namespace: opts.ns ?? 'default',
      uid: `uid-${name}`,
      labels: { 'tikv.org/cluster': 'basic', 'tikv.org/component': component },
      deletionTimestamp: opts.deleting ? '2026-01-01T00:00:00Z' : undefined,
    },
    spec: {
      hostname: name,
      subdomain: `basic-${component}-peer`,
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: opts.claim ?? `data-${name}` } }],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  return p;
}

const add = (obj: KubeObject, kind: ObservedEvent['kind'] = 'Pod'): ObservedEvent => ({ type: 'add', obj, kind });
const del = (obj: KubeObject, kind: ObservedEvent['kind'] = 'Pod'): ObservedEvent => ({ type: 'delete', obj, kind });

async function pdGet(sim: Simulator, url: string) {
  const res = await fetch(sim.resolver.resolve(url));
  return { status: res.status, body: parseJsonLossless(await res.text()) };
}

describe('startSimulator', () => {
  test('PD Pods become members reachable through the resolver by Pod and Service names', async () => {
    const sim = await start({ autoTick: false });
    for (const i of [0, 1, 2]) sim.observe(add(pod(`basic-pd-${i}`, 'pd')));
    sim.observe(
      add(
        {
          metadata: { name: 'basic-pd-client', namespace: 'default' },
          spec: { selector: { 'tikv.org/cluster': 'basic', 'tikv.org/component': 'pd' } },
        } as KubeObject,
        'Service',
      ),
    );
    const cluster = sim.cluster('default', 'basic');
    expect(cluster?.model.members().map((m) => m.name)).toEqual(['basic-pd-0', 'basic-pd-1', 'basic-pd-2']);
    for (const url of [
      'http://basic-pd-client.default.svc:2379/pd/api/v1/members',
      'http://basic-pd.default.svc.cluster.local:2379/pd/api/v1/members',
      'http://basic-pd-1.basic-pd-peer.default.svc:2379/pd/api/v1/members',
    ]) {
      const r = await pdGet(sim, url);
      expect(r.status).toBe(200);
      expect((r.body as { members: unknown[] }).members).toHaveLength(3);
    }
  });

  test('a PD Pod going away leaves an unhealthy member and moves the leader; its DNS name stops resolving', async () => {
    const sim = await start({ autoTick: false });
    for (const i of [0, 1, 2]) sim.observe(add(pod(`basic-pd-${i}`, 'pd')));
    const model = sim.cluster('default', 'basic')?.model;
    sim.observe({
      type: 'update',
      obj: pod('basic-pd-0', 'pd', { deleting: true }),
      old: pod('basic-pd-0', 'pd'),
      kind: 'Pod',
    });
    expect(model?.member('basic-pd-0')?.healthy).toBe(false);
    expect(model?.leader()?.name).toBe('basic-pd-1');
    sim.observe(del(pod('basic-pd-0', 'pd', { deleting: true })));
    expect(model?.members()).toHaveLength(3);
    const url = 'http://basic-pd-0.basic-pd-peer.default.svc:2379/';
    expect(sim.resolver.resolve(url)).toBe(url);
  });

  test('TiKV Pods register stores, ticking on the clock spreads replicas, a deleted Pod turns Disconnected', async () => {
    const clock = new FakeClock();
    const sim = await start({ clock, knobs: { regionCount: 6, tickMs: 100 } });
    sim.observe(add(pod('basic-pd-0', 'pd')));
    for (const i of [0, 1, 2]) sim.observe(add(pod(`basic-tikv-${i}`, 'tikv')));
    const model = sim.cluster('default', 'basic')?.model;
    await clock.advance(2_000);
    expect(model?.regions().every((r) => r.peers.length === 3)).toBe(true);
    const stores = await pdGet(sim, 'http://basic-pd.default.svc:2379/pd/api/v1/stores');
    expect((stores.body as { count: number }).count).toBe(3);

    sim.observe(del(pod('basic-tikv-2', 'tikv')));
    await clock.advance(21_000);
    const id = model?.storeByAddress('basic-tikv-2.basic-tikv-peer.default.svc:20160')?.id;
    const store = await pdGet(sim, `http://basic-pd.default.svc:2379/pd/api/v1/store/${id}`);
    expect((store.body as { store: { state_name: string } }).store.state_name).toBe('Disconnected');
    expect(model?.tickCount()).toBeGreaterThanOrEqual(230);
  });

  test('a TiKV Pod back on its PVC is the same store; after its PVC was deleted it is refused as a duplicate', async () => {
    const sim = await start({ autoTick: false });
    sim.observe(add(pod('basic-pd-0', 'pd')));
    for (const i of [0, 1, 2]) sim.observe(add(pod(`basic-tikv-${i}`, 'tikv')));
    const model = sim.cluster('default', 'basic')?.model;
    const address = 'basic-tikv-0.basic-tikv-peer.default.svc:20160';
    const id = model?.storeByAddress(address)?.id;
    sim.observe(del(pod('basic-tikv-0', 'tikv')));
    sim.observe(add(pod('basic-tikv-0', 'tikv')));
    expect(model?.storeByAddress(address)).toMatchObject({ id, running: true });

    sim.observe(del(pod('basic-tikv-0', 'tikv')));
    sim.observe(del({ metadata: { name: 'data-basic-tikv-0', namespace: 'default' } }, 'PersistentVolumeClaim'));
    expect(model?.store(id ?? 0)?.dataDestroyed).toBe(true);
    sim.observe(add(pod('basic-tikv-0', 'tikv')));
    expect(model?.storeByAddress(address)).toMatchObject({ id, running: false });
    expect(model?.rejections().at(-1)?.reason).toContain('duplicated store address');
  });

  test('is fed from an async stream and from informers', async () => {
    async function* stream(): AsyncGenerator<ObservedEvent> {
      yield add(pod('basic-pd-0', 'pd', { ns: 'a' }));
    }
    const handlers: EventHandler<KubeObject>[] = [];
    const informer = {
      addHandler(h: EventHandler<KubeObject>) {
        handlers.push(h);
        h({ type: 'add', obj: pod('basic-pd-0', 'pd', { ns: 'b' }) });
        return () => handlers.splice(handlers.indexOf(h), 1);
      },
    } as unknown as Informer;
    const sim = await start({ autoTick: false, events: stream(), informers: { pods: informer } });
    await new Promise((r) => setTimeout(r, 0));
    expect(sim.cluster('a', 'basic')?.model.members()).toHaveLength(1);
    expect(sim.cluster('b', 'basic')?.model.members()).toHaveLength(1);
    handlers[0]?.({ type: 'add', obj: pod('basic-pd-1', 'pd', { ns: 'b' }) });
    expect(sim.cluster('b', 'basic')?.model.members()).toHaveLength(2);
    await sim.stop();
    expect(handlers).toHaveLength(0);
  });

  test('pre-declared clusters exist at once; safety and metrics cover every cluster; stop closes servers', async () => {
    const sim = await start({
      autoTick: false,
      clusters: [
        { namespace: 'x', name: 'one', hosts: ['pd.example.internal'] },
        { namespace: 'y', name: 'two', knobs: { regionCount: 2 } },
      ],
    });
    const one = sim.cluster('x', 'one');
    expect(one?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.resolver.resolve('http://pd.example.internal:2379/x')).toBe(`${one?.url}/x`);
    expect(sim.safety()).toMatchObject({ clean: true, clusters: [{ name: 'one' }, { name: 'two' }] });
    expect(sim.metricsText()).toContain('tikv_simulator_dropped_leaders_total{namespace="y",cluster="two"} 0');
    await sim.stop();
    expect(sim.resolver.resolve('http://pd.example.internal:2379/x')).toBe('http://pd.example.internal:2379/x');
    await expect(fetch(`${one?.url}/pd/api/v1/health`)).rejects.toThrow();
  });

  test("a legacy TikvCluster's Pods and a new Cluster's Pods of the same name are members and stores of one PD", async () => {
    const sim = await start({ autoTick: false });
    const legacyPod = (component: 'pd' | 'tikv', i: number): PodLike => ({
      metadata: {
        name: legacyNames.pod('basic', component, i),
        namespace: 'default',
        uid: `uid-legacy-${component}-${i}`,
        labels: legacyLabels('basic', component),
      },
      spec: {
        hostname: legacyNames.pod('basic', component, i),
        subdomain: legacyNames.peerService('basic', component),
        volumes: [{ name: component, persistentVolumeClaim: { claimName: legacyNames.claim('basic', component, i) } }],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    for (const i of [0, 1, 2]) sim.observe(add(legacyPod('pd', i)));
    for (const i of [0, 1, 2]) sim.observe(add(legacyPod('tikv', i)));
    sim.observe(add(pod('basic-pdg-0', 'pd')));
    sim.observe(add(pod('basic-kvg-0', 'tikv')));
    const model = sim.cluster('default', 'basic')?.model;
    expect(sim.clusters()).toHaveLength(1);
    expect(model?.members().map((m) => m.name)).toEqual(['basic-pd-0', 'basic-pd-1', 'basic-pd-2', 'basic-pdg-0']);
    expect(model?.stores().map((st) => st.address)).toEqual([
      ...[0, 1, 2].map((i) => legacyStoreAddress('basic', i, 'default')),
      'basic-kvg-0.basic-tikv-peer.default.svc:20160',
    ]);
    // The legacy PD Service URL every legacy TiKV was started with reaches the same PD.
    const members = await pdGet(sim, `${legacyPdUrl('basic', 'default')}/pd/api/v1/members`);
    expect((members.body as { members: unknown[] }).members).toHaveLength(4);
  });
});
