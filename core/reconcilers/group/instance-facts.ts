// What the group reconciler reads from one instance CR for the updater: its lifecycle (active, being removed,
// removed, deleting), its revision, whether it runs and whether it is available. Pure functions of the instance
// object, so the group -> instance protocol (docs/plugins.md) is checked by table tests.
import { conditionTypes } from '../../api/conditions.ts';
import { annotationKeys, labelKeys } from '../../api/labels.ts';
import type { GroupObject, InstanceObject } from '../../plugin/contract.ts';
import { type Condition, getCondition } from '../../tasks/conditions.ts';
import { availability } from '../../updater/availability.ts';
import type { InstanceLifecycle, UpdaterInstance } from '../../updater/state.ts';

/**
 * Group annotation naming instances to remove, comma separated (`tikv.org/remove-instances: "kv-2,kv-4"`): the
 * user's explicit choice for a selective scale-in. The names are removed first when replicas are lowered, never
 * taken back on a scale-out, and never given to a new instance while they are listed.
 */
export const REMOVE_INSTANCES_ANNOTATION = 'tikv.org/remove-instances';

/** `tikv.org/priority: "0"` on an instance is the same explicit choice as listing it on the group. */
export const REMOVE_PRIORITY = 0;

function conditionsOf(instance: InstanceObject): Condition[] | undefined {
  const conditions = (instance.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(conditions) ? (conditions as Condition[]) : undefined;
}

export function instanceCondition(instance: InstanceObject, type: string): Condition | undefined {
  return getCondition(conditionsOf(instance), type);
}

/** The revision the group last gave the instance (its revision label). */
export function revisionOf(instance: InstanceObject): string {
  return instance.metadata.labels?.[labelKeys.instanceRevisionHash] ?? '';
}

/** The revision the instance's running Pod was built from (`status.currentRevision`). */
export function currentRevisionOf(instance: InstanceObject): string | undefined {
  const value = (instance.status as { currentRevision?: unknown } | undefined)?.currentRevision;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Where the instance is in its life (see core/updater/state.ts): deleting (a deletionTimestamp: a user asked for
 * a replacement, or the group deleted it), removed (`Offlined=True`), removing (`spec.offline`), else active.
 */
export function lifecycleOf(instance: InstanceObject): InstanceLifecycle {
  if (instance.metadata.deletionTimestamp !== undefined) return 'deleting';
  if (instanceCondition(instance, conditionTypes.Offlined)?.status === 'True') return 'removed';
  if (instance.spec.offline === true) return 'removing';
  return 'active';
}

/**
 * Ready for the group: the instance's `Ready` condition is True and was computed for its current generation
 * (a Ready left over from before the last spec change says nothing about the new spec).
 */
export function isInstanceReady(instance: InstanceObject): boolean {
  const ready = instanceCondition(instance, conditionTypes.Ready);
  return ready?.status === 'True' && ready.observedGeneration === instance.metadata.generation;
}

/** Since when the instance has been ready (the Ready condition's transition time), or undefined when not ready. */
export function readySinceMs(instance: InstanceObject): number | undefined {
  if (!isInstanceReady(instance)) return undefined;
  const since = Date.parse(instanceCondition(instance, conditionTypes.Ready)?.lastTransitionTime ?? '');
  // A Ready condition without a parseable time counts as ready since forever: the time is only for minReadySeconds.
  return Number.isNaN(since) ? 0 : since;
}

export function isInstanceRunning(instance: InstanceObject): boolean {
  return instanceCondition(instance, conditionTypes.Running)?.status === 'True';
}

/** The user's `tikv.org/priority` annotation: a non-negative integer, or undefined (absent or malformed). */
export function priorityOf(instance: InstanceObject): number | undefined {
  const raw = instance.metadata.annotations?.[annotationKeys.priority];
  if (raw === undefined || !/^[0-9]+$/.test(raw.trim())) return undefined;
  const value = Number(raw.trim());
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Names listed in the group's `tikv.org/remove-instances` annotation. */
export function listedForRemoval(group: GroupObject): string[] {
  const raw = group.metadata.annotations?.[REMOVE_INSTANCES_ANNOTATION] ?? '';
  return [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
}

/**
 * The user's explicit choice for removal: the names listed on the group, and the instances annotated with
 * priority 0.
 */
export function chosenForRemoval(group: GroupObject, instances: readonly InstanceObject[]): string[] {
  const chosen = new Set(listedForRemoval(group));
  for (const instance of instances) if (priorityOf(instance) === REMOVE_PRIORITY) chosen.add(instance.metadata.name);
  return [...chosen].sort();
}

export interface UpdaterFacts {
  instance: UpdaterInstance;
  /** Ready but not yet for minReadySeconds: reconcile again after this long to see it available. */
  recheckAfterMs?: number;
}

/**
 * Runs what it carries: the Pod was built from the revision on the instance's label (`status.currentRevision`,
 * copied from the Pod once it is Ready). Right after the group moved an instance to a new revision its old Pod
 * may still be Ready, even for the new generation, until the instance reconciler replaces it: such an instance is
 * not available, or the rollout would disrupt the next one before this one is back.
 */
export function runsItsRevision(instance: InstanceObject): boolean {
  return currentRevisionOf(instance) === revisionOf(instance);
}

/**
 * The updater's view of one instance at `nowMs`. minReadySeconds applies to instances at the update revision
 * only: it makes the rollout wait until a changed instance proved stable. An instance still at an older
 * revision that is ready serves; counting it as unavailable while its minReadySeconds run (right after the
 * group was created or scaled) would let the updater take it down for free, next to one already restarting.
 */
export function toUpdaterInstance(
  instance: InstanceObject,
  opts: { minReadySeconds: number; nowMs: number; updateRevision: string; disruptionCost?: number },
): UpdaterFacts {
  const since = runsItsRevision(instance) ? readySinceMs(instance) : undefined;
  const minReadySeconds = revisionOf(instance) === opts.updateRevision ? opts.minReadySeconds : 0;
  const avail = availability(since, minReadySeconds, opts.nowMs);
  const facts: UpdaterInstance = {
    name: instance.metadata.name,
    revision: revisionOf(instance),
    lifecycle: lifecycleOf(instance),
    running: isInstanceRunning(instance),
    available: avail.available,
  };
  const topology = instance.spec.topology;
  if (topology && Object.keys(topology).length > 0) facts.topology = topology;
  const priority = priorityOf(instance);
  if (priority !== undefined) facts.priority = priority;
  if (opts.disruptionCost !== undefined) facts.disruptionCost = opts.disruptionCost;
  const out: UpdaterFacts = { instance: facts };
  if (avail.recheckAfterMs !== undefined) out.recheckAfterMs = avail.recheckAfterMs;
  return out;
}
