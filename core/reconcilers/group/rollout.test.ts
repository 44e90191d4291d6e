import { describe, expect, test } from 'bun:test';
import type { Cluster } from '../../api/cluster.ts';
import { KubeApiError } from '../../kube/errors.ts';
import type { KubeObject, ResourceKind } from '../../kube/object.ts';
import { NameReservations } from '../../naming/reservations.ts';
import { silentLogger } from '../../observability/log.ts';
import type { ComponentContext, InstanceObject } from '../../plugin/contract.ts';
import { FakeClock } from '../../runtime/clock.ts';
import { SampleDataPlane, SamplePlugin } from '../../testing/sample-plugin/index.ts';
import type { UpdaterAction } from '../../updater/plan.ts';
import { PendingWrites } from './pending-writes.ts';
import { controllerRevision } from './revision-tracker.ts';
import { applyRollout, type PendingInstance, planRollout, type RolloutPlanInput } from './rollout.ts';
import { testGroup, testInstance } from './test-objects.ts';

const now = Date.parse('2026-01-02T00:00:00Z');
const clock = new FakeClock(now);
const componentContext: ComponentContext = {
  cluster: { metadata: { name: 'c', namespace: 'ns' }, spec: {} } as Cluster,
  groups: new Map(),
  clock,
  logger: silentLogger(),
  events: { record() {} },
};

function plugin(mode: 'offline' | 'delete' = 'delete') {
  return new SamplePlugin({ dataPlane: new SampleDataPlane(), scaleInMode: mode });
}

const serving = (name: string, extra: Parameters<typeof testInstance>[1] = {}) =>
  testInstance(name, { revision: 'r1', currentRevision: 'r1', ready: true, ...extra });

function plan(input: Partial<RolloutPlanInput> & Pick<RolloutPlanInput, 'instances'>) {
  return planRollout({
    plugin: plugin(),
    group: testGroup(),
    pending: [],
    updateRevision: 'r1',
    nowMs: now,
    componentContext,
    takenNames: [],
    ...input,
  });
}

const kinds = (actions: UpdaterAction[]) =>
  actions.map((a) => (a.kind === 'wait' ? `wait:${a.reason}` : `${a.kind}:${a.name}`));

describe('planRollout', () => {
  test('a new group creates its instances with the lowest free names; Pod and PVC names stay taken', () => {
    const p = plan({ instances: [], takenNames: ['g-1'] });
    expect(kinds(p.actions)).toEqual(['scaleOut:g-0', 'scaleOut:g-2', 'scaleOut:g-3', 'wait:UpdatedNotAvailable']);
  });

  test('names listed for removal on the group are never given to a new instance', () => {
    const group = testGroup({}, { annotations: { 'tikv.org/remove-instances': 'g-0' } });
    expect(kinds(plan({ group, instances: [] }).actions).slice(0, 3)).toEqual([
      'scaleOut:g-1',
      'scaleOut:g-2',
      'scaleOut:g-3',
    ]);
  });

  test('creations the cache does not show yet count as instances', () => {
    const pending: PendingInstance[] = [{ name: 'g-2', revision: 'r1' }];
    const p = plan({ instances: [serving('g-0'), serving('g-1')], pending });
    expect(kinds(p.actions)).toEqual(['wait:UpdatedNotAvailable']);
  });

  test('scale-in takes the highest ordinal, unless the user chose one (priority 0)', () => {
    const group = testGroup({ replicas: 2 });
    expect(kinds(plan({ group, instances: [serving('g-0'), serving('g-1'), serving('g-2')] }).actions)).toEqual([
      'scaleIn:g-2',
    ]);
    const chosen = [serving('g-0'), serving('g-1', { annotations: { 'tikv.org/priority': '0' } }), serving('g-2')];
    expect(kinds(plan({ group, instances: chosen }).actions)).toEqual(['scaleIn:g-1']);
  });

  test("the plugin's refusal cuts the plan before its first scale-in and says why", () => {
    const sample = plugin();
    sample.removalRefusal = 'quorum would be lost';
    const p = plan({
      plugin: sample,
      group: testGroup({ replicas: 1 }),
      instances: [serving('g-0'), serving('g-1'), serving('g-2', { offlined: true, offline: true })],
    });
    expect(kinds(p.actions)).toEqual(['delete:g-2']);
    expect(p.refusal).toBe('SampleGroup g: scale-in of 1 instance refused: quorum would be lost');
  });

  test('the plugin is told which instances the updater picked for removal', () => {
    const sample = plugin();
    const asked: (readonly string[] | undefined)[] = [];
    sample.scaleIn.mayRemove = (ctx) => {
      asked.push(ctx.removing);
      return { ok: true };
    };
    plan({
      plugin: sample,
      group: testGroup({ replicas: 1 }),
      instances: [serving('g-0'), serving('g-1'), serving('g-2')],
    });
    expect(asked).toEqual([['g-2', 'g-1']]);
  });

  test('an instance ready for less than minReadySeconds sets when to look again', () => {
    const group = testGroup({ minReadySeconds: 30 });
    // Ready since 2026-01-01T00:00:00Z, a day ago: available. A fresh one is not.
    const fresh = testInstance('g-2', { revision: 'r1', currentRevision: 'r1', ready: true });
    (fresh.status as { conditions: { type: string; lastTransitionTime: string }[] }).conditions[0]!.lastTransitionTime =
      new Date(now - 10_000).toISOString();
    const p = plan({ group, instances: [serving('g-0'), serving('g-1'), fresh] });
    expect(p.recheckAfterMs).toBe(20_000);
  });

  test('new instances spread over the EvenlySpread topologies', () => {
    const group = testGroup({
      replicas: 2,
      schedulePolicies: [
        {
          type: 'EvenlySpread',
          evenlySpread: {
            topologies: [
              { topology: { zone: 'a' }, weight: 1 },
              { topology: { zone: 'b' }, weight: 1 },
            ],
          },
        },
      ],
    });
    const p = plan({ group, instances: [] });
    expect(p.actions.slice(0, 2)).toEqual([
      { kind: 'scaleOut', name: 'g-0', topology: { zone: 'a' } },
      { kind: 'scaleOut', name: 'g-1', topology: { zone: 'b' } },
    ]);
  });

  test("the plugin's disruption cost steers which instance goes first", () => {
    const sample = plugin();
    Object.assign(sample, { disruptionCost: (i: InstanceObject) => (i.metadata.name === 'g-2' ? 1 : 0) });
    const p = plan({
      plugin: sample,
      group: testGroup({ replicas: 2 }),
      instances: [serving('g-0'), serving('g-1'), serving('g-2')],
    });
    expect(kinds(p.actions)).toEqual(['scaleIn:g-1']);
  });
});

/** Records the writes applyRollout makes. */
class Recorder {
  readonly calls: { verb: string; name: string; body?: unknown }[] = [];
  failCreate: KubeApiError | undefined;
  failDelete: KubeApiError | undefined;
  async create<T extends KubeObject>(_: ResourceKind, obj: T): Promise<T> {
    this.calls.push({ verb: 'create', name: obj.metadata.name, body: obj });
    if (this.failCreate) throw this.failCreate;
    return obj;
  }
  async replace<T extends KubeObject>(_: ResourceKind, obj: T): Promise<T> {
    this.calls.push({ verb: 'replace', name: obj.metadata.name, body: obj });
    return obj;
  }
  async mergePatch<T extends KubeObject>(_: ResourceKind, name: string, __: unknown, body: unknown): Promise<T> {
    this.calls.push({ verb: 'patch', name, body });
    return { metadata: { name } } as T;
  }
  async delete(_: ResourceKind, name: string, __?: string, opts?: unknown): Promise<void> {
    this.calls.push({ verb: 'delete', name, body: opts });
    if (this.failDelete) throw this.failDelete;
  }
}

function applyDeps(client: Recorder, instances: InstanceObject[], mode: 'offline' | 'delete' = 'delete') {
  return {
    plugin: plugin(mode),
    client,
    group: testGroup({
      template: { metadata: { labels: { team: 'new' } }, spec: { version: '2.0.0', volumes: [] } },
    }),
    instances,
    revisions: [
      controllerRevision(
        { name: 'r1', revision: 1, data: { template: { metadata: { labels: { team: 'old' } } }, features: [] } },
        { namespace: 'ns', labels: {}, owner: { apiVersion: 'v', kind: 'k', name: 'g', uid: 'uid-g' } },
      ),
    ],
    updateRevision: 'r2',
    componentContext,
    reservations: new NameReservations<PendingInstance>(clock),
    pendingWrites: new PendingWrites(clock),
    scope: 'ns/g',
    logger: silentLogger(),
  };
}

describe('applyRollout', () => {
  test('scale-out reserves the name and creates the instance at the update revision', async () => {
    const client = new Recorder();
    const deps = applyDeps(client, []);
    await applyRollout([{ kind: 'scaleOut', name: 'g-0', topology: { zone: 'a' } }], deps);
    expect(client.calls[0]).toMatchObject({
      verb: 'create',
      name: 'g-0',
      body: { metadata: { labels: { 'tikv.org/instance-revision-hash': 'r2' } }, spec: { topology: { zone: 'a' } } },
    });
    expect(deps.reservations.unobserved('ns/g', new Set())).toMatchObject([
      { name: 'g-0', value: { name: 'g-0', revision: 'r2', topology: { zone: 'a' } } },
    ]);
  });

  test('a failed create gives the name back, unless the name exists (AlreadyExists keeps it reserved)', async () => {
    const client = new Recorder();
    const deps = applyDeps(client, []);
    client.failCreate = new KubeApiError({ code: 500, reason: 'InternalError', message: 'boom' });
    await expect(applyRollout([{ kind: 'scaleOut', name: 'g-0' }], deps)).rejects.toThrow('boom');
    expect(deps.reservations.unobserved('ns/g', new Set())).toEqual([]);
    client.failCreate = new KubeApiError({ code: 409, reason: 'AlreadyExists', message: 'exists' });
    await expect(applyRollout([{ kind: 'scaleOut', name: 'g-0' }], deps)).rejects.toThrow('exists');
    expect(deps.reservations.unobserved('ns/g', new Set()).map((r) => r.name)).toEqual(['g-0']);
  });

  test('update replaces the instance with the new template and drops the old template labels', async () => {
    const client = new Recorder();
    const current = serving('g-1', { labels: { team: 'old' }, resourceVersion: '42' });
    const deps = applyDeps(client, [current]);
    await applyRollout([{ kind: 'update', name: 'g-1' }], deps);
    expect(client.calls).toHaveLength(1);
    const body = client.calls[0]?.body as InstanceObject;
    expect(body.metadata.labels).toMatchObject({ team: 'new', 'tikv.org/instance-revision-hash': 'r2' });
    expect(body.metadata.resourceVersion).toBe('42');
    expect(body.spec.version).toBe('2.0.0');
    expect(deps.pendingWrites.stale('ns/g', new Map([['g-1', '42']]))).toEqual(['g-1']);
  });

  test("scale-in in mode offline sets spec.offline, guarded by the instance's resourceVersion", async () => {
    const client = new Recorder();
    await applyRollout(
      [{ kind: 'scaleIn', name: 'g-2' }],
      applyDeps(client, [serving('g-2', { resourceVersion: '7' })], 'offline'),
    );
    expect(client.calls).toEqual([
      { verb: 'patch', name: 'g-2', body: { metadata: { resourceVersion: '7' }, spec: { offline: true } } },
    ]);
  });

  test('scale-in in mode delete deletes the instance with UID and resourceVersion preconditions', async () => {
    const client = new Recorder();
    await applyRollout(
      [{ kind: 'scaleIn', name: 'g-2' }],
      applyDeps(client, [serving('g-2', { resourceVersion: '7' })], 'delete'),
    );
    expect(client.calls).toEqual([
      { verb: 'delete', name: 'g-2', body: { preconditions: { uid: 'uid-g-2', resourceVersion: '7' } } },
    ]);
  });

  test('cancelling a removal sets spec.offline back to false', async () => {
    const client = new Recorder();
    await applyRollout(
      [{ kind: 'cancelRemoval', name: 'g-2' }],
      applyDeps(client, [serving('g-2', { offline: true, resourceVersion: '8' })], 'offline'),
    );
    expect(client.calls).toEqual([
      { verb: 'patch', name: 'g-2', body: { metadata: { resourceVersion: '8' }, spec: { offline: false } } },
    ]);
  });

  test('a removed instance is deleted; one already gone is fine', async () => {
    const client = new Recorder();
    client.failDelete = new KubeApiError({ code: 404, reason: 'NotFound', message: 'gone' });
    await applyRollout(
      [{ kind: 'delete', name: 'g-3' }],
      applyDeps(client, [serving('g-3', { offline: true, offlined: true })]),
    );
    expect(client.calls.map((c) => `${c.verb} ${c.name}`)).toEqual(['delete g-3']);
  });

  test('actions run in order and the first failure stops the rest', async () => {
    const client = new Recorder();
    client.failDelete = new KubeApiError({ code: 409, reason: 'Conflict', message: 'changed' });
    const deps = applyDeps(client, [serving('g-3', { offlined: true, offline: true })]);
    await expect(
      applyRollout(
        [
          { kind: 'delete', name: 'g-3' },
          { kind: 'scaleOut', name: 'g-4' },
        ],
        deps,
      ),
    ).rejects.toThrow('changed');
    expect(client.calls.map((c) => c.verb)).toEqual(['delete']);
  });
});
