// The informer indexes the reconcilers share. An index is registered under one name with one function (the
// index-funcs factories return the same function for the same argument), so every controller that asks for
// "instances by group" on the shared instance informer gets the same index, whoever registers it first.
//
// The index values are not namespaced (a label or field value): lookups filter by namespace afterwards.

import { labelKeys } from '../api/labels.ts';
import { byControllerUid, byField, byLabel } from '../cache/index-funcs.ts';
import type { Informer } from '../cache/informer.ts';
import type { KubeObject } from '../kube/object.ts';

export const indexes = {
  /** Groups and instances by `spec.cluster.name`. */
  cluster: { name: 'spec.cluster.name', fn: byField('spec.cluster.name') },
  /** Instances, Pods, ConfigMaps and PVCs by their `tikv.org/group` label. */
  groupLabel: { name: `label:${labelKeys.group}`, fn: byLabel(labelKeys.group) },
  /** Pods, ConfigMaps and PVCs by their `tikv.org/instance` label. */
  instanceLabel: { name: `label:${labelKeys.instance}`, fn: byLabel(labelKeys.instance) },
  /** Pods by the node they are bound to (`spec.nodeName`): a Node's change wakes the instances on it. */
  podNode: { name: 'spec.nodeName', fn: byField('spec.nodeName') },
  /** Owned objects (ControllerRevisions, Services, instances) by the UID of their controlling owner. */
  controllerUid: { name: 'controller-uid', fn: byControllerUid },
} as const;

export type IndexName = keyof typeof indexes;

/** Registers the named indexes on an informer (idempotent). */
export function addIndexes<T extends KubeObject>(informer: Informer<T>, ...names: IndexName[]): void {
  for (const name of names) informer.addIndex(indexes[name].name, indexes[name].fn);
}

/** The objects under `value` of the index in `namespace`. */
export function lookup<T extends KubeObject>(
  informer: Informer<T>,
  index: IndexName,
  value: string,
  namespace: string | undefined,
): T[] {
  return informer.byIndex(indexes[index].name, value).filter((o) => o.metadata.namespace === namespace);
}
