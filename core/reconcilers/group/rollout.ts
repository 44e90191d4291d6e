// The group's rollout: the updater's plan for the instances (core/updater planUpdate, fed with the facts read
// from the instance CRs), the plugin's scale-in guard, and the effects that carry the plan out on the instance
// CRs. The group never touches Pods: it writes instances, and each instance's reconciler does the rest.
//
// Effects, per action:
//   scaleOut      create the instance (name reserved first, so a cache that lags cannot hand it out twice)
//   update        PUT the instance with the new template and revision label (guarded by its resourceVersion)
//   scaleIn       mode `offline`: merge-patch spec.offline=true; mode `delete`: delete the CR (UID + version)
//   cancelRemoval merge-patch spec.offline=false
//   delete        delete the CR whose removal finished (Offlined=True), with UID + resourceVersion preconditions
//
// Failover (`replace` mode): the failed instances stay active and the updater keeps one more instance for each;
// a new instance created while a failed one has no replacement yet is annotated `tikv.org/replacement-for`.
import { failoverAnnotations } from '../../api/failover.ts';
import type { SchedulePolicy, UpdateStrategy } from '../../api/schedule.ts';
import type { KubeClient } from '../../kube/client.ts';
import { isAlreadyExists, isNotFound } from '../../kube/errors.ts';
import type { NameReservations } from '../../naming/reservations.ts';
import type { Logger } from '../../observability/log.ts';
import type { ComponentContext, GroupObject, InstanceObject } from '../../plugin/contract.ts';
import type { AnyComponentPlugin } from '../../plugin/registry.ts';
import { planUpdate, type UpdaterAction, type UpdaterCounts } from '../../updater/plan.ts';
import type { UpdaterInstance } from '../../updater/state.ts';
import type { SpreadTopology, Topology } from '../../updater/topology.ts';
import { chosenForRemoval, lifecycleOf, listedForRemoval, revisionOf, toUpdaterInstance } from './instance-facts.ts';
import { newInstance, type TemplateMetadata, updatedInstance } from './instance-objects.ts';
import type { PendingWrites } from './pending-writes.ts';
import { type ControllerRevision, recordOf } from './revision-tracker.ts';

/** An instance this controller created that the cache does not show yet (the value of its name reservation). */
export interface PendingInstance {
  name: string;
  revision: string;
  topology?: Topology;
}

export interface RolloutPlanInput {
  plugin: AnyComponentPlugin;
  group: GroupObject;
  /** The group's instance CRs (deleting ones included). */
  instances: readonly InstanceObject[];
  pending: readonly PendingInstance[];
  updateRevision: string;
  nowMs: number;
  componentContext: ComponentContext;
  /** Names held by instances of any owner, Pods and PVCs (by their instance label). */
  takenNames: Iterable<string>;
  /**
   * Failover (`replace` mode): the active failed instances (kept, with one more instance each) and the
   * replacements to remove first once their failed instance recovered.
   */
  failover?: { failed: readonly string[]; preferForRemoval: readonly string[] };
}

export interface RolloutPlan {
  actions: UpdaterAction[];
  counts: UpdaterCounts;
  /** The plugin refused the scale-in: the plan was cut before the first `scaleIn`. */
  refusal?: string;
  /** The earliest time an instance that is ready becomes available (minReadySeconds). */
  recheckAfterMs?: number;
}

/** The group's EvenlySpread topologies with their weights (none: no spreading). */
export function spreadOf(group: GroupObject): SpreadTopology[] {
  const policies = (group.spec.schedulePolicies ?? []) as SchedulePolicy[];
  const evenly = policies.find((p) => p.type === 'EvenlySpread');
  return (evenly?.evenlySpread?.topologies ?? []).map((t) => ({ topology: t.topology, weight: t.weight }));
}

export function updateStrategyOf(group: GroupObject): UpdateStrategy {
  const strategy = (group.spec.updateStrategy ?? {}) as Partial<UpdateStrategy>;
  return { maxUnavailable: strategy.maxUnavailable ?? 1, maxSurge: strategy.maxSurge ?? 0 };
}

/** Plans the next rollout actions and applies the plugin's scale-in guard to them. */
export function planRollout(input: RolloutPlanInput): RolloutPlan {
  const { plugin, group } = input;
  let recheckAfterMs: number | undefined;
  const facts: UpdaterInstance[] = input.instances.map((instance) => {
    const cost = plugin.disruptionCost?.(instance, input.componentContext);
    const f = toUpdaterInstance(instance, {
      minReadySeconds: group.spec.minReadySeconds ?? 0,
      nowMs: input.nowMs,
      updateRevision: input.updateRevision,
      ...(cost !== undefined ? { disruptionCost: cost } : {}),
    });
    if (f.recheckAfterMs !== undefined && lifecycleOf(instance) === 'active') {
      recheckAfterMs = Math.min(recheckAfterMs ?? Number.POSITIVE_INFINITY, f.recheckAfterMs);
    }
    return f.instance;
  });
  for (const p of input.pending) {
    const pending: UpdaterInstance = {
      name: p.name,
      revision: p.revision,
      lifecycle: 'active',
      running: false,
      available: false,
    };
    if (p.topology) pending.topology = p.topology;
    facts.push(pending);
  }
  const strategy = updateStrategyOf(group);
  const listed = listedForRemoval(group);
  const plan = planUpdate({
    group: group.metadata.name,
    instances: facts,
    desired: group.spec.replicas,
    updateRevision: input.updateRevision,
    maxSurge: strategy.maxSurge,
    maxUnavailable: strategy.maxUnavailable,
    spread: spreadOf(group),
    chosenForRemoval: [
      ...new Set([...chosenForRemoval(group, input.instances), ...(input.failover?.preferForRemoval ?? [])]),
    ].sort(),
    failed: input.failover?.failed ?? [],
    // Names listed for removal are never handed to a new instance while they stay listed.
    takenNames: [...input.takenNames, ...listed],
  });
  const out: RolloutPlan = { actions: plan.actions, counts: plan.counts };
  if (recheckAfterMs !== undefined) out.recheckAfterMs = Math.max(1, Math.ceil(recheckAfterMs));

  const firstScaleIn = plan.actions.findIndex((a) => a.kind === 'scaleIn');
  const mayRemove = plugin.scaleIn.mayRemove;
  if (firstScaleIn >= 0 && mayRemove) {
    const removing = plan.actions.flatMap((a) => (a.kind === 'scaleIn' ? [a.name] : []));
    const count = removing.length;
    const verdict = mayRemove(
      {
        ...input.componentContext,
        group,
        instances: input.instances.filter((i) => lifecycleOf(i) === 'active'),
        removing,
      },
      count,
    );
    if (!verdict.ok) {
      out.actions = plan.actions.slice(0, firstScaleIn);
      out.refusal = `${plugin.groupKind.resource.kind} ${group.metadata.name}: scale-in of ${count} instance${count === 1 ? '' : 's'} refused: ${verdict.reason}`;
    }
  }
  return out;
}

export interface ApplyRolloutDeps {
  plugin: AnyComponentPlugin;
  client: Pick<KubeClient, 'create' | 'replace' | 'mergePatch' | 'delete'>;
  group: GroupObject;
  instances: readonly InstanceObject[];
  /** The group's ControllerRevisions: an update removes the template metadata of the revision it leaves. */
  revisions: readonly ControllerRevision[];
  updateRevision: string;
  componentContext: ComponentContext;
  reservations: NameReservations<PendingInstance>;
  pendingWrites: PendingWrites;
  /** Reservation and pending-write scope of the group (`namespace/name/uid`). */
  scope: string;
  logger: Logger;
  /** Failed instances without a replacement yet: the next created instances are theirs, in this order. */
  unreplaced?: readonly string[];
}

/** Carries the actions out in order; the first failure throws (the reconcile retries with backoff). */
export async function applyRollout(actions: readonly UpdaterAction[], deps: ApplyRolloutDeps): Promise<void> {
  const kind = deps.plugin.instanceKind.resource;
  const namespace = deps.group.metadata.namespace;
  const byName = new Map(deps.instances.map((i) => [i.metadata.name, i]));
  const existing = (name: string): InstanceObject => {
    const instance = byName.get(name);
    if (!instance) throw new Error(`instance ${name} is not in the cache`);
    return instance;
  };
  const deleteGuarded = async (instance: InstanceObject) => {
    try {
      await deps.client.delete(kind, instance.metadata.name, namespace, {
        preconditions: { uid: instance.metadata.uid, resourceVersion: instance.metadata.resourceVersion },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    deps.pendingWrites.wrote(deps.scope, instance.metadata.name, instance.metadata.resourceVersion);
  };
  const patchOffline = async (instance: InstanceObject, offline: boolean) => {
    await deps.client.mergePatch(kind, instance.metadata.name, namespace, {
      metadata: { resourceVersion: instance.metadata.resourceVersion },
      spec: { offline },
    });
    deps.pendingWrites.wrote(deps.scope, instance.metadata.name, instance.metadata.resourceVersion);
  };

  const unreplaced = [...(deps.unreplaced ?? [])];
  for (const action of actions) {
    switch (action.kind) {
      case 'wait':
        break;
      case 'scaleOut': {
        const pending: PendingInstance = { name: action.name, revision: deps.updateRevision };
        if (action.topology) pending.topology = action.topology;
        deps.reservations.reserve(deps.scope, action.name, pending);
        const replacing = unreplaced.shift();
        const obj = newInstance({
          group: deps.group,
          groupKind: deps.plugin.groupKind.resource,
          instanceKind: kind,
          component: deps.plugin.name,
          name: action.name,
          topology: action.topology,
          revision: deps.updateRevision,
          pluginAnnotations: {
            ...(deps.plugin.newInstanceAnnotations?.({
              ...deps.componentContext,
              group: deps.group,
              name: action.name,
            }) ?? {}),
            ...(replacing === undefined ? {} : { [failoverAnnotations.replacementFor]: replacing }),
          },
        });
        try {
          await deps.client.create(kind, obj);
        } catch (error) {
          // AlreadyExists: something holds the name after all; the reservation keeps it from being tried again.
          if (!isAlreadyExists(error)) deps.reservations.release(deps.scope, action.name);
          throw error;
        }
        deps.logger.info('instance created', {
          instance: action.name,
          revision: deps.updateRevision,
          ...(replacing === undefined ? {} : { replacing }),
        });
        break;
      }
      case 'update': {
        const current = existing(action.name);
        const previousTemplate = templateMetadataOf(deps.revisions, revisionOf(current));
        await deps.client.replace(
          kind,
          updatedInstance({
            current,
            group: deps.group,
            component: deps.plugin.name,
            revision: deps.updateRevision,
            previousTemplate,
          }),
        );
        deps.pendingWrites.wrote(deps.scope, action.name, current.metadata.resourceVersion);
        deps.logger.info('instance updated', { instance: action.name, revision: deps.updateRevision });
        break;
      }
      case 'scaleIn': {
        const instance = existing(action.name);
        if (deps.plugin.scaleIn.mode === 'offline') await patchOffline(instance, true);
        else await deleteGuarded(instance);
        deps.logger.info('instance scaled in', { instance: action.name, mode: deps.plugin.scaleIn.mode });
        break;
      }
      case 'cancelRemoval':
        await patchOffline(existing(action.name), false);
        deps.logger.info('instance removal cancelled', { instance: action.name });
        break;
      case 'delete':
        await deleteGuarded(existing(action.name));
        deps.logger.info('removed instance deleted', { instance: action.name });
        break;
    }
  }
}

/** The template metadata stored in the revision `name`, if that revision still exists. */
function templateMetadataOf(revisions: readonly ControllerRevision[], name: string): TemplateMetadata | undefined {
  const revision = revisions.find((r) => r.metadata.name === name);
  const record = revision ? recordOf(revision) : undefined;
  return (record?.data.template as { metadata?: TemplateMetadata } | undefined)?.metadata;
}
