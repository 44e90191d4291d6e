import { afterEach, describe, expect, test } from 'bun:test';
import type { Cluster } from '../../../core/api/cluster.ts';
import { FakeClock } from '../../../core/runtime/clock.ts';
import { pdName, storeAddress, storeIdAt } from '../simulator/model/testing.ts';
import { PdStateSources } from './data-plane-source.ts';
import { PdClientFactory } from './pd-client.ts';
import { type ServedPd, servePd, TEST_PD_URL, until } from './testing.ts';

const served: ServedPd[] = [];
const registries: PdStateSources[] = [];
afterEach(async () => {
  for (const r of registries.splice(0)) r.stop();
  await Promise.all(served.splice(0).map((s) => s.stop()));
});

const cluster = (pd?: string): Cluster =>
  ({
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'basic', namespace: 'default' },
    spec: {},
    status: pd ? { pd } : {},
  }) as unknown as Cluster;

function setup() {
  const pd = servePd({ stores: 3 });
  served.push(pd);
  const clock = new FakeClock();
  const clients = new PdClientFactory({ resolver: pd.resolver });
  const sources = new PdStateSources({ clients, clock });
  registries.push(sources);
  return { pd, clock, clients, sources };
}

/** Instance names as the PD and TiKV plugins would pick them: member names; the host part of store addresses. */
const pdInstances = (c: { members: readonly string[] }) => c.members;
const tikvInstances = (c: { stores: readonly string[] }) => c.stores.map((a) => a.slice(0, a.indexOf('.')));

describe('PdStateSources', () => {
  test('two plugins watching one cluster share one poller and each gets its own instance names', async () => {
    const { pd, clients, sources } = setup();
    const pdNames: string[][] = [];
    const tikvNames: string[][] = [];
    const offPd = sources.dataPlaneSource(pdInstances).watch(cluster(TEST_PD_URL), (n) => pdNames.push([...n]));
    const offTikv = sources.dataPlaneSource(tikvInstances).watch(cluster(TEST_PD_URL), (n) => tikvNames.push([...n]));
    await until(() => pdNames.length > 0 && tikvNames.length > 0, 'first events');
    expect(pdNames[0]).toEqual([0, 1, 2].map(pdName));
    expect(tikvNames[0]).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2']);
    const source = sources.sourceOf(cluster(TEST_PD_URL));
    expect(source?.pollCount()).toBe(1);

    // A write through the shared client of the same URL wakes only the plugin whose instance changed.
    pdNames.length = 0;
    tikvNames.length = 0;
    await clients.get(TEST_PD_URL).addEvictLeaderScheduler(storeIdAt(pd.model, 1));
    await until(() => tikvNames.length > 0, 'store event');
    await source?.whenIdle();
    expect(tikvNames).toEqual([['basic-tikv-1']]);
    expect(pdNames).toEqual([]);
    expect(source?.snapshot().stores.get(storeAddress(1))?.evicting).toBe(true);

    offPd();
    expect(sources.sourceOf(cluster(TEST_PD_URL))).toBe(source);
    offTikv();
    expect(sources.sourceOf(cluster(TEST_PD_URL))).toBeUndefined();
  });

  test('the last unsubscribe stops the poller', async () => {
    const { clock, sources } = setup();
    const off = sources.dataPlaneSource(pdInstances).watch(cluster(TEST_PD_URL), () => {});
    const source = sources.sourceOf(cluster(TEST_PD_URL));
    await until(() => source?.snapshot().synced === true, 'synced');
    await source?.whenIdle();
    expect(clock.pendingTimers()).toBe(1);
    off();
    off();
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(60_000);
    expect(source?.pollCount()).toBe(1);
  });

  test('a cluster without a PD URL is not watched', () => {
    const { sources, clock } = setup();
    const off = sources.dataPlaneSource(pdInstances).watch(cluster(), () => {});
    expect(clock.pendingTimers()).toBe(0);
    expect(sources.sourceOf(cluster())).toBeUndefined();
    off();
  });

  test('the PD URL can come from a custom rule', async () => {
    const pd = servePd();
    served.push(pd);
    const sources = new PdStateSources({
      clients: new PdClientFactory({ resolver: pd.resolver }),
      clock: new FakeClock(),
      pdUrlOf: (c) => `http://${c.metadata.name}-pd.${c.metadata.namespace}.svc:2379`,
    });
    registries.push(sources);
    const names: string[][] = [];
    sources.dataPlaneSource(pdInstances).watch(cluster(), (n) => names.push([...n]));
    await until(() => names.length > 0, 'first event');
    expect(names[0]).toEqual([0, 1, 2].map(pdName));
  });
});
