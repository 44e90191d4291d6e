// End-to-end test support: the real operator (the core's reconcilers with the PD and TiKV plugins, wired like the
// composition root wires them) in this process against the local control plane, PD played by the simulator, and
// recorders that check the safety rules at every moment (which store state PD showed when a TiKV Pod or PVC went).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../core/kube/object.ts';
import { type SampleOperator, startSampleOperator } from '../../core/reconcilers/testing/sample-operator.ts';
import type { ControlPlane } from '../../core/testing/control-plane.ts';
import { PdStateSources } from '../pd/client/data-plane-source.ts';
import { PdClientFactory } from '../pd/client/pd-client.ts';
import { createPdPlugin } from '../pd/plugin.ts';
import type { PdClusterModel } from '../pd/simulator/model/cluster.ts';
import type { Simulator } from '../pd/simulator/simulator.ts';
import { createTikvPlugin } from './plugin.ts';

export const API = '/apis/core.tikv.org/v1alpha1';
const repoRoot = join(import.meta.dir, '../..');

export interface PdTikvOperator {
  operator: SampleOperator;
  /** Stops the controllers and the PD pollers (fresh memory for the next operator). */
  stop(): Promise<void>;
}

/**
 * Starts the operator for one namespace: one PD client factory and one set of PD state sources shared by the PD
 * and TiKV plugins (as cmd/plugins.ts does), PD reached through the simulator's resolver. Grace periods of Pod
 * deletions are 1 s because kwok keeps a deleted Pod for its whole grace period; the TiKV Pods keep their own
 * terminationGracePeriodSeconds of 65535, so a deletion without the operator's explicit grace would hang the test.
 */
export async function startPdTikvOperator(
  cp: ControlPlane,
  sim: Simulator,
  namespace: string,
): Promise<PdTikvOperator> {
  const pdClients = new PdClientFactory({ resolver: sim.resolver });
  const pdStates = new PdStateSources({ clients: pdClients });
  const pd = createPdPlugin({ pdClients, pdStates, gracePeriodSeconds: 1 });
  const tikv = createTikvPlugin({ pdClients, pdStates, minGracePeriodSeconds: 1 });
  const operator = await startSampleOperator(cp, [pd, tikv], namespace);
  let stopping: Promise<void> | undefined;
  return {
    operator,
    stop() {
      stopping ??= (async () => {
        await operator.stop();
        pdStates.stop();
      })();
      return stopping;
    },
  };
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

/** The state of the latest store PD has known at `address` (Tombstone ones included), or undefined. */
export function storeStateAt(model: PdClusterModel, address: string): string | undefined {
  const stores = model.stores().filter((s) => s.address === address);
  return stores[stores.length - 1]?.state;
}

interface WatchedObject extends KubeObject {
  metadata: KubeObject['metadata'] & { deletionTimestamp?: string };
}

/** A TiKV Pod or PVC seen going, with the state PD showed for its store at that moment. */
export interface RemovalSighting {
  kind: 'Pod' | 'PersistentVolumeClaim';
  name: string;
  instance: string;
  storeState: string | undefined;
}

/**
 * Watches the TiKV Pods and PVCs of a namespace; the first time one is seen terminating or deleted, records the
 * state PD's simulator shows for the store at its instance's address. Invariant 1 says it must be Tombstone for
 * every instance that was removed (a restart deletes Pods of stores that stay Up: filter by instance).
 */
export class RemovalRecorder {
  readonly sightings: RemovalSighting[] = [];
  private readonly seen = new Set<string>();
  private readonly abort = new AbortController();
  private readonly done: Promise<unknown>[] = [];

  constructor(
    private readonly cp: ControlPlane,
    private readonly namespace: string,
    private readonly model: () => PdClusterModel,
    private readonly addressOf: (instance: string) => string,
  ) {}

  async start(): Promise<void> {
    for (const [kind, path] of [
      ['Pod', `/api/v1/namespaces/${this.namespace}/pods`],
      ['PersistentVolumeClaim', `/api/v1/namespaces/${this.namespace}/persistentvolumeclaims`],
    ] as const) {
      const selector = 'labelSelector=tikv.org%2Fcomponent%3Dtikv';
      const list = await this.cp.api.get<{ metadata: { resourceVersion: string } }>(`${path}?${selector}`);
      this.done.push(
        this.cp.api
          .watch<WatchedObject>(
            `${path}?${selector}`,
            list.metadata.resourceVersion,
            (event) => {
              const gone = event.type === 'DELETED' || event.object.metadata.deletionTimestamp !== undefined;
              if (gone && (event.type === 'DELETED' || event.type === 'MODIFIED')) this.record(kind, event.object);
            },
            this.abort.signal,
          )
          .catch(() => undefined),
      );
    }
  }

  /** Sightings of the instances given. */
  of(instances: readonly string[]): RemovalSighting[] {
    return this.sightings.filter((s) => instances.includes(s.instance));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.done);
  }

  private record(kind: RemovalSighting['kind'], obj: WatchedObject): void {
    const key = `${kind}/${obj.metadata.uid}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const instance = obj.metadata.labels?.['tikv.org/instance'] ?? '';
    this.sightings.push({
      kind,
      name: obj.metadata.name,
      instance,
      storeState: storeStateAt(this.model(), this.addressOf(instance)),
    });
  }
}
