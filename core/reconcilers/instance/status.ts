// The instance status one reconcile writes (pure): the conditions it computed, the plugin's fields (member id,
// store id, leader flag), the generation it acted on, whether a Pod exists (`replicas`, for PodDisruptionBudgets
// through the scale subresource), the revision the instance asks for (`updateRevision`, its revision label) and
// the revision its Pod runs (`currentRevision`, the Pod's revision label, taken only once that Pod is Ready:
// the group counts an instance as updated when the two are equal).
import type { Condition } from '../../tasks/conditions.ts';
import { isPodReady, type PodObject, podRevision } from './pod.ts';

export interface InstanceStatusInput {
  /** The status as cached; fields nobody touches this time are kept. */
  before: Record<string, unknown> | undefined;
  /** The plugin's fields (InstanceContext.statusPatch). */
  statusPatch: Record<string, unknown>;
  conditions: Condition[];
  generation: number | undefined;
  /** The instance's revision label. */
  revision: string | undefined;
  /** The instance's own Pod, if any. */
  pod: PodObject | undefined;
}

export function instanceStatus(input: InstanceStatusInput): Record<string, unknown> {
  const status: Record<string, unknown> = { ...(input.before ?? {}), ...input.statusPatch };
  status.conditions = input.conditions;
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  status.replicas = input.pod ? 1 : 0;
  if (input.revision !== undefined) status.updateRevision = input.revision;
  const running = podRevision(input.pod);
  if (isPodReady(input.pod) && running !== undefined) status.currentRevision = running;
  return status;
}
