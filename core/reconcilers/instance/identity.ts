// Who an instance's Pod, ConfigMap, PVCs and PVs belong to: the labels that let caches, selectors and people
// find them (`tikv.org/instance=<name>` and the rest of core/api/labels.ts), and the owner reference that makes
// the garbage collector remove what the operator did not (the instance is their controller).
import { labelKeys, MANAGED_BY } from '../../api/labels.ts';
import type { OwnerReference } from '../../kube/object.ts';
import type { InstanceObject } from '../../plugin/contract.ts';

/**
 * The identity labels of everything an instance owns: managed-by, cluster, component, group, instance. The
 * revision label is not among them: it changes with every rollout and belongs only on the Pod.
 */
export function ownedObjectLabels(instance: InstanceObject, component: string): Record<string, string> {
  const labels: Record<string, string> = {
    [labelKeys.managedBy]: MANAGED_BY,
    [labelKeys.cluster]: instance.spec.cluster.name,
    [labelKeys.component]: component,
  };
  const group = instance.metadata.labels?.[labelKeys.group];
  if (group !== undefined) labels[labelKeys.group] = group;
  labels[labelKeys.instance] = instance.metadata.name;
  return labels;
}

/** The instance as the controlling owner (blockOwnerDeletion: foreground deletion of the instance waits). */
export function instanceOwnerReference(instance: InstanceObject): OwnerReference {
  return {
    apiVersion: instance.apiVersion,
    kind: instance.kind,
    name: instance.metadata.name,
    uid: instance.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `obj` is controlled by this instance (same UID), not by an earlier instance of the same name. */
export function isOwnedBy(
  obj: { metadata: { ownerReferences?: OwnerReference[] } },
  instance: InstanceObject,
): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === instance.metadata.uid);
}
