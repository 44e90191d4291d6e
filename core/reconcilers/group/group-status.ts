// The group's status from what the reconcile observed and decided: replica counts, revisions, the `/scale`
// selector, the version every instance runs, and the conditions Ready, Synced and Suspended. Pure: the
// reconciler writes the result once (persistStatus), and nothing when it did not change.
import { conditionTypes } from '../../api/conditions.ts';
import type { FailoverCondition } from '../../failover/decision.ts';
import type { GroupObject, InstanceObject } from '../../plugin/contract.ts';
import { type Condition, setCondition } from '../../tasks/conditions.ts';
import { FAILOVER, failedInstanceNames } from './failover.ts';
import { currentRevisionOf, instanceCondition, isInstanceReady, lifecycleOf, revisionOf } from './instance-facts.ts';

export const groupReasons = {
  AllInstancesReady: 'AllInstancesReady',
  NotAllInstancesReady: 'NotAllInstancesReady',
  Synced: 'Synced',
  /** Instances are being created, removed or moved to the update revision. */
  Updating: 'Updating',
  Paused: 'Paused',
  ClusterNotFound: 'ClusterNotFound',
  ClusterDeleting: 'ClusterDeleting',
  /** The template's config is rejected (plugin validation, or reported by an instance); no rollout. */
  ConfigInvalid: 'ConfigInvalid',
  /** A version change waits for the components this one depends on (upgradePolicy Ordered). */
  WaitingForDependencies: 'WaitingForDependencies',
  /** The plugin refused to remove instances now (quorum, replicas of the data). */
  ScaleInRefused: 'ScaleInRefused',
  NotSuspended: 'NotSuspended',
  Suspending: 'Suspending',
  Suspended: 'Suspended',
  Resuming: 'Resuming',
} as const;

/** The group status fields the core owns (plugins may add their own next to them). */
export interface GroupStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  replicas?: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  selector?: string;
  version?: string;
  [key: string]: unknown;
}

/** Why the group is not in sync although it may look so from its instances. */
export interface SyncBlocker {
  reason: string;
  message: string;
}

export interface GroupStatusInput {
  group: GroupObject;
  /** Every instance CR of the group, deleting ones included. */
  instances: readonly InstanceObject[];
  /** Names being created that the cache does not show yet. */
  pendingCreations: number;
  /** Revisions decided by this reconcile; undefined when it did not get that far (the status keeps its own). */
  revisions?: { updateRevision: string; currentRevision: string; collisionCount: number };
  selector: string;
  /** When set, the reconcile acted on the spec: observedGeneration moves to the group's generation. */
  acted: boolean;
  blocker?: SyncBlocker | undefined;
  suspendCompute: boolean;
  nowMs: number;
  /** The failover decision's condition, when the reconcile got that far (otherwise the previous one stays). */
  failover?: FailoverCondition | undefined;
}

/**
 * The rollout is done: exactly `desired` instances besides the failed ones (failover keeps those and replaces
 * them), none being created or removed, each carrying the update revision and running a Pod built from it. Only
 * then does the group's current revision (and version) move on.
 */
export function isRolloutDone(
  instances: readonly InstanceObject[],
  updateRevision: string,
  desired: number,
  pendingCreations: number,
): boolean {
  const failed = failedInstanceNames(instances);
  const existing = instances.filter((i) => lifecycleOf(i) !== 'deleting' && !failed.has(i.metadata.name));
  return (
    pendingCreations === 0 &&
    existing.length === desired &&
    existing.every(
      (i) => lifecycleOf(i) === 'active' && revisionOf(i) === updateRevision && currentRevisionOf(i) === updateRevision,
    )
  );
}

/** Computes the next status from the previous one (`group.status`), keeping fields the core does not own. */
export function computeGroupStatus(input: GroupStatusInput): GroupStatus {
  const { group } = input;
  const previous = (group.status ?? {}) as GroupStatus;
  const desired = group.spec.replicas;
  const existing = input.instances.filter((i) => lifecycleOf(i) !== 'deleting');
  const active = existing.filter((i) => lifecycleOf(i) === 'active');
  const failed = failedInstanceNames(input.instances);
  const serving = active.filter((i) => !failed.has(i.metadata.name));
  const leaving = existing.length - active.length;
  const updateRevision = input.revisions?.updateRevision ?? previous.updateRevision;
  const currentRevision = input.revisions?.currentRevision ?? previous.currentRevision;
  const ready = active.filter(isInstanceReady).length;
  const updated = active.filter((i) => updateRevision !== undefined && revisionOf(i) === updateRevision);
  const current = active.filter((i) => currentRevision !== undefined && revisionOf(i) === currentRevision).length;
  const running = updated.filter((i) => currentRevisionOf(i) === updateRevision).length;
  const allUpdated =
    updateRevision !== undefined && isRolloutDone(input.instances, updateRevision, desired, input.pendingCreations);

  const status: GroupStatus = {
    ...previous,
    replicas: existing.length,
    readyReplicas: ready,
    currentReplicas: current,
    updatedReplicas: updated.length,
    selector: input.selector,
  };
  if (updateRevision !== undefined) status.updateRevision = updateRevision;
  if (currentRevision !== undefined) status.currentRevision = currentRevision;
  if (input.revisions) status.collisionCount = input.revisions.collisionCount;
  if (input.acted) status.observedGeneration = group.metadata.generation;
  const version = (group.spec.template.spec as { version?: unknown } | undefined)?.version;
  if (allUpdated && input.revisions?.currentRevision === updateRevision && typeof version === 'string') {
    status.version = version;
  }

  const generation = group.metadata.generation;
  let conditions = previous.conditions;
  const set = (type: string, value: boolean, reason: string, message: string) => {
    conditions = setCondition(
      conditions,
      { type, status: value ? 'True' : 'False', reason, message, observedGeneration: generation },
      input.nowMs,
    );
  };

  // Failed instances are replaced: the group is Ready when `desired` others are.
  const readyServing = serving.filter(isInstanceReady).length;
  const allReady = readyServing === desired && serving.length === desired && input.pendingCreations === 0;
  set(
    conditionTypes.Ready,
    allReady,
    allReady ? groupReasons.AllInstancesReady : groupReasons.NotAllInstancesReady,
    `${readyServing} of ${desired} instances ready` +
      (failed.size > 0 ? `; failed over: ${[...failed].sort().join(', ')}` : ''),
  );

  if (input.blocker) set(conditionTypes.Synced, false, input.blocker.reason, input.blocker.message);
  else if (allUpdated)
    set(conditionTypes.Synced, true, groupReasons.Synced, `${desired} instances at ${updateRevision}`);
  else {
    set(
      conditionTypes.Synced,
      false,
      groupReasons.Updating,
      `${updated.length} of ${desired} instances at the update revision` +
        (running < updated.length ? `, ${updated.length - running} not running it yet` : '') +
        (leaving > 0 ? `, ${leaving} being removed` : '') +
        (serving.length !== desired ? `, ${serving.length} instances` : ''),
    );
  }
  if (input.failover) set(FAILOVER, input.failover.status === 'True', input.failover.reason, input.failover.message);

  const suspended = existing.filter((i) => instanceCondition(i, conditionTypes.Suspended)?.status === 'True').length;
  if (input.suspendCompute) {
    const done = suspended === existing.length;
    set(
      conditionTypes.Suspended,
      done,
      done ? groupReasons.Suspended : groupReasons.Suspending,
      `${suspended} of ${existing.length} instances suspended`,
    );
  } else if (suspended > 0) {
    set(conditionTypes.Suspended, false, groupReasons.Resuming, `${suspended} instances still suspended`);
  } else {
    set(conditionTypes.Suspended, false, groupReasons.NotSuspended, 'compute is not suspended');
  }
  status.conditions = conditions;
  return status;
}
