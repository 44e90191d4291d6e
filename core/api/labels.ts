// Label, annotation and finalizer keys the operator writes. All live under `tikv.org/`; users may not set keys
// with this prefix through templates or overlays (the schemas reject them), so the operator owns them alone.

export const LABEL_PREFIX = 'tikv.org/';

/** Value of `tikv.org/managed-by` on everything the operator creates. */
export const MANAGED_BY = 'tikv-operator';

export const labelKeys = {
  /** `tikv-operator` on every object the operator creates; list/watch selectors filter on it. */
  managedBy: 'tikv.org/managed-by',
  /** Name of the Cluster the object belongs to. */
  cluster: 'tikv.org/cluster',
  /** Component of the object: `pd` or `tikv` (the plugin's component name). */
  component: 'tikv.org/component',
  /** Name of the group (PDGroup, TiKVGroup) that owns the instance. */
  group: 'tikv.org/group',
  /** Name of the instance (PD, TiKV) that owns the Pod, ConfigMap or PVC. */
  instance: 'tikv.org/instance',
  /** Revision (template hash) an instance was created or last updated from. */
  instanceRevisionHash: 'tikv.org/instance-revision-hash',
  /** On PVCs: the name of the template volume the claim was made for. */
  volumeName: 'tikv.org/volume-name',
} as const;

export const annotationKeys = {
  /** On Pods: the instance template (JSON) the Pod was built from; decides in-place update vs recreate. */
  lastInstanceTemplate: 'tikv.org/last-instance-template',
  /** Hash of the rendered component config; a change triggers a restart unless the config strategy is HotReload. */
  configHash: 'tikv.org/config-hash',
  /**
   * On instances, set by users: a non-negative integer; lower values are chosen first for scale-in and for
   * rolling updates. Instances without it come after every instance that has it.
   */
  priority: 'tikv.org/priority',
  /**
   * On a group's template, set by users: changing its value (by convention a timestamp) restarts every instance,
   * one at a time, like `kubectl rollout restart`. The only `tikv.org/` key users may set in template metadata.
   */
  restartedAt: 'tikv.org/restartedAt',
} as const;

/** `tikv.org/` annotation keys users may set in template metadata. */
export const userSettableAnnotations: readonly string[] = [annotationKeys.restartedAt];

/** Finalizer on every object whose deletion needs cleanup by the operator (instances, groups, clusters). */
export const FINALIZER = 'tikv.org/finalizer';

/** Whether a label or annotation key is reserved for the operator. */
export function isReservedKey(key: string): boolean {
  return key.startsWith(LABEL_PREFIX);
}
