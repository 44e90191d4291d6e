// TiKV failover end to end (the real operator in this process, the local control plane, PD played by the
// simulator with max-store-down-time 3 s): a store Down longer than the group's period gets a replacement, not
// before; PD re-replicates; the failed store comes back and the replacement leaves through PD (tombstone first);
// while PD has no quorum nothing fails over, and once PD is back it does. Nothing is lost, nothing unavailable.
import { describe, expect, test } from 'bun:test';
import { waitFor } from '../../core/testing/api.ts';
import { useControlPlane } from '../../core/testing/fixtures.ts';
import { condition, type Obj, useBasicTikvClusters } from './e2e-support.ts';

const fixture = useControlPlane({ nodes: 3 });
const TIMEOUT = { timeout: 300_000 };
const CRASH = 'sim.tikv.org/crash';

const e2e = useBasicTikvClusters(fixture, { schedule: { maxStoreDownTimeMs: 3_000 } });

async function failoverCluster(prefix: string, period: string) {
  const c = await e2e.basicCluster(prefix);
  await c.tikvSettled(3);
  // A store crashed before PD gave every region its three replicas would take regions down with it: that is the
  // test's doing, not a failover's. Wait for full replication first.
  await waitFor(
    async () =>
      c
        .model()
        .regions()
        .every((r) => r.peers.length === 3),
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'every region with three replicas',
    },
  );
  await c.patchTikvGroup({ spec: { failover: { enabled: true, period, maxFailovers: 1 } } });
  const crash = (pod: string, crashed: boolean) =>
    c.cp.api.patch(`/api/v1/namespaces/${c.ns}/pods/${pod}`, {
      metadata: { annotations: { [CRASH]: crashed ? 'true' : null } },
    });
  const tikv = (name: string) => c.get(`tikvs/${name}`);
  /** Stores whose TiKV process runs and that PD keeps (Up, not removed), by instance name. */
  const runningStores = () =>
    c
      .model()
      .stores()
      .filter((s) => s.running && s.state === 'Up')
      .map((s) => s.address.split('.')[0] as string)
      .sort();
  const storeIdOf = (instance: string) =>
    c
      .model()
      .stores()
      .filter((s) => s.address === c.address(instance))
      .at(-1)?.id;
  const tikvGroup = () => c.get('tikvgroups/basic-tikv');
  const downSinceOf = (name: string) =>
    waitFor(
      async () => {
        const t = await tikv(name);
        const since = (t.status as { downSince?: string } | undefined)?.downSince;
        return since === undefined ? undefined : Date.parse(since);
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `${name} down` },
    );
  const replacementOf = (name: string) =>
    waitFor(
      async () =>
        (await c.tikvs()).find(
          (t) =>
            t.metadata.annotations?.['tikv.org/replacement-for'] === name && t.metadata.deletionTimestamp === undefined,
        ),
      { timeoutMs: 120_000, intervalMs: 250, what: `a replacement for ${name}` },
    );
  /**
   * The simulator's violations besides the crashes the test caused (a crashed store drops the leaders it held, a
   * crashed PD leader drops its leadership: that is the failure being simulated, not something the operator did).
   */
  const violations = (crashedStores: readonly number[], crashedMembers: readonly string[] = []) =>
    e2e.sim
      .safety()
      .clusters.filter((x) => x.namespace === c.ns)
      .flatMap((x) => x.report.violations)
      .filter(
        (v) =>
          !(v.kind === 'leader-dropped' && v.storeId !== undefined && crashedStores.includes(v.storeId)) &&
          !(v.kind === 'pd-leader-dropped' && v.member !== undefined && crashedMembers.includes(v.member)),
      )
      .map((v) => JSON.stringify(v));
  return { ...c, crash, tikv, runningStores, storeIdOf, tikvGroup, downSinceOf, replacementOf, violations };
}

describe('TiKV failover', () => {
  test(
    'a store Down longer than the period gets a replacement, not before; back Up, the replacement leaves through PD',
    async () => {
      const c = await failoverCluster('tikv-failover', '3s');
      const crashedStore = Number(c.storeIdOf('basic-tikv-1'));
      const sightings = await c.removals();

      await c.crash('basic-tikv-1', true);
      const downSince = await c.downSinceOf('basic-tikv-1');
      expect(condition(await c.tikv('basic-tikv-1'), 'Healthy')?.reason).toBe('DataPlaneDown');

      const replacement = await c.replacementOf('basic-tikv-1');
      expect(replacement.metadata.name).toBe('basic-tikv-3');
      expect(Date.parse(replacement.metadata.creationTimestamp ?? '')).toBeGreaterThanOrEqual(downSince + 3_000);
      const failed = await c.tikv('basic-tikv-1');
      expect(Date.parse(failed.metadata.annotations?.['tikv.org/failed-since'] ?? '')).toBeGreaterThanOrEqual(
        downSince + 3_000,
      );

      // The replacement serves, PD moved the Down store's replicas: three running stores hold every region.
      await waitFor(
        async () => {
          const g = await c.tikvGroup();
          return condition(g, 'Ready')?.status === 'True' &&
            JSON.stringify(c.runningStores()) === JSON.stringify(['basic-tikv-0', 'basic-tikv-2', 'basic-tikv-3'])
            ? g
            : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250, what: 'the group Ready with the replacement' },
      );
      expect(condition(await c.tikvGroup(), 'Failover')).toMatchObject({ status: 'True', reason: 'FailedOver' });
      expect((await c.tikvs()).map((t) => t.metadata.name)).toEqual([
        'basic-tikv-0',
        'basic-tikv-1',
        'basic-tikv-2',
        'basic-tikv-3',
      ]);

      // The store comes back on its data: the mark goes and the replacement is removed through PD.
      await c.crash('basic-tikv-1', false);
      await c.tikvSettled(3, 'back to three stores');
      expect((await c.tikvs()).map((t) => t.metadata.name)).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2']);
      expect(c.runningStores()).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2']);
      // Invariant 1: the replacement's Pod and PVC went only once its store was Tombstone.
      const removed = sightings.of(['basic-tikv-3']);
      expect(removed.map((s) => s.kind).sort()).toEqual(['PersistentVolumeClaim', 'Pod']);
      for (const s of removed) expect(s.storeState).toBe('Tombstone');
      expect((await c.events('FailingOver')).length).toBeGreaterThanOrEqual(1);
      expect((await c.events('FailoverRecovered')).length).toBeGreaterThanOrEqual(1);
      expect(c.violations([crashedStore])).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'no failover while PD has no quorum; once PD is back the Down store is replaced',
    async () => {
      const c = await failoverCluster('tikv-failover-pd', '8s');
      const crashedStore = Number(c.storeIdOf('basic-tikv-2'));
      await c.crash('basic-tikv-2', true);
      await c.downSinceOf('basic-tikv-2');

      // Two of three PD members crash: PD answers nothing.
      await c.crash('basic-pd-0', true);
      await c.crash('basic-pd-1', true);
      try {
        const refused = await waitFor(
          async () => {
            const g: Obj = await c.tikvGroup();
            return condition(g, 'Failover')?.reason === 'Refused' ? g : undefined;
          },
          { timeoutMs: 90_000, intervalMs: 250, what: 'Failover Refused' },
        );
        expect(condition(refused, 'Failover')?.message).toContain('basic-tikv-2 should fail over');
        expect((await c.tikvs()).map((t) => t.metadata.name)).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2']);
        expect((await c.tikv('basic-tikv-2')).metadata.annotations?.['tikv.org/failed-since']).toBeUndefined();
      } finally {
        await c.crash('basic-pd-0', false);
        await c.crash('basic-pd-1', false);
      }

      const replacement = await c.replacementOf('basic-tikv-2');
      expect(replacement.metadata.name).toBe('basic-tikv-3');
      await c.crash('basic-tikv-2', false);
      await c.tikvSettled(3, 'back to three stores');
      expect((await c.tikvs()).map((t) => t.metadata.name)).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2']);
      expect(c.violations([crashedStore], ['basic-pd-0', 'basic-pd-1'])).toEqual([]);
    },
    TIMEOUT,
  );
});
