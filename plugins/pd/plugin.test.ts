// The PD plugin's hooks and protocol steps against a simulated PD served on loopback, reached through the real
// PD client and the shared state source, exactly as the operator reaches PD.
import { afterEach, describe, expect, test } from 'bun:test';
import type { Cluster } from '../../core/api/cluster.ts';
import { silentLogger } from '../../core/observability/log.ts';
import type { ComponentContext, GroupObject, InstanceContext, InstanceObject } from '../../core/plugin/contract.ts';
import { FakeClock } from '../../core/runtime/clock.ts';
import type { TaskResult } from '../../core/tasks/result.ts';
import type { Task, TaskEntry } from '../../core/tasks/task.ts';
import { INITIAL_CLUSTER_SIZE_ANNOTATION } from './bootstrap.ts';
import type { SourceLease } from './client/data-plane-source.ts';
import { PdStateSources } from './client/data-plane-source.ts';
import { PdClientFactory } from './client/pd-client.ts';
import { type ServedPd, servePd, TEST_PD_URL, until } from './client/testing.ts';
import type { PdView } from './health.ts';
import { createPdPlugin, type PdPlugin } from './plugin.ts';
import type { PdContext } from './protocols/pd-access.ts';
import { pdGroupObject, pdInstance } from './testing.ts';

const NS = 'default';
const GROUP = 'basic-pd';
const recorded: { reason: string; note: string; type: string }[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  recorded.length = 0;
});

interface Setup {
  pd: ServedPd;
  plugin: PdPlugin;
  lease: SourceLease;
  cluster: Cluster;
  groups: ReadonlyMap<string, readonly GroupObject[]>;
  /** Polls PD now and waits for the answer. */
  refresh(): Promise<void>;
}

async function setup(opts: { pdMembers?: number; status?: Cluster['status'] } = {}): Promise<Setup> {
  const pd = servePd({ pdMembers: opts.pdMembers ?? 3 });
  cleanups.push(() => pd.stop());
  pd.resolver.mapSuffix(`.${GROUP}-peer.${NS}.svc`, `127.0.0.1:${pd.server.port}`);
  const pdClients = new PdClientFactory({ resolver: pd.resolver });
  const pdStates = new PdStateSources({ clients: pdClients, clock: new FakeClock() });
  cleanups.push(() => pdStates.stop());
  const plugin = createPdPlugin({ pdClients, pdStates, gracePeriodSeconds: 3 });
  const lease = pdStates.acquire(TEST_PD_URL);
  await until(() => lease.source.snapshot().synced, 'PD state synced');
  const cluster = clusterWith(opts.status ?? { pd: TEST_PD_URL });
  return {
    pd,
    plugin,
    lease,
    cluster,
    groups: new Map([['pd', [pdGroupObject(GROUP, { namespace: NS })]]]),
    async refresh() {
      lease.source.refresh();
      await lease.source.whenIdle();
    },
  };
}

function clusterWith(status: Cluster['status']): Cluster {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'basic', namespace: NS, uid: 'uid-basic' },
    spec: {} as Cluster['spec'],
    status,
  };
}

function componentContext(s: Setup, cluster = s.cluster): ComponentContext {
  return {
    cluster,
    groups: s.groups,
    clock: new FakeClock(),
    logger: silentLogger(),
    events: { record: (_o, type, reason, _a, note) => recorded.push({ type, reason, note }) },
  };
}

const readyPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, uid: `pod-${name}` },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

const readyCondition = {
  type: 'Ready',
  status: 'True',
  reason: 'Ready',
  message: '',
  lastTransitionTime: '2026-01-01T00:00:00Z',
};
/** A PD instance of the served cluster, Ready unless its status says otherwise. */
const member = (i: number, over: Parameters<typeof pdInstance>[1] = {}) =>
  pdInstance(`${GROUP}-${i}`, {
    namespace: NS,
    group: GROUP,
    cluster: 'basic',
    ...over,
    status: { conditions: [readyCondition], ...over.status },
  });

/** An instance context as the instance reconciler builds it, with its data-plane view loaded. */
function instanceContext(
  s: Setup,
  instance: InstanceObject,
  peers: InstanceObject[] = [0, 1, 2].map((i) => member(i)),
  cluster = s.cluster,
) {
  const conditions: { type: string; status: string; reason: string }[] = [];
  const base = {
    ...componentContext(s, cluster),
    instance,
    group: s.groups.get('pd')?.[0],
    pod: readyPod(instance.metadata.name) as PdContext['pod'],
    peers,
    statusPatch: {} as Record<string, unknown>,
    setCondition: (type: string, status: 'True' | 'False' | 'Unknown', reason: string) => {
      const i = conditions.findIndex((c) => c.type === type);
      if (i >= 0) conditions.splice(i, 1);
      conditions.push({ type, status, reason });
    },
  };
  const dataPlane: PdView = s.plugin.loadDataPlane({
    ...base,
    dataPlane: undefined,
  } as unknown as InstanceContext<undefined>);
  return { ctx: { ...base, dataPlane } as unknown as PdContext, conditions };
}

async function run(steps: readonly Task<PdContext>[], ctx: PdContext): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  for (const step of steps) {
    const { result } = await step.run(ctx, {
      clock: new FakeClock(),
      record: (_e: TaskEntry) => {},
    } as never);
    results.push(result);
    if (result.kind !== 'complete') break;
  }
  return results;
}

const kinds = (results: TaskResult[]) => results.map((r) => r.kind);

describe('bootstrap and join', () => {
  test('new instances bootstrap only while no PD cluster is known, and only in the primary group', async () => {
    const s = await setup();
    const group = pdGroupObject(GROUP, { namespace: NS });
    const annotations = (cluster: Cluster, groups = s.groups) =>
      s.plugin.newInstanceAnnotations({ ...componentContext(s, cluster), groups, group, name: `${GROUP}-0` });
    // No PD URL yet: nobody watches PD, nothing is known.
    expect(annotations(clusterWith({}))).toEqual({ [INITIAL_CLUSTER_SIZE_ANNOTATION]: '3' });
    // PD lists members: join.
    expect(annotations(s.cluster)).toEqual({});
    // The Cluster recorded an id: join.
    expect(annotations(clusterWith({ id: '42' }))).toEqual({});
    const older = pdGroupObject('a-older', { namespace: NS, created: '2025-01-01T00:00:00Z' });
    expect(annotations(clusterWith({}), new Map([['pd', [older, group]]]))).toEqual({});
  });

  test('bootstrap members render the complete initial-cluster; a member PD listed once renders join', async () => {
    const s = await setup();
    const boot = (i: number, status?: Record<string, unknown>) =>
      member(i, { annotations: { [INITIAL_CLUSTER_SIZE_ANNOTATION]: '3' }, ...(status ? { status } : {}) });
    // A fresh cluster: PD is not watched yet (no status.pd), nobody ran.
    const fresh = clusterWith({ pd: TEST_PD_URL });
    const unwatched = {
      ...s,
      plugin: createPdPlugin({
        pdClients: new PdClientFactory(),
        pdStates: new PdStateSources({ clients: new PdClientFactory() }),
      }),
    };
    const peers = [0, 1, 2].map((i) => boot(i));
    const first = unwatched.plugin.renderConfig(
      instanceContext(unwatched, peers[0] as InstanceObject, peers, fresh).ctx,
    );
    expect(first.ok && first.content).toContain('initial-cluster-state = "new"');
    expect(first.ok && first.content).toContain(
      `initial-cluster = "${GROUP}-0=http://${GROUP}-0.${GROUP}-peer.${NS}.svc:2380,${GROUP}-1=http://${GROUP}-1.${GROUP}-peer.${NS}.svc:2380,${GROUP}-2=http://${GROUP}-2.${GROUP}-peer.${NS}.svc:2380"`,
    );
    // Only two of three exist yet: pending, retried soon.
    const partial = unwatched.plugin.renderConfig(
      instanceContext(unwatched, peers[0] as InstanceObject, peers.slice(0, 2), fresh).ctx,
    );
    expect(partial).toEqual({
      ok: false,
      pending: 'waiting for the bootstrap members: 2 of 3 exist',
      retryAfterMs: 500,
    });
    // PD lists the member now (the served cluster has basic-pd-0..2): it joins, with no initial-cluster at all.
    const joined = s.plugin.renderConfig(instanceContext(s, peers[0] as InstanceObject, peers).ctx);
    expect(joined.ok && joined.content).toContain(`join = "${TEST_PD_URL}"`);
    expect(joined.ok && joined.content).not.toContain('initial-cluster');
    // Even when PD does not answer: its status kept the member id.
    const remembered = boot(0, { memberId: '123' });
    const offline = unwatched.plugin.renderConfig(
      instanceContext(unwatched, remembered, [remembered, ...peers.slice(1)], fresh).ctx,
    );
    expect(offline.ok && offline.content).toContain('join = ');
  });

  test('a group with spec.join never bootstraps: it joins the given PD until a member of its own serves, then the Cluster PD URL', async () => {
    const s = await setup();
    const LEGACY = 'http://basic-pd.legacy.svc:2379';
    const joining = (name: string) => {
      const group = pdGroupObject(name, { namespace: NS });
      group.spec.join = LEGACY;
      return group;
    };
    // The served PD lists basic-pd-0..2 only: none of them is an instance of basic-pdg.
    const newGroup = joining('basic-pdg');
    const groups = new Map([['pd', [newGroup]]]);
    const noPdKnown = clusterWith({});
    expect(
      s.plugin.newInstanceAnnotations({
        ...componentContext(s, noPdKnown),
        groups,
        group: newGroup,
        name: 'basic-pdg-0',
      }),
    ).toEqual({});
    // Even an instance carrying a bootstrap annotation, in a complete set, renders join (never "new").
    const boot = (i: number) =>
      pdInstance(`basic-pdg-${i}`, {
        namespace: NS,
        group: 'basic-pdg',
        cluster: 'basic',
        annotations: { [INITIAL_CLUSTER_SIZE_ANNOTATION]: '3' },
      });
    const peers = [0, 1, 2].map(boot);
    const render = (setup: Setup, instance: InstanceObject, group: GroupObject) => {
      const { ctx } = instanceContext({ ...setup, groups: new Map([['pd', [group]]]) }, instance, peers);
      return s.plugin.renderConfig({ ...ctx, group });
    };
    const first = render(s, peers[0] as InstanceObject, newGroup);
    expect(first.ok && first.content).toContain(`join = "${LEGACY}"`);
    expect(first.ok && first.content).not.toContain('initial-cluster');
    // The group whose members PD lists healthy is the primary one: its Service answers, members join through it.
    const own = render(s, member(0), joining(GROUP));
    expect(own.ok && own.content).toContain(`join = "${TEST_PD_URL}"`);
  });

  test('the Cluster facts: the primary group URL and PD cluster id; a different id is never published', async () => {
    const s = await setup();
    const id = s.lease.source.snapshot().clusterId;
    expect(id).toMatch(/^[0-9]+$/);
    expect(s.plugin.clusterFacts(componentContext(s))).toEqual({ pd: `http://${GROUP}.${NS}.svc:2379`, id });
    expect(s.plugin.clusterFacts(componentContext(s, clusterWith({ pd: TEST_PD_URL, id: '1' })))).toEqual({
      pd: `http://${GROUP}.${NS}.svc:2379`,
    });
    expect(recorded).toEqual([expect.objectContaining({ type: 'Warning', reason: 'PDClusterIdMismatch' })]);
  });

  test('the client Service is named like the group; names PD still lists are in use', async () => {
    const s = await setup();
    const group = pdGroupObject(GROUP, { namespace: NS });
    expect(s.plugin.services({ ...componentContext(s), group })).toEqual([
      { name: GROUP, ports: [{ name: 'client', port: 2379 }] },
    ]);
    expect(s.plugin.namesInUse({ ...componentContext(s), group })).toEqual([0, 1, 2].map((i) => `${GROUP}-${i}`));
  });
});

describe('health and status', () => {
  test('a member is healthy once PD lists it healthy and its /pd/api/v2/ready answers', async () => {
    const s = await setup();
    // A new member: no Ready verdict recorded yet (a recorded one would stand until ready() is asked).
    const { ctx, conditions } = instanceContext(s, member(1, { status: { conditions: [] } }));
    expect(s.plugin.health(ctx)).toEqual({ healthy: false, reason: 'waiting for /pd/api/v2/ready' });
    expect(kinds(await run(s.plugin.syncSteps, ctx))).toEqual(['complete', 'complete']);
    expect(s.plugin.health(ctx)).toEqual({ healthy: true, reason: 'the member is healthy' });
    expect(ctx.statusPatch).toEqual({
      memberId: s.pd.model.member(`${GROUP}-1`)?.memberId.toString(),
      isLeader: false,
    });
    expect(conditions).toEqual([
      { type: 'Initialized', status: 'True', reason: 'Joined' },
      { type: 'Leader', status: 'False', reason: 'Follower' },
    ]);
    // PD reports the member unhealthy: not healthy, whatever ready said.
    s.pd.model.setMemberHealth(`${GROUP}-1`, false);
    await s.refresh();
    expect(s.plugin.health(ctx).healthy).toBe(false);
  });

  test('the leader is disrupted last', async () => {
    const s = await setup();
    expect(s.plugin.disruptionCost(member(0, { status: { isLeader: true } }))).toBeGreaterThan(
      s.plugin.disruptionCost(member(1, { status: { isLeader: false } })),
    );
  });
});

describe('restart protocol', () => {
  test('the leader transfers leadership to the healthiest up-to-date peer and goes once PD shows the new leader', async () => {
    const s = await setup();
    const leader = s.pd.model.leader()?.name as string;
    expect(leader).toBe(`${GROUP}-0`);
    const ready = (t: string) => [
      { type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: t },
    ];
    const peers = [
      member(0, { revision: 'new' }),
      member(1, { revision: 'new', status: { currentRevision: 'new', conditions: ready('2026-01-01T00:05:00Z') } }),
      member(2, { revision: 'new', status: { currentRevision: 'new', conditions: ready('2026-01-01T00:01:00Z') } }),
    ];
    const { ctx } = instanceContext(s, peers[0] as InstanceObject, peers);
    expect(kinds(await run(s.plugin.restart.before, ctx))).toEqual(['retry']);
    expect(s.pd.model.leader()?.name).toBe(`${GROUP}-2`);
    expect(recorded).toEqual([
      expect.objectContaining({
        reason: 'TransferPDLeader',
        note: `PD leadership moves to ${GROUP}-2 before the restart`,
      }),
    ]);
    await s.lease.source.whenIdle();
    expect(kinds(await run(s.plugin.restart.before, ctx))).toEqual(['complete', 'complete']);
    expect(s.plugin.restart.gracePeriodSeconds?.(ctx)).toBe(3);
  });

  test('a follower waits while its restart would break the quorum', async () => {
    const s = await setup();
    s.pd.model.setMemberHealth(`${GROUP}-2`, false);
    await s.refresh();
    const { ctx } = instanceContext(s, member(1));
    const results = await run(s.plugin.restart.before, ctx);
    expect(kinds(results)).toEqual(['complete', 'retry']);
    expect(results[1]?.message).toBe(`restarting ${GROUP}-1 would leave 1 of 3 PD members healthy; PD needs 2`);
    // The unhealthy member itself may restart: it serves nothing.
    expect(kinds(await run(s.plugin.restart.before, instanceContext(s, member(2)).ctx))).toEqual([
      'complete',
      'complete',
    ]);
  });

  test('a PD without quorum answers nothing: a member whose Pod is not ready may restart (the repair), a ready one waits', async () => {
    const s = await setup();
    s.pd.model.setMemberHealth(`${GROUP}-1`, false);
    s.pd.model.setMemberHealth(`${GROUP}-2`, false);
    await s.refresh();
    expect(s.lease.source.snapshot().stale).toBe(true);
    const broken = instanceContext(s, member(1)).ctx;
    broken.pod = { ...readyPod(`${GROUP}-1`), status: { phase: 'Running', conditions: [] } } as PdContext['pod'];
    expect(kinds(await run(s.plugin.restart.before, broken))).toEqual(['complete', 'complete']);
    // The last known state says basic-pd-0 leads: no transfer is attempted against a PD that cannot answer.
    expect(kinds(await run(s.plugin.restart.before, instanceContext(s, member(0)).ctx))).toEqual(['complete', 'retry']);
  });
});

describe('scale-in protocol', () => {
  test('a follower is deleted from PD, and the steps complete once PD no longer lists it', async () => {
    const s = await setup();
    const { ctx } = instanceContext(s, member(2));
    expect(kinds(await run(s.plugin.scaleIn.steps, ctx))).toEqual(['complete', 'complete', 'complete', 'wait']);
    expect(s.pd.model.member(`${GROUP}-2`)).toBeUndefined();
    await s.lease.source.whenIdle();
    expect(kinds(await run(s.plugin.scaleIn.steps, ctx))).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(s.pd.model.safety().counters.pdLeaderDropEvents).toBe(0);
  });

  test('the leader hands leadership over before it is deleted', async () => {
    const s = await setup();
    const { ctx } = instanceContext(s, member(0));
    expect(kinds(await run(s.plugin.scaleIn.steps, ctx))).toEqual(['retry']);
    expect(s.pd.model.member(`${GROUP}-0`)).toBeDefined();
    await s.lease.source.whenIdle();
    expect(kinds(await run(s.plugin.scaleIn.steps, ctx))).toEqual(['complete', 'complete', 'complete', 'wait']);
    expect(s.pd.model.member(`${GROUP}-0`)).toBeUndefined();
    expect(s.pd.model.safety().counters.pdLeaderDropEvents).toBe(0);
  });

  test('a removal that breaks the quorum of the rest waits and deletes nothing', async () => {
    const s = await setup();
    s.pd.model.setMemberHealth(`${GROUP}-2`, false);
    await s.refresh();
    const results = await run(s.plugin.scaleIn.steps, instanceContext(s, member(1)).ctx);
    expect(kinds(results)).toEqual(['complete', 'retry']);
    expect(s.pd.model.members()).toHaveLength(3);
  });

  test('the last member stays in PD; a member that never joined a PD that never answered needs nothing', async () => {
    const s = await setup({ pdMembers: 1 });
    expect(kinds(await run(s.plugin.scaleIn.steps, instanceContext(s, member(0), [member(0)]).ctx))).toEqual([
      'complete',
      'complete',
      'complete',
      'complete',
    ]);
    expect(s.pd.model.members()).toHaveLength(1);
    const unwatched = createPdPlugin({
      pdClients: new PdClientFactory(),
      pdStates: new PdStateSources({ clients: new PdClientFactory() }),
    });
    const { ctx } = instanceContext(
      { ...s, plugin: unwatched },
      member(5),
      [member(5)],
      clusterWith({ pd: TEST_PD_URL }),
    );
    expect(kinds(await run(unwatched.scaleIn.steps, ctx))).toEqual(['complete', 'complete', 'complete', 'complete']);
  });

  test('mayRemove: refused below a healthy quorum, with the numbers; allowed by name for the unhealthy member', async () => {
    const s = await setup();
    s.pd.model.setMemberHealth(`${GROUP}-2`, false);
    await s.refresh();
    const group = pdGroupObject(GROUP, { namespace: NS });
    const instances = [0, 1, 2].map((i) => member(i));
    const mayRemove = s.plugin.scaleIn.mayRemove;
    expect(mayRemove?.({ ...componentContext(s), group, instances }, 1)).toEqual({
      ok: false,
      reason: 'removing 1 member would leave 1 healthy of 2 PD members; a quorum needs 2',
    });
    expect(mayRemove?.({ ...componentContext(s), group, instances, removing: [`${GROUP}-2`] } as never, 1)).toEqual({
      ok: true,
    });
  });
});

test('member changes wake the instances of those names', async () => {
  const s = await setup();
  const woken: string[][] = [];
  const stop = s.plugin.dataPlaneSource.watch(s.cluster, (names) => woken.push([...names]));
  cleanups.push(stop);
  s.pd.model.setMemberHealth(`${GROUP}-1`, false);
  await s.refresh();
  await until(() => woken.some((n) => n.includes(`${GROUP}-1`)), 'member event');
  expect(woken.at(-1)).toEqual([`${GROUP}-1`]);
});
