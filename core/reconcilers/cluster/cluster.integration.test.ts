// The cluster reconciler with the group and instance reconcilers against the local control plane, with the
// sample plugin: suspend and resume, deleting the whole Cluster, and an operator stopped in the middle of a
// rollout and replaced by a new one.
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { waitFor } from '../../testing/api.ts';
import { installCrds } from '../../testing/crds.ts';
import { createTestNamespace, useControlPlane } from '../../testing/fixtures.ts';
import { API, condition, type List, type Obj } from '../../testing/objects.ts';
import {
  SampleDataPlane,
  SamplePlugin,
  sampleCluster,
  sampleCrds,
  sampleGroup,
  sampleSteps,
} from '../../testing/sample-plugin/index.ts';
import { PodAvailabilityRecorder, startSampleOperator } from '../testing/sample-operator.ts';

const fixture = useControlPlane({ nodes: 3 });
const TIMEOUT = { timeout: 240_000 };

beforeAll(async () => {
  await installCrds(fixture.cp.api, sampleCrds());
}, 60_000);

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(opts: { replicas: number; mode?: 'offline' | 'delete' }) {
  const { cp } = fixture;
  const ns = await createTestNamespace(cp, 'cluster');
  const plugin = new SamplePlugin({ dataPlane: new SampleDataPlane(), scaleInMode: opts.mode ?? 'delete' });
  const start = async () => {
    const operator = await startSampleOperator(cp, [plugin], ns);
    cleanup.push(() => operator.stop());
    return operator;
  };
  const operator = await start();
  await cp.api.create(`${API}/namespaces/${ns}/clusters`, sampleCluster('c', ns));
  await cp.api.create(
    `${API}/namespaces/${ns}/samplegroups`,
    sampleGroup('g', ns, { cluster: 'c', replicas: opts.replicas }),
  );
  const cluster = () => cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/c`);
  const group = () => cp.api.get<Obj>(`${API}/namespaces/${ns}/samplegroups/g`);
  const list = async (path: string) => (await cp.api.get<List>(path)).items;
  const pods = () => list(`/api/v1/namespaces/${ns}/pods`);
  const pvcs = () => list(`/api/v1/namespaces/${ns}/persistentvolumeclaims`);
  const clusterCondition = (type: string, status: string, reason?: string) =>
    waitFor(
      async () => {
        const c = await cluster();
        const cond = condition(c, type);
        return cond?.status === status && (reason === undefined || cond.reason === reason) ? c : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `Cluster ${type}=${status}${reason ? ` (${reason})` : ''}` },
    );
  const groupSettled = () =>
    waitFor(
      async () => {
        const g = await group();
        return g.status?.observedGeneration === g.metadata.generation &&
          condition(g, 'Ready')?.status === 'True' &&
          condition(g, 'Synced')?.status === 'True'
          ? g
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'the group to settle' },
    );
  const recordPods = async (names: string[]) => {
    const recorder = new PodAvailabilityRecorder(cp, ns, names);
    await recorder.start();
    cleanup.push(() => recorder.stop());
    return recorder;
  };
  return { cp, ns, plugin, operator, start, cluster, group, pods, pvcs, clusterCondition, groupSettled, recordPods };
}

describe('cluster reconciler', () => {
  test(
    'suspending compute deletes the Pods and keeps the volumes; resuming brings them back',
    async () => {
      const { cp, ns, pods, pvcs, clusterCondition, groupSettled } = await setup({ replicas: 2 });
      await clusterCondition('Ready', 'True');
      const before = new Map((await pods()).map((p) => [p.metadata.name, p.metadata.uid]));
      const claims = (await pvcs()).map((c) => c.metadata.uid).sort();
      expect([...before.keys()].sort()).toEqual(['g-0', 'g-1']);

      await cp.api.patch(`${API}/namespaces/${ns}/clusters/c`, { spec: { suspendAction: { suspendCompute: true } } });
      await clusterCondition('Suspended', 'True', 'Suspended');
      expect(await pods()).toEqual([]);
      expect((await pvcs()).map((c) => c.metadata.uid).sort()).toEqual(claims);

      await cp.api.patch(`${API}/namespaces/${ns}/clusters/c`, { spec: { suspendAction: { suspendCompute: false } } });
      await clusterCondition('Suspended', 'False', 'NotSuspended');
      await groupSettled();
      await clusterCondition('Ready', 'True');
      const after = await pods();
      expect(after.map((p) => p.metadata.name).sort()).toEqual(['g-0', 'g-1']);
      for (const pod of after) expect(pod.metadata.uid).not.toBe(before.get(pod.metadata.name));
      expect((await pvcs()).map((c) => c.metadata.uid).sort()).toEqual(claims);
    },
    TIMEOUT,
  );

  test(
    'deleting the Cluster removes its groups, instances, Pods, ConfigMaps, PVCs, Services and revisions without scale-in steps',
    async () => {
      const { cp, ns, plugin, clusterCondition } = await setup({ replicas: 3, mode: 'offline' });
      await clusterCondition('Ready', 'True');
      await cp.api.delete(`${API}/namespaces/${ns}/clusters/c`);
      const paths = [
        `${API}/namespaces/${ns}/clusters`,
        `${API}/namespaces/${ns}/samplegroups`,
        `${API}/namespaces/${ns}/samples`,
        `/api/v1/namespaces/${ns}/pods`,
        `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
        `/api/v1/namespaces/${ns}/services`,
        `/apis/apps/v1/namespaces/${ns}/controllerrevisions`,
      ];
      await waitFor(
        async () => {
          for (const path of paths) if ((await cp.api.get<List>(path)).items.length > 0) return false;
          const configMaps = (await cp.api.get<List>(`/api/v1/namespaces/${ns}/configmaps`)).items;
          return configMaps.every((c) => c.metadata.labels?.['tikv.org/managed-by'] !== 'tikv-operator');
        },
        { timeoutMs: 120_000, intervalMs: 250, what: 'everything of the cluster to be gone' },
      );
      const removalSteps = plugin.calls.filter(
        (c) => c.step === sampleSteps.startRemoval || c.step === sampleSteps.finishRemoval,
      );
      expect(removalSteps).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'an operator stopped in the middle of a rollout is replaced, and the new one finishes it within maxUnavailable',
    async () => {
      const { cp, ns, plugin, start, operator, group, groupSettled, recordPods } = await setup({ replicas: 3 });
      const before = await groupSettled();
      const recorder = await recordPods(['g-0', 'g-1', 'g-2']);
      recorder.reset();

      // The first instance to restart (the highest ordinal) stops before its Pod is deleted.
      plugin.hold(sampleSteps.drain);
      await cp.api.patch(`${API}/namespaces/${ns}/samplegroups/g`, {
        spec: { template: { spec: { config: 'log-level = "warn"\n' } } },
      });
      const held = await waitFor(
        async () => {
          const names = ['g-0', 'g-1', 'g-2'].filter((name) => plugin.reached(sampleSteps.drain, name));
          return names.length > 0 ? names : undefined;
        },
        { timeoutMs: 60_000, what: 'an instance to reach the held drain step' },
      );
      expect(held).toEqual(['g-2']);
      // Stop the operator while the rollout waits on it; a new operator (fresh memory, fresh caches) takes over.
      await operator.stop();
      const replacement = await start();
      expect(replacement.manager.controllersRunning()).toBe(true);
      await Bun.sleep(1_000);
      // Still held: the new operator must not have moved on to another instance meanwhile.
      const moved = (await cp.api.get<List>(`${API}/namespaces/${ns}/samples`)).items.filter(
        (i) => i.metadata.labels?.['tikv.org/instance-revision-hash'] !== before.status?.updateRevision,
      );
      expect(moved.map((i) => i.metadata.name)).toEqual(['g-2']);
      plugin.release(sampleSteps.drain);

      const after = await waitFor(
        async () => {
          const g = await groupSettled();
          return g.status?.updateRevision !== before.status?.updateRevision ? g : undefined;
        },
        { timeoutMs: 120_000, what: 'the rollout to finish under the new operator' },
      );
      expect(after.status?.currentRevision).toBe(after.status?.updateRevision);
      // Every instance got a new Pod. (More than one new Pod is possible: kwok's simulated kubelet sometimes deletes
      // a Pod by name just after its predecessor went, and the instance reconciler creates it again.)
      for (const name of ['g-0', 'g-1', 'g-2']) expect(recorder.uids.get(name)?.size).toBeGreaterThanOrEqual(2);
      expect(recorder.maxUnavailable).toBe(1);
      expect((await group()).status?.updatedReplicas).toBe(3);
    },
    TIMEOUT,
  );
});
