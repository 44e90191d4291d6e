// The group's half of failover: what it reads from its instance CRs for the decision (core/failover/decision.ts),
// which instances count as failed for the rollout and the status, and the marks it writes on instances. The
// instance reconciler writes the health (`Healthy`, `status.downSince`); the group decides and marks; the updater
// keeps one instance more per failed one.
import { failoverAnnotations } from '../../api/failover.ts';
import { parseTimestampMs } from '../../api/timestamp.ts';
import { type FailoverInstance, failoverReasons } from '../../failover/decision.ts';
import type { InstanceObject } from '../../plugin/contract.ts';
import { instanceCondition, lifecycleOf } from './instance-facts.ts';

/** The instance condition written by the instance reconciler (core/failover/health.ts). */
export const HEALTHY = 'Healthy';
/** The group condition that tells what failover does (core/failover/decision.ts `failoverReasons`). */
export const FAILOVER = 'Failover';

/** Why the operator recreates an instance's Pod (the instance reconciler's Synced reason). */
const RESTARTING_REASON = 'PodNotUpToDate';

export function isHealthy(instance: InstanceObject): boolean {
  return instanceCondition(instance, HEALTHY)?.status === 'True';
}

/** `status.downSince` of the instance (ms). */
export function downSinceOf(instance: InstanceObject): number | undefined {
  const value = (instance.status as { downSince?: unknown } | undefined)?.downSince;
  return typeof value === 'string' ? parseTimestampMs(value) : undefined;
}

/** What the failover decision reads from one instance CR. */
export function toFailoverInstance(instance: InstanceObject): FailoverInstance {
  const annotations = instance.metadata.annotations ?? {};
  const synced = instanceCondition(instance, 'Synced');
  const out: FailoverInstance = {
    name: instance.metadata.name,
    lifecycle: lifecycleOf(instance),
    createdMs: parseTimestampMs(instance.metadata.creationTimestamp) ?? 0,
    healthy: isHealthy(instance),
    restarting: synced?.status === 'False' && synced.reason === RESTARTING_REASON,
    recreating: annotations[failoverAnnotations.recreateEmpty] !== undefined,
  };
  const downSince = downSinceOf(instance);
  if (downSince !== undefined) out.downSinceMs = downSince;
  const failedSince = annotations[failoverAnnotations.failedSince];
  if (failedSince !== undefined) out.failedSinceMs = parseTimestampMs(failedSince) ?? 0;
  const replacementFor = annotations[failoverAnnotations.replacementFor];
  if (replacementFor !== undefined) out.replacementFor = replacementFor;
  return out;
}

/**
 * Active instances marked failed that are not healthy again: the group keeps one more instance for each, and
 * they do not count as missing from the group's `replicas` (status, rollout done). The same rule as the
 * decision's `failed` before it marks anything new.
 */
export function failedInstanceNames(instances: readonly InstanceObject[]): Set<string> {
  return new Set(
    instances
      .filter(
        (i) =>
          lifecycleOf(i) === 'active' &&
          i.metadata.annotations?.[failoverAnnotations.failedSince] !== undefined &&
          !isHealthy(i),
      )
      .map((i) => i.metadata.name),
  );
}

/** Unhealthy instances (not deleting) by their Healthy reason, for the group's metrics. */
export function unhealthyByReason(instances: readonly InstanceObject[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const instance of instances) {
    if (lifecycleOf(instance) === 'deleting') continue;
    const healthy = instanceCondition(instance, HEALTHY);
    if (!healthy || healthy.status === 'True') continue;
    out[healthy.reason] = (out[healthy.reason] ?? 0) + 1;
  }
  return out;
}

/** Group condition reasons worth a Warning event when the Failover condition changes to them. */
export const failoverWarnings: ReadonlySet<string> = new Set([
  failoverReasons.Refused,
  failoverReasons.MaxFailoversReached,
]);
