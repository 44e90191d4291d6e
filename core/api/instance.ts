// Generic instance kind (PD, TiKV, ...): one Pod, its ConfigMap and PVCs. Written by the group; its placement
// (topology) and DNS identity (subdomain) never change, so deleting and recreating is the only way to move it.
import * as v from 'valibot';
import { conditionsField } from './conditions.ts';
import { clusterReference, dnsLabel, stringMap } from './fields.ts';
import { defineKind, type KindDefinition, type PrinterColumn } from './kind.ts';
import { MAX_GROUP_NAME_LENGTH, MAX_INSTANCE_NAME_LENGTH, peerServiceName } from './names.ts';
import { rules, withRules } from './rules.ts';
import { templateSpecRules } from './template.ts';

const MAX_SUBDOMAIN_LENGTH = peerServiceName('x'.repeat(MAX_GROUP_NAME_LENGTH)).length;

export const topologyField = v.optional(
  v.pipe(
    stringMap(
      "Node labels the instance is pinned to (its node selector), chosen by the group's schedule policy. Immutable.",
    ),
    rules<Record<string, string>>({
      cel: 'self == oldSelf',
      message: 'topology is immutable: delete the instance and let the group recreate it elsewhere',
      transition: (self, oldSelf) => sameMap(self, oldSelf),
    }),
  ),
  {},
);

export const subdomainField = v.pipe(
  dnsLabel(MAX_SUBDOMAIN_LENGTH, "subdomain must be the name of the group's headless peer Service"),
  v.description(
    'Headless peer Service (`<group>-peer`); the Pod is reachable at `<instance>.<subdomain>.<namespace>.svc`. Immutable.',
  ),
  rules<string>({
    cel: 'self == oldSelf',
    message: 'subdomain is immutable',
    transition: (self, oldSelf) => self === oldSelf,
  }),
);

const instanceReplicasField = v.optional(
  v.pipe(
    v.number(),
    v.integer(),
    v.minValue(1, 'an instance always has exactly one replica'),
    v.maxValue(1, 'an instance always has exactly one replica'),
    v.description('Always 1. Exposed through the scale subresource so that PodDisruptionBudgets can count instances.'),
  ),
  1,
);

export const instanceStatusEntries = {
  observedGeneration: v.optional(v.pipe(v.number(), v.integer(), v.description('metadata.generation last acted on.'))),
  conditions: conditionsField(),
  replicas: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1), v.description('1 when the Pod exists.')),
  ),
  currentRevision: v.optional(
    v.pipe(v.string(), v.description('Revision of the template the running Pod was built from.')),
  ),
  updateRevision: v.optional(v.pipe(v.string(), v.description('Revision of the instance spec (its revision label).'))),
  downSince: v.optional(
    v.pipe(
      v.string(),
      v.isoTimestamp(),
      v.description(
        'Since when the instance counts as down (data plane Down, node NotReady or gone, volume stranded), without being Healthy in between (RFC 3339). Failover counts its period from here.',
      ),
    ),
  ),
};

export interface InstanceKindOptions<
  TTemplate extends v.ObjectEntries,
  TSpec extends v.ObjectEntries,
  TStatus extends v.ObjectEntries,
> {
  kind: string;
  plural: string;
  shortNames: readonly string[];
  component: string;
  description: string;
  /** The same template fields as the group's `spec.template.spec`, inlined in the instance spec. */
  templateEntries: TTemplate;
  /** Instance-only spec fields (TiKV `offline`). */
  specEntries: TSpec;
  statusEntries: TStatus;
  /** Component columns, shown between Cluster and Ready. */
  printerColumns: readonly PrinterColumn[];
}

export function instanceSpecSchema<TTemplate extends v.ObjectEntries, TSpec extends v.ObjectEntries>(
  templateEntries: TTemplate,
  specEntries: TSpec,
) {
  return withRules(
    v.object({
      cluster: clusterReference(),
      topology: topologyField,
      subdomain: subdomainField,
      replicas: instanceReplicasField,
      ...templateEntries,
      ...specEntries,
    }),
    templateSpecRules(),
  );
}

export function instanceStatusSchema<TStatus extends v.ObjectEntries>(statusEntries: TStatus) {
  return v.object({ ...instanceStatusEntries, ...statusEntries });
}

export function defineInstanceKind<
  TTemplate extends v.ObjectEntries,
  TSpec extends v.ObjectEntries,
  TStatus extends v.ObjectEntries,
>(
  opts: InstanceKindOptions<TTemplate, TSpec, TStatus>,
): KindDefinition<
  ReturnType<typeof instanceSpecSchema<TTemplate, TSpec>>,
  ReturnType<typeof instanceStatusSchema<TStatus>>
> {
  return defineKind({
    kind: opts.kind,
    plural: opts.plural,
    shortNames: opts.shortNames,
    categories: ['tikv'],
    description: opts.description,
    role: 'instance',
    component: opts.component,
    spec: instanceSpecSchema(opts.templateEntries, opts.specEntries),
    status: instanceStatusSchema(opts.statusEntries),
    maxNameLength: MAX_INSTANCE_NAME_LENGTH,
    nameLengthReason: 'the name is the Pod hostname and part of PVC names (<volume>-<instance>), all DNS labels',
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.cluster.name' },
      ...opts.printerColumns,
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Synced', type: 'string', jsonPath: '.status.conditions[?(@.type=="Synced")].status', priority: 1 },
    ],
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
    selectableFields: ['.spec.cluster.name'],
  });
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
