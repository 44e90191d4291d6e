// TikvCluster (tikv.org/v1alpha1, legacy) -> Cluster + PDGroup + TiKVGroup (core.tikv.org/v1alpha1). Pure: one
// object in, three objects and a list of warnings out. Every legacy setting is either carried (as a field, in
// the TOML config, or in the Pod overlay) or named in a warning that says why it is not; the converted objects
// pass the new API's own parsers, so they apply cleanly. What cannot be converted at all (no version, a name the
// new API cannot hold) is a LegacyConversionError listing every problem at once.
import * as v from 'valibot';
import { API_GROUP_VERSION } from '../../core/api/api-version.ts';
import { clusterKind, parseCluster } from '../../core/api/cluster.ts';
import { SEMVER_PATTERN } from '../../core/api/fields.ts';
import { formatIssues, type ParseResult, type SpecInputOf } from '../../core/api/kind.ts';
import { isReservedKey } from '../../core/api/labels.ts';
import { DNS1035_LABEL_PATTERN, MAX_CLUSTER_NAME_LENGTH, MAX_GROUP_NAME_LENGTH } from '../../core/api/names.ts';
import { type ConfigUpdateStrategy, DATA_VOLUME, resolveImage } from '../../core/api/template.ts';
import type { ObjectMeta } from '../../core/kube/object.ts';
import { compareQuantities, quantityToNumber } from '../../core/kube/quantity.ts';
import {
  PD_COMPONENT,
  PD_IMAGE_REPOSITORY,
  type PDGroupSpecInput,
  parsePDGroup,
  pdGroupKind,
  validatePDConfig,
} from '../pd/api.ts';
import {
  parseTiKVGroup,
  TIKV_COMPONENT,
  TIKV_IMAGE_REPOSITORY,
  type TiKVGroupSpecInput,
  TOPOLOGY_STORE_LABELS,
  tikvGroupKind,
  validateTiKVConfig,
} from '../tikv/api.ts';
import {
  LEGACY_KIND,
  type LegacySpec,
  legacyClusterAnnotations,
  legacyPodAnnotations,
  legacyTikvClusterSchema,
  type TikvCluster,
} from './api.ts';
import {
  type ConversionWarning,
  isPlainObject,
  type LegacyComponent,
  renderToml,
  type TomlTable,
  translateLegacyConfig,
} from './config.ts';

export type { ConversionWarning } from './config.ts';

/**
 * How the groups are named:
 * - `distinct` (default): `<cluster>-pdg` and `<cluster>-kvg`. No Pod, Service or ConfigMap name collides with
 *   the legacy objects (`<name>-pd-<n>`, `<name>-pd`, `<name>-pd-peer`, `<name>-tikv-<n>`, `<name>-tikv-peer`),
 *   so the new groups can run next to the legacy StatefulSets: what join-and-drain needs.
 * - `legacy`: `<cluster>-pd` and `<cluster>-tikv`. Instances get the legacy Pod names and DNS names
 *   (`<name>-tikv-0.<name>-tikv-peer.<ns>.svc`), which is what a per-Pod swap or an in-place adoption needs; only
 *   apply them once the legacy StatefulSets and Services are gone.
 */
export type GroupNaming = 'distinct' | 'legacy';
export const groupNamings: readonly GroupNaming[] = ['distinct', 'legacy'];

export interface ConvertOptions {
  /** Name of the new Cluster; the legacy name by default. */
  name?: string;
  groupNaming?: GroupNaming;
}

/** The Cluster spec as users write it. */
export type ClusterSpecInput = SpecInputOf<typeof clusterKind>;

/** An object of the new API as users write it (defaults left to the apiserver). */
export interface ConvertedObject<TSpec> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: TSpec;
}

export interface TikvClusterConversion {
  /** The legacy object converted. */
  source: { namespace?: string; name: string };
  cluster: ConvertedObject<ClusterSpecInput>;
  pdGroup: ConvertedObject<PDGroupSpecInput>;
  tikvGroup: ConvertedObject<TiKVGroupSpecInput>;
  /** Legacy fields not carried as they were, in the order of the legacy object. */
  warnings: ConversionWarning[];
}

/** Annotation on the converted objects: the legacy object they come from (`TikvCluster/<name>`). */
export const CONVERTED_FROM_ANNOTATION = 'tikv.org/converted-from';

/** The annotation value that marks objects converted from the TikvCluster `name`. */
export function convertedFromValue(name: string): string {
  return `${LEGACY_KIND}/${name}`;
}

/** The TikvCluster an object was converted from, by its annotation; undefined for any other object. */
export function convertedFromName(obj: { metadata: ObjectMeta }): string | undefined {
  const value = obj.metadata.annotations?.[CONVERTED_FROM_ANNOTATION];
  const prefix = `${LEGACY_KIND}/`;
  if (value === undefined || !value.startsWith(prefix) || value.length === prefix.length) return undefined;
  return value.slice(prefix.length);
}

/** The legacy operator's image for its sysctl init container (TiKV `tikv.org/sysctl-init: "true"`). */
export const LEGACY_SYSCTL_IMAGE = 'busybox:1.26.2';

/** Name of the component container the plugins render (the component name); the overlay merges into it. */
const containerNames: Record<LegacyComponent, string> = { pd: PD_COMPONENT, tikv: TIKV_COMPONENT };
const imageRepositories: Record<LegacyComponent, string> = { pd: PD_IMAGE_REPOSITORY, tikv: TIKV_IMAGE_REPOSITORY };

/** Environment variables the legacy operator set itself; a user's variable of the same name was ignored. */
const legacyOperatorEnv: Record<LegacyComponent, readonly string[]> = {
  pd: ['NAMESPACE', 'PEER_SERVICE_NAME', 'SERVICE_NAME', 'SET_NAME', 'TZ'],
  tikv: ['NAMESPACE', 'CLUSTER_NAME', 'HEADLESS_SERVICE_NAME', 'CAPACITY', 'TZ'],
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const semver = new RegExp(SEMVER_PATTERN);
const GIB = 2 ** 30;
const MIB = 2 ** 20;

export class LegacyConversionError extends Error {
  override name = 'LegacyConversionError';
  constructor(
    readonly object: string,
    readonly problems: readonly ConversionWarning[],
  ) {
    super(
      `${LEGACY_KIND} ${object}: cannot convert: ${problems.map((p) => (p.field ? `${p.field}: ${p.reason}` : p.reason)).join('; ')}`,
    );
  }
}

export function groupNamesFor(cluster: string, naming: GroupNaming): { pd: string; tikv: string } {
  return naming === 'legacy'
    ? { pd: `${cluster}-pd`, tikv: `${cluster}-tikv` }
    : { pd: `${cluster}-pdg`, tikv: `${cluster}-kvg` };
}

/** Converts one legacy TikvCluster. Throws LegacyConversionError when it cannot be converted. */
export function convertTikvCluster(input: unknown, options: ConvertOptions = {}): TikvClusterConversion {
  const label = describeObject(input);
  const parsed = v.safeParse(legacyTikvClusterSchema, input);
  if (!parsed.success) {
    throw new LegacyConversionError(
      label,
      parsed.issues.map((issue) => ({ field: v.getDotPath(issue) ?? '', reason: issue.message })),
    );
  }
  const legacy = parsed.output;
  const warnings: ConversionWarning[] = [];
  const problems: ConversionWarning[] = [];
  unknownFields((input as { spec: unknown }).spec, legacyTikvClusterSchema.entries.spec, 'spec', warnings);

  const names = resolveNames(legacy, options, problems);
  const metadata = convertMetadata(legacy, names.cluster, warnings);
  const spec = legacy.spec;

  if (spec.discovery) {
    for (const key of ['requests', 'limits'] as const) {
      if (spec.discovery[key] === undefined) continue;
      warnings.push({
        field: `spec.discovery.${key}`,
        reason: 'not carried: the new operator has no discovery service (PD members bootstrap or join without one)',
      });
    }
  }
  const pd = convertComponent('pd', legacy, warnings, problems);
  const tikv = convertComponent('tikv', legacy, warnings, problems);
  warnFailover(legacy, warnings);
  if (problems.length > 0) throw new LegacyConversionError(label, dedupe(problems));

  const clusterSpec: ClusterSpecInput = spec.paused ? { paused: true } : {};
  const cluster = newObject(
    clusterKind.resource.kind,
    { ...structuredClone(metadata), name: names.cluster },
    clusterSpec,
  );
  const pdGroup = newObject(
    pdGroupKind.resource.kind,
    { ...structuredClone(metadata), name: names.pd },
    groupSpec(names.cluster, pd.replicas, pd.template),
  );
  const tikvGroup = newObject(
    tikvGroupKind.resource.kind,
    { ...structuredClone(metadata), name: names.tikv },
    groupSpec(names.cluster, tikv.replicas, tikv.template),
  );
  assertAccepted(label, 'Cluster', parseCluster(cluster));
  assertAccepted(label, 'PDGroup', parsePDGroup(pdGroup));
  assertAccepted(label, 'TiKVGroup', parseTiKVGroup(tikvGroup));
  const source: TikvClusterConversion['source'] = { name: legacy.metadata.name };
  if (legacy.metadata.namespace) source.namespace = legacy.metadata.namespace;
  // A deep copy: the templates of both groups may hold the same cluster-level values (affinity, tolerations).
  return structuredClone({
    source,
    cluster,
    pdGroup: pdGroup as ConvertedObject<PDGroupSpecInput>,
    tikvGroup: tikvGroup as ConvertedObject<TiKVGroupSpecInput>,
    warnings: dedupe(warnings),
  });
}

function newObject<TSpec>(kind: string, metadata: ObjectMeta, spec: TSpec): ConvertedObject<TSpec> {
  return { apiVersion: API_GROUP_VERSION, kind, metadata, spec };
}

function groupSpec(cluster: string, replicas: number, template: Record<string, unknown>) {
  return { cluster: { name: cluster }, replicas, template: { spec: template } };
}

// ---------------------------------------------------------------------------------------------------------------
// Names and metadata

function resolveNames(legacy: TikvCluster, options: ConvertOptions, problems: ConversionWarning[]) {
  const cluster = options.name ?? legacy.metadata.name;
  const field = options.name === undefined ? 'metadata.name' : '';
  const renameHint = options.name === undefined ? ' Choose a name for the new objects with --name.' : '';
  const groups = groupNamesFor(cluster, options.groupNaming ?? 'distinct');
  if (!new RegExp(DNS1035_LABEL_PATTERN).test(cluster)) {
    problems.push({
      field,
      reason: `the Cluster name "${cluster}" is not a DNS-1035 label (lower-case letters, digits and "-", starting with a letter).${renameHint}`,
    });
  } else if (cluster.length > MAX_CLUSTER_NAME_LENGTH) {
    problems.push({
      field,
      reason: `the Cluster name "${cluster}" has ${cluster.length} characters, over the limit of ${MAX_CLUSTER_NAME_LENGTH}.${renameHint}`,
    });
  } else {
    for (const [kind, name] of [
      ['PDGroup', groups.pd],
      ['TiKVGroup', groups.tikv],
    ] as const) {
      if (name.length <= MAX_GROUP_NAME_LENGTH) continue;
      problems.push({
        field,
        reason: `the ${kind} would be named "${name}" (${name.length} characters), over the limit of ${MAX_GROUP_NAME_LENGTH} for group names (instances are named <group>-<ordinal> and PVCs <volume>-<instance>, all DNS labels).${renameHint}`,
      });
    }
  }
  return { cluster, ...groups };
}

function convertMetadata(legacy: TikvCluster, clusterName: string, warnings: ConversionWarning[]): ObjectMeta {
  const source = legacy.metadata;
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(source.labels ?? {})) {
    if (isReservedKey(key)) {
      warnings.push({
        field: `metadata.labels.${key}`,
        reason: 'not carried: the tikv.org/ prefix belongs to the new operator',
      });
    } else {
      labels[key] = value;
    }
  }
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(source.annotations ?? {})) {
    const field = `metadata.annotations.${key}`;
    if (key === legacyClusterAnnotations.pdDeleteSlots || key === legacyClusterAnnotations.tikvDeleteSlots) {
      warnings.push({
        field,
        reason:
          'not carried: delete-slots needed Advanced StatefulSet, which the legacy operator never shipped, so it had no effect; in the new API, delete a PD or TiKV instance to replace it',
      });
    } else if (key === legacyClusterAnnotations.forceUpgrade) {
      warnings.push({
        field,
        reason:
          'not carried: the new operator never restarts all PD members at once; it keeps quorum and moves the leader first',
      });
    } else if (key === LAST_APPLIED) {
      // kubectl's record of the last apply of the legacy object: not a setting of the cluster.
    } else if (isReservedKey(key)) {
      warnings.push({ field, reason: 'not carried: the tikv.org/ prefix belongs to the new operator' });
    } else {
      annotations[key] = value;
    }
  }
  for (const key of ['ownerReferences', 'finalizers'] as const) {
    if ((source[key]?.length ?? 0) === 0) continue;
    warnings.push({
      field: `metadata.${key}`,
      reason: 'not carried: it refers to the legacy object; set it on the new objects if you need it',
    });
  }
  annotations[CONVERTED_FROM_ANNOTATION] = convertedFromValue(source.name);
  const metadata: ObjectMeta = { name: clusterName };
  if (source.namespace) metadata.namespace = source.namespace;
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  metadata.annotations = annotations;
  return metadata;
}

// ---------------------------------------------------------------------------------------------------------------
// Components

interface ComponentConversion {
  replicas: number;
  template: Record<string, unknown>;
}

/** Settings a component inherits from the cluster level unless it sets them itself. */
type InheritedKey =
  | 'imagePullPolicy'
  | 'hostNetwork'
  | 'affinity'
  | 'priorityClassName'
  | 'schedulerName'
  | 'configUpdateStrategy';

/** The effective value of a setting the component inherits from the cluster level, and where it was set. */
interface Inherited<T> {
  value: T;
  field: string;
}

function convertComponent(
  component: LegacyComponent,
  legacy: TikvCluster,
  warnings: ConversionWarning[],
  problems: ConversionWarning[],
): ComponentConversion {
  const cluster = legacy.spec;
  const spec = cluster[component];
  const at = `spec.${component}`;
  const inherit = <K extends InheritedKey>(key: K): Inherited<NonNullable<LegacySpec[K]>> | undefined => {
    const own = spec[key] as LegacySpec[K];
    if (own !== undefined && own !== null) return { value: own, field: `${at}.${key}` };
    const shared = cluster[key];
    if (shared !== undefined && shared !== null) return { value: shared, field: `spec.${key}` };
    return undefined;
  };
  const template: Record<string, unknown> = {};
  const podSpec: Record<string, unknown> = {};
  const container: Record<string, unknown> = {};

  // Version and image: the legacy image was `<baseImage>:<version>`, or the deprecated `image` without a baseImage.
  const image = legacyImage(component, legacy, problems, warnings);
  if (image) {
    template.version = image.version;
    if (resolveImage({ version: image.version }, imageRepositories[component]) !== image.image) {
      template.image = image.image;
    }
  }

  // Resources and the volume.
  // The schema has checked that every value is a quantity.
  const requests = { ...spec.requests };
  const limits = { ...spec.limits };
  const storage = requests.storage;
  if (storage === undefined) {
    problems.push({
      field: `${at}.requests.storage`,
      reason: 'required: it is the size of the data volume (the legacy operator refused the cluster without it)',
    });
  } else if ((compareQuantities(String(storage), '0') ?? 0) <= 0) {
    problems.push({
      field: `${at}.requests.storage`,
      reason: 'must be greater than 0: it is the size of the data volume',
    });
  }
  const volume: Record<string, unknown> = { name: DATA_VOLUME, storage: String(storage ?? '') };
  if (spec.storageClassName !== undefined) volume.storageClassName = spec.storageClassName;
  template.volumes = [volume];
  const resources = convertResources(requests, limits);
  if (resources.template) template.resources = resources.template;
  if (resources.container) container.resources = resources.container;
  let capacity: string | undefined;
  if (limits.storage !== undefined) {
    if (component === 'tikv') {
      capacity = legacyCapacity(limits.storage);
    } else {
      warnings.push({
        field: `${at}.limits.storage`,
        reason: 'not carried: the legacy operator ignored it for PD (only TiKV used it, as its store capacity)',
      });
    }
  }

  // Config and how changes to it are applied.
  const config = translateLegacyConfig(component, spec.config, `${at}.config`);
  warnings.push(...config.warnings);
  const table: TomlTable = config.table;
  if (capacity !== undefined) {
    // The legacy start script passed `--capacity=<limits.storage>`; the config key is what that flag sets.
    const raftstore = (table.raftstore ?? {}) as TomlTable;
    table.raftstore = { ...raftstore, capacity };
  }
  const toml = renderToml(table);
  if (toml !== undefined) template.config = toml;
  template.configUpdateStrategy = configUpdateStrategy(inherit('configUpdateStrategy'), warnings);
  if (config.serverLabels) {
    const labels = storeLabels(config.serverLabels, `${at}.config.server.labels`, warnings);
    if (Object.keys(labels).length > 0) template.storeLabels = labels;
  }

  // Pod settings: the legacy operator merged the cluster level into each component (componentAccessor).
  const pullPolicy = inherit('imagePullPolicy');
  // IfNotPresent is both the legacy default and Kubernetes' default for a tagged image.
  if (pullPolicy && pullPolicy.value !== 'IfNotPresent') container.imagePullPolicy = pullPolicy.value;
  const hostNetwork = inherit('hostNetwork');
  if (hostNetwork?.value === true) {
    podSpec.hostNetwork = true;
    podSpec.dnsPolicy = 'ClusterFirstWithHostNet';
    warnings.push({
      field: hostNetwork.field,
      reason:
        'carried in overlay.pod.spec (hostNetwork, dnsPolicy ClusterFirstWithHostNet), but the new operator does not reserve host ports: keep the instances of a group on different nodes (pod anti-affinity or a schedulePolicies spread), or two of them collide on the node ports',
    });
  }
  const affinity = inherit('affinity');
  if (affinity) podSpec.affinity = affinity.value;
  const priorityClassName = inherit('priorityClassName');
  if (priorityClassName?.value) podSpec.priorityClassName = priorityClassName.value;
  const schedulerName = inherit('schedulerName');
  if (schedulerName?.value) podSpec.schedulerName = schedulerName.value;
  const nodeSelector = { ...cluster.nodeSelector, ...spec.nodeSelector };
  if (Object.keys(nodeSelector).length > 0) podSpec.nodeSelector = nodeSelector;
  const tolerations = spec.tolerations && spec.tolerations.length > 0 ? spec.tolerations : cluster.tolerations;
  if (tolerations && tolerations.length > 0) podSpec.tolerations = tolerations;
  if (component === 'tikv' && legacy.spec.tikv.serviceAccount) {
    podSpec.serviceAccountName = legacy.spec.tikv.serviceAccount;
  }
  if (component === 'tikv' && legacy.spec.tikv.privileged === true) container.securityContext = { privileged: true };

  const annotations = podAnnotations(component, legacy, warnings);
  const securityContext = spec.podSecurityContext ? { ...spec.podSecurityContext } : undefined;
  if (component === 'tikv' && annotations.sysctlInit && securityContext && Array.isArray(securityContext.sysctls)) {
    const sysctls = securityContext.sysctls as { name?: unknown; value?: unknown }[];
    if (sysctls.length > 0) {
      // Like the legacy operator: set the sysctls from a privileged init container, for kubelets that do not
      // allow them as Pod sysctls, and leave them out of the Pod's security context.
      const init: Record<string, unknown> = {
        name: 'sysctl-init',
        image: LEGACY_SYSCTL_IMAGE,
        command: ['sh', '-c', ['sysctl -w', ...sysctls.map((s) => `${s.name}=${s.value}`)].join(' ')],
        securityContext: { privileged: true },
      };
      if (cluster.imagePullPolicy && cluster.imagePullPolicy !== 'IfNotPresent') {
        init.imagePullPolicy = cluster.imagePullPolicy;
      }
      podSpec.initContainers = [init];
      delete securityContext.sysctls;
    }
  } else if (annotations.sysctlInit) {
    warnings.push({
      field: annotations.sysctlInit,
      reason:
        component === 'pd'
          ? 'not carried: the legacy operator honoured it for TiKV only'
          : 'not carried: it had no effect without podSecurityContext.sysctls',
    });
  }
  if (securityContext && Object.keys(securityContext).length > 0) podSpec.securityContext = securityContext;

  const env = containerEnv(component, legacy, hostNetwork?.value === true, warnings);
  if (env.length > 0) container.env = env;

  if (Object.keys(container).length > 0) podSpec.containers = [{ name: containerNames[component], ...container }];
  const overlayPod: Record<string, unknown> = {};
  if (Object.keys(annotations.carried).length > 0) overlayPod.metadata = { annotations: annotations.carried };
  if (Object.keys(podSpec).length > 0) overlayPod.spec = podSpec;
  if (Object.keys(overlayPod).length > 0) template.overlay = { pod: overlayPod };

  // Settings the new API has no place for.
  if (component === 'pd') {
    const service = legacy.spec.pd.service;
    for (const [key, value] of Object.entries(service ?? {})) {
      if (value === undefined || (key === 'type' && value === 'ClusterIP')) continue;
      warnings.push({
        field: `spec.pd.service.${key}`,
        reason:
          'not carried: the PDGroup client Service (named after the group, ClusterIP, port 2379) has no settings; to expose PD differently, create your own Service selecting tikv.org/cluster=<cluster>,tikv.org/component=pd',
      });
    }
    if (legacy.spec.pd.tlsClientSecretName !== undefined) {
      warnings.push({
        field: 'spec.pd.tlsClientSecretName',
        reason: 'not carried: it never took effect (the legacy operator had TLS turned off)',
      });
    }
  }
  if ((spec.maxFailoverCount ?? 0) > 0) {
    warnings.push({
      field: `${at}.maxFailoverCount`,
      reason:
        'not carried: the new operator adds no failover members; a failed member is replaced by deleting its instance (its replacement is created with a new volume)',
    });
  }
  if (spec.image && image?.fromBaseImage) {
    warnings.push({
      field: `${at}.image`,
      reason: 'not carried: the legacy operator ignored it too, because baseImage is set',
    });
  }
  if (spec.replicas === undefined) {
    problems.push({ field: `${at}.replicas`, reason: 'required: the number of members of the new group' });
  }
  return { replicas: spec.replicas ?? 0, template };
}

interface LegacyImage {
  image: string;
  version: string;
  fromBaseImage: boolean;
}

function legacyImage(
  component: LegacyComponent,
  legacy: TikvCluster,
  problems: ConversionWarning[],
  warnings: ConversionWarning[],
): LegacyImage | undefined {
  const spec = legacy.spec[component];
  const at = `spec.${component}`;
  // A component version is a pointer in the legacy API: set (even to "") it wins over spec.version.
  const version = spec.version ?? legacy.spec.version ?? '';
  const versionField = spec.version !== undefined ? `${at}.version` : 'spec.version';
  const versionSet = Boolean(legacy.spec.version) || spec.version !== undefined;
  // The legacy defaulting filled in the repository only when a version was set.
  const baseImage = spec.baseImage || (versionSet ? imageRepositories[component] : '');
  if (baseImage) {
    if (!semver.test(version)) {
      problems.push({
        field: versionField,
        reason: `"${version}" is not a semantic version, which the new API requires: set it to the version the cluster runs (for example v4.0.0)`,
      });
      return undefined;
    }
    return { image: `${baseImage}:${version}`, version, fromBaseImage: true };
  }
  if (!spec.image) {
    problems.push({ field: 'spec.version', reason: 'required: neither a version nor an image is set' });
    return undefined;
  }
  warnings.push({
    field: `${at}.image`,
    reason: 'carried as template.spec.image; the legacy operator refused new clusters with it (use baseImage)',
  });
  const tag = /:([^:/@]+)$/.exec(spec.image)?.[1] ?? '';
  if (!semver.test(tag)) {
    problems.push({
      field: `${at}.image`,
      reason: `its tag "${tag}" is not a semantic version and no version is set: set ${at}.version to the version the image holds`,
    });
    return undefined;
  }
  return { image: spec.image, version: tag, fromBaseImage: false };
}

/**
 * The new template's `resources` is one value per resource used as request and limit. It holds the legacy
 * values when they fit that (cpu and memory only; request equal to limit, or only a limit, which Kubernetes also
 * copies to the request); otherwise the exact requests and limits go to the container in the overlay.
 */
function convertResources(
  requests: Record<string, string | number>,
  limits: Record<string, string | number>,
): { template?: Record<string, string | number>; container?: Record<string, unknown> } {
  const withoutStorage = (list: Record<string, string | number>) =>
    Object.fromEntries(Object.entries(list).filter(([name]) => name !== 'storage'));
  const req = withoutStorage(requests);
  const lim = withoutStorage(limits);
  const names = new Set([...Object.keys(req), ...Object.keys(lim)]);
  if (names.size === 0) return {};
  const fitsTemplate = [...names].every(
    (name) =>
      (name === 'cpu' || name === 'memory') &&
      lim[name] !== undefined &&
      (req[name] === undefined || sameQuantity(req[name], lim[name])),
  );
  if (fitsTemplate) return { template: lim };
  const container: Record<string, unknown> = {};
  if (Object.keys(req).length > 0) container.requests = req;
  if (Object.keys(lim).length > 0) container.limits = lim;
  return { container };
}

function sameQuantity(a: string | number | undefined, b: string | number | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return compareQuantities(String(a), String(b)) === 0;
}

/**
 * TiKV's store capacity as the legacy operator computed it for `--capacity`: whole GiB as "<n>GB", otherwise
 * whole MiB as "<n>MB" (TiKV's GB and MB are binary units).
 */
export function legacyCapacity(limit: string | number): string | undefined {
  const bytes = quantityToNumber(String(limit));
  if (bytes === undefined || bytes <= 0) return undefined;
  if (bytes % GIB === 0) return `${bytes / GIB}GB`;
  const mib = Math.floor(bytes / MIB);
  return mib > 0 ? `${mib}MB` : undefined;
}

function configUpdateStrategy(
  legacy: Inherited<string> | undefined,
  warnings: ConversionWarning[],
): ConfigUpdateStrategy {
  // The legacy operator rolled Pods on a config change only for RollingUpdate; every other value (unset, InPlace,
  // the misspelt default "InPlacne" of its CRD markers) updated the ConfigMap and restarted nothing.
  if (legacy?.value === 'RollingUpdate') return 'Restart';
  if (legacy && legacy.value !== 'InPlace') {
    warnings.push({
      field: legacy.field,
      reason: `"${legacy.value}" is not InPlace or RollingUpdate; the legacy operator treated it as InPlace, so it becomes HotReload`,
    });
  }
  return 'HotReload';
}

function storeLabels(
  labels: Record<string, string>,
  field: string,
  warnings: ConversionWarning[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (Object.hasOwn(TOPOLOGY_STORE_LABELS, key)) {
      warnings.push({
        field: `${field}.${key}`,
        reason: `not carried: the new operator sets the ${key} store label from the node's ${TOPOLOGY_STORE_LABELS[key as keyof typeof TOPOLOGY_STORE_LABELS]} label`,
      });
      continue;
    }
    out[key] = value;
  }
  // Entries the new API would refuse stay out with a warning (checked one by one with the TiKVGroup's own rules).
  for (const [key, value] of Object.entries(out)) {
    const check = parseTiKVGroup({
      metadata: { name: 'check' },
      spec: {
        cluster: { name: 'check' },
        template: {
          spec: { version: 'v1.0.0', volumes: [{ name: DATA_VOLUME, storage: '1Gi' }], storeLabels: { [key]: value } },
        },
      },
    });
    if (check.ok) continue;
    warnings.push({
      field: `${field}.${key}`,
      reason: `not carried: ${check.issues.map((i) => i.message).join('; ')}`,
    });
    delete out[key];
  }
  return out;
}

interface PodAnnotations {
  carried: Record<string, string>;
  /** Field of the sysctl-init annotation when it is "true". */
  sysctlInit?: string;
}

function podAnnotations(
  component: LegacyComponent,
  legacy: TikvCluster,
  warnings: ConversionWarning[],
): PodAnnotations {
  const result: PodAnnotations = { carried: {} };
  const sources: [string, Record<string, string> | undefined][] = [
    ['spec.annotations', legacy.spec.annotations],
    [`spec.${component}.annotations`, legacy.spec[component].annotations],
  ];
  const effective = new Map<string, { value: string; field: string }>();
  for (const [at, map] of sources) {
    for (const [key, value] of Object.entries(map ?? {})) effective.set(key, { value, field: `${at}.${key}` });
  }
  for (const [key, { value, field }] of effective) {
    if (key === legacyPodAnnotations.sysctlInit) {
      if (value === 'true') result.sysctlInit = field;
      else warnings.push({ field, reason: 'not carried: only "true" had an effect' });
    } else if (key === legacyPodAnnotations.runMode) {
      warnings.push({
        field,
        reason:
          'not carried: it told the legacy start scripts to sleep instead of starting the component; the new operator has no such mode',
      });
    } else if (isReservedKey(key)) {
      warnings.push({ field, reason: 'not carried: the tikv.org/ prefix belongs to the new operator' });
    } else {
      result.carried[key] = value;
    }
  }
  return result;
}

function containerEnv(
  component: LegacyComponent,
  legacy: TikvCluster,
  hostNetwork: boolean,
  warnings: ConversionWarning[],
): Record<string, unknown>[] {
  const env: Record<string, unknown>[] = [];
  if (legacy.spec.timezone) env.push({ name: 'TZ', value: legacy.spec.timezone });
  const reserved = new Set([...legacyOperatorEnv[component], ...(hostNetwork ? ['POD_NAME'] : [])]);
  (legacy.spec[component].env ?? []).forEach((variable, index) => {
    const field = `spec.${component}.env[${index}]`;
    if (reserved.has(variable.name)) {
      warnings.push({
        field,
        reason: `not carried: the legacy operator set ${variable.name} itself and ignored this one`,
      });
      return;
    }
    const source = variable.valueFrom;
    if (source && (isPlainObject(source.fieldRef) || isPlainObject(source.resourceFieldRef))) {
      warnings.push({
        field,
        reason:
          'carried, but the legacy operator refused the cluster with fieldRef/resourceFieldRef variables, so the running Pods may not have it',
      });
    }
    env.push({ ...variable });
  });
  return env;
}

function warnFailover(legacy: TikvCluster, warnings: ConversionWarning[]): void {
  const failures: [string, Record<string, unknown> | undefined, string][] = [
    ['status.pd.failureMembers', legacy.status?.pd?.failureMembers, 'PD member(s)'],
    ['status.tikv.failureStores', legacy.status?.tikv?.failureStores, 'TiKV store(s)'],
  ];
  for (const [field, entries, what] of failures) {
    const count = Object.keys(entries ?? {}).length;
    if (count === 0) continue;
    warnings.push({
      field,
      reason: `the legacy operator added ${count} ${what} for failover on top of the spec's replicas; the new group gets the spec's replicas only: resolve the failures before migrating`,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** Warns about spec fields the legacy operator did not know (the corrected CRD keeps them; see api.ts). */
function unknownFields(value: unknown, schema: unknown, path: string, warnings: ConversionWarning[]): void {
  const entries = objectEntries(schema);
  if (!entries || !isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const field = `${path}.${key}`;
    if (!Object.hasOwn(entries, key)) {
      warnings.push({ field, reason: 'not carried: unknown to the legacy operator, which ignored it' });
    } else {
      unknownFields(child, entries[key], field, warnings);
    }
  }
}

function objectEntries(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as { type?: string; wrapped?: unknown; entries?: Record<string, unknown> } | undefined;
  while (current?.type === 'optional') current = current.wrapped as typeof current;
  return current?.type === 'object' ? current.entries : undefined;
}

function assertAccepted(label: string, kind: string, result: ParseResult<unknown>): void {
  if (result.ok) {
    const value = result.value as { spec: { template?: { spec: { config?: string } } } };
    const config = value.spec.template?.spec.config;
    if (config === undefined) return;
    const check = kind === 'PDGroup' ? validatePDConfig(config) : validateTiKVConfig(config);
    if (check.ok) return;
    throw new Error(
      `${LEGACY_KIND} ${label}: converted ${kind} config is invalid: ${check.errors.map((e) => e.message).join('; ')}`,
    );
  }
  // A converter bug, not a user mistake: every value is checked before it is carried.
  throw new Error(`${LEGACY_KIND} ${label}: converted ${kind} is invalid:\n${formatIssues(result.issues)}`);
}

function describeObject(input: unknown): string {
  const metadata = (input as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof metadata?.name === 'string' ? metadata.name : '<unnamed>';
  return typeof metadata?.namespace === 'string' ? `${metadata.namespace}/${name}` : name;
}

function dedupe(warnings: ConversionWarning[]): ConversionWarning[] {
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = `${w.field}\u0000${w.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
