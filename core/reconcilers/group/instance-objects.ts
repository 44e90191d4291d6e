// The instance CRs the group writes (the group -> instance protocol, docs/plugins.md): a new instance is the
// template spec plus the cluster, its topology and the peer Service as subdomain, labelled with the revision it
// was made from; an update replaces the spec with the new template and keeps the instance's identity (name,
// topology, subdomain) and its removal flag. Pure: the reconciler sends what these return.
import { API_GROUP_VERSION } from '../../api/api-version.ts';
import { FINALIZER, labelKeys, MANAGED_BY } from '../../api/labels.ts';
import { peerServiceName } from '../../api/names.ts';
import { apiVersionOf, type OwnerReference, type ResourceKind } from '../../kube/object.ts';
import type { GroupObject, InstanceObject } from '../../plugin/contract.ts';
import type { Topology } from '../../updater/topology.ts';

/** Template metadata as stored in the group (and in its revisions). */
export interface TemplateMetadata {
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
}

/** Labels of everything that belongs to the group: its instances, revisions and Services (and its Pods' selector). */
export function groupLabels(group: GroupObject, component: string): Record<string, string> {
  return {
    [labelKeys.managedBy]: MANAGED_BY,
    [labelKeys.cluster]: group.spec.cluster.name,
    [labelKeys.component]: component,
    [labelKeys.group]: group.metadata.name,
  };
}

/** The `/scale` selector: a label selector string matching the group's Pods. */
export function groupSelector(group: GroupObject, component: string): string {
  return Object.entries(groupLabels(group, component))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** A controller owner reference to `owner` (the group owns its instances, revisions and Services). */
export function controllerReference(owner: GroupObject, kind: ResourceKind): OwnerReference {
  return {
    apiVersion: apiVersionOf(kind),
    kind: kind.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface NewInstanceInput {
  group: GroupObject;
  groupKind: ResourceKind;
  instanceKind: ResourceKind;
  component: string;
  name: string;
  topology?: Topology | undefined;
  revision: string;
  /** From the plugin's `newInstanceAnnotations`. */
  pluginAnnotations?: Record<string, string>;
}

function templateOf(group: GroupObject): { metadata: TemplateMetadata; spec: Record<string, unknown> } {
  const template = group.spec.template;
  return { metadata: template.metadata ?? {}, spec: (template.spec ?? {}) as Record<string, unknown> };
}

/**
 * A new instance CR. It carries the operator's finalizer from the start, so that even an instance deleted
 * before its first reconcile goes through the plugin's scale-in protocol.
 */
export function newInstance(input: NewInstanceInput): InstanceObject {
  const { group, name } = input;
  const template = templateOf(group);
  return {
    apiVersion: API_GROUP_VERSION,
    kind: input.instanceKind.kind,
    metadata: {
      name,
      namespace: group.metadata.namespace,
      labels: {
        ...template.metadata.labels,
        ...groupLabels(group, input.component),
        [labelKeys.instanceRevisionHash]: input.revision,
      },
      annotations: { ...template.metadata.annotations, ...input.pluginAnnotations },
      finalizers: [FINALIZER],
      ownerReferences: [controllerReference(group, input.groupKind)],
    },
    spec: {
      ...template.spec,
      cluster: { name: group.spec.cluster.name },
      topology: { ...input.topology },
      subdomain: peerServiceName(group.metadata.name),
    } as InstanceObject['spec'],
  };
}

/** Instance spec fields that are not template fields and must survive an update. */
const INSTANCE_ONLY_FIELDS = ['cluster', 'topology', 'subdomain', 'replicas', 'offline'] as const;

export interface UpdatedInstanceInput {
  current: InstanceObject;
  group: GroupObject;
  component: string;
  revision: string;
  /**
   * The template metadata of the revision the instance is leaving (from its ControllerRevision), so labels and
   * annotations the user removed from the template are removed from the instance too. Undefined when that
   * revision is gone: then nothing is removed (keys set by others, like `tikv.org/priority`, always stay).
   */
  previousTemplate?: TemplateMetadata | undefined;
}

/**
 * The instance moved to the group's current template (a PUT of this object, guarded by its resourceVersion):
 * spec = template spec + the instance-only fields of the current spec; labels and annotations = the current
 * ones without the previous template's, plus the new template's, plus the operator's labels.
 */
export function updatedInstance(input: UpdatedInstanceInput): InstanceObject {
  const { current, group } = input;
  const template = templateOf(group);
  const kept: Record<string, unknown> = {};
  for (const field of INSTANCE_ONLY_FIELDS) {
    const value = (current.spec as unknown as Record<string, unknown>)[field];
    if (value !== undefined) kept[field] = value;
  }
  return {
    ...current,
    metadata: {
      ...current.metadata,
      labels: {
        ...without(current.metadata.labels, input.previousTemplate?.labels),
        ...template.metadata.labels,
        ...groupLabels(group, input.component),
        [labelKeys.instanceRevisionHash]: input.revision,
      },
      annotations: {
        ...without(current.metadata.annotations, input.previousTemplate?.annotations),
        ...template.metadata.annotations,
      },
    },
    spec: { ...template.spec, ...kept } as unknown as InstanceObject['spec'],
  };
}

function without(
  map: Record<string, string> | undefined,
  remove: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = { ...map };
  for (const key of Object.keys(remove ?? {})) delete out[key];
  return out;
}
