// The instance controller against a real control plane, with the sample plugin: one instance CR -> its Pod,
// ConfigMap and PVCs, updated in place or recreated, and cleaned up.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { KubeObject } from '../../kube/object.ts';
import { waitFor } from '../../testing/api.ts';
import { createTestNamespace, useControlPlane } from '../../testing/fixtures.ts';
import { sampleSteps } from '../../testing/sample-plugin/index.ts';
import {
  condition,
  createCluster,
  createSample,
  type InstanceObjectJson,
  type InstanceOperator,
  type PodJson,
  paths,
  startInstanceOperator,
  waitForPod,
  waitForReady,
  writes,
} from './integration-harness.ts';

const fixture = useControlPlane({ nodes: 2 });
let operator: InstanceOperator;

beforeAll(async () => {
  operator = await startInstanceOperator(fixture.cp);
}, 60_000);
afterAll(async () => {
  await operator?.stop();
});

const T = { timeout: 120_000 };

describe('instance controller', () => {
  test(
    'creates the Pod, ConfigMap and PVC with the documented names, labels and owner, and labels the PV',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-create');
      const p = paths(ns);
      await createCluster(cp, ns);
      const created = await createSample(cp, ns, 's-0', { config: 'log-level = "info"' });
      const pod = await waitForPod(cp, ns, 's-0');
      const instance = await waitForReady(cp, ns, 's-0');

      const owner = {
        apiVersion: 'core.tikv.org/v1alpha1',
        kind: 'Sample',
        name: 's-0',
        uid: created.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      };
      const identity = {
        'tikv.org/managed-by': 'tikv-operator',
        'tikv.org/cluster': 'c',
        'tikv.org/component': 'sample',
        'tikv.org/group': 's',
        'tikv.org/instance': 's-0',
      };
      expect(pod.metadata.labels).toMatchObject({ ...identity, 'tikv.org/instance-revision-hash': 'rev-1' });
      expect(pod.metadata.ownerReferences).toEqual([owner]);
      expect(pod.spec).toMatchObject({ hostname: 's-0', subdomain: 's-peer' });
      expect(pod.metadata.annotations?.['tikv.org/last-instance-template']).toBeString();
      expect(pod.metadata.annotations?.['tikv.org/config-hash']).toMatch(/^[0-9a-f]{16}$/);
      expect(pod.spec.containers[0]?.volumeMounts).toEqual(
        expect.arrayContaining([
          { name: 'tikv-config', mountPath: '/etc/sample', readOnly: true },
          { name: 'data', mountPath: '/var/lib/sample' },
        ]),
      );

      const cm = await cp.api.get<{ metadata: PodJson['metadata']; data: Record<string, string> }>(p.configMap('s-0'));
      expect(cm.data).toEqual({ 'config.toml': 'log-level = "info"\nname = "s-0"\n' });
      expect(cm.metadata.labels).toEqual(identity);
      expect(cm.metadata.ownerReferences).toEqual([owner]);

      const pvc = await waitFor(
        async () => {
          const claim = await cp.api.get<{ metadata: PodJson['metadata']; spec: { volumeName?: string } }>(
            p.pvc('data-s-0'),
          );
          return claim.spec.volumeName ? claim : undefined;
        },
        { timeoutMs: 30_000, what: 'the PVC to be bound' },
      );
      expect(pvc.metadata.labels).toEqual({ ...identity, 'tikv.org/volume-name': 'data' });
      expect(pvc.metadata.ownerReferences).toEqual([owner]);
      const pv = await waitFor(
        async () => {
          const volume = await cp.api.get<{ metadata: PodJson['metadata'] }>(p.pv(pvc.spec.volumeName ?? ''));
          return volume.metadata.labels?.['tikv.org/instance'] === 's-0' ? volume : undefined;
        },
        { timeoutMs: 30_000, what: 'the PV to be labelled' },
      );
      expect(pv.metadata.labels).toMatchObject({ ...identity, 'tikv.org/volume-name': 'data' });

      expect(instance.metadata.finalizers).toEqual(['tikv.org/finalizer']);
      expect(instance.status).toMatchObject({
        observedGeneration: 1,
        replicas: 1,
        updateRevision: 'rev-1',
        currentRevision: 'rev-1',
        memberId: expect.any(String),
        memberState: 'Up',
      });
      for (const type of ['Running', 'Ready', 'Synced']) expect(condition(instance, type)?.status).toBe('True');
      expect(condition(instance, 'Suspended')?.status).toBe('False');
    },
    T,
  );

  test(
    'a reconcile that finds everything in place writes nothing',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-steady');
      await createCluster(cp, ns);
      await createSample(cp, ns, 's-0');
      await waitForReady(cp, ns, 's-0');
      await waitForBound(cp, ns, 'data-s-0');
      // Let the events of the last writes arrive and be reconciled.
      await waitFor(
        async () => {
          const start = operator.plugin.dataPlaneLoads;
          const written = writes(operator.requests).length;
          await reconcileTwice(ns, 's-0');
          return operator.plugin.dataPlaneLoads > start && writes(operator.requests).length === written;
        },
        { timeoutMs: 30_000, what: 'a reconcile without writes' },
      );
      const written = writes(operator.requests).length;
      for (let i = 0; i < 3; i++) await reconcileTwice(ns, 's-0');
      expect(writes(operator.requests).slice(written)).toEqual([]);
    },
    T,
  );

  test(
    'a label-only change updates the Pod in place',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-labels');
      const p = paths(ns);
      await createCluster(cp, ns);
      await createSample(cp, ns, 's-0');
      const before = await waitForPod(cp, ns, 's-0');

      await cp.api.patch(p.sample('s-0'), { metadata: { labels: { team: 'storage' }, annotations: { note: 'a' } } });
      const labelled = await waitForPod(
        cp,
        ns,
        's-0',
        (pod) => pod.metadata.labels?.team === 'storage' && pod.metadata.annotations?.note === 'a',
      );
      expect(labelled.metadata.uid).toBe(before.metadata.uid);

      await cp.api.patch(p.sample('s-0'), { metadata: { labels: { team: null } } });
      const unlabelled = await waitForPod(cp, ns, 's-0', (pod) => pod.metadata.labels?.team === undefined);
      expect(unlabelled.metadata.uid).toBe(before.metadata.uid);
      expect(unlabelled.metadata.annotations?.note).toBe('a');
      const instance = await waitForReady(cp, ns, 's-0');
      expect(condition(instance, 'Synced')?.status).toBe('True');
      expect(operator.plugin.callsOf('s-0', ns)).not.toContain(sampleSteps.drain);
    },
    T,
  );

  test(
    'a volume resize expands the PVC without restarting the Pod',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-resize');
      const p = paths(ns);
      await createCluster(cp, ns);
      await createSample(cp, ns, 's-0');
      const before = await waitForPod(cp, ns, 's-0');
      await waitForBound(cp, ns, 'data-s-0');

      await cp.api.patch(p.sample('s-0'), { spec: { volumes: [{ name: 'data', storage: '2Gi' }] } });
      const pvc = await waitFor(
        async () => {
          const claim = await cp.api.get<ClaimJson>(p.pvc('data-s-0'));
          return claim.status?.capacity?.storage === '2Gi' ? claim : undefined;
        },
        { timeoutMs: 60_000, what: 'the PVC to be expanded to 2Gi' },
      );
      expect(pvc.spec.resources.requests.storage).toBe('2Gi');
      const instance = await waitForReady(cp, ns, 's-0');
      expect(instance.metadata.generation).toBe(2);
      expect(condition(instance, 'Synced')?.status).toBe('True');
      const after = await cp.api.get<PodJson>(p.pod('s-0'));
      expect(after.metadata.uid).toBe(before.metadata.uid);
    },
    T,
  );

  test(
    'a version change recreates the Pod after restart.before and runs restart.after once it is back',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-upgrade');
      const p = paths(ns);
      await createCluster(cp, ns);
      await createSample(cp, ns, 's-0');
      await waitForReady(cp, ns, 's-0');
      const before = await waitForPod(cp, ns, 's-0');

      await cp.api.patch(p.sample('s-0'), {
        metadata: { labels: { 'tikv.org/instance-revision-hash': 'rev-2' } },
        spec: { version: '1.1.0' },
      });
      const after = await waitForPod(cp, ns, 's-0', (pod) => pod.metadata.uid !== before.metadata.uid);
      expect(after.spec.containers[0]?.image).toBe('example.org/sample:v1.1.0');
      const instance = await waitFor(
        async () => {
          const obj = await cp.api.get<InstanceObjectJson>(p.sample('s-0'));
          return obj.status?.currentRevision === 'rev-2' &&
            operator.plugin.callsOf('s-0', ns).includes(sampleSteps.undrain)
            ? obj
            : undefined;
        },
        { timeoutMs: 60_000, what: 'the instance to run rev-2 and be undrained' },
      );
      expect(condition(instance, 'Synced')?.status).toBe('True');

      const calls = operator.plugin.calls.filter(
        (c) => c.instance === 's-0' && c.namespace === ns && c.podUid !== undefined,
      );
      const drain = calls.find((c) => c.step === sampleSteps.drain);
      const undrain = calls.find((c) => c.step === sampleSteps.undrain);
      // Drained while the old Pod still ran (not yet terminating), undrained on the new Pod.
      expect(drain).toMatchObject({ podUid: before.metadata.uid, podDeleting: false });
      expect(undrain).toMatchObject({ podUid: after.metadata.uid, podDeleting: false });
      expect(calls.indexOf(drain as never)).toBeLessThan(calls.indexOf(undrain as never));
      expect(operator.dataPlane.member(ns, 's-0')?.drained).toBe(false);
    },
    T,
  );

  test(
    'a config that does not render sets Synced=False/ConfigInvalid with a Warning event and leaves the Pod alone',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-badconfig');
      const p = paths(ns);
      await createCluster(cp, ns);
      await createSample(cp, ns, 's-0', { config: 'log-level = "info"' });
      await waitForReady(cp, ns, 's-0');
      const before = await waitForPod(cp, ns, 's-0');
      const cmBefore = await cp.api.get<{ data: Record<string, string> }>(p.configMap('s-0'));

      await cp.api.patch(p.sample('s-0'), { spec: { config: 'log-level = [[[' } });
      const instance = await waitFor(
        async () => {
          const obj = await cp.api.get<InstanceObjectJson>(p.sample('s-0'));
          const synced = condition(obj, 'Synced');
          return synced?.reason === 'ConfigInvalid' && synced.observedGeneration === 2 ? obj : undefined;
        },
        { timeoutMs: 30_000, what: 'Synced=False/ConfigInvalid' },
      );
      expect(condition(instance, 'Synced')).toMatchObject({ status: 'False', reason: 'ConfigInvalid' });
      expect(condition(instance, 'Synced')?.message).toContain('config is not valid TOML');
      const event = await waitFor(
        async () => {
          const list = await cp.api.get<{ items: EventJson[] }>(p.events);
          return list.items.find((e) => e.reason === 'ConfigInvalid' && e.regarding.name === 's-0');
        },
        { timeoutMs: 30_000, what: 'a ConfigInvalid event' },
      );
      expect(event.type).toBe('Warning');

      const pod = await cp.api.get<PodJson>(p.pod('s-0'));
      expect(pod.metadata.uid).toBe(before.metadata.uid);
      expect(pod.metadata.deletionTimestamp).toBeUndefined();
      expect(pod.metadata.annotations).toEqual(before.metadata.annotations);
      expect((await cp.api.get<{ data: Record<string, string> }>(p.configMap('s-0'))).data).toEqual(cmBefore.data);
      expect(operator.plugin.callsOf('s-0', ns)).not.toContain(sampleSteps.drain);

      // Fixed: the instance catches up (the config changed under the Restart strategy: a new Pod).
      await cp.api.patch(p.sample('s-0'), { spec: { config: 'log-level = "warn"' } });
      const fixed = await waitForReady(cp, ns, 's-0');
      await waitFor(
        async () => condition(await cp.api.get<InstanceObjectJson>(p.sample('s-0')), 'Synced')?.status === 'True',
        { timeoutMs: 60_000, what: 'Synced=True after the fix' },
      );
      expect(fixed.metadata.generation).toBe(3);
      expect((await cp.api.get<{ data: Record<string, string> }>(p.configMap('s-0'))).data).toEqual({
        'config.toml': 'log-level = "warn"\nname = "s-0"\n',
      });
    },
    T,
  );

  test(
    'suspending the cluster deletes the Pod and keeps the PVC; resuming recreates it',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-suspend');
      const p = paths(ns);
      await createCluster(cp, ns);
      await createSample(cp, ns, 's-0');
      const before = await waitForPod(cp, ns, 's-0');
      const claim = await waitForBound(cp, ns, 'data-s-0');

      await cp.api.patch(p.cluster('c'), { spec: { suspendAction: { suspendCompute: true } } });
      await waitFor(async () => (await cp.api.find(p.pod('s-0'))) === undefined, {
        timeoutMs: 60_000,
        what: 'the Pod to be deleted',
      });
      const suspended = await waitFor(
        async () => {
          const obj = await cp.api.get<InstanceObjectJson>(p.sample('s-0'));
          return condition(obj, 'Suspended')?.status === 'True' ? obj : undefined;
        },
        { timeoutMs: 30_000, what: 'Suspended=True' },
      );
      expect(suspended.status?.replicas).toBe(0);
      expect(condition(suspended, 'Running')?.reason).toBe('PodNotCreated');
      expect((await cp.api.get<ClaimJson>(p.pvc('data-s-0'))).metadata.uid).toBe(claim.metadata.uid);
      expect(await cp.api.find(p.configMap('s-0'))).toBeDefined();

      await cp.api.patch(p.cluster('c'), { spec: { suspendAction: { suspendCompute: false } } });
      const after = await waitForPod(cp, ns, 's-0');
      expect(after.metadata.uid).not.toBe(before.metadata.uid);
      const resumed = await waitForReady(cp, ns, 's-0');
      expect(condition(resumed, 'Suspended')?.status).toBe('False');
      expect((await cp.api.get<ClaimJson>(p.pvc('data-s-0'))).metadata.uid).toBe(claim.metadata.uid);
    },
    T,
  );

  test(
    "deleting the instance runs the scale-in steps ('delete' mode), then removes the Pod, ConfigMap, PVC and finalizer",
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-delete');
      const p = paths(ns);
      await createCluster(cp, ns);
      await createSample(cp, ns, 's-0');
      await waitForReady(cp, ns, 's-0');
      await waitForBound(cp, ns, 'data-s-0');
      expect(operator.plugin.scaleIn.mode).toBe('delete');

      await cp.api.delete(p.sample('s-0'));
      await waitGone(cp, p.sample('s-0'), 'the instance');
      await waitGone(cp, p.pod('s-0'), 'the Pod');
      await waitGone(cp, p.configMap('s-0'), 'the ConfigMap');
      await waitGone(cp, p.pvc('data-s-0'), 'the PVC');
      expect(operator.plugin.callsOf('s-0', ns)).toEqual([
        sampleSteps.join,
        sampleSteps.startRemoval,
        sampleSteps.finishRemoval,
      ]);
      expect(operator.dataPlane.member(ns, 's-0')?.state).toBe('Removed');
    },
    T,
  );

  test(
    'with volumeReclaimPolicy Retain, the PVC outlives the instance, without an owner',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-retain');
      const p = paths(ns);
      await createCluster(cp, ns);
      await createSample(cp, ns, 's-0', { volumeReclaimPolicy: 'Retain' });
      await waitForReady(cp, ns, 's-0');
      const claim = await waitForBound(cp, ns, 'data-s-0');

      await cp.api.delete(p.sample('s-0'));
      await waitGone(cp, p.sample('s-0'), 'the instance');
      await waitGone(cp, p.pod('s-0'), 'the Pod');
      const kept = await cp.api.get<ClaimJson>(p.pvc('data-s-0'));
      expect(kept.metadata.uid).toBe(claim.metadata.uid);
      expect(kept.metadata.deletionTimestamp).toBeUndefined();
      expect(kept.metadata.ownerReferences).toBeUndefined();
      expect(kept.metadata.labels?.['tikv.org/instance']).toBe('s-0');
    },
    T,
  );

  test(
    "'offline' mode: offline=true removes the member and sets Offlined=True; lifting it in time cancels",
    async () => {
      const { cp } = fixture;
      const plugin = operator.plugin;
      plugin.scaleInMode = 'offline';
      try {
        const ns = await createTestNamespace(cp, 'inst-offline');
        const p = paths(ns);
        await createCluster(cp, ns);
        await createSample(cp, ns, 's-0');
        await createSample(cp, ns, 's-1');
        await waitForReady(cp, ns, 's-0');
        await waitForReady(cp, ns, 's-1');

        await cp.api.patch(p.sample('s-0'), { spec: { offline: true } });
        const offlined = await waitForCondition(cp, ns, 's-0', 'Offlined', (c) => c.status === 'True');
        expect(condition(offlined, 'Offlined')?.reason).toBe('Completed');
        expect(plugin.callsOf('s-0', ns)).toEqual([
          sampleSteps.join,
          sampleSteps.startRemoval,
          sampleSteps.finishRemoval,
        ]);
        // The instance stays until the group deletes it.
        expect(await cp.api.find(p.pod('s-0'))).toBeDefined();

        plugin.hold(sampleSteps.finishRemoval, 's-1');
        await cp.api.patch(p.sample('s-1'), { spec: { offline: true } });
        await waitForCondition(cp, ns, 's-1', 'Offlined', (c) => c.reason === 'Processing');
        await waitFor(async () => plugin.reached(sampleSteps.finishRemoval, 's-1'), { what: 'the hold to be reached' });
        expect(operator.dataPlane.member(ns, 's-1')?.state).toBe('Removing');

        await cp.api.patch(p.sample('s-1'), { spec: { offline: false } });
        const canceled = await waitFor(
          async () => {
            const obj = await cp.api.get<InstanceObjectJson>(p.sample('s-1'));
            return condition(obj, 'Offlined') === undefined ? obj : undefined;
          },
          { timeoutMs: 30_000, what: 'the Offlined condition to go' },
        );
        expect(condition(canceled, 'Ready')?.status).toBe('True');
        expect(operator.dataPlane.member(ns, 's-1')?.state).toBe('Up');
        expect(plugin.callsOf('s-1', ns)).toEqual([
          sampleSteps.join,
          sampleSteps.startRemoval,
          sampleSteps.cancelRemoval,
        ]);
      } finally {
        plugin.release(sampleSteps.finishRemoval, 's-1');
        plugin.scaleInMode = 'delete';
      }
    },
    T,
  );

  test(
    'a paused cluster: nothing changes until it is unpaused',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-paused');
      const p = paths(ns);
      await createCluster(cp, ns, 'c');
      await createCluster(cp, ns, 'd');
      await createSample(cp, ns, 's-0', {}, { cluster: 'c' });
      await createSample(cp, ns, 't-0', {}, { cluster: 'd', group: 't' });
      await waitForReady(cp, ns, 's-0');
      await waitForReady(cp, ns, 't-0');
      await cp.api.patch(p.cluster('c'), { spec: { paused: true } });
      const pausedBefore = await cp.api.get<InstanceObjectJson>(p.sample('s-0'));
      const podBefore = await cp.api.get<PodJson>(p.pod('s-0'));

      // The same change on both instances; the one of the running cluster is the witness that events were handled.
      const change = { metadata: { labels: { team: 'x' } }, spec: { version: '1.2.0' } };
      await cp.api.patch(p.sample('s-0'), change);
      await cp.api.patch(p.sample('t-0'), change);
      await waitForPod(cp, ns, 't-0', (pod) => pod.spec.containers[0]?.image === 'example.org/sample:v1.2.0');
      await waitForReady(cp, ns, 't-0');

      const podPaused = await cp.api.get<PodJson>(p.pod('s-0'));
      expect(podPaused.metadata.uid).toBe(podBefore.metadata.uid);
      expect(podPaused.metadata.resourceVersion).toBe(podBefore.metadata.resourceVersion);
      const paused = await cp.api.get<InstanceObjectJson>(p.sample('s-0'));
      expect(paused.status).toEqual(pausedBefore.status ?? {});
      expect(operator.plugin.callsOf('s-0', ns)).not.toContain(sampleSteps.drain);

      await cp.api.patch(p.cluster('c'), { spec: { paused: false } });
      await waitForPod(cp, ns, 's-0', (pod) => pod.spec.containers[0]?.image === 'example.org/sample:v1.2.0');
    },
    T,
  );

  test(
    'an instance deleted while its Cluster is being deleted skips the scale-in protocol',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-cluster-gone');
      const p = paths(ns);
      await createCluster(cp, ns);
      // Stands in for the cluster reconciler's finalizer, so the Cluster stays while it is being deleted.
      await cp.api.patch(p.cluster('c'), { metadata: { finalizers: ['test.tikv.org/hold'] } });
      await createSample(cp, ns, 's-0');
      await waitForReady(cp, ns, 's-0');

      await cp.api.delete(p.cluster('c'));
      await cp.api.delete(p.sample('s-0'));
      await waitGone(cp, p.sample('s-0'), 'the instance');
      await waitGone(cp, p.pod('s-0'), 'the Pod');
      await waitGone(cp, p.pvc('data-s-0'), 'the PVC');
      expect(operator.plugin.callsOf('s-0', ns)).toEqual([sampleSteps.join]);
      await cp.api.patch(p.cluster('c'), { metadata: { finalizers: null } });
    },
    T,
  );
});

interface ClaimJson extends KubeObject {
  spec: { volumeName?: string; resources: { requests: { storage: string } } };
  status?: { phase?: string; capacity?: { storage?: string } };
}

interface EventJson extends KubeObject {
  reason: string;
  type: string;
  note: string;
  regarding: { name: string };
}

function waitForBound(cp: typeof fixture.cp, ns: string, name: string) {
  return waitFor(
    async () => {
      const claim = await cp.api.get<ClaimJson>(paths(ns).pvc(name));
      return claim.status?.phase === 'Bound' ? claim : undefined;
    },
    { timeoutMs: 30_000, what: `PVC ${name} to be bound` },
  );
}

function waitGone(cp: typeof fixture.cp, path: string, what: string) {
  return waitFor(async () => (await cp.api.find(path)) === undefined, {
    timeoutMs: 60_000,
    what: `${what} to be gone`,
  });
}

function waitForCondition(
  cp: typeof fixture.cp,
  ns: string,
  name: string,
  type: string,
  check: (c: NonNullable<ReturnType<typeof condition>>) => boolean,
) {
  return waitFor(
    async () => {
      const obj = await cp.api.get<InstanceObjectJson>(paths(ns).sample(name));
      const c = condition(obj, type);
      return c && check(c) ? obj : undefined;
    },
    { timeoutMs: 60_000, what: `${type} on ${name}` },
  );
}

/**
 * Wakes the instance through the data plane twice and waits until the second reconcile started: a key is
 * processed by one worker at a time, so by then the first reconcile has finished.
 */
async function reconcileTwice(ns: string, name: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const before = operator.plugin.dataPlaneLoads;
    operator.dataPlane.touch(ns, name);
    await waitFor(async () => operator.plugin.dataPlaneLoads > before, { timeoutMs: 10_000, what: 'a reconcile' });
  }
}
