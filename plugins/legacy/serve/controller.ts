// The legacy API served during a migration (feature gate LegacyTikvClusterAPI): one controller that keeps the
// conversion fields of every TikvCluster's status true (status.ts decides, this applies).
//
//   tikvcluster  <- TikvClusters (self, from TikvClusterCache: only while their CRD is served)
//                <- Clusters (-> the TikvCluster of their tikv.org/converted-from annotation, old and new)
//                <- PDGroups and TiKVGroups (-> the TikvCluster their own annotation or their Cluster's names)
//
// It writes nothing else: no spec, no labels, and it reads no legacy StatefulSet or Pod. The Cluster and group
// informers are the manager's, shared with the reconcilers.
import { clusterKind } from '../../../core/api/cluster.ts';
import type { InformerMetrics } from '../../../core/cache/shared-informer.ts';
import type { KubeClient } from '../../../core/kube/client.ts';
import { isConflict, isNotFound } from '../../../core/kube/errors.ts';
import { type KubeObject, keyOf, splitKey } from '../../../core/kube/object.ts';
import type { EventRecorder } from '../../../core/observability/events.ts';
import type { Logger } from '../../../core/observability/log.ts';
import type { QueueObserver, ReconcileObserver } from '../../../core/observability/metrics.ts';
import type { ControllerDeps } from '../../../core/reconcilers/setup.ts';
import type { Clock } from '../../../core/runtime/clock.ts';
import { Controller, mapTo } from '../../../core/runtime/controller.ts';
import type { InformerScope, Manager } from '../../../core/runtime/manager.ts';
import type { ReconcileResult, Reconciler } from '../../../core/runtime/reconciler.ts';
import { pdGroupKind } from '../../pd/api.ts';
import { tikvGroupKind } from '../../tikv/api.ts';
import { LEGACY_API_GROUP_VERSION, LEGACY_KIND, legacyResource } from '../api.ts';
import { convertedFromName } from '../convert.ts';
import { convertedNote, decideStatus, findConversion, type GroupObject } from './status.ts';
import { TikvClusterCache } from './tikv-clusters.ts';

export const LEGACY_CONTROLLER = 'tikvcluster';
/** How often the operator checks again whether TikvClusters can be read, while they cannot. */
export const DEFAULT_LEGACY_RECHECK_MS = 30_000;

export interface LegacyApiDeps
  extends Pick<ControllerDeps, 'client' | 'events' | 'clock' | 'logger' | 'namespace' | 'workers'> {
  /** Default DEFAULT_LEGACY_RECHECK_MS. */
  recheckMs?: number;
  metrics?: {
    reconcileObserver(controller: string): ReconcileObserver;
    queueObserver(name: string): QueueObserver;
    informerObserver?(resource: string): InformerMetrics;
  };
}

/** Registers the controller (and the informers it reads) on `manager`, before it starts. */
export function setupLegacyApiController(manager: Manager, deps: LegacyApiDeps): Controller {
  const scope: InformerScope = deps.namespace ? { namespace: deps.namespace } : {};
  const clusters = manager.informer<KubeObject>(clusterKind.resource, scope);
  const pdGroups = manager.informer<GroupObject>(pdGroupKind.resource, scope);
  const tikvGroups = manager.informer<GroupObject>(tikvGroupKind.resource, scope);
  const logger = deps.logger.child({ controller: LEGACY_CONTROLLER });
  const tikvClusters = new TikvClusterCache({
    client: deps.client,
    namespace: deps.namespace,
    clock: deps.clock,
    logger,
    recheckMs: deps.recheckMs ?? DEFAULT_LEGACY_RECHECK_MS,
    informerMetrics: deps.metrics?.informerObserver?.(legacyResource.plural),
  });

  const legacyKey = (obj: KubeObject, name: string | undefined) =>
    name === undefined ? undefined : keyOf({ metadata: { name, namespace: obj.metadata.namespace } });
  const ofGroup = (group: GroupObject): string[] => {
    const cluster = group.spec?.cluster?.name;
    const owner = cluster
      ? clusters.get(keyOf({ metadata: { name: cluster, namespace: group.metadata.namespace } }))
      : undefined;
    return [legacyKey(group, convertedFromName(group)), owner && legacyKey(owner, convertedFromName(owner))].filter(
      (key): key is string => key !== undefined,
    );
  };

  const controller = new Controller({
    name: LEGACY_CONTROLLER,
    reconciler: new TikvClusterStatusReconciler({ ...deps, logger, tikvClusters, clusters, pdGroups, tikvGroups }),
    workers: deps.workers ?? 1,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.metrics
      ? {
          observer: deps.metrics.reconcileObserver(LEGACY_CONTROLLER),
          queueMetrics: deps.metrics.queueObserver(LEGACY_CONTROLLER),
        }
      : {}),
  })
    .watchesSource(tikvClusters.source)
    .watches(
      clusters,
      mapTo((cluster) => legacyKey(cluster, convertedFromName(cluster))),
    )
    .watches(pdGroups, mapTo(ofGroup))
    .watches(tikvGroups, mapTo(ofGroup));
  manager.add(controller);
  return controller;
}

interface ReconcilerDeps {
  client: KubeClient;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  tikvClusters: TikvClusterCache;
  clusters: { list(namespace?: string): KubeObject[] };
  pdGroups: { list(namespace?: string): GroupObject[] };
  tikvGroups: { list(namespace?: string): GroupObject[] };
}

class TikvClusterStatusReconciler implements Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const { deps } = this;
    const tikvCluster = deps.tikvClusters.get(key);
    if (!tikvCluster) return {};
    const { name, namespace = '' } = splitKey(key);
    const conversion = findConversion(name, {
      clusters: deps.clusters.list(namespace),
      pdGroups: deps.pdGroups.list(namespace),
      tikvGroups: deps.tikvGroups.list(namespace),
    });
    // Kubernetes timestamps have second precision; so does this one.
    const now = new Date(deps.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    const decision = decideStatus(tikvCluster.status, conversion, now);
    if (decision.kind === 'unchanged') return {};
    try {
      // No status subresource on this CRD (crd.ts says why): a merge patch of the object, guarded by the
      // resourceVersion the decision was made on, so a cache that lags behind our own last write can never
      // replace the first convertedAt.
      await deps.client.mergePatch(legacyResource, name, namespace, {
        metadata: { resourceVersion: tikvCluster.metadata.resourceVersion },
        status: decision.patch,
      });
    } catch (error) {
      if (isNotFound(error)) return {};
      // The TikvCluster changed since the cache saw it: decide again (its watch event queues it too).
      if (isConflict(error)) return { requeueAfterMs: 0 };
      throw error;
    }
    deps.logger.info(decision.patch.converted ? 'TikvCluster converted' : 'TikvCluster not converted', {
      tikvCluster: key,
      ...(conversion ? { cluster: conversion.cluster } : {}),
    });
    if (decision.becameConverted && conversion) {
      deps.events.record(
        { ...tikvCluster, apiVersion: LEGACY_API_GROUP_VERSION, kind: LEGACY_KIND },
        'Normal',
        'Converted',
        'MarkConverted',
        convertedNote(conversion),
      );
    }
    return {};
  }
}
