// DESIGN.md invariant 5, with a real kill: the operator runs as its own process (the CLI of the binary, PD reached
// through the simulator's address feed) and is SIGKILLed while a store evicts its leaders for a rolling upgrade —
// no drain, no lease release, no shutdown code at all. A new process finishes the upgrade from what the API objects
// and PD show: one store out of service at a time, every store restarted only after its leaders left, the
// evict-leader schedulers gone, no simulator violation.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { type Subprocess, spawn } from 'bun';
import { type AddressFeedServer, serveAddressFeed } from '../../core/net/address-feed.ts';
import { PodAvailabilityRecorder } from '../../core/reconcilers/testing/sample-operator.ts';
import { waitFor } from '../../core/testing/api.ts';
import { freePorts } from '../../core/testing/control-plane.ts';
import { createTestNamespace, useControlPlane } from '../../core/testing/fixtures.ts';
import { type Simulator, startSimulator } from '../pd/simulator/simulator.ts';
import { storeAddress } from './config.ts';
import {
  API,
  applyManifests,
  condition,
  exampleManifests,
  type List,
  type Obj,
  RemovalRecorder,
  safetyViolations,
} from './e2e-support.ts';

const fixture = useControlPlane({ nodes: 3 });
const repoRoot = join(import.meta.dir, '../..');
const STORES = ['basic-tikv-0', 'basic-tikv-1', 'basic-tikv-2'];

let sim: Simulator;
let feed: AddressFeedServer;
const children: Subprocess[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sim = await startSimulator({ kubeconfig: fixture.cp.kubeconfigPath });
  feed = serveAddressFeed(sim.resolver);
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await feed?.stop();
  await sim?.stop();
});

interface GroupManifest extends Obj {
  spec: { template: { spec: Record<string, unknown> } };
}

/** `tikv-operator run` as a child process, like the binary in a Pod, managing one namespace. */
async function operatorProcess(namespace: string): Promise<Subprocess> {
  const [port] = await freePorts(1);
  const child = spawn(
    [
      'bun',
      'cmd/tikv-operator.ts',
      'run',
      `--kubeconfig=${fixture.cp.kubeconfigPath}`,
      '--leader-elect=false',
      `--namespace=${namespace}`,
      `--http-address=127.0.0.1:${port}`,
      `--dev-address-feed=${feed.url}`,
    ],
    { cwd: repoRoot, stdout: 'ignore', stderr: process.env.TIKV_TEST_LOG ? 'inherit' : 'ignore' },
  );
  children.push(child);
  return child;
}

test('an operator SIGKILLed while a store evicts its leaders for an upgrade: a new process finishes it safely', async () => {
  const { cp } = fixture;
  const ns = await createTestNamespace(cp, 'tikv-sigkill');
  // kwok keeps a deleted Pod for its grace period; the operator's grace for a store is 30 s or more, so the test's
  // Pods are told to go after a second (the harness's kwok stage reads this annotation).
  const manifests = exampleManifests('basic', ns).map((obj) => {
    const group = obj as GroupManifest;
    if (obj.kind === 'Cluster') return obj;
    group.spec.template.spec.overlay = { pod: { metadata: { annotations: { 'sim.tikv.org/terminate-after': '1s' } } } };
    return group;
  });
  let operator = await operatorProcess(ns);
  await applyManifests(cp, manifests);
  const get = (path: string) => cp.api.get<Obj>(`${API}/namespaces/${ns}/${path}`);
  const tikvs = async () => (await cp.api.get<List>(`${API}/namespaces/${ns}/tikvs`)).items;
  await waitFor(async () => condition(await get('clusters/basic'), 'Ready')?.status === 'True', {
    timeoutMs: 180_000,
    intervalMs: 250,
    what: 'Cluster basic Ready',
  });
  const model = () => {
    const cluster = sim.cluster(ns, 'basic');
    if (!cluster) throw new Error(`no simulated cluster for ${ns}/basic`);
    return cluster.model;
  };
  // PD places the regions while the stores register and adds the missing replicas right after. The restart would
  // wait for them itself (`check replicas complete`); starting from a fully replicated cluster keeps this test's
  // kill on the step it is about, the wait for zero leaders.
  await waitFor(
    async () =>
      model()
        .regions()
        .every((r) => r.peers.length === model().replication().maxReplicas),
    { timeoutMs: 30_000, what: 'every region at max-replicas' },
  );
  const before = await get('tikvgroups/basic-tikv');

  const pods = new PodAvailabilityRecorder(cp, ns, STORES);
  await pods.start();
  cleanups.push(() => pods.stop());
  const removals = new RemovalRecorder(cp, ns, model, (instance) => storeAddress(instance, 'basic-tikv-peer', ns));
  await removals.start();
  cleanups.push(() => removals.stop());

  // Leaders stop moving, so the first store to restart stays in "wait for zero leaders" until the kill.
  const knobs = model().knobs;
  const batch = knobs.evictLeaderBatch;
  knobs.evictLeaderBatch = 0;
  await cp.api.patch(`${API}/namespaces/${ns}/tikvgroups/basic-tikv`, {
    spec: { template: { spec: { version: 'v8.5.1' } } },
  });
  const evicting = await waitFor(
    async () => {
      const found = (await tikvs()).find((t) => condition(t, 'LeadersEvicted')?.reason === 'Evicting');
      return found && model().evictLeaderStores().length === 1 ? found.metadata.name : undefined;
    },
    { timeoutMs: 90_000, what: 'a store evicting its leaders' },
  );

  operator.kill('SIGKILL');
  expect(await operator.exited).not.toBe(0);
  knobs.evictLeaderBatch = batch;
  operator = await operatorProcess(ns);

  const after = await waitFor(
    async () => {
      const g = await get('tikvgroups/basic-tikv');
      const done =
        g.status?.observedGeneration === g.metadata.generation &&
        g.status?.updatedReplicas === 3 &&
        g.status?.readyReplicas === 3 &&
        g.status?.currentRevision === g.status?.updateRevision &&
        g.status?.updateRevision !== before.status?.updateRevision;
      return done ? g : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 250, what: 'the rolling upgrade to v8.5.1 after the kill' },
  );
  expect(after.status?.replicas).toBe(3);
  expect(STORES).toContain(evicting);
  // One store out of service at a time, across both operator processes.
  expect(pods.maxUnavailable).toBe(1);
  // Every store restarted with no leaders, and was still a store (a restart, not a removal).
  const restarts = removals.of(STORES).filter((s) => s.kind === 'Pod');
  expect(restarts.length).toBeGreaterThanOrEqual(3);
  for (const s of restarts)
    expect({ pod: s.name, leaders: s.leaders, state: s.storeState }).toMatchObject({ leaders: 0, state: 'Up' });
  await waitFor(async () => model().evictLeaderStores().length === 0, {
    timeoutMs: 30_000,
    what: 'the evict-leader schedulers removed',
  });
  expect(safetyViolations(sim, ns)).toEqual([]);
  operator.kill('SIGTERM');
  expect(await operator.exited).toBe(0);
}, 420_000);
