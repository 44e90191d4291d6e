// Status conditions in the shape of metav1.Condition, and the condition types shared by every component.
import * as v from 'valibot';
import { listMap } from './fields.ts';

export const conditionStatuses = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof conditionStatuses)[number];

export const conditionSchema = v.object({
  type: v.pipe(v.string(), v.minLength(1), v.maxLength(316), v.description('Condition type, in CamelCase.')),
  status: v.pipe(v.picklist(conditionStatuses), v.description('`True`, `False` or `Unknown`.')),
  observedGeneration: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(0),
      v.description('metadata.generation the condition was computed for.'),
    ),
  ),
  lastTransitionTime: v.pipe(v.string(), v.isoTimestamp(), v.description('When the status last changed (RFC 3339).')),
  reason: v.pipe(
    v.string(),
    v.minLength(1),
    v.maxLength(1024),
    v.regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
    v.description('Machine-readable reason, in CamelCase.'),
  ),
  message: v.optional(v.pipe(v.string(), v.maxLength(32768), v.description('Human-readable details.'))),
});
export type Condition = v.InferOutput<typeof conditionSchema>;

export function conditionsField() {
  return v.optional(listMap(conditionSchema, 'type', 32, 'Current state, one condition per type.'));
}

/** Condition types shared by clusters, groups and instances. Components add their own (TiKV `LeadersEvicted`). */
export const conditionTypes = {
  /** Cluster: every component group serves (quorum and enough Up stores). */
  Available: 'Available',
  /** Cluster: a group is scaling, updating or recovering. */
  Progressing: 'Progressing',
  /** All instances are ready (cluster, group) or the Pod and the component are ready (instance). */
  Ready: 'Ready',
  /** The observed state matches the spec: every instance on the update revision, no pending change. */
  Synced: 'Synced',
  /** Suspension (`Cluster.spec.suspendAction`) is in effect or in progress. */
  Suspended: 'Suspended',
  /** Instance: its Pod exists and runs. */
  Running: 'Running',
  /**
   * Instance, plugins whose scale-in mode is `offline`: False while the removal runs, True (reason `Completed`)
   * once the data plane finished it; the group then deletes the instance.
   */
  Offlined: 'Offlined',
} as const;

/** Reasons the generic reconcilers use on the conditions above. */
export const conditionReasons = {
  /** The TOML config does not parse or sets a key the operator manages; no Pod is changed (Synced=False). */
  ConfigInvalid: 'ConfigInvalid',
} as const;
