// Wires one plugin's instance controller onto a Manager: the informers it reads, the events that wake it
// (its own kind; its Pods, ConfigMaps and PVCs; its Cluster; the plugin's data plane) and the reconciler.
import { type Cluster, clusterKind } from '../../api/cluster.ts';
import { labelKeys, MANAGED_BY } from '../../api/labels.ts';
import type { Informer, InformerEvent } from '../../cache/informer.ts';
import { isNodeReady, type NodeObject } from '../../failover/nodes.ts';
import type { KubeClient } from '../../kube/client.ts';
import { keyOf, kinds } from '../../kube/object.ts';
import type { EventRecorder } from '../../observability/events.ts';
import type { Logger } from '../../observability/log.ts';
import type { GroupObject, InstanceObject } from '../../plugin/contract.ts';
import type { AnyComponentPlugin } from '../../plugin/registry.ts';
import type { Clock } from '../../runtime/clock.ts';
import { Controller, type ControllerObserver, type EventMapper, forOwner, forSelf } from '../../runtime/controller.ts';
import type { InformerScope, Manager } from '../../runtime/manager.ts';
import type { QueueMetrics } from '../../runtime/queue.ts';
import { groupsOfClusterFrom } from '../cluster-groups.ts';
import { dataPlaneKeys } from '../data-plane-keys.ts';
import { addIndexes, indexes, lookup } from '../indexes.ts';
import type { ConfigMapObject } from './config-map.ts';
import type { PodObject } from './pod.ts';
import { InstanceReconciler } from './reconciler.ts';
import type { ClaimObject, PersistentVolumeObject } from './volumes.ts';

/** The selector of every informer of objects the operator creates (Pods, ConfigMaps, PVCs, PVs it labelled). */
export const MANAGED_SELECTOR = `${labelKeys.managedBy}=${MANAGED_BY}`;

export interface InstanceControllerOptions {
  manager: Manager;
  plugin: AnyComponentPlugin;
  /** Every registered plugin (the plugin itself included): their groups make `ComponentContext.groups`. */
  plugins: readonly AnyComponentPlugin[];
  client: KubeClient;
  events: EventRecorder;
  clock: Clock;
  logger?: Logger;
  /** Concurrent reconciles; default 4. */
  workers?: number;
  /** Watch only this namespace (all when omitted). */
  namespace?: string;
  observer?: ControllerObserver;
  queueMetrics?: QueueMetrics;
  /**
   * How long a node must be NotReady before a terminating Pod on it is force-deleted (core/failover/lost-node.ts).
   * Default 5 minutes.
   */
  lostNodeGracePeriodMs?: number;
}

/** Default of `lostNodeGracePeriodMs`: Kubernetes' own default toleration of unreachable nodes. */
export const DEFAULT_LOST_NODE_GRACE_PERIOD_MS = 5 * 60_000;

/** Builds the controller named after the plugin (`sample`, `tikv`), registers its informers and adds it. */
export function setupInstanceController(opts: InstanceControllerOptions): Controller {
  const { manager, plugin } = opts;
  const ns: InformerScope = opts.namespace === undefined ? {} : { namespace: opts.namespace };
  const managed: InformerScope = { ...ns, labelSelector: MANAGED_SELECTOR };

  const instances = manager.informer<InstanceObject>(plugin.instanceKind.resource, ns);
  addIndexes(instances, 'cluster', 'groupLabel');
  const clusters = manager.informer<Cluster>(clusterKind.resource, ns);
  const groupInformers = new Map<string, Informer<GroupObject>>();
  for (const p of opts.plugins) {
    const informer = manager.informer<GroupObject>(p.groupKind.resource, ns);
    addIndexes(informer, 'cluster');
    groupInformers.set(p.name, informer);
  }
  const groups = groupInformers.get(plugin.name) ?? manager.informer<GroupObject>(plugin.groupKind.resource, ns);
  const pods = manager.informer<PodObject>(kinds.Pod, managed);
  addIndexes(pods, 'podNode');
  // Nodes are cluster-scoped and read whole: the operator needs every node's readiness (its Pods' health, and
  // whether a volume tied to nodes can still be used somewhere).
  const nodes = manager.informer<NodeObject>(kinds.Node, {});
  const configMaps = manager.informer<ConfigMapObject>(kinds.ConfigMap, managed);
  const pvcs = manager.informer<ClaimObject>(kinds.PersistentVolumeClaim, managed);
  addIndexes(pvcs, 'instanceLabel');
  // PersistentVolumes are cluster-scoped: never limited to a namespace.
  const pvs = manager.informer<PersistentVolumeObject>(kinds.PersistentVolume, { labelSelector: MANAGED_SELECTOR });

  const reconciler = new InstanceReconciler({
    plugin,
    client: opts.client,
    events: opts.events,
    clock: opts.clock,
    ...(opts.logger ? { logger: opts.logger } : {}),
    instances,
    clusters,
    groups,
    pods,
    configMaps,
    pvcs,
    pvs,
    nodes,
    lostNodeGracePeriodMs: opts.lostNodeGracePeriodMs ?? DEFAULT_LOST_NODE_GRACE_PERIOD_MS,
    groupsOfCluster: groupsOfClusterFrom(groupInformers),
  });
  const controller = new Controller({
    name: plugin.name,
    reconciler,
    workers: opts.workers ?? 4,
    clock: opts.clock,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.observer ? { observer: opts.observer } : {}),
    ...(opts.queueMetrics ? { queueMetrics: opts.queueMetrics } : {}),
  });
  const owner = plugin.instanceKind.resource;
  controller
    .watches(instances, forSelf())
    .watches(pods, forOwner(owner))
    .watches(configMaps, forOwner(owner))
    .watches(pvcs, forOwner(owner))
    .watches(clusters, instancesOfCluster(instances))
    .watches(nodes, instancesOnNode(pods, plugin.name));
  if (plugin.dataPlaneSource) controller.watchesSource(dataPlaneKeys(clusters, plugin.dataPlaneSource));
  manager.add(controller);
  return controller;
}

/**
 * Cluster events -> every instance of that cluster, but only when something instances act on changed: the
 * spec (paused, suspendAction), deletion, or the facts the cluster publishes in its status. The cluster's own
 * summary of its groups (conditions, components) changes with every instance and would wake them all again.
 */
export function instancesOfCluster(instances: Informer<InstanceObject>): EventMapper<Cluster> {
  const keys = (cluster: Cluster) =>
    lookup(instances, 'cluster', cluster.metadata.name, cluster.metadata.namespace).map((i) => keyOf(i));
  return (event: InformerEvent<Cluster>) => {
    if (event.type === 'update' && clusterFacts(event.old) === clusterFacts(event.obj)) return [];
    return keys(event.obj);
  };
}

/**
 * Node events -> the instances of this component whose Pods are bound to the node, when what health reads
 * changed: the node appeared, went, or its readiness flipped (not its heartbeats and other status updates).
 */
export function instancesOnNode(pods: Informer<PodObject>, component: string): EventMapper<NodeObject> {
  return (event: InformerEvent<NodeObject>) => {
    if (event.type === 'update' && isNodeReady(event.old) === isNodeReady(event.obj)) return [];
    // Pods of every namespace (the informer's own scope): Nodes are not namespaced.
    return pods
      .byIndex(indexes.podNode.name, event.obj.metadata.name)
      .filter((pod) => pod.metadata.labels?.[labelKeys.component] === component)
      .flatMap((pod) => {
        const instance = pod.metadata.labels?.[labelKeys.instance];
        return instance === undefined ? [] : [`${pod.metadata.namespace}/${instance}`];
      });
  };
}

function clusterFacts(cluster: Cluster): string {
  const { conditions: _c, components: _g, observedGeneration: _o, ...facts } = cluster.status ?? {};
  return JSON.stringify([cluster.spec, cluster.metadata.deletionTimestamp ?? null, facts]);
}
