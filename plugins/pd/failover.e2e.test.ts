// PD failover end to end (the real operator in this process, the local control plane, PD played by the
// simulator): members unhealthy longer than the group's period are deleted from PD and recreated empty, one at a
// time, each only while the others keep a healthy quorum; they join again (never bootstrap) as new members under
// their old names. PD never loses its quorum, the cluster id never changes, no PD leader is dropped.
import { expect, test } from 'bun:test';
import { waitFor } from '../../core/testing/api.ts';
import { createTestNamespace, useControlPlane } from '../../core/testing/fixtures.ts';
import { podAnnotations } from '../../core/testing/kwok.ts';
import { ObjectWatch } from '../../core/testing/object-watch.ts';
import type { List, Obj } from '../../core/testing/objects.ts';
import { API, PdConfigRecorder, PdRecorder, useE2eOperator } from './e2e-support.ts';
import type { PdClusterModel } from './simulator/model/cluster.ts';
import { pdManifests } from './testing.ts';

const fixture = useControlPlane({ nodes: 3 });
const e2e = useE2eOperator(fixture);

const RECREATE = 'tikv.org/recreate-empty';

/** Watches the PD instances: the most carrying the recreate mark at once, and every instance marked, in order. */
class MarkRecorder {
  maxMarked = 0;
  readonly marked: string[] = [];
  private readonly current = new Map<string, boolean>();
  private readonly watch: ObjectWatch<Obj>;

  constructor(path: string) {
    this.watch = new ObjectWatch<Obj>(fixture.cp.api, path, (type, instance) => this.see(instance, type === 'DELETED'));
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  private see(instance: Obj, deleted: boolean): void {
    const name = instance.metadata.name;
    const marked = !deleted && instance.metadata.annotations?.[RECREATE] !== undefined;
    if (marked && !this.current.get(name)) this.marked.push(name);
    this.current.set(name, marked);
    this.maxMarked = Math.max(this.maxMarked, [...this.current.values()].filter(Boolean).length);
  }
}

test(
  'members unhealthy longer than the period are removed from PD and recreated empty, one at a time, keeping quorum',
  async () => {
    const { cp } = fixture;
    const ns = await createTestNamespace(cp, 'pd-failover');
    const model = (): PdClusterModel | undefined => e2e.sim.cluster(ns, 'c')?.model;
    const pods = new PdRecorder(cp, ns, model);
    const configs = new PdConfigRecorder(cp, ns);
    const marks = new MarkRecorder(`${API}/namespaces/${ns}/pds`);
    await pods.start();
    await configs.start();
    await marks.start();
    try {
      await cp.api.create(`${API}/namespaces/${ns}/clusters`, pdManifests.cluster('c', ns));
      const group = pdManifests.pdGroup('pd', ns, { cluster: 'c', replicas: 5 });
      await cp.api.create(`${API}/namespaces/${ns}/pdgroups`, {
        ...group,
        spec: { ...group.spec, failover: { enabled: true, period: '3s' } },
      });
      const healthyMembers = () => (model()?.members() ?? []).filter((m) => m.healthy).map((m) => m.name);
      await waitFor(async () => healthyMembers().length === 5, { timeoutMs: 120_000, what: 'five healthy PD members' });
      const cluster = await waitFor(
        async () => {
          const c = await cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/c`);
          return typeof c.status?.id === 'string' ? c : undefined;
        },
        { timeoutMs: 60_000, what: 'the cluster id' },
      );
      const leader = model()?.leader()?.name;
      const victims = ['pd-0', 'pd-1', 'pd-2', 'pd-3', 'pd-4'].filter((n) => n !== leader).slice(0, 2);
      const idsBefore = new Map(victims.map((v) => [v, model()?.member(v)?.memberId]));
      const pvcBefore = new Map<string, string | undefined>();
      for (const v of victims) {
        pvcBefore.set(
          v,
          (await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data-${v}`)).metadata.uid,
        );
      }
      pods.reset();

      // Two members crash at once: each is recreated empty, one after the other.
      for (const v of victims) {
        await cp.api.patch(`/api/v1/namespaces/${ns}/pods/${v}`, {
          metadata: { annotations: { [podAnnotations.crash]: 'true' } },
        });
      }
      await waitFor(
        async () => {
          const healthy = healthyMembers();
          return (
            healthy.length === 5 &&
            victims.every((v) => healthy.includes(v) && model()?.member(v)?.memberId !== idsBefore.get(v))
          );
        },
        { timeoutMs: 150_000, intervalMs: 250, what: `${victims.join(', ')} recreated and healthy` },
      ).catch(async (error: Error) => {
        const instances = (await cp.api.get<List>(`${API}/namespaces/${ns}/pds`)).items.map((i) => ({
          name: i.metadata.name,
          annotations: i.metadata.annotations,
          status: i.status,
        }));
        const g = await cp.api.get<Obj>(`${API}/namespaces/${ns}/pdgroups/pd`);
        const members = (model()?.members() ?? []).map((m) => `${m.name} ${m.memberId} healthy=${m.healthy}`);
        throw new Error(`${error.message}\n${JSON.stringify({ group: g.status, instances, members }, null, 1)}`);
      });

      for (const v of victims) {
        const pvc = await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data-${v}`);
        expect(pvc.metadata.uid).not.toBe(pvcBefore.get(v));
        // Having been a member, it joins again: never `initial-cluster-state = "new"` on its empty data.
        expect(configs.last(v)).toContain('join = ');
        expect(configs.last(v)).not.toContain('initial-cluster-state');
      }
      // Deleted from PD before its Pod went; one at a time; PD always kept its quorum.
      const gone = pods.removals.filter((r) => victims.includes(r.instance));
      expect(gone.length).toBeGreaterThanOrEqual(2);
      for (const r of gone) expect(r.memberListed).toBe(false);
      expect(marks.maxMarked).toBe(1);
      expect([...marks.marked].sort()).toEqual([...victims].sort());
      expect(pods.quorumLost).toBe(0);
      expect(pods.maxMembersDown).toBeLessThanOrEqual(2);
      expect((await cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/c`)).status?.id).toBe(cluster.status?.id);
      expect((await cp.api.get<List>(`${API}/namespaces/${ns}/pds`)).items.map((i) => i.metadata.name).sort()).toEqual([
        'pd-0',
        'pd-1',
        'pd-2',
        'pd-3',
        'pd-4',
      ]);
      expect(e2e.sim.safety().clusters.find((c) => c.namespace === ns)?.report.violations ?? []).toEqual([]);
    } finally {
      await marks.stop();
      await configs.stop();
      await pods.stop();
    }
  },
  { timeout: 300_000 },
);
