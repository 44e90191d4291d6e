// The instance's conditions, decided from what one reconcile found and did (pure): Running (the Pod runs),
// Ready (the Pod is ready and the plugin says the component serves), Synced (the Pod matches the instance's
// spec, nothing refused), Suspended, and, for plugins that scale in with `offline`, Offlined. Every condition
// carries the instance generation it was computed for: the group trusts a Ready only for the current spec.
import { conditionTypes } from '../../api/conditions.ts';
import type { ConditionUpdate } from '../../tasks/conditions.ts';
import { isPodReady, isPodRunning, type PodObject } from './pod.ts';

export const instanceReasons = {
  PodRunning: 'PodRunning',
  PodNotCreated: 'PodNotCreated',
  PodTerminating: 'PodTerminating',
  PodNotRunning: 'PodNotRunning',
  Ready: 'Ready',
  PodNotReady: 'PodNotReady',
  InstanceNotHealthy: 'InstanceNotHealthy',
  Synced: 'Synced',
  PodNotUpToDate: 'PodNotUpToDate',
  ConfigInvalid: 'ConfigInvalid',
  /** The plugin cannot render the config yet (a fact it needs is missing); no Pod until it can. */
  ConfigPending: 'ConfigPending',
  PodOverlayInvalid: 'PodOverlayInvalid',
  VolumeChangeRefused: 'VolumeChangeRefused',
  Suspended: 'Suspended',
  Suspending: 'Suspending',
  NotSuspended: 'NotSuspended',
  /** Offlined: the removal runs. */
  Processing: 'Processing',
  /** Offlined: the data plane finished the removal; the group may delete the instance. */
  Completed: 'Completed',
  /** Offlined: offline was set back to false; the removal is being undone. */
  Canceling: 'Canceling',
} as const;

/** Something that keeps the instance from matching its spec (a condition reason and what to do about it). */
export interface SyncProblem {
  reason: string;
  message: string;
}

/** Where the `offline` scale-in stands after this reconcile; `keep` leaves the condition as it was. */
export type OfflineProgress = 'processing' | 'completed' | 'canceling' | 'none' | 'keep';

export interface ConditionInput {
  generation: number | undefined;
  pod: PodObject | undefined;
  /** Cluster.spec.suspendAction.suspendCompute. */
  suspended: boolean;
  /** The Pod was built from the current spec (or was just patched to it); false while a recreation is pending. */
  podUpToDate: boolean;
  /** Why the Pod is not up to date, when it is not. */
  pendingChanges: readonly string[];
  problems: readonly SyncProblem[];
  /** The plugin's health verdict; undefined when the reconcile did not get that far. */
  health: { healthy: boolean; reason: string } | undefined;
}

/** Running, Ready, Synced and Suspended for one reconcile. */
export function instanceConditions(input: ConditionInput): ConditionUpdate[] {
  const g = input.generation === undefined ? {} : { observedGeneration: input.generation };
  const cond = (type: string, ok: boolean, reason: string, message: string): ConditionUpdate => ({
    type,
    status: ok ? 'True' : 'False',
    reason,
    message,
    ...g,
  });
  const { pod } = input;
  const out: ConditionUpdate[] = [];

  if (isPodRunning(pod)) out.push(cond(conditionTypes.Running, true, instanceReasons.PodRunning, 'the Pod is running'));
  else if (!pod) out.push(cond(conditionTypes.Running, false, instanceReasons.PodNotCreated, 'the Pod does not exist'));
  else if (pod.metadata.deletionTimestamp !== undefined) {
    out.push(cond(conditionTypes.Running, false, instanceReasons.PodTerminating, 'the Pod is terminating'));
  } else {
    const phase = pod.status?.phase ?? 'Pending';
    out.push(cond(conditionTypes.Running, false, instanceReasons.PodNotRunning, `the Pod is ${phase}`));
  }

  if (!pod) out.push(cond(conditionTypes.Ready, false, instanceReasons.PodNotCreated, 'the Pod does not exist'));
  else if (!isPodReady(pod))
    out.push(cond(conditionTypes.Ready, false, instanceReasons.PodNotReady, 'the Pod is not ready'));
  else if (!input.health) {
    out.push(cond(conditionTypes.Ready, false, instanceReasons.InstanceNotHealthy, 'health not checked yet'));
  } else if (!input.health.healthy) {
    out.push(cond(conditionTypes.Ready, false, instanceReasons.InstanceNotHealthy, input.health.reason));
  } else out.push(cond(conditionTypes.Ready, true, instanceReasons.Ready, input.health.reason));

  const problem = input.problems[0];
  if (problem) out.push(cond(conditionTypes.Synced, false, problem.reason, problem.message));
  else if (input.suspended) {
    out.push(
      pod
        ? cond(conditionTypes.Synced, false, instanceReasons.Suspending, 'the Pod is being deleted for suspension')
        : cond(conditionTypes.Synced, true, instanceReasons.Suspended, 'suspended: no Pod, volumes kept'),
    );
  } else if (!pod)
    out.push(cond(conditionTypes.Synced, false, instanceReasons.PodNotCreated, 'the Pod does not exist'));
  else if (!input.podUpToDate) {
    const why = input.pendingChanges.length > 0 ? input.pendingChanges.join('; ') : 'the Pod is being replaced';
    out.push(cond(conditionTypes.Synced, false, instanceReasons.PodNotUpToDate, why));
  } else out.push(cond(conditionTypes.Synced, true, instanceReasons.Synced, 'the Pod matches the spec'));

  if (input.suspended) {
    out.push(
      pod
        ? cond(conditionTypes.Suspended, false, instanceReasons.Suspending, 'deleting the Pod')
        : cond(conditionTypes.Suspended, true, instanceReasons.Suspended, 'the Pod is deleted, volumes are kept'),
    );
  } else {
    out.push(cond(conditionTypes.Suspended, false, instanceReasons.NotSuspended, 'the cluster is not suspended'));
  }
  return out;
}

/** The Offlined condition for a progress, or `remove` / `keep`. */
export function offlinedCondition(
  progress: OfflineProgress,
  generation: number | undefined,
): ConditionUpdate | 'remove' | 'keep' {
  const g = generation === undefined ? {} : { observedGeneration: generation };
  switch (progress) {
    case 'processing':
      return {
        type: conditionTypes.Offlined,
        status: 'False',
        reason: instanceReasons.Processing,
        message: 'removing the instance from the data plane',
        ...g,
      };
    case 'completed':
      return {
        type: conditionTypes.Offlined,
        status: 'True',
        reason: instanceReasons.Completed,
        message: 'the data plane finished the removal',
        ...g,
      };
    case 'canceling':
      return {
        type: conditionTypes.Offlined,
        status: 'False',
        reason: instanceReasons.Canceling,
        message: 'offline was lifted: undoing the removal',
        ...g,
      };
    case 'none':
      return 'remove';
    case 'keep':
      return 'keep';
  }
}
