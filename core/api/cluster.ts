// The Cluster kind: settings shared by every group of one TiKV cluster and an overview of their state.
import * as v from 'valibot';
import { conditionsField } from './conditions.ts';
import { integer, listMap } from './fields.ts';
import { defineKind, type ObjectOf, type PrinterColumn, parseObject } from './kind.ts';
import { MAX_CLUSTER_NAME_LENGTH } from './names.ts';

export const upgradePolicies = ['Ordered', 'AllAtOnce'] as const;
export type UpgradePolicy = (typeof upgradePolicies)[number];

const featureGateSchema = v.object({
  name: v.pipe(
    v.string(),
    v.maxLength(64),
    v.regex(/^[A-Z][A-Za-z0-9]*$/, 'feature gate names are CamelCase'),
    v.description('Name of the feature gate to enable.'),
  ),
});

export const clusterSpecSchema = v.optional(
  v.object({
    paused: v.optional(
      v.pipe(
        v.boolean(),
        v.description(
          'Stop reconciling the groups and instances of this cluster: no Pod, PVC, ConfigMap or data-plane change until it is false again. Status is still reported.',
        ),
      ),
      false,
    ),
    suspendAction: v.optional(
      v.pipe(
        v.object({
          suspendCompute: v.optional(
            v.pipe(
              v.boolean(),
              v.description('Delete every Pod of the cluster and keep its volumes; false brings them back.'),
            ),
            false,
          ),
        }),
        v.description('Suspends parts of the cluster without deleting data.'),
      ),
    ),
    featureGates: v.optional(
      listMap(featureGateSchema, 'name', 32, 'Feature gates enabled for this cluster; groups and instances see them.'),
    ),
    upgradePolicy: v.optional(
      v.pipe(
        v.picklist(upgradePolicies),
        v.description(
          '`Ordered`: a version change rolls out by component dependency (PD before TiKV); a component waits until the ones it depends on are updated. `AllAtOnce`: every group updates as soon as its template changes.',
        ),
      ),
      'Ordered',
    ),
    revisionHistoryLimit: integer(
      'How many old template revisions (ControllerRevisions) each group keeps, besides the current and update revisions.',
      0,
      10,
    ),
  }),
  {},
);
export type ClusterSpec = v.InferOutput<typeof clusterSpecSchema>;

export const componentStatusSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.description('Component name (`pd`, `tikv`).')),
  replicas: v.pipe(
    v.number(),
    v.integer(),
    v.minValue(0),
    v.description('Desired instances over all groups of the component.'),
  ),
  readyReplicas: v.pipe(
    v.number(),
    v.integer(),
    v.minValue(0),
    v.description('Ready instances over all groups of the component.'),
  ),
});
export type ComponentStatus = v.InferOutput<typeof componentStatusSchema>;

export const clusterStatusSchema = v.object({
  observedGeneration: v.optional(v.pipe(v.number(), v.integer(), v.description('metadata.generation last acted on.'))),
  conditions: conditionsField(),
  components: v.optional(listMap(componentStatusSchema, 'name', 16, 'Instance counts per component.')),
  id: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[0-9]+$/, 'id is a decimal cluster id'),
      v.description('Cluster id reported by PD. A string: it is a uint64 and does not fit a JSON number.'),
    ),
  ),
  pd: v.optional(
    v.pipe(v.string(), v.description('URL of the PD client Service, `http://<pdgroup>.<namespace>:2379`.')),
  ),
});
export type ClusterStatus = v.InferOutput<typeof clusterStatusSchema>;

export const clusterKind = defineKind({
  kind: 'Cluster',
  plural: 'clusters',
  shortNames: ['tkc'],
  categories: ['tikv'],
  role: 'cluster',
  description:
    'A TiKV cluster: the settings its PD and TiKV groups share and an overview of their state. Groups refer to it by name in the same namespace.',
  spec: clusterSpecSchema,
  status: clusterStatusSchema,
  maxNameLength: MAX_CLUSTER_NAME_LENGTH,
  nameLengthReason: 'the name is a label value on every object of the cluster, with room for derived names',
  printerColumns: [
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Available', type: 'string', jsonPath: '.status.conditions[?(@.type=="Available")].status' },
    { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', priority: 1 },
    { name: 'ID', type: 'string', jsonPath: '.status.id', priority: 1 },
  ],
});
export type Cluster = ObjectOf<typeof clusterKind>;

/** The Cluster kind with a ready-count column per component (added by the composition root, which knows them). */
export function withComponentColumns(
  kind: typeof clusterKind,
  components: readonly { name: string; displayName: string }[],
): typeof clusterKind {
  const componentColumns: PrinterColumn[] = components.map((c) => ({
    name: c.displayName,
    type: 'integer',
    jsonPath: `.status.components[?(@.name=="${c.name}")].readyReplicas`,
    description: `Ready ${c.displayName} instances`,
  }));
  return { ...kind, printerColumns: [...componentColumns, ...kind.printerColumns] };
}

export function parseCluster(input: unknown) {
  return parseObject(clusterKind, input);
}
