// Health and failover against the local control plane, with the sample plugin (so the core's part is proven
// without PD or TiKV): a data-plane failure replaced after the period and not before, the cap, recovery through
// the safe scale-in; recreate-empty one at a time and never while the plugin refuses; a node deleted (Pod
// force-deleted, volume stranded, replaced, back when the node returns); a terminating Pod on a NotReady node
// (force-deleted after the grace period, its movable volume follows it); failover disabled (conditions, events and
// metrics only). Periods are seconds; the tests assert the order of recorded times, never how long things took.
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import type { KubeObject } from '../../kube/object.ts';
import { OperatorMetrics } from '../../observability/metrics.ts';
import { waitFor } from '../../testing/api.ts';
import { installCrds } from '../../testing/crds.ts';
import { createTestNamespace, useControlPlane } from '../../testing/fixtures.ts';
import { fakeNodes } from '../../testing/kwok.ts';
import { type ObjectChange, ObjectWatch } from '../../testing/object-watch.ts';
import { API, condition, type List as ListOf, type Obj as TestObject } from '../../testing/objects.ts';
import { provisionerName } from '../../testing/provisioner.ts';
import {
  SampleDataPlane,
  SamplePlugin,
  sampleCluster,
  sampleCrds,
  sampleGroup,
  sampleSteps,
} from '../../testing/sample-plugin/index.ts';
import { type SampleOperator, startSampleOperator } from '../testing/sample-operator.ts';

const fixture = useControlPlane({ nodes: 4 });
const TIMEOUT = { timeout: 240_000 };

interface Obj extends TestObject {
  spec?: Record<string, unknown> & { nodeName?: string; volumeName?: string };
  status?: TestObject['status'] & { downSince?: string; phase?: string };
}
type List = ListOf<Obj>;
interface EventObj extends KubeObject {
  type: string;
  reason: string;
  note: string;
  eventTime: string;
  regarding: { kind: string; name: string };
}

beforeAll(async () => {
  await installCrds(fixture.cp.api, sampleCrds());
}, 60_000);

let running: { operator: SampleOperator; recorder?: InstanceRecorder } | undefined;
afterEach(async () => {
  await running?.recorder?.stop();
  await running?.operator.stop();
  running = undefined;
});

const annotation = (obj: Obj | undefined, key: string) => obj?.metadata.annotations?.[key];
const FAILED_SINCE = 'tikv.org/failed-since';
const REPLACEMENT_FOR = 'tikv.org/replacement-for';
const RECREATE = 'tikv.org/recreate-empty';

/** Watches the namespace's instances and keeps, after every event, the worst moments seen. */
class InstanceRecorder {
  readonly instances = new Map<string, Obj>();
  maxInstances = 0;
  maxFailed = 0;
  maxRecreating = 0;
  /** Every time an instance got the recreate mark: who, and who else was not Healthy at that moment. */
  readonly recreations: { name: string; unhealthyOthers: string[] }[] = [];
  private readonly watch: ObjectWatch<Obj>;
  private listed = false;

  constructor(t: { cp: typeof fixture.cp; ns: string }, plural = 'samples') {
    this.watch = new ObjectWatch<Obj>(t.cp.api, `${API}/namespaces/${t.ns}/${plural}`, (type, obj) =>
      this.see(type, obj),
    );
  }

  async start(): Promise<void> {
    await this.watch.start();
    // The listed instances are where the test starts from, not changes: measured once, all together.
    this.listed = true;
    this.measure(undefined);
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  private see(type: ObjectChange, obj: Obj): void {
    const name = obj.metadata.name;
    const before = this.instances.get(name);
    if (type === 'DELETED') this.instances.delete(name);
    else this.instances.set(name, obj);
    if (this.listed) this.measure(annotation(before, RECREATE) === undefined ? name : undefined);
  }

  private measure(changed: string | undefined): void {
    const live = [...this.instances.values()].filter((i) => i.metadata.deletionTimestamp === undefined);
    this.maxInstances = Math.max(this.maxInstances, live.length);
    const failed = live.filter((i) => annotation(i, FAILED_SINCE) !== undefined).length;
    this.maxFailed = Math.max(this.maxFailed, failed);
    const recreating = live.filter((i) => annotation(i, RECREATE) !== undefined);
    this.maxRecreating = Math.max(this.maxRecreating, recreating.length);
    const marked = changed === undefined ? undefined : recreating.find((i) => i.metadata.name === changed);
    if (marked) {
      this.recreations.push({
        name: marked.metadata.name,
        unhealthyOthers: live
          .filter((i) => i !== marked && condition(i, 'Healthy')?.status !== 'True')
          .map((i) => i.metadata.name),
      });
    }
  }
}

/** A namespace with a Cluster `c`, the operator watching it, and a SampleGroup `g`. */
async function setup(opts: {
  replicas: number;
  failover: Record<string, unknown>;
  failoverMode?: 'replace' | 'recreateEmpty';
  scaleInMode?: 'offline' | 'delete';
  template?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  lostNodeGracePeriodMs?: number;
}) {
  const { cp } = fixture;
  const ns = await createTestNamespace(cp, 'failover');
  const dataPlane = new SampleDataPlane();
  const plugin = new SamplePlugin({
    dataPlane,
    scaleInMode: opts.scaleInMode ?? 'delete',
    ...(opts.failoverMode ? { failoverMode: opts.failoverMode } : {}),
  });
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const operator = await startSampleOperator(cp, [plugin], ns, {
    metrics,
    ...(opts.lostNodeGracePeriodMs !== undefined ? { lostNodeGracePeriodMs: opts.lostNodeGracePeriodMs } : {}),
  });
  running = { operator };
  await cp.api.create(`${API}/namespaces/${ns}/clusters`, sampleCluster('c', ns));
  await cp.api.create(
    `${API}/namespaces/${ns}/samplegroups`,
    sampleGroup('g', ns, {
      cluster: 'c',
      replicas: opts.replicas,
      spec: { failover: opts.failover, ...opts.spec },
      ...(opts.template ? { template: opts.template } : {}),
    }),
  );
  const group = () => cp.api.get<Obj>(`${API}/namespaces/${ns}/samplegroups/g`);
  const instance = (name: string) => cp.api.get<Obj>(`${API}/namespaces/${ns}/samples/${name}`);
  const instances = async () =>
    (await cp.api.get<List>(`${API}/namespaces/${ns}/samples`)).items
      .filter((i) => i.metadata.deletionTimestamp === undefined)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const names = async () => (await instances()).map((i) => i.metadata.name);
  const pod = (name: string) => cp.api.find<Obj>(`/api/v1/namespaces/${ns}/pods/${name}`);
  const pvc = (name: string) => cp.api.get<Obj>(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data-${name}`);
  const events = async () =>
    (await cp.api.get<{ items: EventObj[] }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items;
  const eventOf = (name: string, reason: string) =>
    waitFor(async () => (await events()).find((e) => e.regarding.name === name && e.reason === reason), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: `event ${reason} on ${name}`,
    });
  /** Waits until group g satisfies `ok`, and returns it. */
  const groupWhen = (what: string, ok: (g: Obj) => boolean | Promise<boolean>, timeoutMs = 60_000) =>
    waitFor(
      async () => {
        const g = await group();
        return (await ok(g)) ? g : undefined;
      },
      { timeoutMs, intervalMs: 250, what },
    );
  const settled = (expected: string[]) =>
    groupWhen(
      `group g settled with ${expected.join(', ')}`,
      async (g) =>
        g.status?.observedGeneration === g.metadata.generation &&
        condition(g, 'Ready')?.status === 'True' &&
        condition(g, 'Synced')?.status === 'True' &&
        JSON.stringify(await names()) === JSON.stringify(expected),
    );
  const replacementOf = (name: string) =>
    waitFor(async () => (await instances()).find((i) => annotation(i, REPLACEMENT_FOR) === name), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `a replacement for ${name}`,
    });
  const healthOf = (name: string, reason: string) =>
    waitFor(
      async () => {
        const i = await instance(name);
        return condition(i, 'Healthy')?.reason === reason ? i : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `${name} Healthy reason ${reason}` },
    );
  const recordInstances = async () => {
    const recorder = new InstanceRecorder({ cp, ns });
    await recorder.start();
    if (running) running.recorder = recorder;
    return recorder;
  };
  /** Current value of a health gauge of group g (undefined: no such series). */
  const gauge = async (metric: 'unhealthy_instances' | 'failed_over_instances', reason?: string) => {
    const values = (await metrics.registry.getSingleMetric(`tikv_operator_${metric}`)?.get())?.values ?? [];
    return values.find((v) => v.labels.namespace === ns && (reason === undefined || v.labels.reason === reason))?.value;
  };
  return {
    cp,
    ns,
    plugin,
    dataPlane,
    group,
    groupWhen,
    instance,
    instances,
    names,
    pod,
    pvc,
    events,
    eventOf,
    settled,
    replacementOf,
    healthOf,
    recordInstances,
    gauge,
  };
}

describe('failover (sample plugin)', () => {
  test(
    'replace: an instance down longer than the period gets a replacement, not before; the failed one is kept and marked; the cap holds; recovery removes the replacement through the safe scale-in',
    async () => {
      const t = await setup({
        replicas: 3,
        failover: { enabled: true, period: '3s', maxFailovers: 1 },
        failoverMode: 'replace',
        scaleInMode: 'offline',
      });
      await t.settled(['g-0', 'g-1', 'g-2']);
      const recorder = await t.recordInstances();

      t.dataPlane.setDown(t.ns, 'g-1', true);
      const down = await t.healthOf('g-1', 'DataPlaneDown');
      const downSince = Date.parse(down.status?.downSince ?? '');
      expect(Number.isNaN(downSince)).toBe(false);

      const replacement = await t.replacementOf('g-1');
      expect(replacement.metadata.name).toBe('g-3');
      const failed = await t.instance('g-1');
      const failedSince = Date.parse(annotation(failed, FAILED_SINCE) ?? '');
      // After the period, not before: both times are recorded by the operator's and the apiserver's clocks.
      expect(failedSince).toBeGreaterThanOrEqual(downSince + 3000);
      expect(Date.parse(replacement.metadata.creationTimestamp ?? '')).toBeGreaterThanOrEqual(downSince + 3000);

      const g = await t.groupWhen(
        'group g Ready with g-1 failed over',
        (g) => condition(g, 'Ready')?.status === 'True' && condition(g, 'Failover')?.reason === 'FailedOver',
      );
      expect(condition(g, 'Ready')?.message).toBe('3 of 3 instances ready; failed over: g-1');
      expect(condition(g, 'Failover')).toMatchObject({
        status: 'True',
        message: 'failed over: g-1 (replaced by g-3); 1 of at most 1',
      });
      expect(await t.names()).toEqual(['g-0', 'g-1', 'g-2', 'g-3']);
      expect(t.plugin.failoverQuestions).toContain('g-1');
      await t.eventOf('g', 'FailingOver');
      await t.eventOf('g-1', 'DataPlaneDown');
      expect(await t.gauge('failed_over_instances')).toBe(1);
      expect(await t.gauge('unhealthy_instances', 'DataPlaneDown')).toBe(1);

      // A second failure past the period: the maximum (1) is reached, nothing more is created.
      t.dataPlane.setDown(t.ns, 'g-2', true);
      await t.groupWhen(
        'Failover MaxFailoversReached',
        (g) => condition(g, 'Failover')?.reason === 'MaxFailoversReached',
      );
      await t.eventOf('g', 'MaxFailoversReached');
      expect(await t.names()).toEqual(['g-0', 'g-1', 'g-2', 'g-3']);

      // Both come back: the mark goes, the replacement leaves through the offline scale-in, the originals stay.
      t.dataPlane.setDown(t.ns, 'g-2', false);
      t.dataPlane.setDown(t.ns, 'g-1', false);
      await t.settled(['g-0', 'g-1', 'g-2']);
      expect(annotation(await t.instance('g-1'), FAILED_SINCE)).toBeUndefined();
      expect(t.plugin.callsOf('g-3', t.ns)).toEqual(
        expect.arrayContaining([sampleSteps.startRemoval, sampleSteps.finishRemoval]),
      );
      await t.eventOf('g', 'FailoverRecovered');
      await t.eventOf('g-1', 'Recovered');
      expect(condition(await t.group(), 'Failover')).toMatchObject({ status: 'False', reason: 'NoFailure' });
      expect(recorder.maxInstances).toBe(4);
      expect(recorder.maxFailed).toBe(1);
      await waitFor(async () => (await t.gauge('failed_over_instances')) === 0, { what: 'gauge back to 0' });
      expect(await t.gauge('unhealthy_instances', 'DataPlaneDown')).toBeUndefined();
    },
    TIMEOUT,
  );

  test(
    'replace: the user keeps the replacement by choosing the original for removal (priority 0)',
    async () => {
      const t = await setup({
        replicas: 2,
        failover: { enabled: true, period: '2s' },
        failoverMode: 'replace',
      });
      await t.settled(['g-0', 'g-1']);
      t.dataPlane.setDown(t.ns, 'g-0', true);
      await waitFor(async () => (await t.names()).includes('g-2'), { timeoutMs: 60_000, what: 'replacement g-2' });
      await t.cp.api.patch(`${API}/namespaces/${t.ns}/samples/g-0`, {
        metadata: { annotations: { 'tikv.org/priority': '0' } },
      });
      t.dataPlane.setDown(t.ns, 'g-0', false);
      await t.settled(['g-1', 'g-2']);
    },
    TIMEOUT,
  );

  test(
    'failover disabled: an instance down changes only its conditions, events and metrics',
    async () => {
      const t = await setup({ replicas: 2, failover: { enabled: false, period: '1s' }, failoverMode: 'replace' });
      await t.settled(['g-0', 'g-1']);
      t.dataPlane.setDown(t.ns, 'g-0', true);
      const down = await t.healthOf('g-0', 'DataPlaneDown');
      const g = await t.groupWhen(
        'Failover Disabled naming g-0',
        (g) => condition(g, 'Failover')?.message?.includes('down: g-0') ?? false,
        30_000,
      );
      expect(condition(g, 'Failover')).toMatchObject({ status: 'False', reason: 'Disabled' });
      await t.eventOf('g-0', 'DataPlaneDown');
      expect(await t.gauge('unhealthy_instances', 'DataPlaneDown')).toBe(1);
      // Well past the period (1 s): still nothing replaced or marked.
      await Bun.sleep(4000);
      expect(await t.names()).toEqual(['g-0', 'g-1']);
      expect(annotation(await t.instance('g-0'), FAILED_SINCE)).toBeUndefined();
      expect((await t.instance('g-0')).status?.downSince).toBe(down.status?.downSince);

      t.dataPlane.setDown(t.ns, 'g-0', false);
      await t.healthOf('g-0', 'Healthy');
      expect((await t.instance('g-0')).status?.downSince).toBeUndefined();
      await t.eventOf('g-0', 'Recovered');
      await waitFor(async () => (await t.gauge('unhealthy_instances', 'DataPlaneDown')) === undefined, {
        what: 'the DataPlaneDown series removed',
      });
    },
    TIMEOUT,
  );

  test(
    'recreateEmpty: never while the plugin refuses; then the member is forgotten and recreated with new volumes, one at a time',
    async () => {
      const t = await setup({
        replicas: 3,
        failover: { enabled: true, period: '2s' },
        failoverMode: 'recreateEmpty',
      });
      await t.settled(['g-0', 'g-1', 'g-2']);
      const recorder = await t.recordInstances();
      const oldPvc = (await t.pvc('g-1')).metadata.uid;
      const oldMember = t.dataPlane.member(t.ns, 'g-1')?.id;

      t.plugin.failoverRefusal = 'the other members would lose quorum';
      t.dataPlane.setDown(t.ns, 'g-1', true);
      await t.groupWhen('Failover Refused', (g) => condition(g, 'Failover')?.reason === 'Refused');
      await t.eventOf('g', 'Refused');
      expect(recorder.maxRecreating).toBe(0);

      t.plugin.failoverRefusal = undefined;
      await waitFor(
        async () => {
          const i = await t.instance('g-1');
          const member = t.dataPlane.member(t.ns, 'g-1');
          return condition(i, 'Healthy')?.status === 'True' && member !== undefined && member.id !== oldMember
            ? i
            : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250, what: 'g-1 recreated empty and healthy again' },
      );
      expect((await t.pvc('g-1')).metadata.uid).not.toBe(oldPvc);
      const forget = t.plugin.calls.find((c) => c.instance === 'g-1' && c.step === sampleSteps.forget);
      // Forgotten while its old Pod still ran: the data plane let it go before the Pod and the volumes did.
      expect(forget).toMatchObject({ podDeleting: false });
      await t.eventOf('g-1', 'RecreatedEmpty');
      expect(await t.names()).toEqual(['g-0', 'g-1', 'g-2']);

      // Two down at once: recreated one after the other, each only once the others are healthy.
      const before = { g0: t.dataPlane.member(t.ns, 'g-0')?.id, g2: t.dataPlane.member(t.ns, 'g-2')?.id };
      t.dataPlane.setDown(t.ns, 'g-0', true);
      t.dataPlane.setDown(t.ns, 'g-2', true);
      await waitFor(
        async () => {
          const healthy = await Promise.all(
            ['g-0', 'g-2'].map(async (n) => condition(await t.instance(n), 'Healthy')?.status === 'True'),
          );
          return (
            healthy.every(Boolean) &&
            t.dataPlane.member(t.ns, 'g-0')?.id !== before.g0 &&
            t.dataPlane.member(t.ns, 'g-2')?.id !== before.g2
          );
        },
        { timeoutMs: 120_000, intervalMs: 250, what: 'g-0 and g-2 recreated' },
      );
      expect(recorder.maxRecreating).toBe(1);
      expect(recorder.maxInstances).toBe(3);
      const marks = recorder.recreations.map((r) => r.name);
      expect(marks[0]).toBe('g-1');
      expect(marks.slice(1).sort()).toEqual(['g-0', 'g-2']);
      // When the second of the two was marked, no other instance was unhealthy: the first had come back.
      expect(recorder.recreations[2]?.unhealthyOthers).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('instances on failed nodes (sample plugin)', () => {
  test(
    'a deleted node: the Pod is force-deleted, its PVC kept; the volume is stranded so the instance fails over; when the node returns the instance is back and the replacement goes',
    async () => {
      // Spread over two zones so g-0 and g-1 run on different nodes (zone-b has one node, zone-a two).
      const t = await setup({
        replicas: 2,
        failover: { enabled: true, period: '3s', maxFailovers: 1 },
        failoverMode: 'replace',
        spec: {
          schedulePolicies: [
            {
              type: 'EvenlySpread',
              evenlySpread: {
                topologies: [
                  { topology: { 'topology.kubernetes.io/zone': 'zone-a' } },
                  { topology: { 'topology.kubernetes.io/zone': 'zone-b' } },
                ],
              },
            },
          ],
        },
      });
      await t.settled(['g-0', 'g-1']);
      const oldPod = (await t.pod('g-1')) as Obj;
      const nodeName = oldPod.spec?.nodeName as string;
      const pvcUid = (await t.pvc('g-1')).metadata.uid;
      const node = await t.cp.api.get<KubeObject>(`/api/v1/nodes/${nodeName}`);

      await t.cp.api.delete(`/api/v1/nodes/${nodeName}`);
      try {
        const forced = await t.eventOf('g-1', 'ForceDeletedPod');
        expect(forced.note).toContain(`node ${nodeName} no longer exists`);
        await waitFor(async () => (await t.pod('g-1'))?.metadata.uid !== oldPod.metadata.uid, {
          timeoutMs: 30_000,
          what: 'the old Pod gone',
        });
        const stranded = await t.healthOf('g-1', 'VolumeStranded');
        expect(stranded.status?.downSince).toBeDefined();
        expect((await t.pvc('g-1')).metadata.uid).toBe(pvcUid);

        await t.groupWhen(
          'g-1 replaced and the group Ready',
          async (g) =>
            (await t.instances()).some((i) => annotation(i, REPLACEMENT_FOR) === 'g-1') &&
            condition(g, 'Ready')?.status === 'True',
          90_000,
        );
        expect(await t.names()).toEqual(['g-0', 'g-1', 'g-2']);
      } finally {
        const again = fakeNodes(4, fixture.cp.zones).find((n) => n.metadata.name === nodeName) ?? node;
        await t.cp.api.create('/api/v1/nodes', {
          ...again,
          metadata: { ...again.metadata, resourceVersion: undefined },
        });
      }
      // The node is back: the Pending Pod runs there with its old volume, g-1 is healthy, the replacement goes.
      await t.settled(['g-0', 'g-1']);
      expect((await t.pvc('g-1')).metadata.uid).toBe(pvcUid);
      expect((await t.pod('g-1'))?.spec?.nodeName).toBe(nodeName);
    },
    TIMEOUT,
  );

  test(
    'a Pod terminating on a NotReady node is force-deleted after the grace period, and its movable volume follows it to another node',
    async () => {
      const { cp } = fixture;
      await cp.api
        .create('/apis/storage.k8s.io/v1/storageclasses', {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: 'movable' },
          provisioner: provisionerName,
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'Immediate',
        })
        .catch(() => undefined);
      const t = await setup({
        replicas: 1,
        failover: { enabled: false },
        template: { volumes: [{ name: 'data', storage: '1Gi', storageClassName: 'movable' }] },
        lostNodeGracePeriodMs: 2000,
      });
      await t.settled(['g-0']);
      const oldPod = (await t.pod('g-0')) as Obj;
      const nodeName = oldPod.spec?.nodeName as string;
      const pvcUid = (await t.pvc('g-0')).metadata.uid;

      await cp.stopKubelet(nodeName);
      try {
        await t.healthOf('g-0', 'NodeNotReady');
        // A drain or a user deletes the Pod: the dead kubelet never confirms it.
        await cp.api.delete(`/api/v1/namespaces/${t.ns}/pods/g-0`);
        const forced = await t.eventOf('g-0', 'ForceDeletedPod').catch(async (error: Error) => {
          // What the node and the Pod showed (a kubelet that came back would have ended the Pod itself).
          const node = await cp.api.get<Obj>(`/api/v1/nodes/${nodeName}`);
          const pod = await t.pod('g-0');
          throw new Error(
            `${error.message}\nnode: ${JSON.stringify(node.status?.conditions)}\npod: ${JSON.stringify({
              uid: pod?.metadata.uid,
              old: oldPod.metadata.uid,
              deleting: pod?.metadata.deletionTimestamp,
              node: pod?.spec?.nodeName,
            })}`,
          );
        });
        expect(forced.note).toContain(`on node ${nodeName}, which has not been Ready`);
        const readyNode = await cp.api.get<Obj>(`/api/v1/nodes/${nodeName}`);
        const notReadySince = Date.parse(
          readyNode.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime as string,
        );
        expect(Date.parse(forced.eventTime)).toBeGreaterThanOrEqual(notReadySince + 2000);

        const moved = await waitFor(
          async () => {
            const pod = await t.pod('g-0');
            return pod && pod.metadata.uid !== oldPod.metadata.uid && pod.spec?.nodeName !== undefined
              ? pod
              : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250, what: 'a new Pod scheduled' },
        );
        expect(moved.spec?.nodeName).not.toBe(nodeName);
        await t.healthOf('g-0', 'Healthy');
        expect((await t.pvc('g-0')).metadata.uid).toBe(pvcUid);
        expect(await t.names()).toEqual(['g-0']);
      } finally {
        await cp.startKubelet(nodeName);
      }
    },
    TIMEOUT,
  );
});

describe('manual repair (sample plugin)', () => {
  test(
    'replace a broken instance now: deleting its CR brings a new instance at once, failover or not; the old one leaves through the scale-in protocol',
    async () => {
      const t = await setup({ replicas: 2, failover: { enabled: false }, scaleInMode: 'offline' });
      await t.settled(['g-0', 'g-1']);
      t.dataPlane.setDown(t.ns, 'g-1', true);
      await t.healthOf('g-1', 'DataPlaneDown');
      await t.cp.api.delete(`${API}/namespaces/${t.ns}/samples/g-1`);
      await t.settled(['g-0', 'g-2']);
      expect(t.plugin.callsOf('g-1', t.ns)).toEqual(
        expect.arrayContaining([sampleSteps.startRemoval, sampleSteps.finishRemoval]),
      );
    },
    TIMEOUT,
  );

  test(
    'forget a failed instance: deleting its CR keeps the replacement as an ordinary instance; nothing new is created',
    async () => {
      const t = await setup({
        replicas: 2,
        failover: { enabled: true, period: '2s' },
        failoverMode: 'replace',
      });
      await t.settled(['g-0', 'g-1']);
      t.dataPlane.setDown(t.ns, 'g-1', true);
      await t.replacementOf('g-1');
      await t.settled(['g-0', 'g-1', 'g-2']);
      const recorder = await t.recordInstances();
      await t.cp.api.delete(`${API}/namespaces/${t.ns}/samples/g-1`);
      await t.settled(['g-0', 'g-2']);
      // The group's next reconcile after g-1 is gone clears the condition (Ready may come from the one before).
      const g = await t.groupWhen('Failover NoFailure', (g) => condition(g, 'Failover')?.reason === 'NoFailure');
      expect(condition(g, 'Failover')?.status).toBe('False');
      expect(await t.names()).toEqual(['g-0', 'g-2']);
      expect(recorder.maxInstances).toBe(3);
    },
    TIMEOUT,
  );
});
