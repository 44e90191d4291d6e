// The group reconciler, generic over components: one task list that reads like the protocol.
//
//   load group; group gone (guard); load cluster and instances; cluster paused (guard)
//   deleting (guard): delete instances, wait until they are gone, delete services, remove finalizer
//   add finalizer
//   cluster missing / cluster deleting (guards: nothing to do until it exists / until it deletes this group)
//   track revisions          ControllerRevisions: create, renumber on rollback, delete beyond the history limit
//   sync services            headless peer Service + the plugin's Services (server-side apply when they differ)
//   compute suspended (guard)
//   fail over                failover decision (core/failover): mark failed / recovered instances   } side by
//   validate config          plugin.validateTemplate + instances at the new revision reporting        } side
//                            ConfigInvalid
//   check upgrade order      a version change waits for the components this one depends on
//   roll out                 updater plan (failed instances kept as extras) -> scale-in guard ->
//                            create / update / mark for removal / delete
//   always: update status    counts, revisions, selector, version, Ready / Synced / Suspended / Failover, once;
//                            health metrics
//
// The group -> instance protocol (what the group writes on instances and reads back) is in docs/plugins.md.
import type { Cluster } from '../../api/cluster.ts';
import { conditionTypes } from '../../api/conditions.ts';
import { failoverAnnotations, failoverSettingsOf } from '../../api/failover.ts';
import { labelKeys } from '../../api/labels.ts';
import type { Informer } from '../../cache/informer.ts';
import { decideFailover, type FailoverDecision } from '../../failover/decision.ts';
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import { type KubeObject, keyOf, kinds, splitKey } from '../../kube/object.ts';
import { NameReservations } from '../../naming/reservations.ts';
import type { EventRecorder, EventType } from '../../observability/events.ts';
import { type Logger, silentLogger } from '../../observability/log.ts';
import type { GroupHealthObserver } from '../../observability/metrics.ts';
import type { ComponentContext, GroupObject, InstanceObject } from '../../plugin/contract.ts';
import type { AnyComponentPlugin } from '../../plugin/registry.ts';
import { computeRevisions, type RevisionPlan } from '../../revision/revisions.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileResult, Reconciler } from '../../runtime/reconciler.ts';
import { formatConditionTime, getCondition } from '../../tasks/conditions.ts';
import { complete, retry, type TaskResult, wait } from '../../tasks/result.ts';
import { formatTaskSummary, runTasks, toReconcileResult } from '../../tasks/runner.ts';
import { persistStatus } from '../../tasks/status.ts';
import { allOf, breakIf, sequence, type Task, task, when } from '../../tasks/task.ts';
import type { GroupsOfCluster } from '../cluster-groups.ts';
import { isDerivative } from '../derivative.ts';
import { hasFinalizer, withFinalizer } from '../finalizer.ts';
import { lookup } from '../indexes.ts';
import { statusMergePatch } from '../status-patch.ts';
import { FAILOVER, failedInstanceNames, failoverWarnings, toFailoverInstance, unhealthyByReason } from './failover.ts';
import { computeGroupStatus, type GroupStatus, groupReasons, isRolloutDone, type SyncBlocker } from './group-status.ts';
import { chosenForRemoval, instanceCondition, lifecycleOf, revisionOf } from './instance-facts.ts';
import { controllerReference, groupLabels, groupSelector } from './instance-objects.ts';
import { PendingWrites } from './pending-writes.ts';
import { type ControllerRevision, recordOf, syncRevisions } from './revision-tracker.ts';
import { applyRollout, type PendingInstance, planRollout, type RolloutPlan } from './rollout.ts';
import { groupServices, type ServiceObject } from './services.ts';
import { upgradeBlockedBy } from './upgrade-order.ts';

export interface GroupReconcilerDeps {
  plugin: AnyComponentPlugin;
  client: KubeClient;
  events: EventRecorder;
  clock: Clock;
  logger?: Logger;
  groups: Informer<GroupObject>;
  instances: Informer<InstanceObject>;
  clusters: Informer<Cluster>;
  /** ControllerRevisions with the `controllerUid` index. */
  revisions: Informer<ControllerRevision>;
  /** Services with the `controllerUid` index. */
  services: Informer<ServiceObject>;
  /** Pods and PVCs with the `groupLabel` index: their instance labels are names still taken. */
  pods: Informer<KubeObject>;
  pvcs: Informer<KubeObject>;
  groupsOfCluster: GroupsOfCluster;
  /** Shared by the reconciles of this controller; created when omitted. */
  reservations?: NameReservations<PendingInstance>;
  pendingWrites?: PendingWrites;
  /** Unhealthy and failed-over instance gauges (core/observability/metrics.ts). */
  health?: GroupHealthObserver;
  /** How often a refused scale-in is asked again (default 30 s). */
  refusalRecheckMs?: number;
}

/**
 * A plugin refuses a scale-in from data-plane facts (PD's max-replicas, member health) whose changes do not
 * always reach the group as an event, so a refusal is looked at again after this long rather than waited on.
 */
export const DEFAULT_REFUSAL_RECHECK_MS = 30_000;

interface GroupContext {
  namespace: string;
  name: string;
  group: GroupObject | undefined;
  /** The group as the reconcile found it: the status is compared with this one. */
  observedStatus: GroupStatus | undefined;
  cluster: Cluster | undefined;
  /** Instance CRs controlled by this group (deleting ones included). */
  instances: InstanceObject[];
  /** Names created by this controller that the cache does not show yet. */
  pending: PendingInstance[];
  revisions?: RevisionPlan;
  blocker?: SyncBlocker;
  /** The reconcile got past the guards and acted on this generation of the spec. */
  acted: boolean;
  plan?: RolloutPlan;
  /** The failover decision of this reconcile (core/failover/decision.ts). */
  failover?: FailoverDecision;
}

export class GroupReconciler implements Reconciler {
  private readonly deps: GroupReconcilerDeps;
  private readonly logger: Logger;
  private readonly reservations: NameReservations<PendingInstance>;
  private readonly pendingWrites: PendingWrites;
  private readonly tasks: Task<GroupContext>[];
  private readonly always: Task<GroupContext>[];

  constructor(deps: GroupReconcilerDeps) {
    this.deps = deps;
    this.logger = (deps.logger ?? silentLogger()).child({ kind: deps.plugin.groupKind.resource.kind });
    this.reservations = deps.reservations ?? new NameReservations(deps.clock);
    this.pendingWrites = deps.pendingWrites ?? new PendingWrites(deps.clock);
    const groupKind = deps.plugin.groupKind.resource;
    this.tasks = [
      task('load group', (ctx) => this.loadGroup(ctx)),
      breakIf(
        'group gone',
        (ctx) => ctx.group === undefined,
        task('forget group', (ctx) => this.forget(ctx)),
      ),
      task('load cluster and instances', (ctx) => this.loadRest(ctx)),
      breakIf(
        'cluster paused',
        (ctx) => ctx.cluster?.spec.paused === true && !isDeleting(ctx.cluster),
        task('report paused', (ctx) => this.block(ctx, groupReasons.Paused, 'the cluster is paused')),
      ),
      ...withFinalizer<GroupContext>({
        client: deps.client,
        kind: groupKind,
        object: (ctx) => ctx.group as GroupObject,
        updated: (ctx, obj) => {
          ctx.group = obj as GroupObject | undefined;
        },
        cleanup: [
          task('delete instances', (ctx) => this.deleteInstances(ctx)),
          task('delete services', (ctx) => this.deleteServices(ctx, new Set())),
          task('delete revisions', (ctx) => this.deleteRevisions(ctx)),
        ],
        apply: [
          breakIf(
            'cluster missing',
            (ctx) => ctx.cluster === undefined,
            task('report cluster missing', (ctx) =>
              this.block(ctx, groupReasons.ClusterNotFound, `Cluster ${ctx.group?.spec.cluster.name} does not exist`),
            ),
          ),
          breakIf(
            'cluster deleting',
            (ctx) => isDeleting(ctx.cluster),
            task('report cluster deleting', (ctx) =>
              this.block(ctx, groupReasons.ClusterDeleting, 'the cluster is being deleted'),
            ),
          ),
          task('track revisions', (ctx) => this.trackRevisions(ctx)),
          task('sync services', (ctx) => this.syncServices(ctx)),
          breakIf('compute suspended', (ctx) => ctx.cluster?.spec.suspendAction?.suspendCompute === true),
          // Side by side: a rollout blocked by the config or the upgrade order still has its failover decided
          // (and the reconcile comes back when a down instance's period runs out).
          allOf(
            task('fail over', (ctx) => this.failOver(ctx)),
            sequence(
              task('validate config', (ctx) => this.validateConfig(ctx)),
              task('check upgrade order', (ctx) => this.checkUpgradeOrder(ctx)),
              task('roll out', (ctx) => this.rollOut(ctx)),
            ),
          ),
        ],
      }),
    ];
    this.always = [
      when(
        (ctx) => ctx.group !== undefined && !isReleased(ctx.group),
        persistStatus<GroupContext, GroupStatus>({
          before: (ctx) => ctx.observedStatus,
          after: (ctx) => this.status(ctx),
          write: async (ctx, status) => {
            await deps.client.patchStatus(
              groupKind,
              ctx.name,
              ctx.namespace,
              statusMergePatch(ctx.observedStatus, status),
            );
          },
        }),
      ),
      when(
        (ctx) => ctx.group !== undefined && ctx.acted,
        task('report health', (ctx) => {
          this.deps.health?.report(
            this.groupRef(ctx),
            unhealthyByReason(ctx.instances),
            failedInstanceNames(ctx.instances).size,
          );
          return complete();
        }),
      ),
    ];
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const ctx: GroupContext = {
      namespace,
      name,
      group: undefined,
      observedStatus: undefined,
      cluster: undefined,
      instances: [],
      pending: [],
      acted: false,
    };
    const run = await runTasks(ctx, this.tasks, { always: this.always, clock: this.deps.clock });
    if (this.logger.enabled('debug')) {
      this.logger.debug('reconciled', { key, result: run.result.kind, tasks: formatTaskSummary(run.entries) });
    }
    return toReconcileResult(run);
  }

  // --- context -------------------------------------------------------------------------------------------

  private loadGroup(ctx: GroupContext): TaskResult {
    ctx.group = this.deps.groups.get(`${ctx.namespace}/${ctx.name}`);
    ctx.observedStatus = ctx.group?.status as GroupStatus | undefined;
    return complete();
  }

  private forget(ctx: GroupContext): TaskResult {
    this.pendingWrites.forget(`${ctx.namespace}/${ctx.name}/`);
    this.deps.health?.forget(this.groupRef(ctx));
    return complete();
  }

  private groupRef(ctx: GroupContext) {
    return { namespace: ctx.namespace, group: ctx.name, component: this.deps.plugin.name };
  }

  private loadRest(ctx: GroupContext): TaskResult {
    const group = ctx.group as GroupObject;
    ctx.cluster = this.deps.clusters.get(`${ctx.namespace}/${group.spec.cluster.name}`);
    const uid = group.metadata.uid;
    ctx.instances = lookup(this.deps.instances, 'groupLabel', ctx.name, ctx.namespace)
      .filter((i) => controllerUid(i) === uid)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const observed = new Set(
      lookup(this.deps.instances, 'groupLabel', ctx.name, ctx.namespace).map((i) => i.metadata.name),
    );
    ctx.pending = this.reservations.unobserved(this.scope(ctx), observed).flatMap((r) => (r.value ? [r.value] : []));
    return complete();
  }

  /**
   * Where this group's name reservations and pending writes live: per incarnation (UID), so a group deleted and
   * created again under its name never inherits the old one's.
   */
  private scope(ctx: GroupContext): string {
    return `${ctx.namespace}/${ctx.name}/${ctx.group?.metadata.uid ?? ''}`;
  }

  private componentContext(ctx: GroupContext): ComponentContext {
    const cluster = ctx.cluster as Cluster;
    return {
      cluster,
      groups: this.deps.groupsOfCluster(ctx.namespace, cluster.metadata.name),
      clock: this.deps.clock,
      logger: this.logger.child({ group: `${ctx.namespace}/${ctx.name}` }),
      events: this.deps.events,
    };
  }

  // --- guards and cleanup --------------------------------------------------------------------------------

  /** Records why the group does not progress; the status shows it as Synced=False. */
  private block(ctx: GroupContext, reason: string, message: string, event?: EventType): TaskResult {
    ctx.blocker = { reason, message };
    const previous = getCondition(ctx.observedStatus?.conditions, conditionTypes.Synced);
    // An event per change of the reason, not per reconcile: events are writes too.
    if (event && ctx.group && (previous?.reason !== reason || previous.message !== message)) {
      this.deps.events.record(this.regarding(ctx.group), event, reason, 'Reconcile', message);
    }
    return wait(message);
  }

  private regarding(group: GroupObject) {
    const kind = this.deps.plugin.groupKind.resource;
    return { ...group, apiVersion: `${kind.group}/${kind.version}`, kind: kind.kind };
  }

  /**
   * Deletes every instance of the group. Whether the plugin's scale-in protocol runs is the instance
   * reconciler's decision: not when the cluster is being deleted (everything goes), yes when only the group is.
   */
  private async deleteInstances(ctx: GroupContext): Promise<TaskResult> {
    const kind = this.deps.plugin.instanceKind.resource;
    for (const instance of ctx.instances) {
      if (lifecycleOf(instance) === 'deleting') continue;
      try {
        await this.deps.client.delete(kind, instance.metadata.name, ctx.namespace, {
          preconditions: { uid: instance.metadata.uid },
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    const left = ctx.instances.length + ctx.pending.length;
    return left === 0 ? complete() : wait(`waiting for ${left} instances to be deleted`);
  }

  /** Deletes the group's Services except `keep`. */
  private async deleteServices(ctx: GroupContext, keep: ReadonlySet<string>): Promise<TaskResult> {
    const uid = ctx.group?.metadata.uid ?? '';
    for (const service of lookup(this.deps.services, 'controllerUid', uid, ctx.namespace)) {
      if (keep.has(service.metadata.name)) continue;
      try {
        await this.deps.client.delete(kinds.Service, service.metadata.name, ctx.namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return complete();
  }

  /** Deletes the group's ControllerRevisions (the garbage collector would too, but only once it knows the kind). */
  private async deleteRevisions(ctx: GroupContext): Promise<TaskResult> {
    const uid = ctx.group?.metadata.uid ?? '';
    for (const revision of lookup(this.deps.revisions, 'controllerUid', uid, ctx.namespace)) {
      try {
        await this.deps.client.delete(kinds.ControllerRevision, revision.metadata.name, ctx.namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return complete();
  }

  // --- apply steps ---------------------------------------------------------------------------------------

  private async trackRevisions(ctx: GroupContext): Promise<TaskResult> {
    ctx.acted = true;
    const group = ctx.group as GroupObject;
    const cluster = ctx.cluster as Cluster;
    const plugin = this.deps.plugin;
    const status = ctx.observedStatus ?? {};
    const existing = lookup(this.deps.revisions, 'controllerUid', group.metadata.uid ?? '', ctx.namespace);
    const common = {
      prefix: `${group.metadata.name}-${plugin.name}`,
      data: { template: group.spec.template, features: (cluster.spec.featureGates ?? []).map((g) => g.name) },
      collisionCount: status.collisionCount ?? 0,
      ...(status.currentRevision !== undefined ? { currentRevision: status.currentRevision } : {}),
      referencedRevisions: ctx.instances.map(revisionOf).filter((r) => r !== ''),
      revisionHistoryLimit: cluster.spec.revisionHistoryLimit,
    };
    // The current revision moves to the update revision once the rollout is done: decide the update revision
    // first (without writing), then check the instances against it.
    const probe = computeRevisions({
      ...common,
      existing: existing.map(recordOf).filter((r) => r !== undefined),
      allInstancesUpdated: false,
    });
    const done = isRolloutDone(ctx.instances, probe.updateRevision, group.spec.replicas, ctx.pending.length);
    ctx.revisions = await syncRevisions(this.deps.client, {
      ...common,
      existing,
      allInstancesUpdated: done,
      meta: {
        namespace: ctx.namespace,
        labels: groupLabels(group, plugin.name),
        owner: controllerReference(group, plugin.groupKind.resource),
      },
    });
    return complete();
  }

  private async syncServices(ctx: GroupContext): Promise<TaskResult> {
    const group = ctx.group as GroupObject;
    const plugin = this.deps.plugin;
    const desired = groupServices({
      group: group.metadata.name,
      namespace: ctx.namespace,
      labels: groupLabels(group, plugin.name),
      owner: controllerReference(group, plugin.groupKind.resource),
      ports: plugin.ports,
      extra: plugin.services?.({ ...this.componentContext(ctx), group }) ?? [],
    });
    for (const service of desired) {
      const actual = this.deps.services.get(keyOf(service));
      if (actual && isDerivative(service, actual)) continue;
      await this.deps.client.apply(kinds.Service, service);
    }
    return this.deleteServices(ctx, new Set(desired.map((s) => s.metadata.name)));
  }

  private validateConfig(ctx: GroupContext): TaskResult {
    const group = ctx.group as GroupObject;
    const problems = this.deps.plugin.validateTemplate?.({ ...this.componentContext(ctx), group }) ?? [];
    if (problems.length > 0) {
      return this.block(
        ctx,
        groupReasons.ConfigInvalid,
        `the template's config is invalid, nothing is rolled out: ${problems.join('; ')}`,
        'Warning',
      );
    }
    const updateRevision = ctx.revisions?.updateRevision;
    const rejected = ctx.instances.filter((i) => {
      const synced = instanceCondition(i, conditionTypes.Synced);
      return (
        lifecycleOf(i) === 'active' &&
        revisionOf(i) === updateRevision &&
        synced?.status === 'False' &&
        synced.reason === groupReasons.ConfigInvalid
      );
    });
    if (rejected.length > 0) {
      const first = rejected[0] as InstanceObject;
      const detail = instanceCondition(first, conditionTypes.Synced)?.message ?? '';
      return this.block(
        ctx,
        groupReasons.ConfigInvalid,
        `${rejected.map((i) => i.metadata.name).join(', ')} reject the template's config, the rollout stops: ${detail}`,
        'Warning',
      );
    }
    return complete();
  }

  private checkUpgradeOrder(ctx: GroupContext): TaskResult {
    const group = ctx.group as GroupObject;
    const cluster = ctx.cluster as Cluster;
    const blockers = upgradeBlockedBy({
      policy: cluster.spec.upgradePolicy,
      group,
      dependsOn: this.deps.plugin.dependsOn,
      groups: this.deps.groupsOfCluster(ctx.namespace, cluster.metadata.name),
    });
    if (!blockers) return complete();
    const version = (group.spec.template.spec as { version?: unknown }).version;
    return this.block(
      ctx,
      groupReasons.WaitingForDependencies,
      `version ${String(version)} waits for ${blockers.join(', ')} to be updated and Ready (upgradePolicy Ordered)`,
      'Normal',
    );
  }

  /**
   * Decides failover (core/failover/decision.ts) and writes its marks: `tikv.org/failed-since` on an instance that
   * fails over (mode replace) or `tikv.org/recreate-empty` (mode recreateEmpty), and removes the failed mark of
   * instances that recovered. Nothing is marked while the cache has not shown the group's last writes: a stale
   * view could mark one instance too many.
   */
  private async failOver(ctx: GroupContext): Promise<TaskResult> {
    const group = ctx.group as GroupObject;
    const plugin = this.deps.plugin;
    const componentContext = this.componentContext(ctx);
    const active = ctx.instances.filter((i) => lifecycleOf(i) === 'active');
    const now = this.deps.clock.now();
    const decision = decideFailover({
      mode: plugin.failover?.mode,
      settings: failoverSettingsOf(group.spec),
      nowMs: now,
      instances: ctx.instances.map(toFailoverInstance),
      chosenForRemoval: chosenForRemoval(group, ctx.instances),
      mayFailover: (failing) =>
        plugin.failover?.mayFailover?.({ ...componentContext, group, instances: active, failing }) ?? { ok: true },
    });
    ctx.failover = decision;

    const previous = getCondition(ctx.observedStatus?.conditions, FAILOVER);
    const condition = decision.condition;
    if (
      failoverWarnings.has(condition.reason) &&
      (previous?.reason !== condition.reason || previous.message !== condition.message)
    ) {
      this.deps.events.record(this.regarding(group), 'Warning', condition.reason, 'Failover', condition.message);
    }

    const scope = this.scope(ctx);
    const stale = this.pendingWrites.stale(
      scope,
      new Map(ctx.instances.map((i) => [i.metadata.name, i.metadata.resourceVersion])),
    );
    if (stale.length > 0) {
      // Decided on a view that lacks the last writes: report, but mark nothing (the rollout waits too).
      const skipped = decision.fail?.name;
      delete decision.fail;
      decision.failed = decision.failed.filter((name) => name !== skipped);
      decision.unreplaced = decision.unreplaced.filter((name) => name !== skipped);
      decision.recovered = [];
      return this.failoverRecheck(decision);
    }
    const byName = new Map(ctx.instances.map((i) => [i.metadata.name, i]));
    const annotate = async (name: string, annotations: Record<string, string | null>) => {
      const instance = byName.get(name) as InstanceObject;
      await this.deps.client.mergePatch(plugin.instanceKind.resource, name, ctx.namespace, {
        metadata: { resourceVersion: instance.metadata.resourceVersion, annotations },
      });
      this.pendingWrites.wrote(scope, name, instance.metadata.resourceVersion);
    };
    for (const name of decision.recovered) {
      await annotate(name, { [failoverAnnotations.failedSince]: null });
      this.deps.events.record(
        this.regarding(group),
        'Normal',
        'FailoverRecovered',
        'Failover',
        `${name} is healthy again; the instance one too many leaves through the normal scale-in`,
      );
    }
    if (decision.fail) {
      const { name, downSinceMs } = decision.fail;
      const recreate = plugin.failover?.mode === 'recreateEmpty';
      const key = recreate ? failoverAnnotations.recreateEmpty : failoverAnnotations.failedSince;
      await annotate(name, { [key]: formatConditionTime(now) });
      const period = (group.spec.failover as { period?: string } | undefined)?.period ?? '30m';
      this.deps.events.record(
        this.regarding(group),
        'Warning',
        recreate ? 'RecreatingEmpty' : 'FailingOver',
        'Failover',
        `${name} has been down since ${formatConditionTime(downSinceMs)}, longer than ${period}: ` +
          (recreate
            ? 'it is removed from the data plane and recreated empty'
            : 'it is kept and another instance takes its place'),
      );
      this.logger.info('failing over', { instance: name, mode: recreate ? 'recreateEmpty' : 'replace' });
    }
    return this.failoverRecheck(decision);
  }

  private failoverRecheck(decision: FailoverDecision): TaskResult {
    return decision.recheckAfterMs === undefined
      ? complete()
      : { kind: 'retry', afterMs: decision.recheckAfterMs, message: decision.condition.message };
  }

  private async rollOut(ctx: GroupContext): Promise<TaskResult> {
    const group = ctx.group as GroupObject;
    const scope = this.scope(ctx);
    const stale = this.pendingWrites.stale(
      scope,
      new Map(ctx.instances.map((i) => [i.metadata.name, i.metadata.resourceVersion])),
    );
    if (stale.length > 0) return wait(`waiting for the cache to show the last writes to ${stale.join(', ')}`);

    const componentContext = this.componentContext(ctx);
    const plan = planRollout({
      plugin: this.deps.plugin,
      group,
      instances: ctx.instances,
      pending: ctx.pending,
      updateRevision: ctx.revisions?.updateRevision ?? '',
      nowMs: this.deps.clock.now(),
      componentContext,
      takenNames: [
        ...lookup(this.deps.instances, 'groupLabel', ctx.name, ctx.namespace).map((i) => i.metadata.name),
        ...instanceLabels(lookup(this.deps.pods, 'groupLabel', ctx.name, ctx.namespace)),
        ...instanceLabels(lookup(this.deps.pvcs, 'groupLabel', ctx.name, ctx.namespace)),
        ...(this.deps.plugin.namesInUse?.({ ...componentContext, group }) ?? []),
      ],
      ...(ctx.failover
        ? { failover: { failed: ctx.failover.failed, preferForRemoval: ctx.failover.preferForRemoval } }
        : {}),
    });
    ctx.plan = plan;
    if (plan.refusal) {
      this.block(ctx, groupReasons.ScaleInRefused, plan.refusal, 'Warning');
    }
    await applyRollout(plan.actions, {
      plugin: this.deps.plugin,
      client: this.deps.client,
      group,
      instances: ctx.instances,
      revisions: lookup(this.deps.revisions, 'controllerUid', group.metadata.uid ?? '', ctx.namespace),
      updateRevision: ctx.revisions?.updateRevision ?? '',
      componentContext,
      reservations: this.reservations,
      pendingWrites: this.pendingWrites,
      scope,
      logger: this.logger,
      unreplaced: ctx.failover?.unreplaced ?? [],
    });
    if (plan.refusal) return retry(this.deps.refusalRecheckMs ?? DEFAULT_REFUSAL_RECHECK_MS, plan.refusal);
    const last = plan.actions[plan.actions.length - 1];
    if (last?.kind !== 'wait') return complete();
    // Nothing reports that minReadySeconds passed: come back exactly then.
    return plan.recheckAfterMs !== undefined
      ? { kind: 'retry', afterMs: plan.recheckAfterMs, message: last.message }
      : wait(last.message);
  }

  private status(ctx: GroupContext): GroupStatus {
    const group = ctx.group as GroupObject;
    return computeGroupStatus({
      group: { ...group, status: ctx.observedStatus },
      instances: ctx.instances,
      pendingCreations: ctx.pending.length,
      ...(ctx.revisions ? { revisions: ctx.revisions } : {}),
      selector: groupSelector(group, this.deps.plugin.name),
      acted: ctx.acted,
      blocker: ctx.blocker,
      suspendCompute: ctx.cluster?.spec.suspendAction?.suspendCompute === true,
      nowMs: this.deps.clock.now(),
      failover: ctx.failover?.condition,
    });
  }
}

/** Deleting with the operator's finalizer gone: the apiserver removes it any moment, there is no status to write. */
function isReleased(obj: KubeObject): boolean {
  return isDeleting(obj) && !hasFinalizer(obj);
}

function isDeleting(obj: KubeObject | undefined): boolean {
  return obj?.metadata.deletionTimestamp !== undefined;
}

function controllerUid(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
}

function instanceLabels(objects: readonly KubeObject[]): string[] {
  return objects.flatMap((o) => {
    const name = o.metadata.labels?.[labelKeys.instance];
    return name === undefined ? [] : [name];
  });
}
