// PD end to end: the local control plane, the data-plane simulator and the real operator (composition root, PD
// and TiKV plugins) in this process. Each test has its own namespace and Cluster; every test ends with the
// simulator's safety report clean (no PD leader stopped or deleted without a transfer first) and the PD cluster id
// the Cluster recorded unchanged.
import { expect, test } from 'bun:test';
import { PodAvailabilityRecorder } from '../../core/reconcilers/testing/sample-operator.ts';
import { waitFor } from '../../core/testing/api.ts';
import { createTestNamespace, useControlPlane } from '../../core/testing/fixtures.ts';
import { podAnnotations } from '../../core/testing/kwok.ts';
import { condition, type List, type Obj } from '../../core/testing/objects.ts';
import { INITIAL_CLUSTER_SIZE_ANNOTATION } from './bootstrap.ts';
import { API, PdConfigRecorder, PdRecorder, useE2eOperator } from './e2e-support.ts';
import type { PdClusterModel } from './simulator/model/cluster.ts';
import { pdManifests } from './testing.ts';

const fixture = useControlPlane({ nodes: 3 });
const e2e = useE2eOperator(fixture);

const CLUSTER = 'c';
const GROUP = 'pd';
const TIMEOUT = { timeoutMs: 150_000, intervalMs: 250 };

const name = (i: number) => `${GROUP}-${i}`;

/** A namespace with a Cluster and a PDGroup of `replicas`, and recorders started before anything exists. */
async function pdCluster(prefix: string, replicas: number) {
  const { cp } = fixture;
  const ns = await createTestNamespace(cp, prefix);
  const model = (): PdClusterModel | undefined => e2e.sim.cluster(ns, CLUSTER)?.model;
  const pods = new PdRecorder(cp, ns, model);
  const configs = new PdConfigRecorder(cp, ns);
  await pods.start();
  await configs.start();
  const path = (kind: string, n = '') => `${API}/namespaces/${ns}/${kind}${n ? `/${n}` : ''}`;
  await cp.api.create(path('clusters'), pdManifests.cluster(CLUSTER, ns));
  await cp.api.create(path('pdgroups'), pdManifests.pdGroup(GROUP, ns, { cluster: CLUSTER, replicas }));
  const c = {
    ns,
    pods,
    configs,
    path,
    model: () => {
      const m = model();
      if (!m) throw new Error(`no simulated PD cluster for ${ns}/${CLUSTER}`);
      return m;
    },
    group: () => cp.api.get<Obj>(path('pdgroups', GROUP)),
    patchGroup: (patch: Record<string, unknown>) => cp.api.patch(path('pdgroups', GROUP), patch),
    /** Scales the group in to `replicas`, naming the instances to remove. */
    scaleIn: (replicas: number, remove: string[]) =>
      c.patchGroup({
        metadata: { annotations: { 'tikv.org/remove-instances': remove.join(',') } },
        spec: { replicas },
      }),
    instances: async () => (await cp.api.get<List>(path('pds'))).items,
    instance: async (n: string) => (await c.instances()).find((i) => i.metadata.name === n),
    /** Waits until the PD instance `n` reports itself as PD's leader. */
    reportedLeader: (n: string) =>
      waitFor(async () => (await c.instance(n))?.status?.isLeader === true, {
        ...TIMEOUT,
        what: `${n} reported as leader`,
      }),
    /** Makes the Pod of `n` stop serving (kwok's readiness annotation) or serve again. */
    setServing: (n: string, serving: boolean) =>
      cp.api.patch(`/api/v1/namespaces/${ns}/pods/${n}`, {
        metadata: { annotations: { [podAnnotations.ready]: serving ? null : 'false' } },
      }),
    cluster: () => cp.api.get<Obj>(path('clusters', CLUSTER)),
    /** The group reached `replicas` Ready members at its current spec, and PD lists exactly those. */
    settled: (n: number, what: string) =>
      waitFor(
        async () => {
          const group = await c.group();
          const instances = await c.instances();
          const members = model()?.members() ?? [];
          const ready = condition(group, 'Ready');
          const synced = condition(group, 'Synced');
          return group.status?.observedGeneration === group.metadata.generation &&
            ready?.status === 'True' &&
            synced?.status === 'True' &&
            group.status?.readyReplicas === n &&
            instances.length === n &&
            members.length === n &&
            members.every((m) => m.healthy)
            ? group
            : undefined;
        },
        { ...TIMEOUT, what },
      ),
    stop: async () => {
      await pods.stop();
      await configs.stop();
    },
  };
  return c;
}

/** The Cluster's recorded id equals the simulated PD's, and the simulator saw no violation. */
async function expectSameClusterAndClean(c: Awaited<ReturnType<typeof pdCluster>>, id: string): Promise<void> {
  const cluster = await c.cluster();
  expect(cluster.status?.id).toBe(id);
  expect(c.model().clusterId.toString()).toBe(id);
  const safety = e2e.sim.safety();
  expect(safety.clusters.find((x) => x.namespace === c.ns)?.report.violations).toEqual([]);
  expect(safety.clean).toBe(true);
}

/**
 * A PD cluster of `replicas` members that settled and published its id, handed to `body`; afterwards the check
 * every test ends with (same cluster id, no safety violation). The recorders stop whatever happens.
 */
async function withSettledPdCluster(
  prefix: string,
  replicas: number,
  body: (c: Awaited<ReturnType<typeof pdCluster>>) => Promise<void>,
): Promise<void> {
  const c = await pdCluster(prefix, replicas);
  try {
    await c.settled(replicas, `${replicas} PD members Ready`);
    const id = await clusterId(c);
    await body(c);
    await expectSameClusterAndClean(c, id);
  } finally {
    await c.stop();
  }
}

/** Waits until the Cluster publishes PD's URL and id; returns the id. */
async function clusterId(c: Awaited<ReturnType<typeof pdCluster>>): Promise<string> {
  const cluster = await waitFor(
    async () => {
      const cl = await c.cluster();
      return cl.status?.id && cl.status.pd ? cl : undefined;
    },
    { ...TIMEOUT, what: 'Cluster status.pd and status.id' },
  );
  return cluster.status?.id as string;
}

test(
  '3 PD members bootstrap together with one leader; the Cluster publishes the PD URL and the cluster id; members then join without a restart',
  () =>
    withSettledPdCluster('pd-bootstrap', 3, async (c) => {
      const cluster = await c.cluster();
      expect(cluster.status?.pd).toBe(`http://${GROUP}.${c.ns}.svc:2379`);

      const instances = await c.instances();
      const leaders = instances.filter((i) => i.status?.isLeader === true).map((i) => i.metadata.name);
      expect(leaders).toEqual([c.model().leader()?.name as string]);
      for (const i of instances) {
        expect(i.metadata.annotations?.[INITIAL_CLUSTER_SIZE_ANNOTATION]).toBe('3');
        expect(i.status?.memberId).toBe(c.model().member(i.metadata.name)?.memberId.toString());
        expect(condition(i, 'Initialized')).toMatchObject({ status: 'True', reason: 'Joined' });
        expect(condition(i, 'Ready')?.status).toBe('True');
      }

      // Every member's first config bootstrapped the same 3-member cluster; once PD listed them they render join.
      const initialCluster = [0, 1, 2]
        .map((i) => `${name(i)}=http://${name(i)}.${GROUP}-peer.${c.ns}.svc:2380`)
        .join(',');
      for (const i of [0, 1, 2]) {
        const first = c.configs.first(name(i)) ?? '';
        expect(first).toContain(`initial-cluster = "${initialCluster}"`);
        expect(first).toContain('initial-cluster-state = "new"');
        expect(first).not.toContain('join');
        await waitFor(async () => c.configs.last(name(i))?.includes(`join = "http://${GROUP}.${c.ns}.svc:2379"`), {
          ...TIMEOUT,
          what: `${name(i)} renders join`,
        });
        expect(c.configs.last(name(i))).not.toContain('initial-cluster');
      }
      // The switch to join changed the ConfigMaps only: no Pod was deleted.
      expect(c.pods.removals).toEqual([]);
    }),
  { timeout: 240_000 },
);

test(
  'PD 3 -> 5 -> 3: new members join the running cluster; removed members are deleted in PD before their Pods go, the leader after a transfer, quorum kept',
  () =>
    withSettledPdCluster('pd-scale', 3, async (c) => {
      await c.patchGroup({ spec: { replicas: 5 } });
      await c.settled(5, 'five PD members Ready');
      for (const i of [3, 4]) {
        const instance = await c.instance(name(i));
        expect(instance?.metadata.annotations?.[INITIAL_CLUSTER_SIZE_ANNOTATION]).toBeUndefined();
        const first = c.configs.first(name(i)) ?? '';
        expect(first).toContain(`join = "http://${GROUP}.${c.ns}.svc:2379"`);
        expect(first).not.toContain('initial-cluster');
      }
      expect(c.pods.removals).toEqual([]);

      // Make one of the members about to go the PD leader, and name it for removal with one other.
      const leaving = [name(1), name(4)];
      await fetch(`${e2e.sim.cluster(c.ns, CLUSTER)?.url}/pd/api/v1/leader/transfer/${name(4)}`, { method: 'POST' });
      expect(c.model().leader()?.name).toBe(name(4));
      await c.reportedLeader(name(4));
      await c.scaleIn(3, leaving);
      await c.settled(3, 'three PD members Ready after the scale-in');
      expect((await c.instances()).map((i) => i.metadata.name).sort()).toEqual([name(0), name(2), name(3)]);
      expect(
        c
          .model()
          .members()
          .map((m) => m.name)
          .sort(),
      ).toEqual([name(0), name(2), name(3)]);

      // Every removed Pod went after its member had left PD; the leader was never the one removed.
      expect(c.pods.removals.map((r) => r.instance).sort()).toEqual(leaving);
      for (const r of c.pods.removals) {
        expect(r).toMatchObject({ memberListed: false, wasLeader: false });
      }
      expect(leaving).not.toContain(c.model().leader()?.name);
      expect(c.pods.quorumLost).toBe(0);
    }),
  { timeout: 300_000 },
);

test(
  'a version upgrade restarts one PD member at a time, the leader last and after a transfer',
  () =>
    withSettledPdCluster('pd-upgrade', 3, async (c) => {
      const { cp } = fixture;
      const leaderBefore = c.model().leader()?.name as string;
      await c.reportedLeader(leaderBefore);
      const availability = new PodAvailabilityRecorder(cp, c.ns, [0, 1, 2].map(name));
      await availability.start();
      try {
        c.pods.reset();

        await c.patchGroup({ spec: { template: { spec: { version: 'v8.5.1' } } } });
        await waitFor(
          async () => {
            const group = await c.settled(3, 'PD Ready again');
            const pods = await cp.api.get<List<Obj & { spec: { containers: { image: string }[] } }>>(
              `/api/v1/namespaces/${c.ns}/pods?labelSelector=tikv.org%2Fcomponent%3Dpd`,
            );
            return group.status?.version === 'v8.5.1' &&
              pods.items.length === 3 &&
              pods.items.every(
                (p) => p.spec.containers[0]?.image === 'pingcap/pd:v8.5.1' && !p.metadata.deletionTimestamp,
              )
              ? group
              : undefined;
          },
          { ...TIMEOUT, what: 'every PD member on v8.5.1' },
        );

        // One restart per member, the old leader's last, and none while it led PD. kwok (v0.7) sometimes removes
        // the Pod created right after a Pod of the same name went (it deletes by name): such new-version Pods are
        // no restarts of the operator's; they must not have led PD either.
        const restarts = c.pods.removals.filter((r) => r.image === 'pingcap/pd:v8.5.0');
        const order = restarts.map((r) => r.instance);
        expect([...order].sort()).toEqual([0, 1, 2].map(name));
        expect(order.at(-1)).toBe(leaderBefore);
        expect(c.pods.removals.every((r) => !r.wasLeader)).toBe(true);
        expect(c.model().leader()?.name).not.toBe(leaderBefore);
        // At most one member out of service at any moment, PD never without quorum.
        expect(availability.maxUnavailable).toBeLessThanOrEqual(1);
        expect(c.pods.maxMembersDown).toBeLessThanOrEqual(1);
        expect(c.pods.quorumLost).toBe(0);
        const counters = e2e.sim.safety().clusters.find((x) => x.namespace === c.ns)?.report.counters;
        expect(counters?.pdLeaderDropEvents).toBe(0);
      } finally {
        await availability.stop();
      }
    }),
  { timeout: 300_000 },
);

test(
  'a scale-in that would break the quorum is refused (condition and event, nothing deleted) and goes ahead once the quorum is back',
  () =>
    withSettledPdCluster('pd-refuse', 3, async (c) => {
      const { cp } = fixture;
      const leader = c.model().leader()?.name as string;
      const [healthy, broken] = [0, 1, 2].map(name).filter((n) => n !== leader) as [string, string];

      // One member stops serving; then the user removes a healthy one: 1 of the 2 left would be healthy.
      await c.setServing(broken, false);
      await waitFor(async () => c.model().member(broken)?.healthy === false, {
        ...TIMEOUT,
        what: `${broken} unhealthy`,
      });
      // What the user sees before scaling in: the instance is not Ready.
      await waitFor(async () => condition(await c.instance(broken), 'Ready')?.status === 'False', {
        ...TIMEOUT,
        what: `${broken} not Ready`,
      });
      await c.scaleIn(2, [healthy]);
      const refused = await waitFor(
        async () => {
          const group = await c.group();
          const synced = condition(group, 'Synced');
          return group.status?.observedGeneration === group.metadata.generation && synced?.reason === 'ScaleInRefused'
            ? synced
            : undefined;
        },
        { ...TIMEOUT, what: 'the scale-in refused' },
      );
      expect(refused.status).toBe('False');
      expect(refused.message).toContain(`removing ${healthy} would leave 1 healthy of 2 PD members; a quorum needs 2`);
      const events = await cp.api.get<{ items: { reason: string; type: string; note?: string }[] }>(
        `/apis/events.k8s.io/v1/namespaces/${c.ns}/events`,
      );
      expect(events.items).toContainEqual(expect.objectContaining({ reason: 'ScaleInRefused', type: 'Warning' }));
      // Nothing was deleted: every instance is alive, every member still in PD, no Pod went.
      const instances = await c.instances();
      expect(instances.map((i) => [i.metadata.name, i.metadata.deletionTimestamp])).toEqual(
        [0, 1, 2].map((i) => [name(i), undefined]),
      );
      expect(c.model().members()).toHaveLength(3);
      expect(c.pods.removals).toEqual([]);

      // The member serves again: the same scale-in is now safe and goes ahead.
      await c.setServing(broken, true);
      await c.settled(2, 'two PD members after the scale-in');
      expect(c.model().member(healthy)).toBeUndefined();
      expect(c.pods.removals).toEqual([expect.objectContaining({ instance: healthy, memberListed: false })]);
      expect(c.pods.quorumLost).toBe(0);
    }),
  { timeout: 300_000 },
);

test(
  'deleting a bootstrap member replaces it safely: its member leaves PD first, the replacement joins, the cluster id stays',
  () =>
    withSettledPdCluster('pd-replace', 3, async (c) => {
      const { cp } = fixture;
      const leader = c.model().leader()?.name as string;
      await c.reportedLeader(leader);

      // The leader's CR, a bootstrap member: deleting it is a replacement.
      await cp.api.delete(c.path('pds', leader));
      await waitFor(async () => (await cp.api.find(c.path('pds', leader))) === undefined, {
        ...TIMEOUT,
        what: `${leader} gone`,
      });
      await c.settled(3, 'three PD members again');
      const names = (await c.instances()).map((i) => i.metadata.name).sort();
      expect(names).not.toContain(leader);
      const replacement = names.find((n) => ![0, 1, 2].map(name).includes(n)) as string;
      expect(replacement).toBe(name(3));

      const instance = await c.instance(replacement);
      expect(instance?.metadata.annotations?.[INITIAL_CLUSTER_SIZE_ANNOTATION]).toBeUndefined();
      expect(c.configs.versions.get(replacement)?.every((v) => !v.includes('initial-cluster'))).toBe(true);
      expect(c.configs.first(replacement)).toContain(`join = "http://${GROUP}.${c.ns}.svc:2379"`);
      // The old member left PD (after handing leadership over) before its Pod went.
      expect(c.pods.removals).toEqual([
        expect.objectContaining({ instance: leader, memberListed: false, wasLeader: false }),
      ]);
      expect(c.model().member(leader)).toBeUndefined();
      expect(c.pods.quorumLost).toBe(0);
    }),
  { timeout: 300_000 },
);
