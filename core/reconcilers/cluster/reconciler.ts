// The cluster reconciler: the Cluster owns nothing by ownerReference, it aggregates.
//
//   load cluster; cluster gone (guard); load groups (of every component)
//   deleting (guard): delete every group, wait until none is left, remove finalizer
//   add finalizer
//   always: update status   components, Ready / Synced / Progressing / Available / Suspended, published facts
//
// `paused` and `suspendAction` are read by the group and instance reconcilers from the Cluster directly; feature
// gates too (`spec.featureGates`: part of every group's revision, so enabling one rolls the instances).
// Deleting the Cluster deletes its groups; their finalizers and the instances' see the Cluster deleting and
// skip every plugin protocol (no scale-in steps): everything simply goes.
import type { Cluster, ClusterStatus } from '../../api/cluster.ts';
import { clusterKind } from '../../api/cluster.ts';
import type { Informer } from '../../cache/informer.ts';
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import { splitKey } from '../../kube/object.ts';
import type { EventRecorder } from '../../observability/events.ts';
import { type Logger, silentLogger } from '../../observability/log.ts';
import type { ClusterFacts, ComponentContext, GroupObject } from '../../plugin/contract.ts';
import type { PluginRegistry } from '../../plugin/registry.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileResult, Reconciler } from '../../runtime/reconciler.ts';
import { complete, type TaskResult, wait } from '../../tasks/result.ts';
import { formatTaskSummary, runTasks, toReconcileResult } from '../../tasks/runner.ts';
import { persistStatus } from '../../tasks/status.ts';
import { breakIf, type Task, task, when } from '../../tasks/task.ts';
import type { GroupsOfCluster } from '../cluster-groups.ts';
import { hasFinalizer, isDeleting, withFinalizer } from '../finalizer.ts';
import { statusMergePatch } from '../status-patch.ts';
import { computeClusterStatus } from './cluster-status.ts';

export interface ClusterReconcilerDeps {
  registry: PluginRegistry;
  client: KubeClient;
  events: EventRecorder;
  clock: Clock;
  logger?: Logger;
  clusters: Informer<Cluster>;
  groupsOfCluster: GroupsOfCluster;
}

interface ClusterContext {
  namespace: string;
  name: string;
  cluster: Cluster | undefined;
  observedStatus: ClusterStatus | undefined;
  groups: ReadonlyMap<string, readonly GroupObject[]>;
}

export class ClusterReconciler implements Reconciler {
  private readonly deps: ClusterReconcilerDeps;
  private readonly logger: Logger;
  private readonly tasks: Task<ClusterContext>[];
  private readonly always: Task<ClusterContext>[];

  constructor(deps: ClusterReconcilerDeps) {
    this.deps = deps;
    this.logger = (deps.logger ?? silentLogger()).child({ kind: 'Cluster' });
    this.tasks = [
      task('load cluster', (ctx) => this.load(ctx)),
      breakIf('cluster gone', (ctx) => ctx.cluster === undefined),
      ...withFinalizer<ClusterContext>({
        client: deps.client,
        kind: clusterKind.resource,
        object: (ctx) => ctx.cluster as Cluster,
        updated: (ctx, obj) => {
          ctx.cluster = obj as Cluster | undefined;
        },
        cleanup: [task('delete groups', (ctx) => this.deleteGroups(ctx))],
        apply: [],
      }),
    ];
    this.always = [
      when(
        // Deleting with the finalizer gone: the apiserver removes it any moment, there is no status to write.
        (ctx) => ctx.cluster !== undefined && !(isDeleting(ctx.cluster) && !hasFinalizer(ctx.cluster)),
        persistStatus<ClusterContext, ClusterStatus>({
          before: (ctx) => ctx.observedStatus,
          after: (ctx) => this.status(ctx),
          write: async (ctx, status) => {
            await deps.client.patchStatus(
              clusterKind.resource,
              ctx.name,
              ctx.namespace,
              statusMergePatch(ctx.observedStatus, status),
            );
          },
        }),
      ),
    ];
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const ctx: ClusterContext = { namespace, name, cluster: undefined, observedStatus: undefined, groups: new Map() };
    const run = await runTasks(ctx, this.tasks, { always: this.always, clock: this.deps.clock });
    if (this.logger.enabled('debug')) {
      this.logger.debug('reconciled', { key, result: run.result.kind, tasks: formatTaskSummary(run.entries) });
    }
    return toReconcileResult(run);
  }

  private load(ctx: ClusterContext): TaskResult {
    ctx.cluster = this.deps.clusters.get(`${ctx.namespace}/${ctx.name}`);
    ctx.observedStatus = ctx.cluster?.status;
    ctx.groups = this.deps.groupsOfCluster(ctx.namespace, ctx.name);
    return complete();
  }

  private async deleteGroups(ctx: ClusterContext): Promise<TaskResult> {
    let left = 0;
    for (const plugin of this.deps.registry.all()) {
      for (const group of ctx.groups.get(plugin.name) ?? []) {
        left++;
        if (group.metadata.deletionTimestamp !== undefined) continue;
        try {
          await this.deps.client.delete(plugin.groupKind.resource, group.metadata.name, ctx.namespace, {
            preconditions: { uid: group.metadata.uid },
          });
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
    }
    return left === 0 ? complete() : wait(`waiting for ${left} groups to be deleted`);
  }

  private facts(ctx: ClusterContext): ClusterFacts {
    const cluster = ctx.cluster as Cluster;
    const componentContext: ComponentContext = {
      cluster,
      groups: ctx.groups,
      clock: this.deps.clock,
      logger: this.logger.child({ cluster: `${ctx.namespace}/${ctx.name}` }),
      events: this.deps.events,
    };
    const facts: ClusterFacts = {};
    for (const plugin of this.deps.registry.all()) {
      if (!plugin.clusterFacts) continue;
      try {
        Object.assign(facts, withoutUndefined(plugin.clusterFacts(componentContext)));
      } catch (error) {
        // One component's failure to compute its facts must not hide the rest of the status.
        this.logger.warn('cluster facts failed', { plugin: plugin.name, error });
      }
    }
    return facts;
  }

  private status(ctx: ClusterContext): ClusterStatus {
    return computeClusterStatus({
      cluster: { ...(ctx.cluster as Cluster), status: ctx.observedStatus },
      components: this.deps.registry.names(),
      groups: ctx.groups,
      facts: this.facts(ctx),
      nowMs: this.deps.clock.now(),
    });
  }
}

function withoutUndefined(facts: ClusterFacts): ClusterFacts {
  const out: ClusterFacts = {};
  if (facts.pd !== undefined) out.pd = facts.pd;
  if (facts.id !== undefined) out.id = facts.id;
  return out;
}
