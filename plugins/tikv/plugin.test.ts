// The TiKV plugin's members that are not protocols: config and Pod through the contract, the data-plane view and
// its change events, the store labels, the names PD still holds, the template check.
import { afterEach, describe, expect, test } from 'bun:test';
import type { Cluster } from '../../core/api/cluster.ts';
import type { GroupObject } from '../../core/plugin/contract.ts';
import { PluginRegistry } from '../../core/plugin/registry.ts';
import type { Condition } from '../../core/tasks/conditions.ts';
import { until } from '../pd/client/testing.ts';
import { storeAddress, tickUntilSettled } from '../pd/simulator/model/testing.ts';
import { type TikvHarness, tikvHarness } from './testing.ts';

let h: TikvHarness;
afterEach(async () => {
  await h?.stop();
});

const group = (template: Record<string, unknown> = {}) =>
  ({
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'TiKVGroup',
    metadata: { name: 'basic-tikv', namespace: 'default' },
    spec: { cluster: { name: 'basic' }, replicas: 3, minReadySeconds: 0, template: { spec: template } },
  }) as GroupObject;

describe('TiKV plugin', () => {
  test('registers next to a PD plugin: it depends on pd, its kinds are TiKVGroup and TiKV', async () => {
    h = await tikvHarness();
    expect(h.plugin.dependsOn).toEqual(['pd']);
    expect(() => new PluginRegistry([h.plugin]).all()).toThrow('plugin tikv depends on pd, which is not registered');
    expect(h.plugin.groupKind.resource.kind).toBe('TiKVGroup');
    expect(h.plugin.instanceKind.resource.kind).toBe('TiKV');
    expect(h.plugin.ports).toEqual([
      { name: 'client', port: 20160 },
      { name: 'status', port: 20180 },
    ]);
  });

  test('renders the config with PD from the Cluster, and waits without one', async () => {
    h = await tikvHarness({ stores: 1 });
    const rendered = h.plugin.renderConfig(h.context(0, { spec: { config: 'log-level = "info"\n' } }));
    expect(rendered.ok).toBe(true);
    expect(rendered.ok && rendered.content).toContain('endpoints = [ "http://basic-pd.default.svc:2379" ]');
    expect(rendered.ok && rendered.content).toContain(
      'advertise-addr = "basic-tikv-0.basic-tikv-peer.default.svc:20160"',
    );

    const ctx = h.context(0);
    const withoutPd = { ...ctx, cluster: { ...ctx.cluster, status: {} } as Cluster };
    expect(h.plugin.renderConfig(withoutPd)).toMatchObject({
      ok: false,
      pending: expect.stringContaining('status.pd'),
    });
  });

  test('the group template check rejects broken TOML and managed keys', async () => {
    h = await tikvHarness();
    const ctx = h.context(0);
    expect(h.plugin.validateTemplate?.({ ...ctx, group: group({ config: 'log-level = "info"' }) })).toEqual([]);
    expect(h.plugin.validateTemplate?.({ ...ctx, group: group({ config: 'storage.data-dir = "/x"' }) })).toEqual([
      'config must not set storage.data-dir: the operator manages it',
    ]);
    expect(h.plugin.validateTemplate?.({ ...ctx, group: group({ config: '[[' }) })?.[0]).toContain(
      'config is not valid TOML',
    );
  });

  test('the view is the store at the advertise address; Ready follows it', async () => {
    h = await tikvHarness({ stores: 2 });
    const ctx = h.context(1);
    const id = String(h.pd.model.storeByAddress(storeAddress(1))?.id);
    expect(ctx.dataPlane.store?.id).toBe(id);
    expect(h.plugin.health(ctx)).toEqual({ healthy: true, reason: `store ${id} is Up` });
    expect(h.plugin.health(h.context(7))).toMatchObject({ healthy: false });
  });

  test("an operator that has not read PD yet keeps the instance's last health verdict", async () => {
    h = await tikvHarness({ stores: 1 });
    const ready: Condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Ready',
      message: 'store 1 is Up',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const unread = (conditions: Condition[]) => {
      const ctx = h.context(0, { conditions });
      ctx.dataPlane = { ...ctx.dataPlane, synced: false };
      return ctx;
    };
    expect(h.plugin.health(unread([ready]))).toEqual({ healthy: true, reason: 'store 1 is Up' });
    // A Pod that was not ready says nothing about the store: no verdict to keep.
    const podNotReady: Condition = {
      ...ready,
      status: 'False',
      reason: 'PodNotReady',
      message: 'the Pod is not ready',
    };
    expect(h.plugin.health(unread([podNotReady]))).toEqual({
      healthy: false,
      reason: "PD's stores have not been read yet",
    });
  });

  test('report store: the store id and node state go into the status', async () => {
    h = await tikvHarness({ stores: 1 });
    const ctx = h.context(0);
    await h.run(ctx, h.plugin.syncSteps ?? []);
    expect(ctx.statusPatch).toEqual({
      storeId: String(h.pd.model.storeByAddress(storeAddress(0))?.id),
      storeState: 'Serving',
    });
  });

  test("store labels: PD's location labels from the topology and the node, plus the user's, set only when they differ", async () => {
    h = await tikvHarness({ stores: 1, replication: { locationLabels: ['zone', 'host'] } });
    const spec = { topology: { 'topology.kubernetes.io/zone': 'zone-b' }, storeLabels: { disk: 'nvme' } };
    const pod = { metadata: { name: 'basic-tikv-0' }, spec: { nodeName: 'kwok-node-1' }, status: { phase: 'Running' } };
    await h.run(h.context(0, { spec, pod }), h.plugin.syncSteps ?? []);
    const labels = () =>
      Object.fromEntries(
        (h.pd.model.storeByAddress(storeAddress(0))?.labels ?? []).map((l) => [l.key, l.value] as const),
      );
    expect(labels()).toEqual({ zone: 'zone-b', host: 'kwok-node-1', disk: 'nvme' });
    expect(h.writes).toEqual(['setStoreLabels']);

    await h.refresh();
    await h.run(h.context(0, { spec, pod }), h.plugin.syncSteps ?? []);
    expect(h.writes).toEqual(['setStoreLabels']);
  });

  test('names in use: every store PD holds for the group, Tombstone ones too', async () => {
    h = await tikvHarness({ stores: 3 });
    tickUntilSettled(h.pd.model);
    const buried = h.pd.model.storeByAddress(storeAddress(2))?.id ?? -1;
    h.pd.model.deleteStore(buried, true);
    for (let i = 0; i < 50 && h.pd.model.store(buried)?.state !== 'Tombstone'; i++) h.pd.model.tick();
    await h.refresh();
    const names = h.plugin.namesInUse?.({ ...h.context(0), group: group() });
    expect([...(names ?? [])].sort()).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2']);
    const other = { ...group(), metadata: { name: 'other', namespace: 'default' } } as GroupObject;
    expect([...(h.plugin.namesInUse?.({ ...h.context(0), group: other }) ?? [])]).toEqual([]);
  });

  test('a store change wakes exactly its instance', async () => {
    h = await tikvHarness({ stores: 4 });
    const woken: string[][] = [];
    // The harness's source has read PD already: no first snapshot to report, only changes.
    const stop = h.plugin.dataPlaneSource?.watch(h.cluster, (names) => woken.push([...names]));
    h.pd.model.deleteStore(h.pd.model.storeByAddress(storeAddress(1))?.id ?? -1, false);
    await h.refresh();
    await until(() => woken.length > 0, 'the change');
    expect(woken).toEqual([['basic-tikv-1']]);
    stop?.();
  });

  test('store labels and the eviction timeout change without a restart', async () => {
    h = await tikvHarness();
    expect(h.plugin.hotReloadableFields).toEqual(['spec.storeLabels', 'spec.evictLeaderTimeout']);
  });
});
