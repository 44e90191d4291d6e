// The legacy `TikvCluster` (tikv.org/v1alpha1) of the unmaintained tikv-operator, as a valibot schema: every spec
// field the legacy operator read, its status, and the fields this operator adds to the status once the cluster
// has been converted. The schema backs the corrected CRD (crd.ts) and the converter's input check (convert.ts).
//
// The legacy CRD had no schema at all (`openAPIV3Schema: {type: object}`), so stored objects may hold anything.
// Two choices follow from that:
// - every object of the spec keeps unknown fields (x-kubernetes-preserve-unknown-fields): the apiserver would
//   otherwise prune a misspelt field on the next write, and the converter could no longer warn about it;
// - `config` is free-form: the legacy operator dropped keys its config structs did not know, and the converter
//   must see them to say so (config-schema.ts lists the keys it knew).
import * as v from 'valibot';
import { freeForm, quantity } from '../../core/api/fields.ts';
import { type Rule, withRules } from '../../core/api/rules.ts';
import type { ResourceKind } from '../../core/kube/object.ts';

export const LEGACY_API_GROUP = 'tikv.org';
export const LEGACY_API_VERSION = 'v1alpha1';
export const LEGACY_API_GROUP_VERSION = `${LEGACY_API_GROUP}/${LEGACY_API_VERSION}`;
export const LEGACY_KIND = 'TikvCluster';
export const LEGACY_PLURAL = 'tikvclusters';

/** The TikvCluster resource, for the client and informers. */
export const legacyResource: ResourceKind = {
  group: LEGACY_API_GROUP,
  version: LEGACY_API_VERSION,
  kind: LEGACY_KIND,
  plural: LEGACY_PLURAL,
  namespaced: true,
};

/**
 * Operator feature gate (`tikv-operator run --feature-gates`) that serves the legacy API: watch TikvClusters and
 * report their conversion in their status (plugins/legacy/serve). Off by default; the CRD in crds/legacy/ is
 * installed by hand.
 */
export const LEGACY_API_FEATURE_GATE = 'LegacyTikvClusterAPI';

/** Annotations the legacy operator read on the TikvCluster itself. */
export const legacyClusterAnnotations = {
  /** JSON array of PD StatefulSet ordinals to delete (needs Advanced StatefulSet, which never shipped). */
  pdDeleteSlots: 'pd.tikv.org/delete-slots',
  /** JSON array of TiKV StatefulSet ordinals to delete (same). */
  tikvDeleteSlots: 'tikv.tikv.org/delete-slots',
  /** "true": when PD status cannot be read, restart every PD member at once. */
  forceUpgrade: 'tikv.org/force-upgrade',
} as const;

/** Pod annotations (cluster or component `annotations`) with a meaning to the legacy operator. */
export const legacyPodAnnotations = {
  /** "true" (TiKV only): run podSecurityContext.sysctls in a privileged init container instead of the kubelet. */
  sysctlInit: 'tikv.org/sysctl-init',
  /** "debug": the start scripts sleep instead of starting the component. */
  runMode: 'runmode',
} as const;

export const legacyConfigUpdateStrategies = ['InPlace', 'RollingUpdate'] as const;
export const pullPolicies = ['Always', 'Never', 'IfNotPresent'] as const;

// Keep what the schema does not declare (see the header).
const OPEN = { 'x-kubernetes-preserve-unknown-fields': true } as const;

const text = (description: string) => v.optional(v.pipe(v.string(), v.description(description)));
const flag = (description: string) => v.optional(v.pipe(v.boolean(), v.description(description)));
const count = (description: string, min: number) =>
  v.optional(v.pipe(v.number(), v.integer(), v.minValue(min, `must be >= ${min}`), v.description(description)));
const stringMap = (description: string) =>
  v.optional(v.pipe(v.record(v.string(), v.string()), v.description(description)));
const resourceList = (description: string) =>
  v.optional(
    v.pipe(v.record(v.string(), quantity('A quantity of this resource.', ['1Gi', '500m'])), v.description(description)),
  );
const objectList = (description: string) =>
  v.optional(v.pipe(v.array(freeForm('One item, as in the Pod spec.')), v.description(description)));

const envVarSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.description('Variable name.')),
  value: text('Value.'),
  valueFrom: v.optional(freeForm('Source of the value (configMapKeyRef or secretKeyRef).')),
});

/** Fields every component has (the legacy `ComponentSpec`); unset ones fall back to the cluster level. */
const componentEntries = {
  image: text('Deprecated: the full image. Ignored when `baseImage` is set; refused on create by the legacy operator.'),
  version: text('Image tag of this component; overrides `spec.version`.'),
  imagePullPolicy: v.optional(v.pipe(v.picklist(pullPolicies), v.description('Overrides `spec.imagePullPolicy`.'))),
  hostNetwork: flag('Run the Pods in the host network; overrides `spec.hostNetwork`.'),
  affinity: v.optional(freeForm('Pod affinity; replaces `spec.affinity`.')),
  priorityClassName: text('Overrides `spec.priorityClassName`.'),
  schedulerName: text('Overrides `spec.schedulerName`.'),
  nodeSelector: stringMap('Merged over `spec.nodeSelector`.'),
  annotations: stringMap('Pod annotations, merged over `spec.annotations`.'),
  tolerations: objectList('Replaces `spec.tolerations` when not empty.'),
  podSecurityContext: v.optional(freeForm('Pod security context.')),
  configUpdateStrategy: v.optional(
    v.pipe(v.picklist(legacyConfigUpdateStrategies), v.description('Overrides `spec.configUpdateStrategy`.')),
  ),
  env: v.optional(v.pipe(v.array(envVarSchema), v.description('Extra environment variables of the container.'))),
};

const resourceEntries = {
  requests: resourceList('Resource requests; `storage` is the size of each volume and is required.'),
  limits: resourceList('Resource limits.'),
};

function storageRequired<T extends { requests?: Record<string, unknown> | undefined }>(): Rule<T> {
  return {
    cel: "has(self.requests) && 'storage' in self.requests",
    message: 'requests.storage is required: it is the size of the volume of each member',
    field: ['requests'],
    check: (self) => self.requests?.storage !== undefined,
  };
}

const serviceSchema = v.pipe(
  v.object({
    type: text('Service type (ClusterIP, NodePort, LoadBalancer).'),
    annotations: stringMap('Annotations of the Service.'),
    loadBalancerIP: text('loadBalancerIP of the Service.'),
    clusterIP: text('clusterIP of the Service.'),
    portName: text('Name of the client port (default `client`).'),
  }),
  v.metadata(OPEN),
  v.description('The PD client Service `<name>-pd`.'),
);

export const legacyPdSpecSchema = withRules(
  v.pipe(
    v.object({
      ...componentEntries,
      ...resourceEntries,
      replicas: count('Number of PD members.', 1),
      baseImage: text('Image repository; the tag is the version. Defaults to `pingcap/pd` when a version is set.'),
      service: v.optional(serviceSchema),
      maxFailoverCount: count('Most extra members the legacy operator added on failover (default 3).', 0),
      storageClassName: text('StorageClass of the PD volumes.'),
      config: v.optional(freeForm('PD configuration as a YAML map (converted to TOML by the legacy operator).')),
      tlsClientSecretName: text('Never used: the legacy operator had TLS turned off.'),
    }),
    v.metadata(OPEN),
    v.description('The PD members.'),
  ),
  [storageRequired()],
);

export const legacyTikvSpecSchema = withRules(
  v.pipe(
    v.object({
      ...componentEntries,
      ...resourceEntries,
      serviceAccount: text('ServiceAccount of the TiKV Pods.'),
      replicas: count('Number of TiKV stores.', 1),
      baseImage: text('Image repository; the tag is the version. Defaults to `pingcap/tikv` when a version is set.'),
      privileged: flag('Run the TiKV container privileged.'),
      maxFailoverCount: count('Most extra stores the legacy operator added on failover (default 3).', 0),
      storageClassName: text('StorageClass of the TiKV volumes.'),
      config: v.optional(freeForm('TiKV configuration as a YAML map (converted to TOML by the legacy operator).')),
    }),
    v.metadata(OPEN),
    v.description('The TiKV stores.'),
  ),
  [storageRequired()],
);

export const legacySpecSchema = v.pipe(
  v.object({
    discovery: v.optional(
      v.pipe(
        v.object(resourceEntries),
        v.metadata(OPEN),
        v.description('Resources of the `<name>-discovery` Deployment.'),
      ),
    ),
    pd: legacyPdSpecSchema,
    tikv: legacyTikvSpecSchema,
    paused: flag('Stop syncing the StatefulSets and Services.'),
    version: text('Image tag of PD and TiKV.'),
    schedulerName: text('Scheduler of the Pods.'),
    imagePullPolicy: v.optional(v.pipe(v.picklist(pullPolicies), v.description('Default `IfNotPresent`.'))),
    configUpdateStrategy: v.optional(
      v.pipe(
        v.picklist(legacyConfigUpdateStrategies),
        v.description(
          '`InPlace` (the default): a config change updates the ConfigMap and restarts nothing. `RollingUpdate`: it restarts the members.',
        ),
      ),
    ),
    hostNetwork: flag('Run the Pods in the host network.'),
    affinity: v.optional(freeForm('Pod affinity.')),
    priorityClassName: text('PriorityClass of the Pods.'),
    nodeSelector: stringMap('Node selector of the Pods.'),
    annotations: stringMap('Pod annotations.'),
    tolerations: objectList('Tolerations of the Pods.'),
    timezone: text('Time zone of the containers (environment variable TZ).'),
  }),
  v.metadata(OPEN),
  v.description('The legacy cluster: PD, TiKV and the settings they share.'),
);
export type LegacySpec = v.InferOutput<typeof legacySpecSchema>;
export type LegacyComponentSpec = v.InferOutput<typeof legacyPdSpecSchema> | v.InferOutput<typeof legacyTikvSpecSchema>;

const memberMap = (description: string) =>
  v.optional(v.pipe(v.record(v.string(), freeForm('One entry.')), v.description(description)));

const componentStatusEntries = {
  synced: flag('Whether the StatefulSet matched the spec.'),
  phase: text('Normal or Upgrade.'),
  statefulSet: v.optional(freeForm('Status of the StatefulSet.')),
  image: text('Image the members ran.'),
};

/** What this operator writes once it has converted the cluster to the new API. */
export const convertedToSchema = v.pipe(
  v.object({
    apiVersion: v.pipe(v.string(), v.description('API version of the new objects (`core.tikv.org/v1alpha1`).')),
    cluster: v.pipe(v.string(), v.description('Name of the Cluster (same namespace).')),
    pdGroup: v.pipe(v.string(), v.description('Name of the PDGroup (same namespace).')),
    tikvGroup: v.pipe(v.string(), v.description('Name of the TiKVGroup (same namespace).')),
  }),
  v.description('The objects of the new API this cluster was converted to.'),
);

export const legacyStatusSchema = v.pipe(
  v.object({
    converted: flag('Whether the cluster has been converted to the new API (Cluster, PDGroup, TiKVGroup).'),
    convertedAt: v.optional(v.pipe(v.string(), v.isoTimestamp(), v.description('When it was converted (RFC 3339).'))),
    convertedTo: v.optional(convertedToSchema),
    clusterID: text('PD cluster id.'),
    pd: v.optional(
      v.pipe(
        v.object({
          ...componentStatusEntries,
          members: memberMap('PD members by Pod name.'),
          leader: v.optional(freeForm('The PD leader.')),
          failureMembers: memberMap('Members the legacy operator replaced on failover, by Pod name.'),
          unjoinedMembers: memberMap('Pods whose member had not joined, by Pod name.'),
        }),
        v.metadata(OPEN),
      ),
    ),
    tikv: v.optional(
      v.pipe(
        v.object({
          ...componentStatusEntries,
          stores: memberMap('Stores by id.'),
          tombstoneStores: memberMap('Tombstone stores by id.'),
          failureStores: memberMap('Stores the legacy operator replaced on failover, by id.'),
        }),
        v.metadata(OPEN),
      ),
    ),
    conditions: v.optional(
      v.pipe(
        v.array(
          v.object({
            type: v.string(),
            status: v.string(),
            lastUpdateTime: v.optional(v.string()),
            lastTransitionTime: v.optional(v.string()),
            reason: v.optional(v.string()),
            message: v.optional(v.string()),
          }),
        ),
        v.description('Ready condition of the legacy operator.'),
      ),
    ),
  }),
  v.metadata(OPEN),
);
export type LegacyStatus = v.InferOutput<typeof legacyStatusSchema>;

export const legacyMetadataSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1, 'metadata.name is required')),
  namespace: v.optional(v.string()),
  labels: v.optional(v.record(v.string(), v.string())),
  annotations: v.optional(v.record(v.string(), v.string())),
  ownerReferences: v.optional(v.array(v.unknown())),
  finalizers: v.optional(v.array(v.string())),
});

/** A whole TikvCluster; metadata is checked only for what the converter reads. */
export const legacyTikvClusterSchema = v.object({
  apiVersion: v.literal(LEGACY_API_GROUP_VERSION),
  kind: v.literal(LEGACY_KIND),
  metadata: v.looseObject(legacyMetadataSchema.entries),
  spec: legacySpecSchema,
  status: v.optional(legacyStatusSchema),
});
export type TikvCluster = v.InferOutput<typeof legacyTikvClusterSchema>;

/** Whether a parsed YAML document is a legacy TikvCluster (by apiVersion and kind only). */
export function isTikvCluster(doc: unknown): boolean {
  if (typeof doc !== 'object' || doc === null) return false;
  const { apiVersion, kind } = doc as { apiVersion?: unknown; kind?: unknown };
  return apiVersion === LEGACY_API_GROUP_VERSION && kind === LEGACY_KIND;
}
