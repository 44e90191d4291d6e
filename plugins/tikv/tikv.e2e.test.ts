// TiKV end to end: the real operator (core reconcilers + PD and TiKV plugins) in this process, the local control
// plane, PD and the stores played by the simulator. examples/basic comes up; TiKV scales out and in through PD
// (Tombstone before the Pod and PVCs go), a chosen store is removed by name, a scale-in is cancelled halfway, a
// scale-in below max-replicas is refused, a bad config changes nothing. Every test ends with the simulator's
// safety accounting clean: no region lost its quorum, no data lost, no leader dropped.
import { describe, expect, test } from 'bun:test';
import { waitFor } from '../../core/testing/api.ts';
import { useControlPlane } from '../../core/testing/fixtures.ts';
import { storeAddress } from './config.ts';
import { API, condition, type List, type Obj, useBasicTikvClusters } from './e2e-support.ts';

const fixture = useControlPlane({ nodes: 3 });
const TIMEOUT = { timeout: 300_000 };

const { basicCluster, expectSafe } = useBasicTikvClusters(fixture);

describe('TiKV end to end', () => {
  test(
    'examples/basic reaches Ready: 3 PD members with one leader, 3 Up stores, the Cluster Ready, Synced and Available',
    async () => {
      const { get, tikvs, model, upStores, tikvSettled, cp, ns } = await basicCluster('tikv-basic', {
        replication: { locationLabels: ['zone', 'host'] },
      });
      await tikvSettled(3);
      const members = model().members();
      expect(members.map((m) => m.name).sort()).toEqual(['basic-pd-0', 'basic-pd-1', 'basic-pd-2']);
      expect(model().leader()?.name).toBeDefined();
      expect(upStores()).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2']);

      const pds = (await cp.api.get<List>(`${API}/namespaces/${ns}/pds`)).items;
      expect(pds.filter((p) => p.status?.isLeader === true).map((p) => p.metadata.name)).toEqual([
        model().leader()?.name as string,
      ]);

      const cluster = await get('clusters/basic');
      const conditions = Object.fromEntries((cluster.status?.conditions ?? []).map((c) => [c.type, c.status]));
      expect(conditions).toEqual({
        Ready: 'True',
        Synced: 'True',
        Available: 'True',
        Progressing: 'False',
        Suspended: 'False',
      });
      expect(cluster.status?.pd).toBe(`http://basic-pd.${ns}.svc:2379`);
      for (const tikv of await tikvs()) {
        const store = model().storeByAddress(storeAddress(tikv.metadata.name, 'basic-tikv-peer', ns));
        expect(tikv.status).toMatchObject({ storeId: String(store?.id), storeState: 'Serving' });
        expect(condition(tikv, 'Ready')?.status).toBe('True');
        // PD's location-labels are zone and host; the group does not spread over zones, so only the host is known:
        // the node the Pod runs on.
        const pod = await cp.api.get<Obj & { spec?: { nodeName?: string } }>(
          `/api/v1/namespaces/${ns}/pods/${tikv.metadata.name}`,
        );
        await waitFor(
          async () => {
            const labels = model().storeByAddress(storeAddress(tikv.metadata.name, 'basic-tikv-peer', ns))?.labels;
            return labels?.some((l) => l.key === 'host' && l.value === pod.spec?.nodeName);
          },
          { what: `the host label of ${tikv.metadata.name}` },
        );
      }
      const config = await cp.api.get<{ data: Record<string, string> }>(
        `/api/v1/namespaces/${ns}/configmaps/basic-tikv-0`,
      );
      expect(config.data['config.toml']).toContain(`endpoints = [ "http://basic-pd.${ns}.svc:2379" ]`);
      expectSafe(ns);
    },
    TIMEOUT,
  );
  test(
    'TiKV 3 -> 5 -> 4 (a chosen store) -> 3: each removed store is Tombstone before its Pod and PVC go',
    async () => {
      const { cp, ns, tikvs, model, address, upStores, patchTikvGroup, tikvSettled, removals } =
        await basicCluster('tikv-scale');
      await tikvSettled(3);
      const recorder = await removals();
      const names = async () => (await tikvs()).map((t) => t.metadata.name);

      await patchTikvGroup({ spec: { replicas: 5 } });
      await tikvSettled(5);
      expect(upStores()).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2', 'basic-tikv-3', 'basic-tikv-4']);

      // Selective scale-in: the group's tikv.org/remove-instances names the store to remove.
      await patchTikvGroup({
        metadata: { annotations: { 'tikv.org/remove-instances': 'basic-tikv-1' } },
        spec: { replicas: 4 },
      });
      await tikvSettled(4);
      expect(await names()).toEqual(['basic-tikv-0', 'basic-tikv-2', 'basic-tikv-3', 'basic-tikv-4']);

      await patchTikvGroup({ spec: { replicas: 3 } });
      await tikvSettled(3);
      const left = await names();
      const removed = ['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2', 'basic-tikv-3', 'basic-tikv-4'].filter(
        (n) => !left.includes(n),
      );
      expect(removed).toHaveLength(2);
      expect(removed).toContain('basic-tikv-1');
      expect(upStores()).toEqual(left);

      // PD buried every removed store, and the operator deleted its Pod and PVC only after that.
      for (const instance of removed) {
        const states = model()
          .stores()
          .filter((s) => s.address === address(instance))
          .map((s) => s.state);
        expect(states).toEqual(['Tombstone']);
        const sightings = recorder.of([instance]).map((r) => `${r.kind} ${r.name}: ${r.storeState}`);
        expect(sightings.sort()).toEqual(
          [`Pod ${instance}: Tombstone`, `PersistentVolumeClaim data-${instance}: Tombstone`].sort(),
        );
        expect(await cp.api.find(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data-${instance}`)).toBeUndefined();
        expect(await cp.api.find(`/api/v1/namespaces/${ns}/pods/${instance}`)).toBeUndefined();
      }
      expect(model().evictLeaderStores()).toEqual([]);
      expectSafe(ns);
    },
    TIMEOUT,
  );

  test(
    'a scale-in cancelled halfway: the store goes back Up, nothing is deleted',
    async () => {
      const { cp, ns, get, tikvs, model, address, upStores, patchTikvGroup, tikvSettled } =
        await basicCluster('tikv-cancel');
      await tikvSettled(3);
      await patchTikvGroup({ spec: { replicas: 4 } });
      await tikvSettled(4);
      const podUid = async (name: string) =>
        (await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/pods/${name}`)).metadata.uid;
      const pvcUid = async (name: string) =>
        (await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data-${name}`)).metadata.uid;

      // PD moves no region any more: the removal of a store holding regions (basic-tikv-0, chosen by name; a new
      // store holds none) stops at Offline.
      const knobs = model().knobs;
      const moves = knobs.peerMovesPerTick;
      knobs.peerMovesPerTick = 0;
      try {
        await patchTikvGroup({
          metadata: { annotations: { 'tikv.org/remove-instances': 'basic-tikv-0' } },
          spec: { replicas: 3 },
        });
        const leaving = await waitFor(
          async () => {
            const offline = (await tikvs()).find((t) => t.spec?.offline === true);
            if (!offline) return undefined;
            const name = offline.metadata.name;
            return model()
              .stores()
              .some((s) => s.address === address(name) && s.state === 'Offline')
              ? name
              : undefined;
          },
          { timeoutMs: 30_000, what: 'a store Offline in PD' },
        );
        const before = { pod: await podUid(leaving), pvc: await pvcUid(leaving) };
        expect(condition(await get(`tikvs/${leaving}`), 'Offlined')).toMatchObject({
          status: 'False',
          reason: 'Processing',
        });

        expect(leaving).toBe('basic-tikv-0');
        // Cancel: raise replicas back (and stop naming the store, or the group would never take it back).
        await patchTikvGroup({
          metadata: { annotations: { 'tikv.org/remove-instances': null } },
          spec: { replicas: 4 },
        });
        await tikvSettled(4, 'the removal cancelled');
        const back = await get(`tikvs/${leaving}`);
        expect(back.spec?.offline).toBe(false);
        expect(condition(back, 'Offlined')).toBeUndefined();
        expect(upStores()).toContain(leaving);
        expect({ pod: await podUid(leaving), pvc: await pvcUid(leaving) }).toEqual(before);
        await waitFor(async () => model().evictLeaderStores().length === 0, {
          what: 'the evict-leader scheduler removed',
        });
      } finally {
        knobs.peerMovesPerTick = moves;
      }
      expectSafe(ns);
    },
    TIMEOUT,
  );

  test(
    'a scale-in below max-replicas is refused with a condition and an event; nothing is deleted',
    async () => {
      const { cp, ns, get, tikvs, upStores, patchTikvGroup, tikvSettled, events } = await basicCluster('tikv-refuse');
      await tikvSettled(3);
      await patchTikvGroup({ spec: { replicas: 2 } });
      const refused = await waitFor(
        async () => {
          const g = await get('tikvgroups/basic-tikv');
          return condition(g, 'Synced')?.reason === 'ScaleInRefused' ? g : undefined;
        },
        { timeoutMs: 60_000, what: 'ScaleInRefused' },
      );
      expect(condition(refused, 'Synced')?.message).toBe(
        'TiKVGroup basic-tikv: scale-in of 1 instance refused: PD max-replicas is 3: only 2 of 3 Up stores would remain',
      );
      const warnings = await waitFor(async () => {
        const found = await events('ScaleInRefused');
        return found.length > 0 ? found : undefined;
      });
      expect(warnings[0]?.type).toBe('Warning');
      // Give a wrong decision time to show: nothing is marked, nothing is deleted.
      await Bun.sleep(2_000);
      expect((await tikvs()).map((t) => [t.metadata.name, t.spec?.offline])).toEqual([
        ['basic-tikv-0', false],
        ['basic-tikv-1', false],
        ['basic-tikv-2', false],
      ]);
      expect(upStores()).toEqual(['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2']);
      const pvcs = await cp.api.get<List>(`/api/v1/namespaces/${ns}/persistentvolumeclaims`);
      expect(pvcs.items.filter((p) => p.metadata.name.startsWith('data-basic-tikv')).length).toBe(3);

      await patchTikvGroup({ spec: { replicas: 3 } });
      await tikvSettled(3);
      expectSafe(ns);
    },
    TIMEOUT,
  );

  test(
    'a bad config (unparsable, a managed key) changes nothing and says why',
    async () => {
      const { cp, ns, get, tikvs, patchTikvGroup, tikvSettled, events } = await basicCluster('tikv-config');
      const before = await tikvSettled(3);
      const pods = async () =>
        Object.fromEntries(
          (await cp.api.get<List>(`/api/v1/namespaces/${ns}/pods?labelSelector=tikv.org%2Fcomponent%3Dtikv`)).items.map(
            (p) => [p.metadata.name, p.metadata.uid],
          ),
        );
      const podsBefore = await pods();
      const revisions = async () => (await tikvs()).map((t) => t.metadata.labels?.['tikv.org/instance-revision-hash']);
      const revisionsBefore = await revisions();
      const invalid = (what: string) =>
        waitFor(
          async () => {
            const g = await get('tikvgroups/basic-tikv');
            const synced = condition(g, 'Synced');
            return synced?.reason === 'ConfigInvalid' && synced.message.includes(what) ? synced : undefined;
          },
          { timeoutMs: 60_000, what: `ConfigInvalid: ${what}` },
        );

      await patchTikvGroup({ spec: { template: { spec: { config: '[server\ngrpc-concurrency = 4\n' } } } });
      await invalid('config is not valid TOML');
      expect((await events('ConfigInvalid')).some((e) => e.type === 'Warning')).toBe(true);

      // The common forms of a managed key are refused at admission ...
      const refused = await patchTikvGroup({
        spec: { template: { spec: { config: '[server]\naddr = "0.0.0.0:1"\n' } } },
      }).then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(refused).toContain('config must not set server.addr: the operator manages it');
      // ... the forms a regular expression cannot see, by the operator.
      await patchTikvGroup({ spec: { template: { spec: { config: 'server = { addr = "0.0.0.0:1" }\n' } } } });
      await invalid('config must not set server.addr: the operator manages it');

      await Bun.sleep(2_000);
      expect(await pods()).toEqual(podsBefore);
      expect(await revisions()).toEqual(revisionsBefore);

      // Back to the config it had: nothing to roll out, nothing restarted.
      await patchTikvGroup({ spec: { template: { spec: { config: null } } } });
      const after = await tikvSettled(3, 'the group back in sync');
      expect(after.status?.updateRevision).toBe(before.status?.updateRevision);
      expect(await pods()).toEqual(podsBefore);
      expectSafe(ns);
    },
    TIMEOUT,
  );
});
