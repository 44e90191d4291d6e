// Builds the operator's controllers for a set of plugins on a Manager: the cluster controller, and per plugin
// the group controller `<component>group` and the instance controller `<component>`, with the informers they
// read, the indexes they look things up by and the watches that make them react:
//
//   cluster            <- Cluster (self), every group kind (-> its cluster)
//   <component>group   <- its group kind (self), its instances (-> owner), its ControllerRevisions and Services
//                         (-> owner), Cluster (-> the cluster's groups), groups of the components it depends on
//                         (-> its groups of that cluster: upgrade order)
//   <component>        <- its instance kind (self), Pods, ConfigMaps and PVCs (-> owner), Cluster (-> the
//                         cluster's instances), the plugin's DataPlaneSource (-> the instances it names), Nodes
//                         whose readiness changes or that go (-> the instances with a Pod on them)
//
// Informers: the Cluster and every plugin kind (all objects), Pods, ConfigMaps, PVCs, Services and
// ControllerRevisions labelled `tikv.org/managed-by=tikv-operator` (only what the operator made), and
// PersistentVolumes with the same label, and every Node (read only: health and lost nodes). With `namespace` set,
// namespaced informers watch only that namespace.
import { type Cluster, clusterKind } from '../api/cluster.ts';
import type { Informer } from '../cache/informer.ts';
import type { KubeClient } from '../kube/client.ts';
import { type KubeObject, keyOf, kinds, type ResourceKind } from '../kube/object.ts';
import type { EventRecorder } from '../observability/events.ts';
import type { Logger } from '../observability/log.ts';
import type { GroupHealthObserver, QueueObserver, ReconcileObserver } from '../observability/metrics.ts';
import type { GroupObject, InstanceObject } from '../plugin/contract.ts';
import type { AnyComponentPlugin, PluginRegistry } from '../plugin/registry.ts';
import { canonicalJson } from '../revision/canonical-json.ts';
import type { Clock } from '../runtime/clock.ts';
import { Controller, type EventMapper, forOwner, forSelf, mapTo } from '../runtime/controller.ts';
import type { InformerScope, Manager } from '../runtime/manager.ts';
import type { Reconciler } from '../runtime/reconciler.ts';
import { ClusterReconciler } from './cluster/reconciler.ts';
import { type GroupsOfCluster, groupsOfClusterFrom } from './cluster-groups.ts';
import { GroupReconciler } from './group/reconciler.ts';
import type { ControllerRevision } from './group/revision-tracker.ts';
import type { ServiceObject } from './group/services.ts';
import { isGroupSettled } from './group/upgrade-order.ts';
import { addIndexes, lookup } from './indexes.ts';
import { MANAGED_SELECTOR, setupInstanceController } from './instance/controller.ts';

export interface ControllerDeps {
  client: KubeClient;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  /** Manage only this namespace; every namespace when omitted. */
  namespace?: string | undefined;
  /** Concurrent reconciles per controller (of different keys). Default 1. */
  workers?: number;
  /** Reconcile and work queue metrics per controller (core/observability OperatorMetrics). */
  metrics?: {
    reconcileObserver(controller: string): ReconcileObserver;
    queueObserver(name: string): QueueObserver;
    /** Unhealthy and failed-over instances per group. */
    groupHealthObserver?(): GroupHealthObserver;
  };
  /**
   * How long a node must be NotReady before a terminating Pod of an instance on it is force-deleted (default
   * 5 minutes; core/failover/lost-node.ts). A Pod on a node that is gone is force-deleted at once.
   */
  lostNodeGracePeriodMs?: number;
  /** How often a scale-in the plugin refused is asked again (default 30 s, see the group reconciler). */
  refusalRecheckMs?: number;
}

/** The informers the reconcilers of one plugin read. */
interface PluginInformers {
  groups: Informer<GroupObject>;
  instances: Informer<InstanceObject>;
}

export interface OperatorControllers {
  cluster: Controller;
  /** By component name. */
  groups: ReadonlyMap<string, Controller>;
  instances: ReadonlyMap<string, Controller>;
}

/** Registers every informer and controller on `manager` (before it starts); returns the controllers. */
export function setupControllers(
  manager: Manager,
  registry: PluginRegistry,
  deps: ControllerDeps,
): OperatorControllers {
  const namespaced: InformerScope = deps.namespace ? { namespace: deps.namespace } : {};
  const owned: InformerScope = { ...namespaced, labelSelector: MANAGED_SELECTOR };
  const informer = <T extends KubeObject>(kind: ResourceKind, scope: InformerScope) => manager.informer<T>(kind, scope);

  const clusters = informer<Cluster>(clusterKind.resource, namespaced);
  const pods = informer<KubeObject>(kinds.Pod, owned);
  const pvcs = informer<KubeObject>(kinds.PersistentVolumeClaim, owned);
  const services = informer<ServiceObject>(kinds.Service, owned);
  const revisions = informer<ControllerRevision>(kinds.ControllerRevision, owned);
  addIndexes(pods, 'groupLabel');
  addIndexes(pvcs, 'groupLabel');
  addIndexes(services, 'controllerUid');
  addIndexes(revisions, 'controllerUid');

  const plugins = registry.all();
  const perPlugin = new Map<string, PluginInformers>();
  for (const plugin of plugins) {
    const groups = informer<GroupObject>(plugin.groupKind.resource, namespaced);
    const instances = informer<InstanceObject>(plugin.instanceKind.resource, namespaced);
    addIndexes(groups, 'cluster');
    addIndexes(instances, 'cluster', 'groupLabel');
    perPlugin.set(plugin.name, { groups, instances });
  }
  const groupsOfCluster: GroupsOfCluster = groupsOfClusterFrom(
    new Map([...perPlugin].map(([name, i]) => [name, i.groups])),
  );

  const controller = (name: string, reconciler: Reconciler) =>
    new Controller({
      name,
      reconciler,
      workers: deps.workers ?? 1,
      clock: deps.clock,
      logger: deps.logger,
      ...(deps.metrics
        ? { observer: deps.metrics.reconcileObserver(name), queueMetrics: deps.metrics.queueObserver(name) }
        : {}),
    });
  const clusterOf = (obj: GroupObject | InstanceObject) =>
    keyOf({ metadata: { name: obj.spec.cluster.name, namespace: obj.metadata.namespace } });

  const clusterController = controller(
    'cluster',
    new ClusterReconciler({
      registry,
      client: deps.client,
      events: deps.events,
      clock: deps.clock,
      logger: deps.logger,
      clusters,
      groupsOfCluster,
    }),
  ).watches(clusters, forSelf());
  for (const { groups } of perPlugin.values()) clusterController.watches(groups, mapTo(clusterOf));
  manager.add(clusterController);

  const health = deps.metrics?.groupHealthObserver?.();
  const groupControllers = new Map<string, Controller>();
  const instanceControllers = new Map<string, Controller>();
  for (const plugin of plugins) {
    const { groups, instances } = perPlugin.get(plugin.name) as PluginInformers;
    const groupController = groupControllerFor(plugin, {
      controller,
      deps,
      groups,
      instances,
      clusters,
      revisions,
      services,
      pods,
      pvcs,
      groupsOfCluster,
      health,
    });
    for (const dependency of plugin.dependsOn) {
      const dependencyGroups = perPlugin.get(dependency)?.groups;
      // A dependency's group changing may unblock this component's upgrade (upgradePolicy Ordered).
      if (dependencyGroups) {
        groupController.watches(dependencyGroups, groupsOnSettledChange(groups));
      }
    }
    groupControllers.set(plugin.name, groupController);
    manager.add(groupController);

    const instanceController = setupInstanceController({
      manager,
      plugin,
      plugins,
      client: deps.client,
      events: deps.events,
      clock: deps.clock,
      logger: deps.logger,
      workers: deps.workers ?? 1,
      ...(deps.namespace ? { namespace: deps.namespace } : {}),
      ...(deps.lostNodeGracePeriodMs !== undefined ? { lostNodeGracePeriodMs: deps.lostNodeGracePeriodMs } : {}),
      ...(deps.metrics
        ? {
            observer: deps.metrics.reconcileObserver(plugin.name),
            queueMetrics: deps.metrics.queueObserver(plugin.name),
          }
        : {}),
    });
    instanceControllers.set(plugin.name, instanceController);
  }
  return { cluster: clusterController, groups: groupControllers, instances: instanceControllers };
}

interface GroupControllerInputs {
  controller: (name: string, reconciler: Reconciler) => Controller;
  deps: ControllerDeps;
  groups: Informer<GroupObject>;
  instances: Informer<InstanceObject>;
  clusters: Informer<Cluster>;
  revisions: Informer<ControllerRevision>;
  services: Informer<ServiceObject>;
  pods: Informer<KubeObject>;
  pvcs: Informer<KubeObject>;
  groupsOfCluster: GroupsOfCluster;
  health: GroupHealthObserver | undefined;
}

function groupControllerFor(plugin: AnyComponentPlugin, inputs: GroupControllerInputs): Controller {
  const { deps, groups } = inputs;
  const groupKind = plugin.groupKind.resource;
  return inputs
    .controller(
      `${plugin.name}group`,
      new GroupReconciler({
        plugin,
        client: deps.client,
        events: deps.events,
        clock: deps.clock,
        logger: deps.logger,
        groups,
        instances: inputs.instances,
        clusters: inputs.clusters,
        revisions: inputs.revisions,
        services: inputs.services,
        pods: inputs.pods,
        pvcs: inputs.pvcs,
        groupsOfCluster: inputs.groupsOfCluster,
        ...(inputs.health ? { health: inputs.health } : {}),
        ...(deps.refusalRecheckMs !== undefined ? { refusalRecheckMs: deps.refusalRecheckMs } : {}),
      }),
    )
    .watches(groups, forSelf())
    .watches(inputs.instances, forOwner(groupKind))
    .watches(inputs.revisions, forOwner(groupKind))
    .watches(inputs.services, forOwner(groupKind))
    .watches(inputs.clusters, groupsOnClusterSpecChange(groups));
}

/**
 * Cluster events -> the cluster's groups, but only when what groups act on changed: the spec (paused, suspend,
 * feature gates, history limit, upgrade policy) or deletion. The Cluster's status summarises the groups and
 * changes with each of them; it would wake every group again.
 */
export function groupsOnClusterSpecChange(groups: Informer<GroupObject>): EventMapper<Cluster> {
  return (event) => {
    if (
      event.type === 'update' &&
      event.old.metadata.deletionTimestamp === event.obj.metadata.deletionTimestamp &&
      canonicalJson(event.old.spec) === canonicalJson(event.obj.spec)
    ) {
      return [];
    }
    return lookup(groups, 'cluster', event.obj.metadata.name, event.obj.metadata.namespace).map((g) => keyOf(g));
  };
}

/**
 * A dependency's group -> this component's groups of the same cluster, when the dependency becomes settled or
 * stops being so (what upgrade ordering waits for), or appears or goes.
 */
export function groupsOnSettledChange(groups: Informer<GroupObject>): EventMapper<GroupObject> {
  return (event) => {
    if (event.type === 'update' && isGroupSettled(event.old) === isGroupSettled(event.obj)) return [];
    return lookup(groups, 'cluster', event.obj.spec.cluster.name, event.obj.metadata.namespace).map((g) => keyOf(g));
  };
}
