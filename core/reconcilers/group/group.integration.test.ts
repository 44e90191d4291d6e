// The group reconciler (with the cluster and instance reconcilers) against the local control plane, with the
// sample plugin: names and labels of everything a group makes, scaling both ways and selectively, rolling
// updates within maxUnavailable, label-only changes without restarts, the revision history limit, pause, an
// invalid config and a refused scale-in.
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { waitFor } from '../../testing/api.ts';
import { installCrds } from '../../testing/crds.ts';
import { createTestNamespace, useControlPlane } from '../../testing/fixtures.ts';
import { ObjectWatch } from '../../testing/object-watch.ts';
import { API, condition, type List, type Obj } from '../../testing/objects.ts';
import {
  SampleDataPlane,
  SamplePlugin,
  sampleCluster,
  sampleCrds,
  sampleGroup,
  sampleSteps,
} from '../../testing/sample-plugin/index.ts';
import { PodAvailabilityRecorder, type SampleOperator, startSampleOperator } from '../testing/sample-operator.ts';

const fixture = useControlPlane({ nodes: 3 });
const TIMEOUT = { timeout: 240_000 };

beforeAll(async () => {
  await installCrds(fixture.cp.api, sampleCrds());
}, 60_000);

let running: { operator: SampleOperator; recorder?: PodAvailabilityRecorder } | undefined;
afterEach(async () => {
  await running?.recorder?.stop();
  await running?.operator.stop();
  running = undefined;
});

/** A namespace with a Cluster `c`, the operator watching it, and a SampleGroup `g`. */
async function setup(opts: {
  replicas: number;
  mode?: 'offline' | 'delete';
  cluster?: Record<string, unknown>;
  template?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}) {
  const { cp } = fixture;
  const ns = await createTestNamespace(cp, 'group');
  const plugin = new SamplePlugin({ dataPlane: new SampleDataPlane(), scaleInMode: opts.mode ?? 'delete' });
  // Refused scale-ins are asked again after a second here (30 s by default).
  const operator = await startSampleOperator(cp, [plugin], ns, { refusalRecheckMs: 1000 });
  running = { operator };
  await cp.api.create(`${API}/namespaces/${ns}/clusters`, sampleCluster('c', ns, opts.cluster ?? {}));
  await cp.api.create(
    `${API}/namespaces/${ns}/samplegroups`,
    sampleGroup('g', ns, {
      cluster: 'c',
      replicas: opts.replicas,
      ...(opts.template ? { template: opts.template } : {}),
      ...(opts.spec ? { spec: opts.spec } : {}),
    }),
  );
  const groupPath = `${API}/namespaces/${ns}/samplegroups/g`;
  const group = () => cp.api.get<Obj>(groupPath);
  const instances = async () =>
    (await cp.api.get<List>(`${API}/namespaces/${ns}/samples`)).items.sort((a, b) =>
      a.metadata.name.localeCompare(b.metadata.name),
    );
  const names = async () => (await instances()).map((i) => i.metadata.name);
  /** The group is Ready and Synced for its current generation with `replicas` instances. */
  const settled = (replicas: number, what = `group g settled at ${replicas}`) =>
    waitFor(
      async () => {
        const g = await group();
        const ok =
          g.status?.observedGeneration === g.metadata.generation &&
          condition(g, 'Ready')?.status === 'True' &&
          condition(g, 'Synced')?.status === 'True' &&
          g.status?.replicas === replicas &&
          (await instances()).length === replicas;
        return ok ? g : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 250, what },
    );
  const patchGroup = (patch: unknown) => cp.api.patch(groupPath, patch);
  const recordPods = async (expected: string[]) => {
    const recorder = new PodAvailabilityRecorder(cp, ns, expected);
    await recorder.start();
    if (running) running.recorder = recorder;
    return recorder;
  };
  return { cp, ns, plugin, operator, group, instances, names, settled, patchGroup, recordPods, groupPath };
}

describe('group reconciler', () => {
  test(
    'a group gets its instances, Pods, ConfigMaps, PVCs and peer Service with the documented names and labels',
    async () => {
      const { cp, ns, settled, instances } = await setup({ replicas: 3 });
      const group = await settled(3);
      const revision = group.status?.updateRevision as string;
      expect(revision).toStartWith('g-sample-');
      expect(group.status).toMatchObject({
        replicas: 3,
        readyReplicas: 3,
        updatedReplicas: 3,
        currentReplicas: 3,
        currentRevision: revision,
        version: '1.0.0',
        selector: 'tikv.org/managed-by=tikv-operator,tikv.org/cluster=c,tikv.org/component=sample,tikv.org/group=g',
      });
      expect(group.metadata.finalizers).toContain('tikv.org/finalizer');

      const groupLabels = {
        'tikv.org/managed-by': 'tikv-operator',
        'tikv.org/cluster': 'c',
        'tikv.org/component': 'sample',
        'tikv.org/group': 'g',
      };
      const items = await instances();
      expect(items.map((i) => i.metadata.name)).toEqual(['g-0', 'g-1', 'g-2']);
      for (const instance of items) {
        const name = instance.metadata.name;
        expect(instance.metadata.labels).toMatchObject({ ...groupLabels, 'tikv.org/instance-revision-hash': revision });
        expect(instance.metadata.ownerReferences).toEqual([
          expect.objectContaining({ kind: 'SampleGroup', name: 'g', uid: group.metadata.uid, controller: true }),
        ]);
        expect(instance.spec).toMatchObject({ cluster: { name: 'c' }, subdomain: 'g-peer', version: '1.0.0' });

        const pod = await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/pods/${name}`);
        expect(pod.metadata.labels).toMatchObject({ ...groupLabels, 'tikv.org/instance': name });
        expect(pod.spec).toMatchObject({ hostname: name, subdomain: 'g-peer' });
        const configMap = await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/configmaps/${name}`);
        expect(configMap.metadata.labels).toMatchObject({ 'tikv.org/instance': name });
        const pvc = await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data-${name}`);
        expect(pvc.metadata.labels).toMatchObject({ 'tikv.org/instance': name, 'tikv.org/volume-name': 'data' });
      }

      const service = await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/services/g-peer`);
      expect(service.metadata.labels).toMatchObject(groupLabels);
      expect(service.spec).toMatchObject({
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: groupLabels,
        ports: [expect.objectContaining({ name: 'client', port: 7000 })],
      });
      expect(service.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'SampleGroup', name: 'g' });

      const revisions = await cp.api.get<List>(`/apis/apps/v1/namespaces/${ns}/controllerrevisions`);
      expect(revisions.items.map((r) => r.metadata.name)).toEqual([revision]);
      expect(revisions.items[0]?.metadata.labels).toMatchObject(groupLabels);

      const scale = await cp.api.get<Obj>(`${API}/namespaces/${ns}/samplegroups/g/scale`);
      expect(scale.status).toMatchObject({ replicas: 3, selector: group.status?.selector });

      const cluster = await waitFor(
        async () => {
          const c = await cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/c`);
          return condition(c, 'Ready')?.status === 'True' ? c : undefined;
        },
        { timeoutMs: 30_000, what: 'the Cluster to be Ready' },
      );
      expect(cluster.status?.components).toEqual([{ name: 'sample', replicas: 3, readyReplicas: 3 }]);
      expect(condition(cluster, 'Available')?.status).toBe('True');
      expect(condition(cluster, 'Synced')?.status).toBe('True');
      expect(condition(cluster, 'Progressing')?.status).toBe('False');
    },
    TIMEOUT,
  );

  test(
    'at steady state the operator makes no writes',
    async () => {
      const { settled, operator, cp, ns } = await setup({ replicas: 3 });
      await settled(3);
      await waitFor(
        async () => {
          const c = await cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/c`);
          return condition(c, 'Ready')?.status === 'True';
        },
        { what: 'the Cluster to be Ready' },
      );
      // Let the last status writes and their watch events settle, then watch the operator for a while.
      await Bun.sleep(2_000);
      const from = operator.requests.length;
      await Bun.sleep(5_000);
      const writes = operator.requests
        .slice(from)
        .filter((r) => !['get', 'list', 'watch'].includes(r.verb))
        .map((r) => `${r.verb} ${r.kind}`);
      expect(writes).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'minReadySeconds: a rollout waits for each updated instance to stay ready that long, then goes on by itself',
    async () => {
      const { settled, patchGroup, recordPods } = await setup({ replicas: 2, spec: { minReadySeconds: 2 } });
      const before = await settled(2);
      const recorder = await recordPods(['g-0', 'g-1']);
      recorder.reset();
      await patchGroup({ spec: { template: { spec: { config: 'log-level = "error"\n' } } } });
      // Nothing but the passing of minReadySeconds lets the second instance go: the group must come back by itself.
      const after = await waitFor(
        async () => {
          const g = await settled(2);
          return g.status?.currentRevision !== before.status?.currentRevision ? g : undefined;
        },
        { timeoutMs: 60_000, what: 'the rollout to finish' },
      );
      expect(after.status?.updatedReplicas).toBe(2);
      expect(recorder.maxUnavailable).toBe(1);
    },
    TIMEOUT,
  );

  test(
    'scales out 3 -> 5 and in 5 -> 3; scale-in (mode delete) removes the highest ordinals',
    async () => {
      const { settled, patchGroup, names, plugin } = await setup({ replicas: 3 });
      await settled(3);
      await patchGroup({ spec: { replicas: 5 } });
      await settled(5);
      expect(await names()).toEqual(['g-0', 'g-1', 'g-2', 'g-3', 'g-4']);
      await patchGroup({ spec: { replicas: 3 } });
      await settled(3);
      expect(await names()).toEqual(['g-0', 'g-1', 'g-2']);
      // The deleted instances went through the plugin's scale-in protocol in their finalizer.
      for (const name of ['g-3', 'g-4']) {
        expect(plugin.callsOf(name)).toContain(sampleSteps.startRemoval);
        expect(plugin.callsOf(name)).toContain(sampleSteps.finishRemoval);
      }
      expect(plugin.callsOf('g-0')).not.toContain(sampleSteps.startRemoval);
    },
    TIMEOUT,
  );

  test(
    'scale-in in mode offline marks the instances offline, they finish removal, then the group deletes them',
    async () => {
      const { cp, ns, settled, patchGroup, names, plugin } = await setup({ replicas: 4, mode: 'offline' });
      await settled(4);
      const offlineSeen = new Set<string>();
      const watch = new ObjectWatch<Obj>(cp.api, `${API}/namespaces/${ns}/samples`, (_, instance) => {
        if (instance.spec?.offline === true) offlineSeen.add(instance.metadata.name);
      });
      await watch.start();
      await patchGroup({ spec: { replicas: 2 } });
      await settled(2);
      await watch.stop();
      expect(await names()).toEqual(['g-0', 'g-1']);
      expect([...offlineSeen].sort()).toEqual(['g-2', 'g-3']);
      expect(plugin.callsOf('g-3')).toEqual(
        expect.arrayContaining([sampleSteps.startRemoval, sampleSteps.finishRemoval]),
      );
    },
    TIMEOUT,
  );

  test(
    'selective scale-in: the instance annotated with priority 0 goes, and so does one listed on the group',
    async () => {
      const { cp, ns, settled, patchGroup, names } = await setup({ replicas: 4 });
      await settled(4);
      await cp.api.patch(`${API}/namespaces/${ns}/samples/g-1`, {
        metadata: { annotations: { 'tikv.org/priority': '0' } },
      });
      await patchGroup({ spec: { replicas: 3 } });
      await settled(3);
      expect(await names()).toEqual(['g-0', 'g-2', 'g-3']);

      await patchGroup({ metadata: { annotations: { 'tikv.org/remove-instances': 'g-2' } }, spec: { replicas: 2 } });
      await settled(2);
      expect(await names()).toEqual(['g-0', 'g-3']);
      // Names the data plane still holds (g-1, g-2: removed members) and names listed for removal are not handed
      // out again: the next instances are g-4 and g-5.
      await patchGroup({ spec: { replicas: 4 } });
      await settled(4);
      expect(await names()).toEqual(['g-0', 'g-3', 'g-4', 'g-5']);
    },
    TIMEOUT,
  );

  test(
    'a template change rolls the instances one at a time, each drained before its Pod is deleted',
    async () => {
      const { settled, patchGroup, recordPods, plugin, group } = await setup({ replicas: 3 });
      const before = await settled(3);
      const recorder = await recordPods(['g-0', 'g-1', 'g-2']);
      const oldUids = new Map([...recorder.pods].map(([name, p]) => [name, p.uid]));
      recorder.reset();
      expect(recorder.maxUnavailable).toBe(0);

      await patchGroup({ spec: { template: { spec: { config: 'log-level = "debug"\n' } } } });
      await waitFor(async () => (await group()).metadata.generation !== before.metadata.generation, {
        what: 'the new generation',
      });
      const after = await settled(3, 'the rollout to finish');
      expect(after.status?.updateRevision).not.toBe(before.status?.updateRevision);
      expect(after.status?.currentRevision).toBe(after.status?.updateRevision);
      // Every Pod was recreated, never more than one out of service at a time.
      for (const [name, uid] of oldUids) expect(recorder.pods.get(name)?.uid).not.toBe(uid);
      expect(recorder.maxUnavailable).toBe(1);
      // Each instance was drained while its old Pod still ran, and undrained once the new one ran.
      for (const [name, uid] of oldUids) {
        const calls = plugin.calls.filter((c) => c.instance === name);
        const drain = calls.find((c) => c.step === sampleSteps.drain);
        expect(drain).toMatchObject({ podUid: uid, podDeleting: false });
        const undrain = calls.find((c) => c.step === sampleSteps.undrain);
        expect(undrain?.podUid).not.toBe(uid);
      }
    },
    TIMEOUT,
  );

  test(
    'a label-only template change moves every instance to the new revision without restarting a Pod',
    async () => {
      const { cp, ns, settled, patchGroup, recordPods, instances } = await setup({ replicas: 3 });
      const before = await settled(3);
      const recorder = await recordPods(['g-0', 'g-1', 'g-2']);
      const oldUids = new Map([...recorder.pods].map(([name, p]) => [name, p.uid]));

      await patchGroup({ spec: { template: { metadata: { labels: { team: 'storage' } } } } });
      const after = await waitFor(
        async () => {
          const g = await settled(3);
          return g.status?.updateRevision !== before.status?.updateRevision ? g : undefined;
        },
        { timeoutMs: 120_000, what: 'the new revision to roll out' },
      );
      for (const instance of await instances()) {
        expect(instance.metadata.labels).toMatchObject({
          team: 'storage',
          'tikv.org/instance-revision-hash': after.status?.updateRevision,
        });
        const pod = await cp.api.get<Obj>(`/api/v1/namespaces/${ns}/pods/${instance.metadata.name}`);
        expect(pod.metadata.labels?.team).toBe('storage');
      }
      for (const [name, uid] of oldUids) expect([...(recorder.uids.get(name) ?? [])]).toEqual([uid]);
      expect(recorder.maxUnavailable).toBe(0);
    },
    TIMEOUT,
  );

  test(
    'revisionHistoryLimit is enforced: old ControllerRevisions beyond the limit are deleted',
    async () => {
      const { cp, ns, settled, patchGroup } = await setup({ replicas: 1, cluster: { revisionHistoryLimit: 2 } });
      await settled(1);
      for (let i = 1; i <= 5; i++) {
        const before = await settled(1);
        await patchGroup({ spec: { template: { metadata: { labels: { step: String(i) } } } } });
        await waitFor(
          async () => {
            const g = await settled(1);
            return g.status?.updateRevision !== before.status?.updateRevision ? g : undefined;
          },
          { timeoutMs: 60_000, what: `template change ${i} to roll out` },
        );
      }
      const revisions = await waitFor(
        async () => {
          const list = await cp.api.get<List>(`/apis/apps/v1/namespaces/${ns}/controllerrevisions`);
          return list.items.length <= 3 ? list : undefined;
        },
        { timeoutMs: 30_000, what: 'the history to be trimmed' },
      );
      // The current revision plus at most two old ones.
      expect(revisions.items).toHaveLength(3);
      const numbers = revisions.items.map((r) => (r as unknown as { revision: number }).revision).sort();
      expect(numbers).toEqual([4, 5, 6]);
    },
    TIMEOUT,
  );

  test(
    'while the cluster is paused nothing changes; resuming carries on',
    async () => {
      const { cp, ns, settled, patchGroup, names, group } = await setup({ replicas: 2 });
      await settled(2);
      await cp.api.patch(`${API}/namespaces/${ns}/clusters/c`, { spec: { paused: true } });
      await waitFor(async () => condition(await group(), 'Synced')?.reason === 'Paused', {
        what: 'the group to report the pause',
      });
      await patchGroup({ spec: { replicas: 4 } });
      // Watch for a while: no instance may appear.
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline) {
        expect(await names()).toEqual(['g-0', 'g-1']);
        await Bun.sleep(250);
      }
      expect((await group()).status?.observedGeneration).not.toBe((await group()).metadata.generation);
      await cp.api.patch(`${API}/namespaces/${ns}/clusters/c`, { spec: { paused: false } });
      await settled(4);
    },
    TIMEOUT,
  );

  test(
    'without a template check, an invalid config stops the rollout once the first instance rejects it; no Pod is touched',
    async () => {
      const { cp, ns, settled, patchGroup, recordPods, instances, group, plugin } = await setup({ replicas: 3 });
      // The group's fallback: the instances report what the plugin's renderConfig rejects.
      Object.assign(plugin, { validateTemplate: undefined });
      const before = await settled(3);
      const recorder = await recordPods(['g-0', 'g-1', 'g-2']);
      await patchGroup({ spec: { template: { spec: { config: 'this is not [toml' } } } });
      const blocked = await waitFor(
        async () => {
          const g = await group();
          return condition(g, 'Synced')?.reason === 'ConfigInvalid' ? g : undefined;
        },
        { timeoutMs: 60_000, what: 'the group to report ConfigInvalid' },
      );
      expect(condition(blocked, 'Synced')?.message).toContain('reject');
      // Give the group time to (wrongly) move on.
      await Bun.sleep(2_000);
      const moved = (await instances()).filter(
        (i) => i.metadata.labels?.['tikv.org/instance-revision-hash'] !== before.status?.updateRevision,
      );
      expect(moved).toHaveLength(1);
      expect(recorder.maxUnavailable).toBe(0);
      for (const [name, uids] of recorder.uids) expect(uids.size, name).toBe(1);
      const events = await cp.api.get<{ items: { reason: string; type: string; regarding: { name: string } }[] }>(
        `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      );
      expect(events.items).toContainEqual(
        expect.objectContaining({
          reason: 'ConfigInvalid',
          type: 'Warning',
          regarding: expect.objectContaining({ name: 'g' }),
        }),
      );
    },
    TIMEOUT,
  );

  test(
    "a plugin's template check stops an invalid config before any instance gets it",
    async () => {
      const { cp, ns, settled, patchGroup, instances, group } = await setup({ replicas: 2 });
      const before = await settled(2);
      await patchGroup({ spec: { template: { spec: { config: 'broken [' } } } });
      const blocked = await waitFor(
        async () => {
          const g = await group();
          return condition(g, 'Synced')?.reason === 'ConfigInvalid' ? g : undefined;
        },
        { what: 'ConfigInvalid' },
      );
      expect(condition(blocked, 'Synced')?.message).toStartWith("the template's config is invalid");
      for (const instance of await instances()) {
        expect(instance.metadata.labels?.['tikv.org/instance-revision-hash']).toBe(
          before.status?.updateRevision as string,
        );
      }
      const events = await cp.api.get<{ items: { reason: string; type: string }[] }>(
        `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      );
      expect(events.items).toContainEqual(expect.objectContaining({ reason: 'ConfigInvalid', type: 'Warning' }));
      // Fixing the config lets the rollout go on.
      await patchGroup({ spec: { template: { spec: { config: 'log-level = "info"\n' } } } });
      const fixed = await waitFor(
        async () => {
          const g = await settled(2);
          return g.status?.updateRevision !== before.status?.updateRevision ? g : undefined;
        },
        { timeoutMs: 60_000, what: 'the fixed config to roll out' },
      );
      expect(fixed.status?.currentRevision).toBe(fixed.status?.updateRevision);
    },
    TIMEOUT,
  );

  test(
    'a scale-in the plugin refuses deletes nothing and says why; it proceeds once allowed',
    async () => {
      const { settled, patchGroup, names, group, plugin } = await setup({ replicas: 3 });
      await settled(3);
      plugin.removalRefusal = 'the sample quorum needs 3 members';
      await patchGroup({ spec: { replicas: 2 } });
      const refused = await waitFor(
        async () => {
          const g = await group();
          return condition(g, 'Synced')?.reason === 'ScaleInRefused' ? g : undefined;
        },
        { what: 'ScaleInRefused' },
      );
      expect(condition(refused, 'Synced')?.message).toBe(
        'SampleGroup g: scale-in of 1 instance refused: the sample quorum needs 3 members',
      );
      expect(await names()).toEqual(['g-0', 'g-1', 'g-2']);
      // Nothing reports the plugin's change of mind to the group: the refusal is asked again by itself.
      plugin.removalRefusal = undefined;
      await settled(2);
      expect(await names()).toEqual(['g-0', 'g-1']);
    },
    TIMEOUT,
  );
});
