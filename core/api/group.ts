// Generic group kind (PDGroup, TiKVGroup, ...): replicas, placement, rollout limits and the instance template.
// A plugin passes its template fields; everything else is the same for every component.
import * as v from 'valibot';
import { conditionsField } from './conditions.ts';
import { failoverField } from './failover.ts';
import { clusterReference, integer } from './fields.ts';
import { defineKind, type KindDefinition } from './kind.ts';
import { MAX_GROUP_NAME_LENGTH } from './names.ts';
import { type Rule, withRules } from './rules.ts';
import { schedulePoliciesField, updateStrategySchema } from './schedule.ts';
import { objectMetadataSchema, templateSpecRules } from './template.ts';

const count = (description: string) =>
  v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.description(description)));
const text = (description: string) => v.optional(v.pipe(v.string(), v.description(description)));

export const groupStatusEntries = {
  observedGeneration: count('metadata.generation last acted on.'),
  conditions: conditionsField(),
  replicas: count('Instances that exist.'),
  readyReplicas: count('Instances whose Ready condition is True.'),
  currentReplicas: count('Instances on the current revision.'),
  updatedReplicas: count('Instances on the update revision.'),
  currentRevision: text(
    'Revision (template hash) the group ran before the last change; equal to updateRevision when done.',
  ),
  updateRevision: text('Revision (template hash) of the current template; instances are moved to it.'),
  collisionCount: count('Hash collisions seen while naming revisions; part of the next hash.'),
  selector: text("Label selector of the instances' Pods, for the scale subresource (HPA)."),
  version: text('Version every instance runs; set once all instances are updated.'),
};

export interface GroupKindOptions<
  TTemplate extends v.ObjectEntries,
  TStatus extends v.ObjectEntries,
  TSpec extends v.ObjectEntries = Record<never, never>,
> {
  kind: string;
  plural: string;
  shortNames: readonly string[];
  /** Component name, the `tikv.org/component` label value (`tikv`). */
  component: string;
  description: string;
  /** Fields of `spec.template.spec` (core's common fields plus the plugin's). */
  templateEntries: TTemplate;
  defaultReplicas: number;
  /** Component-specific status fields. */
  statusEntries: TStatus;
  /** Component-specific fields of `spec` besides the template (PD: `join`). */
  specEntries?: TSpec;
  /**
   * Rules on the whole `spec` (CEL on the spec object and their runtime mirrors), for what a field-level rule cannot
   * see: a transition rule on a field's removal (PD: `join` may not be removed).
   */
  specRules?: readonly Rule<Record<string, unknown>>[];
}

export function groupSpecSchema<
  TTemplate extends v.ObjectEntries,
  TSpec extends v.ObjectEntries = Record<never, never>,
>(
  templateEntries: TTemplate,
  defaultReplicas: number,
  specEntries: TSpec = {} as TSpec,
  specRules: readonly Rule<Record<string, unknown>>[] = [],
) {
  const coreEntries = {
    cluster: clusterReference(),
    replicas: integer(
      'Desired number of instances. Lowering it removes instances (lowest `tikv.org/priority` first).',
      0,
      defaultReplicas,
    ),
    minReadySeconds: integer('Seconds an instance must stay Ready before the rollout moves on.', 0, 0),
    schedulePolicies: schedulePoliciesField(),
    updateStrategy: v.optional(updateStrategySchema, {}),
    failover: failoverField(),
    template: v.pipe(
      v.object({
        metadata: v.optional(
          v.pipe(objectMetadataSchema, v.description('Labels and annotations copied to every instance and its Pod.')),
        ),
        spec: withRules(
          v.pipe(
            v.object(templateEntries),
            v.description('What every instance runs. A change rolls out as a new revision.'),
          ),
          templateSpecRules(),
        ),
      }),
      v.description('Template of the instances.'),
    ),
  };
  // The plugin's fields after the core's, and never in place of one of them.
  const schema = v.object({ ...coreEntries, ...specEntries, ...coreEntries });
  return specRules.length === 0
    ? schema
    : withRules(schema, specRules as readonly Rule<v.InferOutput<typeof schema>>[]);
}

export function groupStatusSchema<TStatus extends v.ObjectEntries>(statusEntries: TStatus) {
  return v.object({ ...groupStatusEntries, ...statusEntries });
}

export function defineGroupKind<
  TTemplate extends v.ObjectEntries,
  TStatus extends v.ObjectEntries,
  TSpec extends v.ObjectEntries = Record<never, never>,
>(
  opts: GroupKindOptions<TTemplate, TStatus, TSpec>,
): KindDefinition<ReturnType<typeof groupSpecSchema<TTemplate, TSpec>>, ReturnType<typeof groupStatusSchema<TStatus>>> {
  return defineKind({
    kind: opts.kind,
    plural: opts.plural,
    shortNames: opts.shortNames,
    categories: ['tikv'],
    description: opts.description,
    role: 'group',
    component: opts.component,
    spec: groupSpecSchema(opts.templateEntries, opts.defaultReplicas, opts.specEntries, opts.specRules),
    status: groupStatusSchema(opts.statusEntries),
    maxNameLength: MAX_GROUP_NAME_LENGTH,
    nameLengthReason: 'instances are named <group>-<ordinal> and their PVCs <volume>-<instance>, all DNS labels',
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.cluster.name' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Updated', type: 'integer', jsonPath: '.status.updatedReplicas' },
      { name: 'UpdateRevision', type: 'string', jsonPath: '.status.updateRevision' },
      { name: 'CurrentRevision', type: 'string', jsonPath: '.status.currentRevision' },
      { name: 'Synced', type: 'string', jsonPath: '.status.conditions[?(@.type=="Synced")].status', priority: 1 },
    ],
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
    selectableFields: ['.spec.cluster.name'],
  });
}
