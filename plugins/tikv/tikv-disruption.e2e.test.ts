// TiKV under disruption, end to end (the real operator in this process, the local control plane, the simulator):
// a rolling upgrade restarts one store at a time, each only after its leaders left; the operator stopped in the
// middle of a rolling upgrade and of a scale-in is replaced by a new one (fresh memory, fresh PD pollers) that
// finishes the job from what the API objects and PD show; a deleted TiKV CR is replaced through PD.
import { describe, expect, test } from 'bun:test';
import { waitFor } from '../../core/testing/api.ts';
import { useControlPlane } from '../../core/testing/fixtures.ts';
import { API, condition, type List, type Obj, useBasicTikvClusters } from './e2e-support.ts';

const fixture = useControlPlane({ nodes: 3 });
const TIMEOUT = { timeout: 300_000 };
const STORES = ['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2'];

const { basicCluster, cleanups, expectSafe } = useBasicTikvClusters(fixture);

/** A rolling upgrade of the TiKV group to `version`, and what to check once it is done. */
async function upgrade(c: Awaited<ReturnType<typeof basicCluster>>, version: string) {
  const before = await c.tikvSettled(3);
  const pods = await c.recordPods(STORES);
  pods.reset();
  const sightings = await c.removals();
  await c.patchTikvGroup({ spec: { template: { spec: { version } } } });
  const done = async () => {
    const after = await waitFor(
      async () => {
        const g = await c.tikvSettled(3, `TiKV settled at ${version}`);
        return g.status?.currentRevision === g.status?.updateRevision &&
          g.status?.updateRevision !== before.status?.updateRevision
          ? g
          : undefined;
      },
      { timeoutMs: 180_000, what: `the rolling upgrade to ${version}` },
    );
    expect(after.status?.updatedReplicas).toBe(3);
    // One store out of service at a time.
    expect(pods.maxUnavailable).toBe(1);
    const images = (
      await c.cp.api.get<List<Obj & { spec?: { containers?: { name: string; image: string }[] } }>>(
        `/api/v1/namespaces/${c.ns}/pods?labelSelector=tikv.org%2Fcomponent%3Dtikv`,
      )
    ).items.map((p) => p.spec?.containers?.find((x) => x.name === 'tikv')?.image);
    expect(images).toEqual(STORES.map(() => `pingcap/tikv:${version}`));
    for (const name of STORES) expect(pods.uids.get(name)?.size).toBeGreaterThanOrEqual(2);
    // Every store led nothing when its Pod went, and was still a store (a restart, not a removal).
    const restarts = sightings.of(STORES).filter((s) => s.kind === 'Pod');
    expect(restarts.length).toBeGreaterThanOrEqual(3);
    for (const s of restarts)
      expect({ pod: s.name, leaders: s.leaders, state: s.storeState }).toEqual({
        pod: s.name,
        leaders: 0,
        state: 'Up',
      });
    // The evict-leader schedulers are gone, and with them the LeadersEvicted conditions.
    expect(c.model().evictLeaderStores()).toEqual([]);
    for (const tikv of await c.tikvs()) expect(condition(tikv, 'LeadersEvicted')).toBeUndefined();
  };
  return { pods, done };
}

describe('TiKV under disruption', () => {
  test(
    'a rolling upgrade restarts one store at a time, each after its leaders were evicted',
    async () => {
      const c = await basicCluster('tikv-upgrade');
      const { done } = await upgrade(c, 'v8.5.1');
      await done();
      expectSafe(c.ns);
    },
    TIMEOUT,
  );

  test(
    'one store restarted through its instance (annotation tikv.org/restartedAt): evicted first, the others untouched',
    async () => {
      const c = await basicCluster('tikv-restart-one');
      await c.tikvSettled(3);
      const pods = await c.recordPods(STORES);
      pods.reset();
      const sightings = await c.removals();
      await c.cp.api.patch(`${API}/namespaces/${c.ns}/tikvs/basic-tikv-1`, {
        metadata: { annotations: { 'tikv.org/restartedAt': '2026-11-21T00:00:00Z' } },
      });
      await waitFor(async () => ((pods.uids.get('basic-tikv-1')?.size ?? 0) >= 2 ? true : undefined), {
        timeoutMs: 60_000,
        what: 'a new Pod for basic-tikv-1',
      });
      await c.tikvSettled(3, 'basic-tikv-1 back');
      expect(pods.uids.get('basic-tikv-0')?.size).toBe(1);
      expect(pods.uids.get('basic-tikv-2')?.size).toBe(1);
      expect(pods.maxUnavailable).toBe(1);
      const restarts = sightings.of(STORES).filter((s) => s.kind === 'Pod');
      expect(restarts.map((s) => [s.name, s.leaders, s.storeState])).toContainEqual(['basic-tikv-1', 0, 'Up']);
      for (const s of restarts) expect(s.leaders).toBe(0);
      expect(c.model().evictLeaderStores()).toEqual([]);
      expectSafe(c.ns);
    },
    TIMEOUT,
  );

  test(
    'the operator stopped while a store evicts its leaders for an upgrade: a new operator finishes the upgrade',
    async () => {
      const c = await basicCluster('tikv-kill-upgrade');
      await c.tikvSettled(3);
      // Leaders stop moving: the first store to restart stays in "wait for zero leaders".
      const knobs = c.model().knobs;
      const batch = knobs.evictLeaderBatch;
      knobs.evictLeaderBatch = 0;
      let restored = false;
      const restore = () => {
        if (!restored) knobs.evictLeaderBatch = batch;
        restored = true;
      };
      cleanups.push(async () => restore());
      const { done } = await upgrade(c, 'v8.5.1');
      const evicting = await waitFor(
        async () => {
          const found = (await c.tikvs()).find((t) => condition(t, 'LeadersEvicted')?.reason === 'Evicting');
          return found && c.model().evictLeaderStores().length === 1 ? found.metadata.name : undefined;
        },
        { timeoutMs: 60_000, what: 'a store evicting its leaders' },
      );
      await c.restart();
      restore();
      await done();
      expect(STORES).toContain(evicting);
      expectSafe(c.ns);
    },
    TIMEOUT,
  );

  test(
    'the operator stopped while PD moves a removed store’s regions: a new operator finishes the scale-in',
    async () => {
      const c = await basicCluster('tikv-kill-scalein');
      await c.tikvSettled(3);
      await c.patchTikvGroup({ spec: { replicas: 4 } });
      await c.tikvSettled(4);
      const sightings = await c.removals();
      const knobs = c.model().knobs;
      const moves = knobs.peerMovesPerTick;
      knobs.peerMovesPerTick = 0;
      cleanups.push(async () => {
        knobs.peerMovesPerTick = moves;
      });
      await c.patchTikvGroup({
        metadata: { annotations: { 'tikv.org/remove-instances': 'basic-tikv-0' } },
        spec: { replicas: 3 },
      });
      await waitFor(
        async () =>
          c
            .model()
            .stores()
            .some((s) => s.address === c.address('basic-tikv-0') && s.state === 'Offline'),
        { timeoutMs: 60_000, what: 'the store of basic-tikv-0 Offline' },
      );
      await c.restart();
      knobs.peerMovesPerTick = moves;

      await c.tikvSettled(3, 'the scale-in finished by the new operator');
      expect((await c.tikvs()).map((t) => t.metadata.name)).toEqual(['basic-tikv-1', 'basic-tikv-2', 'basic-tikv-3']);
      expect(c.upStores()).toEqual(['basic-tikv-1', 'basic-tikv-2', 'basic-tikv-3']);
      const removal = sightings.of(['basic-tikv-0']).map((s) => `${s.kind} ${s.name}: ${s.storeState}`);
      expect(removal.sort()).toEqual(
        ['Pod basic-tikv-0: Tombstone', 'PersistentVolumeClaim data-basic-tikv-0: Tombstone'].sort(),
      );
      expect(c.model().evictLeaderStores()).toEqual([]);
      expectSafe(c.ns);
    },
    TIMEOUT,
  );

  test(
    'a deleted TiKV CR is replaced safely: a new store first, the old one removed through PD',
    async () => {
      const c = await basicCluster('tikv-replace');
      await c.tikvSettled(3);
      const sightings = await c.removals();
      await c.cp.api.delete(`${API}/namespaces/${c.ns}/tikvs/basic-tikv-0`);
      await waitFor(
        async () => {
          const names = (await c.tikvs()).map((t) => t.metadata.name);
          return names.length === 3 && !names.includes('basic-tikv-0');
        },
        { timeoutMs: 120_000, what: 'basic-tikv-0 replaced' },
      );
      await c.tikvSettled(3, 'the replacement settled');
      // The name of a store PD still holds is never given to new data.
      expect((await c.tikvs()).map((t) => t.metadata.name)).toEqual(['basic-tikv-1', 'basic-tikv-2', 'basic-tikv-3']);
      expect(c.upStores()).toEqual(['basic-tikv-1', 'basic-tikv-2', 'basic-tikv-3']);
      const removal = sightings.of(['basic-tikv-0']).map((s) => `${s.kind} ${s.name}: ${s.storeState}`);
      expect(removal.sort()).toEqual(
        ['Pod basic-tikv-0: Tombstone', 'PersistentVolumeClaim data-basic-tikv-0: Tombstone'].sort(),
      );
      expectSafe(c.ns);
    },
    TIMEOUT,
  );
});
