// The instance reconciler, generic over components: one Pod, its ConfigMap and its PVCs per instance CR, kept in
// line with the instance's spec, with the plugin's protocols at the points where they make a change safe. The
// task list reads like the protocol:
//
//   load context          instance, cluster, group, peers, Pod, ConfigMap, PVCs, the plugin's data-plane view
//   instance gone         (guard)
//   cluster paused        (guard: nothing changes, not even the status)
//   cluster deleting      (guard, for a live instance: the group deletes it)
//   deleting              (guard) scale in (plugin steps; skipped while the Cluster is going),
//                         delete pod, delete config map, reclaim volumes, remove finalizer
//   add finalizer
//   suspended             (guard) delete pod (volumes and ConfigMap stay)
//   recreate empty        (guard, `tikv.org/recreate-empty`, failover mode recreateEmpty) failover.forgetSteps,
//                         delete pod, delete volumes, clear the mark: the next reconcile starts the instance empty
//   offline lane          scaleIn.steps while spec.offline ('offline' mode), cancelSteps when it is lifted
//   pod on lost node      force-delete a Pod the dead kubelet of its node will never confirm (failover/lost-node)
//   config map            plugin.renderConfig; ConfigInvalid stops here and leaves the Pod alone
//   volumes               one PVC per volume: create, expand in place, refuse shrink; labels Pod -> PVC -> PV
//   pod                   create / patch labels and annotations in place / recreate:
//                         restart.before steps, then delete pod for restart (the next reconcile creates it)
//   restart.after steps   while the Pod runs and no recreation is pending
//   plugin syncSteps
//   always: conditions (Healthy included, with events on its transitions), update status (once, if changed)
import type { Cluster } from '../../api/cluster.ts';
import { failoverAnnotations } from '../../api/failover.ts';
import { labelKeys } from '../../api/labels.ts';
import { configMapName, podName } from '../../api/names.ts';
import { type VolumeReclaimPolicy, volumeReclaimPolicies } from '../../api/template.ts';
import type { Informer } from '../../cache/informer.ts';
import { healthEvent, type InstanceHealth, instanceHealth, nextDownSince } from '../../failover/health.ts';
import { decidePodOnLostNode } from '../../failover/lost-node.ts';
import { type NodeObject, nodeHealthOf, podNodeName, strandedVolumes } from '../../failover/nodes.ts';
import { decideInstanceUpdate, type InstanceUpdateDecision } from '../../instance/restart-decision.ts';
import { planVolumes } from '../../instance/volume-plan.ts';
import type { KubeClient } from '../../kube/client.ts';
import { isAlreadyExists, isNotFound } from '../../kube/errors.ts';
import { type KubeObject, keyOf, kinds, type ResourceKind, splitKey } from '../../kube/object.ts';
import type { EventRecorder, EventType } from '../../observability/events.ts';
import { type Logger, silentLogger } from '../../observability/log.ts';
import { OverlayError } from '../../overlay/merge.ts';
import type { GroupObject, InstanceContext, InstanceObject } from '../../plugin/contract.ts';
import type { AnyComponentPlugin } from '../../plugin/registry.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileResult, Reconciler } from '../../runtime/reconciler.ts';
import { type Condition, formatConditionTime, removeCondition, setCondition } from '../../tasks/conditions.ts';
import { complete, retry, type TaskResult, wait } from '../../tasks/result.ts';
import { formatTaskSummary, runTasks, toReconcileResult } from '../../tasks/runner.ts';
import { persistStatus } from '../../tasks/status.ts';
import { allOf, breakIf, sequence, type Task, task, when } from '../../tasks/task.ts';
import type { GroupsOfCluster } from '../cluster-groups.ts';
import { isDeleting, withFinalizer } from '../finalizer.ts';
import { lookup } from '../indexes.ts';
import {
  instanceConditions,
  instanceReasons,
  type OfflineProgress,
  offlinedCondition,
  type SyncProblem,
} from './conditions.ts';
import { type ConfigMapObject, configHash, configMapPatch, desiredConfigMap } from './config-map.ts';
import { instanceOwnerReference, isOwnedBy } from './identity.ts';
import {
  type DesiredPod,
  desiredPod,
  isPodReady,
  isPodRunning,
  type PodAction,
  type PodObject,
  podAction,
} from './pod.ts';
import { instanceStatus } from './status.ts';
import { appliedTemplate } from './template.ts';
import {
  type ClaimObject,
  claimMetadataPatch,
  desiredClaim,
  desiredVolumes,
  existingClaim,
  type PersistentVolumeObject,
  persistentVolumeLabelPatch,
  retainedOwnerReferences,
  volumeLabels,
} from './volumes.ts';

export interface InstanceReconcilerDeps {
  plugin: AnyComponentPlugin;
  client: KubeClient;
  events: EventRecorder;
  clock: Clock;
  logger?: Logger;
  /** The plugin's instance kind, with the `groupLabel` index. */
  instances: Informer<InstanceObject>;
  clusters: Informer<Cluster>;
  /** The plugin's group kind. */
  groups: Informer<GroupObject>;
  /** Pods, ConfigMaps and PVCs labelled managed-by; PVCs with the `instanceLabel` index. */
  pods: Informer<PodObject>;
  configMaps: Informer<ConfigMapObject>;
  pvcs: Informer<ClaimObject>;
  /** PersistentVolumes labelled managed-by (an unlabelled PV is read from the apiserver once, then labelled). */
  pvs: Informer<PersistentVolumeObject>;
  /** Every Node: the health of the node an instance's Pod is bound to, and where its volumes can go. */
  nodes: Informer<NodeObject>;
  /** How long a node must be NotReady before a terminating Pod on it is force-deleted. Default 5 minutes. */
  lostNodeGracePeriodMs?: number;
  groupsOfCluster: GroupsOfCluster;
}

/** Condition type of an instance's health (core/failover/health.ts). */
export const HEALTHY_CONDITION = 'Healthy';

/** Template fields that change in place besides core/instance's defaults and the plugin's reloadable ones. */
const coreReloadableFields = ['spec.configUpdateStrategy', 'spec.volumeReclaimPolicy'];

/** What one reconcile of an instance knows and decides; the plugin sees it as its InstanceContext. */
export interface InstanceReconcileContext extends InstanceContext<unknown> {
  namespace: string;
  name: string;
  /** The instance exists. When false, the plugin-facing fields hold placeholders and nothing else runs. */
  found: boolean;
  clusterState: 'ok' | 'deleting' | 'missing';
  /** The reconcile got past the guards into the live path: conditions and status are written. */
  alive: boolean;
  /** The Pod is controlled by this instance (not by an earlier instance of the same name). */
  podOwned: boolean;
  configMap: ConfigMapObject | undefined;
  /** PVCs labelled with this instance's name. */
  pvcs: ClaimObject[];
  /** Status as cached at the start: the write compares against it. */
  statusBefore: Record<string, unknown> | undefined;
  conditions: Condition[];
  problems: SyncProblem[];
  suspended: boolean;
  offline: OfflineProgress;
  rendered?: { fileName: string; content: string; hash: string };
  desired?: DesiredPod;
  decision?: InstanceUpdateDecision;
  action?: PodAction;
  podUpToDate: boolean;
  /** The plugin's data-plane view was loaded (health can be asked). */
  dataPlaneLoaded: boolean;
  health?: { healthy: boolean; reason: string };
  /** The instance was just recreated empty (failover): it starts with no `downSince`. */
  recreatedEmpty: boolean;
  /** `status.downSince` to write: a time, or undefined to remove it (computed with the conditions). */
  downSince?: string | undefined;
}

export class InstanceReconciler implements Reconciler {
  private readonly deps: InstanceReconcilerDeps;
  private readonly plugin: AnyComponentPlugin;
  private readonly logger: Logger;
  private readonly tasks: Task<InstanceReconcileContext>[];
  private readonly always: Task<InstanceReconcileContext>[];

  constructor(deps: InstanceReconcilerDeps) {
    this.deps = deps;
    this.plugin = deps.plugin;
    this.logger = (deps.logger ?? silentLogger()).child({ kind: deps.plugin.instanceKind.resource.kind });
    const plugin = deps.plugin;
    const restartAfter = plugin.restart.after as Task<InstanceReconcileContext>[];
    const syncSteps = (plugin.syncSteps ?? []) as Task<InstanceReconcileContext>[];
    this.tasks = [
      task('load context', (ctx) => this.load(ctx)),
      breakIf('instance gone', (ctx) => !ctx.found),
      breakIf('cluster paused', (ctx) => ctx.cluster.spec.paused === true),
      breakIf(
        'cluster deleting',
        (ctx) => ctx.clusterState !== 'ok' && !isDeleting(ctx.instance),
        task('wait for the group to delete the instance', (ctx) =>
          wait(
            ctx.clusterState === 'missing'
              ? `Cluster ${ctx.instance.spec.cluster.name} does not exist`
              : 'the Cluster is being deleted',
          ),
        ),
      ),
      ...withFinalizer<InstanceReconcileContext>({
        client: deps.client,
        kind: plugin.instanceKind.resource,
        object: (ctx) => ctx.instance,
        updated: (ctx, obj) => {
          if (obj) ctx.instance = obj as InstanceObject;
        },
        cleanup: [
          // Deleting the whole Cluster skips every protocol: there is no data plane left to be careful with.
          when((ctx) => ctx.clusterState === 'ok', this.scaleInOnDeletion()),
          task('pod on lost node', (ctx) => this.podOnLostNode(ctx)),
          task('delete pod', (ctx) => this.deletePod(ctx)),
          task('delete config map', (ctx) => this.deleteConfigMap(ctx)),
          task('reclaim volumes', (ctx) => this.reclaimVolumes(ctx)),
        ],
        apply: [
          task('observe', (ctx) => {
            ctx.alive = true;
            return complete();
          }),
          breakIf(
            'suspended',
            (ctx) => ctx.suspended,
            sequence(
              task('pod on lost node', (ctx) => this.podOnLostNode(ctx)),
              task('delete pod', (ctx) => this.deletePod(ctx)),
            ),
          ),
          breakIf(
            'recreate empty',
            (ctx) => ctx.instance.metadata.annotations?.[failoverAnnotations.recreateEmpty] !== undefined,
            this.recreateEmpty(),
          ),
          allOf(
            this.offlineLane(),
            sequence(
              task('pod on lost node', (ctx) => this.podOnLostNode(ctx)),
              task('config map', (ctx) => this.syncConfigMap(ctx)),
              task('volumes', (ctx) => this.syncVolumes(ctx)),
              task('pod', (ctx) => this.syncPod(ctx)),
              when(
                (ctx) => ctx.action?.kind === 'recreate',
                sequence(
                  ...(plugin.restart.before as Task<InstanceReconcileContext>[]),
                  task('delete pod for restart', (ctx) => this.deletePodForRestart(ctx)),
                ),
              ),
              when((ctx) => isPodRunning(podOf(ctx)) && ctx.podUpToDate, sequence(...restartAfter)),
              when((ctx) => ctx.pod !== undefined, sequence(...syncSteps)),
            ),
          ),
        ],
      }),
    ];
    this.always = [
      when(
        (ctx) => ctx.alive,
        task('conditions', (ctx) => this.conditions(ctx)),
      ),
      when(
        (ctx) => ctx.alive,
        persistStatus<InstanceReconcileContext, Record<string, unknown>>({
          before: (ctx) => ctx.statusBefore,
          after: (ctx) => this.status(ctx),
          write: async (ctx, status) => {
            await deps.client.patchStatus(
              plugin.instanceKind.resource,
              ctx.name,
              ctx.namespace,
              withDeletedFields(ctx.statusBefore, status),
            );
          },
        }),
      ),
    ];
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const ctx = this.newContext(key);
    const run = await runTasks(ctx, this.tasks, { always: this.always, clock: this.deps.clock });
    if (this.logger.enabled('debug')) {
      this.logger.debug('reconciled', { key, result: run.result.kind, tasks: formatTaskSummary(run.entries) });
    }
    return toReconcileResult(run);
  }

  private newContext(key: string): InstanceReconcileContext {
    const { namespace = '', name } = splitKey(key);
    const deps = this.deps;
    const placeholderCluster = {
      apiVersion: 'core.tikv.org/v1alpha1',
      kind: 'Cluster',
      metadata: { name: '', namespace },
      spec: {},
    } as Cluster;
    const ctx: InstanceReconcileContext = {
      namespace,
      name,
      found: false,
      clusterState: 'missing',
      alive: false,
      cluster: placeholderCluster,
      groups: new Map(),
      clock: deps.clock,
      logger: this.logger.child({ instance: key }),
      events: deps.events,
      instance: { metadata: { name, namespace } } as InstanceObject,
      group: undefined,
      pod: undefined,
      podOwned: false,
      peers: [],
      dataPlane: undefined,
      statusPatch: {},
      configMap: undefined,
      pvcs: [],
      statusBefore: undefined,
      conditions: [],
      problems: [],
      suspended: false,
      offline: 'keep',
      podUpToDate: false,
      dataPlaneLoaded: false,
      recreatedEmpty: false,
      setCondition: (type, status, reason, message) => {
        ctx.conditions = setCondition(
          ctx.conditions,
          { type, status, reason, message, observedGeneration: ctx.instance.metadata.generation ?? 0 },
          deps.clock.now(),
        );
      },
      removeCondition: (type) => {
        ctx.conditions = removeCondition(ctx.conditions, type);
      },
    };
    return ctx;
  }

  // ---- context -------------------------------------------------------------------------------------------

  private async load(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const deps = this.deps;
    const instance = deps.instances.get(keyOf({ metadata: { name: ctx.name, namespace: ctx.namespace } }));
    if (!instance) return complete('gone');
    ctx.found = true;
    ctx.instance = instance;
    ctx.statusBefore = instance.status as Record<string, unknown> | undefined;
    ctx.conditions = [...((ctx.statusBefore?.conditions as Condition[] | undefined) ?? [])];

    const clusterName = instance.spec.cluster.name;
    const cluster = deps.clusters.get(`${ctx.namespace}/${clusterName}`);
    if (cluster) {
      ctx.cluster = cluster;
      ctx.clusterState = isDeleting(cluster) ? 'deleting' : 'ok';
    }
    ctx.suspended = ctx.cluster.spec.suspendAction?.suspendCompute === true;
    ctx.groups = deps.groupsOfCluster(ctx.namespace, clusterName);
    const groupName = instance.metadata.labels?.[labelKeys.group];
    ctx.group = groupName === undefined ? undefined : deps.groups.get(`${ctx.namespace}/${groupName}`);
    ctx.peers =
      groupName === undefined
        ? [instance]
        : lookup(deps.instances, 'groupLabel', groupName, ctx.namespace).sort((a, b) =>
            a.metadata.name.localeCompare(b.metadata.name),
          );

    const pod = deps.pods.get(`${ctx.namespace}/${podName(ctx.name)}`);
    ctx.pod = pod as InstanceReconcileContext['pod'];
    ctx.podOwned = pod !== undefined && isOwnedBy(pod, instance);
    ctx.configMap = deps.configMaps.get(`${ctx.namespace}/${configMapName(ctx.name)}`);
    ctx.pvcs = lookup(deps.pvcs, 'instanceLabel', ctx.name, ctx.namespace);

    // The plugin's view only matters when a protocol may run; a Cluster that is going has no data plane left.
    if (ctx.clusterState === 'ok' && ctx.cluster.spec.paused !== true) {
      ctx.dataPlane = await this.plugin.loadDataPlane({ ...ctx, dataPlane: undefined });
      ctx.dataPlaneLoaded = true;
    }
    return complete();
  }

  // ---- deletion ------------------------------------------------------------------------------------------

  /**
   * The plugin's scale-in before the instance's objects go: its steps (PD: leave the member list) and, in
   * `offline` mode, the wait for the data plane to finish (a user deleted the instance without going through
   * `spec.offline`, or the group deleted it after `Offlined=True`, when there is nothing left to do).
   */
  private scaleInOnDeletion(): Task<InstanceReconcileContext> {
    const scaleIn = this.plugin.scaleIn;
    const steps = scaleIn.steps as Task<InstanceReconcileContext>[];
    const removed = (ctx: InstanceReconcileContext) => scaleIn.isRemoved?.(ctx) === true;
    // The mode is read at run time: a plugin may declare it from its configuration.
    const offlineMode = () => scaleIn.mode === 'offline';
    return sequence(
      when(() => !offlineMode(), sequence(...steps)),
      when(
        (ctx) => offlineMode() && !removed(ctx),
        sequence(
          ...steps,
          task('wait for removal', (ctx) =>
            removed(ctx) ? complete() : wait('the data plane has not finished the removal'),
          ),
        ),
      ),
    );
  }

  // ---- failed nodes and failover ------------------------------------------------------------------------

  /**
   * A Pod on a node that is gone, or terminating on a node NotReady for longer than the grace period, is
   * force-deleted (grace 0): no kubelet will ever confirm its end (core/failover/lost-node.ts). Its PVCs stay.
   */
  private async podOnLostNode(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const pod = podOf(ctx);
    if (!pod || !ctx.podOwned) return complete();
    const nodeName = podNodeName(pod);
    if (nodeName === undefined) return complete();
    const now = this.deps.clock.now();
    const node = nodeHealthOf(pod, this.deps.nodes.get(nodeName), now);
    const action = decidePodOnLostNode({
      node,
      podTerminating: pod.metadata.deletionTimestamp !== undefined,
      nowMs: now,
      gracePeriodMs: this.deps.lostNodeGracePeriodMs ?? 5 * 60_000,
    });
    if (action.kind === 'none') return complete();
    if (action.kind === 'recheck') {
      return retry(action.afterMs, `the Pod is terminating on node ${nodeName}, which is not Ready`);
    }
    // The cache may simply not have seen a new Node yet: a missing Node is confirmed with the apiserver first.
    if (node.kind === 'gone' && !(await this.nodeIsGone(nodeName))) {
      return wait(`node ${nodeName} is not cached yet`);
    }
    try {
      await this.deps.client.delete(kinds.Pod, pod.metadata.name, ctx.namespace, {
        preconditions: { uid: pod.metadata.uid ?? '' },
        gracePeriodSeconds: 0,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.event(
      ctx,
      'Warning',
      'ForceDeletedPod',
      'DeletePod',
      `force-deleted the Pod (grace period 0): ${action.reason}; its volumes are kept`,
    );
    return wait('the Pod on a lost node was force-deleted');
  }

  private async nodeIsGone(name: string): Promise<boolean> {
    try {
      await this.deps.client.get(kinds.Node, name);
      return false;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
  }

  /**
   * Failover mode `recreateEmpty` (the group marked the instance `tikv.org/recreate-empty`): the plugin makes
   * the data plane forget the member, then the Pod and the PVCs go, then the mark; the next reconcile creates
   * everything anew and the member joins again empty. A member the data plane reports up again before it was
   * forgotten is left alone (the mark goes).
   */
  private recreateEmpty(): Task<InstanceReconcileContext> {
    // Read at run time, like the scale-in mode: a plugin may declare its failover from its configuration.
    const forget: Task<InstanceReconcileContext> = {
      name: 'forget member',
      run: (ctx, scope) =>
        sequence(...((this.plugin.failover?.forgetSteps ?? []) as Task<InstanceReconcileContext>[])).run(ctx, scope),
    };
    return sequence(
      task('serving again', (ctx) => this.cancelRecreationIfServing(ctx)),
      forget,
      task('pod on lost node', (ctx) => this.podOnLostNode(ctx)),
      task('delete pod', (ctx) => this.deletePod(ctx)),
      task('delete volumes', (ctx) => this.deleteVolumesForRecreation(ctx)),
      task('clear recreate mark', (ctx) => this.clearRecreateMark(ctx, true)),
    );
  }

  private async cancelRecreationIfServing(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const state = ctx.dataPlaneLoaded ? this.plugin.dataPlaneState?.(ctx) : undefined;
    if (state?.state !== 'up' || !isPodReady(podOf(ctx))) return complete();
    await this.clearRecreateMark(ctx, false);
    this.event(ctx, 'Normal', 'RecreationCancelled', 'Recreate', `not recreated: ${state.message}`);
    return wait('the member serves again; not recreated');
  }

  /** Deletes the instance's own PVCs whatever the reclaim policy, and waits until they are gone. */
  private async deleteVolumesForRecreation(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const uid = ctx.instance.metadata.uid ?? '';
    const owned = ctx.pvcs.filter((pvc) => (pvc.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
    for (const pvc of owned) {
      if (pvc.metadata.deletionTimestamp !== undefined) continue;
      try {
        await this.deps.client.delete(kinds.PersistentVolumeClaim, pvc.metadata.name, ctx.namespace, {
          preconditions: { uid: pvc.metadata.uid ?? '' },
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    if (owned.length === 0) return complete();
    return wait(`waiting for ${owned.map((p) => p.metadata.name).join(', ')} to be deleted`);
  }

  private async clearRecreateMark(ctx: InstanceReconcileContext, recreated: boolean): Promise<TaskResult> {
    // `downSince` goes first, with this reconcile's status write: a group that saw the mark gone while the old
    // `downSince` still showed would take the instance for down past its period and mark it once more. The
    // status write wakes this instance again, and then the mark goes.
    if (recreated && ctx.statusBefore?.downSince !== undefined) {
      ctx.recreatedEmpty = true;
      return wait('forgetting downSince before the recreate mark');
    }
    const updated = await this.deps.client.mergePatch<InstanceObject>(
      this.plugin.instanceKind.resource,
      ctx.name,
      ctx.namespace,
      {
        metadata: {
          resourceVersion: ctx.instance.metadata.resourceVersion,
          annotations: { [failoverAnnotations.recreateEmpty]: null },
        },
      },
    );
    ctx.instance = { ...updated, status: ctx.instance.status };
    if (!recreated) return complete();
    ctx.recreatedEmpty = true;
    this.event(
      ctx,
      'Normal',
      'RecreatedEmpty',
      'Recreate',
      'the data plane forgot the member and its Pod and volumes were deleted: it starts again empty',
    );
    return wait('starting again empty');
  }

  private async deletePod(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const pod = podOf(ctx);
    if (!pod) return complete();
    if (!ctx.podOwned) return complete('the Pod of that name belongs to another object');
    if (pod.metadata.deletionTimestamp !== undefined) return wait('the Pod is terminating');
    await this.deletePodNow(ctx, pod);
    return wait('the Pod is terminating');
  }

  private async deletePodNow(ctx: InstanceReconcileContext, pod: PodObject): Promise<void> {
    const grace =
      ctx.clusterState === 'ok'
        ? this.plugin.restart.gracePeriodSeconds?.(ctx)
        : pod.spec?.terminationGracePeriodSeconds;
    try {
      await this.deps.client.delete(kinds.Pod, pod.metadata.name, ctx.namespace, {
        // The UID: never delete a Pod created for a later instance of the same name.
        preconditions: { uid: pod.metadata.uid ?? '' },
        ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async deleteConfigMap(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const cm = ctx.configMap;
    if (!cm || !isOwnedBy(cm, ctx.instance) || cm.metadata.deletionTimestamp !== undefined) return complete();
    try {
      await this.deps.client.delete(kinds.ConfigMap, cm.metadata.name, ctx.namespace, {
        preconditions: { uid: cm.metadata.uid ?? '' },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return complete();
  }

  /** Deletes the PVCs, or keeps them without this instance as owner (policy Retain). Only this instance's. */
  private async reclaimVolumes(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const uid = ctx.instance.metadata.uid ?? '';
    const owned = ctx.pvcs.filter((pvc) => (pvc.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
    const actions = planVolumes({
      desired: [],
      existing: owned.map(existingClaim),
      removing: true,
      reclaimPolicy: reclaimPolicyOf(ctx.instance),
    });
    const done: string[] = [];
    for (const action of actions) {
      if (action.kind !== 'delete' && action.kind !== 'retain') continue;
      const pvc = owned.find((c) => c.metadata.name === action.claimName);
      if (!pvc) continue;
      done.push(`${action.kind} ${action.claimName}`);
      try {
        if (action.kind === 'delete') {
          await this.deps.client.delete(kinds.PersistentVolumeClaim, pvc.metadata.name, ctx.namespace, {
            preconditions: { uid: pvc.metadata.uid ?? '' },
          });
        } else if (action.kind === 'retain') {
          await this.deps.client.mergePatch(kinds.PersistentVolumeClaim, pvc.metadata.name, ctx.namespace, {
            metadata: { ownerReferences: retainedOwnerReferences(pvc, uid) },
          });
        }
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return complete(done.length > 0 ? done.join(', ') : undefined);
  }

  // ---- offline scale-in ----------------------------------------------------------------------------------

  /**
   * `offline` mode: while `spec.offline` is true the scale-in steps run until the data plane reports the
   * instance removed (`Offlined=True`, then the group deletes it); setting it back to false before that runs the
   * cancel steps. It runs next to the Pod lane: the instance keeps running while its data moves away.
   */
  private offlineLane(): Task<InstanceReconcileContext> {
    const scaleIn = this.plugin.scaleIn;
    const steps = scaleIn.steps as Task<InstanceReconcileContext>[];
    const cancelSteps = (scaleIn.cancelSteps ?? []) as Task<InstanceReconcileContext>[];
    const removed = (ctx: InstanceReconcileContext) => scaleIn.isRemoved?.(ctx) === true;
    const removing = (ctx: InstanceReconcileContext) => scaleIn.isRemoving?.(ctx) === true;
    const offline = (ctx: InstanceReconcileContext) => ctx.instance.spec.offline === true;
    const condition = (ctx: InstanceReconcileContext) => ctx.conditions.find((c) => c.type === 'Offlined');
    const mark = (progress: OfflineProgress) =>
      task<InstanceReconcileContext>(`offline: ${progress}`, (ctx) => {
        ctx.offline = progress;
        return complete();
      });
    const lane = sequence(
      when(
        (ctx) => offline(ctx),
        sequence(
          when((ctx) => removed(ctx), mark('completed')),
          when(
            (ctx) => !removed(ctx),
            sequence(
              mark('processing'),
              ...steps,
              task('wait for removal', (ctx) => {
                if (!removed(ctx)) return wait('the data plane has not finished the removal');
                ctx.offline = 'completed';
                return complete();
              }),
            ),
          ),
        ),
      ),
      when(
        // A removal the data plane already finished cannot be undone: Offlined stays True.
        (ctx) => !offline(ctx) && condition(ctx)?.status !== 'True' && (condition(ctx) !== undefined || removing(ctx)),
        sequence(
          mark('canceling'),
          ...cancelSteps,
          task('removal canceled', (ctx) => {
            if (removing(ctx)) return wait('the data plane still shows the removal');
            ctx.offline = 'none';
            return complete();
          }),
        ),
      ),
    );
    return when(() => scaleIn.mode === 'offline', lane);
  }

  // ---- config map ----------------------------------------------------------------------------------------

  private async syncConfigMap(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const rendered = this.plugin.renderConfig(ctx);
    if (!rendered.ok && 'pending' in rendered) {
      // Not an error of the user's: no event, and the group does not stop its rollout for it.
      const message = `the config cannot be rendered yet: ${rendered.pending}`;
      ctx.problems.push({ reason: instanceReasons.ConfigPending, message });
      return rendered.retryAfterMs !== undefined && rendered.retryAfterMs > 0
        ? retry(rendered.retryAfterMs, message)
        : wait(message);
    }
    if (!rendered.ok) {
      const message = `config is invalid, the Pod is left as it is: ${rendered.errors.join('; ')}`;
      this.problem(ctx, instanceReasons.ConfigInvalid, message, 'RenderConfig');
      return wait(message);
    }
    ctx.rendered = { fileName: rendered.fileName, content: rendered.content, hash: configHash(rendered.content) };
    const desired = desiredConfigMap(ctx.instance, this.plugin.name, rendered);
    if (!ctx.configMap) {
      return this.create(kinds.ConfigMap, desired, 'created');
    }
    const patch = configMapPatch(ctx.configMap, desired);
    if (!patch) return complete();
    await this.deps.client.mergePatch(kinds.ConfigMap, desired.metadata.name, ctx.namespace, patch);
    return complete('updated');
  }

  // ---- volumes -------------------------------------------------------------------------------------------

  private async syncVolumes(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const { instance } = ctx;
    const client = this.deps.client;
    const component = this.plugin.name;
    const actions = planVolumes({
      desired: desiredVolumes(instance),
      existing: ctx.pvcs.map(existingClaim),
      removing: false,
      reclaimPolicy: reclaimPolicyOf(instance),
    });
    const done: string[] = [];
    let waiting: string | undefined;
    for (const action of actions) {
      switch (action.kind) {
        case 'create': {
          const volume = instance.spec.volumes.find((v) => v.name === action.volume.name);
          if (!volume) break;
          const result = await this.create(kinds.PersistentVolumeClaim, desiredClaim(instance, component, volume), '');
          if (result.kind !== 'complete') waiting ??= result.message;
          done.push(`created ${action.volume.claimName}`);
          break;
        }
        case 'expand':
          await client.mergePatch(kinds.PersistentVolumeClaim, action.claimName, ctx.namespace, {
            spec: { resources: { requests: { storage: action.to } } },
          });
          this.event(
            ctx,
            'Normal',
            'ExpandingVolume',
            'ExpandVolume',
            `PVC ${action.claimName}: ${action.from} -> ${action.to}`,
          );
          done.push(`expanded ${action.claimName}`);
          break;
        case 'setAttributesClass':
          await client.mergePatch(kinds.PersistentVolumeClaim, action.claimName, ctx.namespace, {
            spec: { volumeAttributesClassName: action.to },
          });
          done.push(`set attributes class of ${action.claimName}`);
          break;
        case 'refuse':
          this.problem(ctx, instanceReasons.VolumeChangeRefused, action.reason, 'ResizeVolume');
          break;
        case 'wait':
          waiting ??= action.reason;
          break;
        case 'keep':
        case 'delete':
        case 'retain':
          break;
      }
    }
    // Labels Pod -> PVC -> PV, and adoption of a PVC retained from an earlier instance of the same name.
    const owner = instanceOwnerReference(instance);
    for (const pvc of ctx.pvcs) {
      if (pvc.metadata.deletionTimestamp !== undefined) continue;
      const volume = pvc.metadata.labels?.[labelKeys.volumeName] ?? '';
      const labels = volumeLabels(instance, component, volume);
      const patch = claimMetadataPatch(pvc, labels, owner);
      if (patch) await client.mergePatch(kinds.PersistentVolumeClaim, pvc.metadata.name, ctx.namespace, patch);
      await this.labelVolume(pvc, labels);
    }
    if (waiting !== undefined) return wait(waiting);
    return complete(done.length > 0 ? done.join(', ') : undefined);
  }

  /** Labels the PV bound to `pvc` (checked through its claimRef), reading it from the apiserver only when the cache lacks it. */
  private async labelVolume(pvc: ClaimObject, labels: Record<string, string>): Promise<void> {
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== 'Bound') return;
    let pv = this.deps.pvs.get(pvName);
    if (!pv || persistentVolumeLabelPatch(pv, labels)) {
      try {
        pv = await this.deps.client.get<PersistentVolumeObject>(kinds.PersistentVolume, pvName);
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
    }
    const claimRef = (pv.spec?.claimRef ?? {}) as { uid?: string };
    if (claimRef.uid !== pvc.metadata.uid) return;
    const patch = persistentVolumeLabelPatch(pv, labels);
    if (patch) await this.deps.client.mergePatch(kinds.PersistentVolume, pvName, undefined, patch);
  }

  // ---- pod -----------------------------------------------------------------------------------------------

  private async syncPod(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const plugin = this.plugin;
    const rendered = ctx.rendered;
    if (!rendered) return wait('no rendered config');
    let desired: DesiredPod;
    try {
      desired = desiredPod({
        instance: ctx.instance,
        component: plugin.name,
        rendered: plugin.renderPod(ctx),
        dataDirectory: plugin.dataDirectory,
        configHash: rendered.hash,
      });
    } catch (error) {
      if (!(error instanceof OverlayError)) throw error;
      const message = `the Pod overlay cannot be applied, the Pod is left as it is: ${error.message}`;
      this.problem(ctx, instanceReasons.PodOverlayInvalid, message, 'RenderPod');
      return wait(message);
    }
    ctx.desired = desired;
    const pod = podOf(ctx);
    const applied = pod ? appliedTemplate(pod) : undefined;
    const decision = pod
      ? decideInstanceUpdate({
          applied,
          desired: desired.template,
          configUpdateStrategy: ctx.instance.spec.configUpdateStrategy ?? 'Restart',
          reloadableFields: [...(plugin.hotReloadableFields ?? []), ...coreReloadableFields],
        })
      : { kind: 'none' as const, reasons: [] };
    ctx.decision = decision;
    const action = podAction({ pod, owned: ctx.podOwned, desired: desired.pod, decision, applied });
    ctx.action = action;
    switch (action.kind) {
      case 'create': {
        const result = await this.create(kinds.Pod, desired.pod, 'created', (created) => {
          ctx.pod = created as InstanceReconcileContext['pod'];
          ctx.podOwned = true;
        });
        if (result.kind === 'complete') ctx.podUpToDate = true;
        return result;
      }
      case 'waitForDeletion':
        return wait(action.reason);
      case 'recreate':
        return complete(`recreate: ${action.reasons.join('; ')}`);
      case 'update': {
        const updated = await this.deps.client.mergePatch<PodObject>(
          kinds.Pod,
          desired.pod.metadata.name,
          ctx.namespace,
          {
            metadata: action.patch,
          },
        );
        ctx.pod = updated as InstanceReconcileContext['pod'];
        ctx.podUpToDate = true;
        return complete(`updated in place: ${action.reasons.join('; ')}`);
      }
      case 'none':
        ctx.podUpToDate = true;
        return complete();
    }
  }

  /** After restart.before completed: delete the Pod; the next reconcile creates the new one. */
  private async deletePodForRestart(ctx: InstanceReconcileContext): Promise<TaskResult> {
    const pod = podOf(ctx);
    if (!pod) return complete();
    const reasons = ctx.action?.kind === 'recreate' ? ctx.action.reasons : [];
    await this.deletePodNow(ctx, pod);
    this.event(ctx, 'Normal', 'RecreatingPod', 'RecreatePod', `recreating the Pod: ${reasons.join('; ')}`);
    return wait('the Pod is terminating for a restart');
  }

  // ---- conditions and status -----------------------------------------------------------------------------

  private conditions(ctx: InstanceReconcileContext): TaskResult {
    const pod = ctx.podOwned || !ctx.pod ? podOf(ctx) : undefined;
    if (pod && ctx.health === undefined && ctx.dataPlaneLoaded) ctx.health = this.plugin.health(ctx);
    const generation = ctx.instance.metadata.generation;
    const pendingChanges = ctx.action?.kind === 'recreate' ? ctx.action.reasons : [];
    const now = this.deps.clock.now();
    for (const update of instanceConditions({
      generation,
      pod,
      suspended: ctx.suspended,
      podUpToDate: ctx.podUpToDate,
      pendingChanges,
      problems: ctx.problems,
      health: ctx.health,
    })) {
      ctx.conditions = setCondition(ctx.conditions, update, now);
    }
    const offlined = offlinedCondition(this.plugin.scaleIn.mode === 'offline' ? ctx.offline : 'none', generation);
    if (offlined === 'remove') ctx.conditions = removeCondition(ctx.conditions, 'Offlined');
    else if (offlined !== 'keep') ctx.conditions = setCondition(ctx.conditions, offlined, now);
    this.healthCondition(ctx, pod, now);
    return complete();
  }

  /** The Healthy condition, `status.downSince`, and an event when the health changed in a way that matters. */
  private healthCondition(ctx: InstanceReconcileContext, pod: PodObject | undefined, now: number): void {
    const nodeName = podNodeName(pod);
    const health: InstanceHealth = instanceHealth({
      suspended: ctx.suspended,
      pod: pod && {
        running: isPodRunning(pod),
        ready: isPodReady(pod),
        terminating: pod.metadata.deletionTimestamp !== undefined,
        phase: pod.status?.phase ?? 'Pending',
      },
      node: nodeHealthOf(pod, nodeName === undefined ? undefined : this.deps.nodes.get(nodeName), now),
      // Only asked when it can matter (no running Pod): it reads every Node.
      strandedVolumes: isPodRunning(pod) ? [] : this.strandedVolumes(ctx),
      dataPlane: ctx.dataPlaneLoaded ? this.plugin.dataPlaneState?.(ctx) : undefined,
      serving: ctx.health,
    });
    const previous = (ctx.statusBefore?.conditions as Condition[] | undefined)?.find(
      (c) => c.type === HEALTHY_CONDITION,
    );
    const before = Date.parse(String(ctx.statusBefore?.downSince ?? ''));
    const previousDownSince = Number.isNaN(before) ? undefined : before;
    const downSince = ctx.recreatedEmpty ? undefined : nextDownSince(previousDownSince, health, now);
    ctx.downSince = downSince === undefined ? undefined : formatConditionTime(downSince);
    ctx.conditions = setCondition(
      ctx.conditions,
      {
        type: HEALTHY_CONDITION,
        status: health.status,
        reason: health.reason,
        message: health.message,
        ...(ctx.instance.metadata.generation === undefined
          ? {}
          : { observedGeneration: ctx.instance.metadata.generation }),
      },
      now,
    );
    const event = ctx.recreatedEmpty ? undefined : healthEvent(previous, health, previousDownSince !== undefined);
    if (event) this.event(ctx, event.type, event.reason, 'CheckHealth', event.note);
  }

  /** The instance's bound volumes that no Ready node can use (local volumes of a lost node). */
  private strandedVolumes(ctx: InstanceReconcileContext): string[] {
    const pvs = ctx.pvcs.flatMap((pvc) => {
      const pv = pvc.spec?.volumeName ? this.deps.pvs.get(pvc.spec.volumeName) : undefined;
      return pv ? [pv] : [];
    });
    if (pvs.length === 0) return [];
    return strandedVolumes(pvs, this.deps.nodes.list()).map((name) => {
      const pvc = ctx.pvcs.find((c) => c.spec?.volumeName === name);
      return pvc?.metadata.name ?? name;
    });
  }

  private status(ctx: InstanceReconcileContext): Record<string, unknown> {
    const status = instanceStatus({
      before: ctx.statusBefore,
      statusPatch: ctx.statusPatch,
      conditions: ctx.conditions,
      generation: ctx.instance.metadata.generation,
      revision: ctx.instance.metadata.labels?.[labelKeys.instanceRevisionHash],
      pod: ctx.podOwned ? podOf(ctx) : undefined,
    });
    status.downSince = ctx.downSince;
    return status;
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /**
   * Creates `obj` (`created` receives the stored object); an AlreadyExists means the cache is behind: wait for
   * the object's event.
   */
  private async create<T extends KubeObject>(
    kind: ResourceKind,
    obj: T,
    message: string,
    created?: (obj: T) => void,
  ): Promise<TaskResult> {
    try {
      // Not `created?.(await ...)`: an optional call skips evaluating its arguments when there is no callback.
      const stored = await this.deps.client.create(kind, obj);
      created?.(stored);
      return complete(message || undefined);
    } catch (error) {
      if (isAlreadyExists(error)) return wait(`${kind.kind} ${obj.metadata.name} exists but is not cached yet`);
      throw error;
    }
  }

  private problem(ctx: InstanceReconcileContext, reason: string, message: string, action: string): void {
    ctx.problems.push({ reason, message });
    this.event(ctx, 'Warning', reason, action, message);
  }

  private event(ctx: InstanceReconcileContext, type: EventType, reason: string, action: string, note: string): void {
    const { instance } = ctx;
    this.deps.events.record(
      { apiVersion: instance.apiVersion, kind: instance.kind, metadata: instance.metadata },
      type,
      reason,
      action,
      note,
    );
  }
}

function podOf(ctx: InstanceReconcileContext): PodObject | undefined {
  return ctx.pod as PodObject | undefined;
}

function reclaimPolicyOf(instance: InstanceObject): VolumeReclaimPolicy {
  const policy = instance.spec.volumeReclaimPolicy;
  return policy !== undefined && (volumeReclaimPolicies as readonly string[]).includes(policy) ? policy : 'Delete';
}

/** Status fields the reconcile dropped must be sent as null: a merge patch keeps what it does not mention. */
function withDeletedFields(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...after };
  for (const key of Object.keys(before ?? {})) if (!(key in after) || after[key] === undefined) out[key] = null;
  return out;
}
