// End-to-end test support: the real operator as the composition root builds it (cmd/plugins.ts: the PD and TiKV
// plugins on one PD connection) in this process against the local control plane, PD played by the simulator, and
// a recorder that checks a safety rule at the moment it matters (which store state PD showed when a TiKV Pod or
// PVC went).
import { afterAll, afterEach, beforeAll, expect } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../core/kube/object.ts';
import { PodAvailabilityRecorder } from '../../core/reconcilers/testing/sample-operator.ts';
import { waitFor } from '../../core/testing/api.ts';
import type { ControlPlane } from '../../core/testing/control-plane.ts';
import { type ControlPlaneFixture, createTestNamespace } from '../../core/testing/fixtures.ts';
import { ObjectWatch } from '../../core/testing/object-watch.ts';
import { API, condition, type List as ListOf, type Obj as TestObject } from '../../core/testing/objects.ts';
import { type E2eOperator, startE2eOperator } from '../pd/e2e-support.ts';
import type { PdClusterModel } from '../pd/simulator/model/cluster.ts';
import {
  type ClusterSettings,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../pd/simulator/simulator.ts';
import { storeAddress } from './config.ts';

export { API, type Condition, condition } from '../../core/testing/objects.ts';

const repoRoot = join(import.meta.dir, '../..');

/** `stop` ends the controllers, the PD pollers and the HTTP server: the next operator starts with fresh memory. */
export type PdTikvOperator = E2eOperator;

/**
 * The operator of the binary (startOperator with the composition root's componentsSetup) managing one namespace,
 * PD reached through the simulator's resolver. Pod deletions by the operator get a 1 s grace (kwok keeps a deleted
 * Pod for its whole grace period); the TiKV Pods keep their own terminationGracePeriodSeconds of 65535, so a
 * deletion without the operator's explicit grace would hang the test. `TIKV_TEST_LOG=debug` shows the reconciles.
 */
export async function startPdTikvOperator(
  cp: ControlPlane,
  sim: Simulator,
  namespace: string,
): Promise<PdTikvOperator> {
  return startE2eOperator(cp, sim, { namespace });
}

/** The manifests of an example directory (`examples/basic`), in `namespace`. */
export function exampleManifests(example: string, namespace: string): KubeObject[] {
  const dir = join(repoRoot, 'examples', example);
  const files = ['cluster.yaml', 'pd-group.yaml', 'tikv-group.yaml'];
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
      const obj = doc.toJS() as KubeObject;
      return { ...obj, metadata: { ...obj.metadata, namespace } };
    }),
  );
}

const plurals: Record<string, string> = {
  Cluster: 'clusters',
  PDGroup: 'pdgroups',
  TiKVGroup: 'tikvgroups',
};

export async function applyManifests(cp: ControlPlane, objects: readonly KubeObject[]): Promise<void> {
  for (const obj of objects) {
    const plural = plurals[obj.kind ?? ''];
    if (!plural) throw new Error(`no plural known for kind ${obj.kind}`);
    await cp.api.create(`${API}/namespaces/${obj.metadata.namespace}/${plural}`, obj);
  }
}

/** The latest store PD has known at `address` (Tombstone ones included), or undefined. */
function storeAt(model: PdClusterModel, address: string) {
  const stores = model.stores().filter((s) => s.address === address);
  return stores[stores.length - 1];
}

interface WatchedObject extends KubeObject {
  metadata: KubeObject['metadata'] & { deletionTimestamp?: string };
}

/** A TiKV Pod or PVC seen going, with what PD showed for its store at that moment. */
export interface RemovalSighting {
  kind: 'Pod' | 'PersistentVolumeClaim';
  name: string;
  instance: string;
  storeState: string | undefined;
  /** Leaders PD counted on the store (a restart must have evicted them all). */
  leaders: number | undefined;
}

/**
 * Watches the TiKV Pods and PVCs of a namespace; the first time one is seen terminating or deleted, records what
 * PD's simulator shows for the store at its instance's address. Invariant 1: the store of a removed instance is
 * Tombstone by then. Invariant 4: the store of a restarted instance leads nothing by then.
 */
export class RemovalRecorder {
  readonly sightings: RemovalSighting[] = [];
  private readonly seen = new Set<string>();
  private readonly watches: ObjectWatch<WatchedObject>[];

  constructor(
    cp: ControlPlane,
    namespace: string,
    private readonly model: () => PdClusterModel,
    private readonly addressOf: (instance: string) => string,
  ) {
    const selector = 'labelSelector=tikv.org%2Fcomponent%3Dtikv';
    // Objects already going when the recorder starts are not sightings: only changes seen from now on count.
    this.watches = (
      [
        ['Pod', `/api/v1/namespaces/${namespace}/pods?${selector}`],
        ['PersistentVolumeClaim', `/api/v1/namespaces/${namespace}/persistentvolumeclaims?${selector}`],
      ] as const
    ).map(
      ([kind, path]) =>
        new ObjectWatch<WatchedObject>(cp.api, path, (type, obj) => {
          const gone = type === 'DELETED' || obj.metadata.deletionTimestamp !== undefined;
          if (gone && (type === 'DELETED' || type === 'MODIFIED')) this.record(kind, obj);
        }),
    );
  }

  async start(): Promise<void> {
    for (const watch of this.watches) await watch.start();
  }

  /** Sightings of the instances given. */
  of(instances: readonly string[]): RemovalSighting[] {
    return this.sightings.filter((s) => instances.includes(s.instance));
  }

  async stop(): Promise<void> {
    await Promise.all(this.watches.map((w) => w.stop()));
  }

  private record(kind: RemovalSighting['kind'], obj: WatchedObject): void {
    const key = `${kind}/${obj.metadata.uid}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const instance = obj.metadata.labels?.['tikv.org/instance'] ?? '';
    const model = this.model();
    const store = storeAt(model, this.addressOf(instance));
    this.sightings.push({
      kind,
      name: obj.metadata.name,
      instance,
      storeState: store?.state,
      leaders: store ? model.storeStatus(store.id).leaderCount : undefined,
    });
  }
}

// ---- one cluster per test ----------------------------------------------------------------------------------

/** A TiKV-side object: the core read shape with the spec fields these tests look at. */
export interface Obj extends TestObject {
  spec?: Record<string, unknown> & { offline?: boolean; replicas?: number };
}
export type List<T = Obj> = ListOf<T>;

/** The simulator's safety violations in one namespace's cluster (empty: nothing unavailable, lost or dropped). */
export function safetyViolations(sim: Simulator, namespace: string): string[] {
  return sim
    .safety()
    .clusters.filter((c) => c.namespace === namespace)
    .flatMap((c) => c.report.violations.map((v) => JSON.stringify(v)));
}

/**
 * The simulator of this test file (started after the control plane, stopped before it) and the clusters of
 * examples/basic its tests create; what a test registers in `cleanups` (its operator, its recorders, anything it
 * must put back) is undone after that test, last first.
 */
export function useBasicTikvClusters(
  fixture: ControlPlaneFixture,
  simulator: Omit<SimulatorOptions, 'kubeconfig'> = {},
) {
  let sim: Simulator | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ kubeconfig: fixture.cp.kubeconfigPath, ...simulator });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  const started = () => {
    if (!sim) throw new Error('the simulator is read before beforeAll has started it');
    return sim;
  };
  return {
    get sim() {
      return started();
    },
    cleanups,
    /** A namespace with examples/basic applied and the operator running, once the Cluster is Ready. */
    basicCluster: (prefix: string, opts?: Parameters<typeof basicTikvCluster>[4]) =>
      basicTikvCluster(fixture.cp, started(), prefix, cleanups, opts),
    /** Nothing unsafe happened to this namespace's cluster: no region lost its quorum, no data lost, no leader dropped. */
    expectSafe: (ns: string) => expect(safetyViolations(started(), ns)).toEqual([]),
  };
}

/** A namespace with examples/basic applied and the operator running, once the Cluster is Ready. */
async function basicTikvCluster(
  cp: ControlPlane,
  sim: Simulator,
  prefix: string,
  cleanups: (() => Promise<void>)[],
  opts: { replication?: ClusterSettings['replication'] } = {},
) {
  const ns = await createTestNamespace(cp, prefix);
  // PD's settings (location-labels, max-replicas) as the cluster's PD starts with them.
  if (opts.replication) sim.ensureCluster({ namespace: ns, name: 'basic', replication: opts.replication });
  let operator: PdTikvOperator = await startPdTikvOperator(cp, sim, ns);
  cleanups.push(() => operator.stop());
  await applyManifests(cp, exampleManifests('basic', ns));

  const get = (path: string) => cp.api.get<Obj>(`${API}/namespaces/${ns}/${path}`);
  const tikvs = async () =>
    (await cp.api.get<List>(`${API}/namespaces/${ns}/tikvs`)).items.sort((a, b) =>
      a.metadata.name.localeCompare(b.metadata.name),
    );
  const model = (): PdClusterModel => {
    const cluster = sim.cluster(ns, 'basic');
    if (!cluster) throw new Error(`no simulated cluster for ${ns}/basic`);
    return cluster.model;
  };
  const address = (instance: string) => storeAddress(instance, 'basic-tikv-peer', ns);
  /** Up stores by instance name. */
  const upStores = () =>
    model()
      .stores()
      .filter((s) => s.state === 'Up')
      .map((s) => s.address.split('.')[0] as string)
      .sort();
  const patchTikvGroup = (patch: unknown) => cp.api.patch(`${API}/namespaces/${ns}/tikvgroups/basic-tikv`, patch);
  /** What the group, its instances and PD show now: the message of a failed wait. */
  const describe = async () => {
    const group = await get('tikvgroups/basic-tikv');
    const instances = (await tikvs()).map((t) => ({
      name: t.metadata.name,
      offline: t.spec?.offline,
      conditions: (t.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`),
    }));
    const stores = model()
      .stores()
      .map((s) => `${s.id} ${s.address} ${s.state} running=${s.running}`);
    return JSON.stringify(
      { group: group.status?.conditions, instances, stores, evicting: model().evictLeaderStores() },
      null,
      1,
    );
  };
  /** The TiKV group settled at `replicas`: Ready and Synced for its generation, that many instances, Up stores. */
  const tikvSettled = (replicas: number, what = `TiKV settled at ${replicas}`) =>
    waitFor(
      async () => {
        const g = await get('tikvgroups/basic-tikv');
        const ok =
          g.status?.observedGeneration === g.metadata.generation &&
          condition(g, 'Ready')?.status === 'True' &&
          condition(g, 'Synced')?.status === 'True' &&
          g.status?.replicas === replicas &&
          (await tikvs()).length === replicas &&
          upStores().length === replicas;
        return ok ? g : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await describe()}`);
    });
  const clusterReady = () =>
    waitFor(
      async () => {
        const c = await get('clusters/basic');
        return condition(c, 'Ready')?.status === 'True' ? c : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: 'Cluster basic Ready' },
    );
  await clusterReady();
  const restart = async () => {
    await operator.stop();
    operator = await startPdTikvOperator(cp, sim, ns);
  };
  const removals = async () => {
    const recorder = new RemovalRecorder(cp, ns, model, address);
    await recorder.start();
    cleanups.push(() => recorder.stop());
    return recorder;
  };
  const recordPods = async (names: string[]) => {
    const recorder = new PodAvailabilityRecorder(cp, ns, names);
    await recorder.start();
    cleanups.push(() => recorder.stop());
    return recorder;
  };
  const events = async (reason: string) =>
    (
      await cp.api.get<List<KubeObject & { reason?: string; note?: string; type?: string }>>(
        `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      )
    ).items.filter((e) => e.reason === reason);
  return {
    cp,
    ns,
    get,
    tikvs,
    model,
    address,
    upStores,
    patchTikvGroup,
    tikvSettled,
    clusterReady,
    restart,
    removals,
    recordPods,
    events,
  };
}
