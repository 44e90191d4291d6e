// The scale-in protocol: its decisions as tables, and its steps against a simulated PD (real client, real state
// source, PD's HTTP API on loopback).
import { afterEach, describe, expect, test } from 'bun:test';
import type { GroupObject, InstanceObject } from '../../../core/plugin/contract.ts';
import { until } from '../../pd/client/testing.ts';
import { storeAddress, tickUntil, tickUntilSettled } from '../../pd/simulator/model/testing.ts';
import { storeView, type TikvHarness, tikvHarness, viewOf } from '../testing.ts';
import { isStoreRemoved, type PodStart, REGISTRATION_GRACE_MS, scaleInVerdict } from './scale-in.ts';

describe('scaleInVerdict', () => {
  test.each([
    [{ maxReplicas: 3, upStores: 4, count: 1 }, { ok: true }],
    [{ maxReplicas: 3, upStores: 5, count: 2 }, { ok: true }],
    [
      { maxReplicas: 3, upStores: 3, count: 1 },
      { ok: false, reason: 'PD max-replicas is 3: only 2 of 3 Up stores would remain' },
    ],
    [
      { maxReplicas: 3, upStores: 4, count: 2 },
      { ok: false, reason: 'PD max-replicas is 3: only 2 of 4 Up stores would remain' },
    ],
    [
      { maxReplicas: 5, upStores: 2, count: 3 },
      { ok: false, reason: 'PD max-replicas is 5: only 0 of 2 Up stores would remain' },
    ],
    [{ maxReplicas: 1, upStores: 1, count: 0 }, { ok: true }],
  ])('%j -> %j', (input, expected) => {
    expect(scaleInVerdict(input)).toEqual(expected as ReturnType<typeof scaleInVerdict>);
  });
});

describe('isStoreRemoved', () => {
  const tombstone = storeView({ state: 'Tombstone', stateName: 'Tombstone', nodeState: 'Removed' });
  const started: PodStart = { startedAtMs: 1_000, createdAtMs: 500, scheduled: true };
  const bound: PodStart = { startedAtMs: undefined, createdAtMs: 500, scheduled: true };
  const pending: PodStart = { startedAtMs: undefined, createdAtMs: 500, scheduled: false };
  const later = (ms: number) => viewOf(undefined, [], { fetchedAt: ms });
  test.each([
    ['no PD URL and no store ever seen', viewOf(undefined, [], { pdUrl: undefined }), undefined, undefined, true],
    ['no PD URL but a store was seen once', viewOf(undefined, [], { pdUrl: undefined }), undefined, '7', false],
    ['PD not read yet', viewOf(tombstone, [], { synced: false }), undefined, undefined, false],
    ['PD view stale', viewOf(tombstone, [], { stale: true }), undefined, undefined, false],
    ['Up', viewOf(storeView()), started, '1', false],
    ['Offline', viewOf(storeView({ state: 'Offline', nodeState: 'Removing' })), started, '1', false],
    ['Tombstone', viewOf(tombstone), started, '1', true],
    ['Tombstone still in the evict-leader scheduler', viewOf({ ...tombstone, evicting: true }), started, '1', false],
    ['no store, no Pod', viewOf(undefined), undefined, undefined, true],
    ['no store, the Pod started after the last poll', later(1_000 + 5_000), started, undefined, false],
    ['no store in a poll long after the Pod started', later(1_000 + REGISTRATION_GRACE_MS), started, undefined, true],
    // The cache shows the Pod bound but not started: the kubelet may run it already (a quick scale-out then in).
    [
      'no store, the Pod bound but not started, however late',
      later(500 + 10 * REGISTRATION_GRACE_MS),
      bound,
      undefined,
      false,
    ],
    ['no store, the Pod unscheduled for less than the grace', later(500 + 5_000), pending, undefined, false],
    [
      'no store, the Pod unscheduled for the grace: it never ran',
      later(500 + REGISTRATION_GRACE_MS),
      pending,
      undefined,
      true,
    ],
  ])('%s -> %s', (_what, view, pod, knownStoreId, expected) => {
    expect(isStoreRemoved({ view, pod, knownStoreId })).toBe(expected);
  });
});

describe('scale-in protocol against a simulated PD', () => {
  let h: TikvHarness;
  afterEach(async () => {
    await h?.stop();
  });

  // By id: PD's address index forgets a store once it is Tombstone.
  const ids = new Map<number, number>();
  const storeOf = (i: number) => {
    const id = ids.get(i) ?? h.pd.model.storeByAddress(storeAddress(i))?.id;
    if (id !== undefined) ids.set(i, id);
    return id === undefined ? undefined : h.pd.model.store(id);
  };
  const leadersOn = (i: number) => h.pd.model.storeStatus(storeOf(i)?.id ?? -1).leaderCount;

  async function settledCluster(stores: number) {
    ids.clear();
    h = await tikvHarness({ stores });
    tickUntilSettled(h.pd.model);
    await h.refresh();
  }

  const offline = (i: number) => h.context(i, { spec: { offline: true } });

  test('removes a store only through PD: evict leaders, delete the store, wait for tombstone', async () => {
    await settledCluster(4);
    const steps = h.plugin.scaleIn.steps;
    expect((await h.run(offline(3), steps)).kind).toBe('retry');
    tickUntil(h.pd.model, () => leadersOn(3) === 0);
    await h.refresh();

    const deleting = offline(3);
    expect(await h.run(deleting, steps)).toMatchObject({ kind: 'wait' });
    expect(storeOf(3)?.state).toBe('Offline');
    expect(h.plugin.scaleIn.isRemoving?.(deleting)).toBe(true);
    expect(h.plugin.scaleIn.isRemoved?.(deleting)).toBe(false);
    expect(deleting.recorded.map((e) => e.reason)).toEqual(['RemovingStore']);

    tickUntil(h.pd.model, () => storeOf(3)?.state === 'Tombstone');
    await h.refresh();
    const buried = offline(3);
    expect(h.plugin.scaleIn.isRemoved?.(buried)).toBe(false); // the scheduler is still there
    expect((await h.run(buried, steps)).kind).toBe('complete');
    expect(h.pd.model.evictLeaderStores()).toEqual([]);
    expect(h.plugin.scaleIn.isRemoved?.(buried)).toBe(true);
    expect(h.writes).toEqual(['addEvictLeaderScheduler', 'deleteStore', 'removeEvictLeaderScheduler']);
  });

  test('PD refusing the removal (too few stores) is retried with a Warning event; the store stays Up', async () => {
    await settledCluster(3);
    const steps = h.plugin.scaleIn.steps;
    await h.run(offline(2), steps);
    tickUntil(h.pd.model, () => leadersOn(2) === 0);
    await h.refresh();
    const refused = offline(2);
    const result = await h.run(refused, steps);
    expect(result).toMatchObject({ kind: 'retry', afterMs: 10_000 });
    expect(refused.recorded.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning StoreRemovalRefused']);
    expect(storeOf(2)?.state).toBe('Up');
  });

  test('cancel: the store comes back Up and may lead again', async () => {
    await settledCluster(4);
    const steps = h.plugin.scaleIn.steps;
    await h.run(offline(3), steps);
    tickUntil(h.pd.model, () => leadersOn(3) === 0);
    await h.refresh();
    await h.run(offline(3), steps);
    expect(storeOf(3)?.state).toBe('Offline');
    await h.refresh();

    const canceling = h.context(3);
    expect((await h.run(canceling, h.plugin.scaleIn.cancelSteps ?? [])).kind).toBe('complete');
    expect(storeOf(3)?.state).toBe('Up');
    expect(h.pd.model.evictLeaderStores()).toEqual([]);
    expect(h.plugin.scaleIn.isRemoving?.(canceling)).toBe(false);
    expect(canceling.conditionsNow.find((c) => c.type === 'LeadersEvicted')).toBeUndefined();
  });

  test('a removal PD finished cannot be canceled, and says so', async () => {
    await settledCluster(4);
    const steps = h.plugin.scaleIn.steps;
    await h.run(offline(3), steps);
    tickUntil(h.pd.model, () => leadersOn(3) === 0);
    await h.refresh();
    await h.run(offline(3), steps);
    tickUntil(h.pd.model, () => storeOf(3)?.state === 'Tombstone');
    await h.refresh();
    const late = h.context(3);
    const result = await h.run(late, h.plugin.scaleIn.cancelSteps ?? []);
    expect(result.kind).toBe('wait');
    expect(result.message).toContain('the removal cannot be undone; delete this TiKV to replace it');
    expect(late.recorded.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning RemovalNotCancelable']);
  });

  test('mayRemove keeps at least max-replicas Up stores', async () => {
    await settledCluster(4);
    const group = {
      apiVersion: 'core.tikv.org/v1alpha1',
      kind: 'TiKVGroup',
      metadata: { name: 'basic-tikv', namespace: 'default' },
      spec: { cluster: { name: 'basic' }, replicas: 3, minReadySeconds: 0, template: { spec: {} } },
    } as GroupObject;
    const instances = (names: number[]) => names.map((i) => h.context(i).instance as InstanceObject);
    const ask = (active: number[], count: number, removing?: string[]) =>
      h.plugin.scaleIn.mayRemove?.(
        { ...h.context(0), group, instances: instances(active), ...(removing ? { removing } : {}) },
        count,
      );

    expect(ask([0, 1, 2, 3], 1)).toEqual({ ok: false, reason: "PD's stores and max-replicas are not known yet" });
    await until(() => ask([0, 1, 2, 3], 1)?.ok === true, 'the replication config is read');
    expect(ask([0, 1, 2, 3], 2)).toEqual({
      ok: false,
      reason: 'PD max-replicas is 3: only 2 of 4 Up stores would remain',
    });
    // basic-tikv-3 is already leaving (not active): its store, still Up, does not count.
    expect(ask([0, 1, 2], 1)).toEqual({
      ok: false,
      reason: 'PD max-replicas is 3: only 2 of 3 Up stores would remain',
    });
    // Told which instances go: one whose store is not Up (never registered here) takes no Up store away.
    expect(ask([0, 1, 2, 3], 2, ['basic-tikv-3', 'basic-tikv-9'])).toEqual({ ok: true });
    expect(ask([0, 1, 2, 3], 2, ['basic-tikv-2', 'basic-tikv-3'])).toEqual({
      ok: false,
      reason: 'PD max-replicas is 3: only 2 of 4 Up stores would remain',
    });
  });

  test('a store that registers late is waited for, not taken for removed', async () => {
    await settledCluster(3);
    const startedNow = new Date(h.clock.now()).toISOString();
    const ctx = h.context(5, {
      spec: { offline: true },
      pod: { metadata: { name: 'basic-tikv-5' }, status: { startTime: startedNow } },
    });
    expect(h.plugin.scaleIn.isRemoved?.(ctx)).toBe(false);
    expect(await h.run(ctx, h.plugin.scaleIn.steps)).toMatchObject({ kind: 'retry' });
  });
});
