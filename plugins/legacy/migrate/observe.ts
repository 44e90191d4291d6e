// Reading what the migration planner decides on: the legacy objects and the new ones from the apiserver, PD
// through its client. One call, no cache: every step of the migration looks at the world again.
import { clusterKind } from '../../../core/api/cluster.ts';
import { labelKeys } from '../../../core/api/labels.ts';
import type { KubeClient } from '../../../core/kube/client.ts';
import { isForbidden, isNotFound } from '../../../core/kube/errors.ts';
import type { KubeObject, ResourceKind } from '../../../core/kube/object.ts';
import { kinds } from '../../../core/kube/object.ts';
import type { Clock } from '../../../core/runtime/clock.ts';
import { pdGroupKind, pdKind } from '../../pd/api.ts';
import type { PdClientFactory } from '../../pd/client/pd-client.ts';
import { emptySnapshot, nextSnapshot, POLL_PARTS } from '../../pd/client/snapshot.ts';
import { tikvGroupKind, tikvKind } from '../../tikv/api.ts';
import { legacyResource } from '../api.ts';
import {
  type LegacyComponent,
  legacyComponentSelector,
  legacyNames,
  legacyOrdinalOf,
  legacyPdUrl,
} from '../objects.ts';
import type {
  LegacyComponentState,
  LegacyOperatorCheck,
  MigrationTarget,
  NewClusterState,
  NewGroupState,
  ObservedState,
  PdReading,
  TikvClusterSource,
} from './state.ts';

export const migrationKinds = {
  StatefulSet: { group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  Deployment: { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  TikvCluster: legacyResource,
} as const satisfies Record<string, ResourceKind>;

/** The binary the legacy operator's Deployment runs (its Helm chart). */
const LEGACY_CONTROLLER_MANAGER = 'tikv-controller-manager';

export interface MigrationDeps {
  kube: KubeClient;
  pdClients: PdClientFactory;
  clock: Clock;
  /** The TikvCluster read from a file (`-f`), for when its CRD is not served; the apiserver's copy wins for marking. */
  tikvClusterFromFile?: unknown;
  /** Reach PD through this URL only (a port-forward) instead of the PD Services. */
  pdUrl?: string;
}

interface StatefulSetObject extends KubeObject {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}

interface PodObject extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

interface ConditionsObject extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string }[]; id?: string; pd?: string; readyReplicas?: number };
}

interface DeploymentObject extends KubeObject {
  spec?: {
    replicas?: number;
    template?: { spec?: { containers?: { image?: string; command?: string[]; args?: string[] }[] } };
  };
}

const isReady = (obj: { status?: { conditions?: { type: string; status: string }[] } } | undefined) =>
  obj?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function find<T extends KubeObject>(
  kube: KubeClient,
  kind: ResourceKind,
  name: string,
  namespace: string,
): Promise<T | undefined> {
  try {
    return await kube.get<T>(kind, name, namespace);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function observeMigration(
  deps: MigrationDeps,
  target: MigrationTarget,
  evictionStartedAt: ReadonlyMap<string, number>,
): Promise<ObservedState> {
  const [tikvCluster, pd, tikv, cluster, pdGroup, tikvGroup, legacyOperator] = await Promise.all([
    readTikvCluster(deps, target),
    readLegacyComponent(deps.kube, target, 'pd'),
    readLegacyComponent(deps.kube, target, 'tikv'),
    readCluster(deps.kube, target),
    readGroup(deps.kube, pdGroupKind.resource, pdKind.resource, target.pdGroup, target.namespace),
    readGroup(deps.kube, tikvGroupKind.resource, tikvKind.resource, target.tikvGroup, target.namespace),
    checkLegacyOperator(deps.kube),
  ]);
  return {
    target,
    nowMs: deps.clock.now(),
    tikvCluster,
    legacy: { pd, tikv },
    pd: await readPd(deps, pdUrlsToTry(deps, target, cluster)),
    cluster,
    pdGroup,
    tikvGroup,
    legacyOperator,
    evictionStartedAt,
  };
}

async function readTikvCluster(deps: MigrationDeps, target: MigrationTarget): Promise<TikvClusterSource | undefined> {
  let served: KubeObject | undefined;
  try {
    served = await find(deps.kube, migrationKinds.TikvCluster, target.legacyName, target.namespace);
  } catch (error) {
    // The legacy CRD not installed at all: 404 on the resource type is isNotFound too; anything else is real.
    if (!isForbidden(error)) throw error;
  }
  const object = deps.tikvClusterFromFile ?? served;
  if (object === undefined) return undefined;
  const status = (served ?? object) as { status?: { converted?: unknown; clusterID?: unknown } };
  return {
    object,
    served: served !== undefined,
    converted: (served as { status?: { converted?: unknown } } | undefined)?.status?.converted === true,
    clusterId:
      typeof status.status?.clusterID === 'string' && status.status.clusterID ? status.status.clusterID : undefined,
  };
}

async function readLegacyComponent(
  kube: KubeClient,
  target: MigrationTarget,
  component: LegacyComponent,
): Promise<LegacyComponentState> {
  const { namespace, legacyName } = target;
  const [statefulSet, pods, claims] = await Promise.all([
    find<StatefulSetObject>(
      kube,
      migrationKinds.StatefulSet,
      legacyNames.statefulSet(legacyName, component),
      namespace,
    ),
    kube.list<PodObject>(kinds.Pod, { namespace, labelSelector: legacyComponentSelector(legacyName, component) }),
    kube.list(kinds.PersistentVolumeClaim, { namespace }),
  ]);
  const claimPattern = new RegExp(`^${component}-${legacyName}-${component}-(0|[1-9][0-9]*)$`);
  return {
    statefulSet: statefulSet
      ? { replicas: statefulSet.spec?.replicas ?? 1, readyReplicas: statefulSet.status?.readyReplicas ?? 0 }
      : undefined,
    pods: pods.items
      .flatMap((p) => {
        const ordinal = legacyOrdinalOf(legacyName, component, p.metadata.name);
        return ordinal === undefined
          ? []
          : [
              {
                name: p.metadata.name,
                ordinal,
                ready: isReady(p),
                terminating: p.metadata.deletionTimestamp !== undefined,
              },
            ];
      })
      .sort((a, b) => a.ordinal - b.ordinal),
    claims: claims.items
      .map((c) => c.metadata.name)
      .filter((n) => claimPattern.test(n))
      .sort(),
  };
}

async function readCluster(kube: KubeClient, target: MigrationTarget): Promise<NewClusterState | undefined> {
  const cluster = await find<ConditionsObject>(kube, clusterKind.resource, target.cluster, target.namespace);
  if (!cluster) return undefined;
  return {
    annotations: cluster.metadata.annotations ?? {},
    statusId: cluster.status?.id,
    statusPd: cluster.status?.pd,
    ready: isReady(cluster),
  };
}

async function readGroup(
  kube: KubeClient,
  groupKind: ResourceKind,
  instanceKind: ResourceKind,
  name: string,
  namespace: string,
): Promise<NewGroupState | undefined> {
  const group = await find<ConditionsObject>(kube, groupKind, name, namespace);
  if (!group) return undefined;
  const instances = await kube.list<ConditionsObject>(instanceKind, {
    namespace,
    labelSelector: `${labelKeys.group}=${name}`,
  });
  const join = group.spec?.join;
  return {
    name,
    replicas: typeof group.spec?.replicas === 'number' ? group.spec.replicas : 0,
    readyReplicas: group.status?.readyReplicas ?? 0,
    annotations: group.metadata.annotations ?? {},
    join: typeof join === 'string' ? join : undefined,
    instances: instances.items
      .filter((i) => i.metadata.deletionTimestamp === undefined)
      .map((i) => ({ name: i.metadata.name, ready: isReady(i) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Deployments that run the legacy controller manager with replicas, in every namespace. */
async function checkLegacyOperator(kube: KubeClient): Promise<LegacyOperatorCheck> {
  let deployments: DeploymentObject[];
  try {
    deployments = (await kube.list<DeploymentObject>(migrationKinds.Deployment)).items;
  } catch (error) {
    if (isForbidden(error)) return { kind: 'unknown', reason: (error as Error).message.split('\n')[0] ?? 'forbidden' };
    throw error;
  }
  const running = deployments.filter((d) => {
    if ((d.spec?.replicas ?? 1) === 0) return false;
    return (d.spec?.template?.spec?.containers ?? []).some((c) =>
      [c.image ?? '', ...(c.command ?? []), ...(c.args ?? [])].some(
        (part) => part.includes(LEGACY_CONTROLLER_MANAGER) || /(^|\/)tikv-operator:/.test(part),
      ),
    );
  });
  return { kind: 'checked', running: running.map((d) => `${d.metadata.namespace}/${d.metadata.name}`) };
}

/**
 * Where to read PD: a given URL only; else the new Cluster's PD Service once the new members serve (the Cluster
 * published the id), then the legacy PD Service (the only one before, gone at the end).
 */
export function pdUrlsToTry(
  deps: Pick<MigrationDeps, 'pdUrl'>,
  target: MigrationTarget,
  cluster: NewClusterState | undefined,
): string[] {
  if (deps.pdUrl) return [deps.pdUrl];
  const legacy = legacyPdUrl(target.legacyName, target.namespace);
  const own = cluster?.statusId && cluster.statusPd ? [cluster.statusPd] : [];
  return [...own, legacy];
}

async function readPd(
  deps: MigrationDeps,
  urls: readonly string[],
): Promise<PdReading | { error: string; url: string }> {
  let last: { error: string; url: string } = { error: 'no PD URL', url: '' };
  for (const url of urls) {
    const client = deps.pdClients.get(url);
    try {
      const [members, health, stores, evictLeaderStoreIds, downPeerRegions, missPeerRegions, replication] =
        await Promise.all([
          client.members(),
          client.health(),
          client.stores({ includeTombstone: true }),
          client.evictLeaderSchedulerStores(),
          client.downPeerRegions(),
          client.missPeerRegions(),
          client.replicationConfig(),
        ]);
      const snapshot = nextSnapshot(
        emptySnapshot,
        { members, health, stores, evictLeaderStoreIds, downPeerRegions, missPeerRegions },
        new Set(POLL_PARTS),
        deps.clock.now(),
        undefined,
      );
      return { url, snapshot, maxReplicas: replication.maxReplicas, downPeerRegions: downPeerRegions.length };
    } catch (error) {
      last = { url, error: (error as Error).message.split('\n')[0] ?? String(error) };
    }
  }
  return last;
}
