// The instance's ConfigMap: the config file the plugin rendered, under the file name the plugin chose, and the
// hash the Pod carries so a config change shows on the Pod.
import { createHash } from 'node:crypto';
import { configMapName } from '../../api/names.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { InstanceObject } from '../../plugin/contract.ts';
import { instanceOwnerReference, ownedObjectLabels } from './identity.ts';

export interface ConfigMapObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  data?: Record<string, string>;
}

/** Short, stable hash of the rendered config (sha256, 16 hex digits). */
export function configHash(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

export function desiredConfigMap(
  instance: InstanceObject,
  component: string,
  config: { fileName: string; content: string },
): ConfigMapObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: configMapName(instance.metadata.name),
      namespace: instance.metadata.namespace,
      labels: ownedObjectLabels(instance, component),
      ownerReferences: [instanceOwnerReference(instance)],
    },
    data: { [config.fileName]: config.content },
  };
}

/**
 * The merge patch that turns `current` into `desired`: labels that differ, the owner reference when it is not
 * this instance, data keys that differ (other keys removed). Undefined when nothing differs.
 */
export function configMapPatch(
  current: ConfigMapObject,
  desired: ConfigMapObject,
): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired.metadata.labels ?? {})) {
    if (current.metadata.labels?.[key] !== value) labels[key] = value;
  }
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  const owner = desired.metadata.ownerReferences?.[0];
  if (owner && !(current.metadata.ownerReferences ?? []).some((r) => r.uid === owner.uid && r.controller)) {
    metadata.ownerReferences = desired.metadata.ownerReferences;
  }
  const data: Record<string, string | null> = {};
  const want = desired.data ?? {};
  const have = current.data ?? {};
  for (const [key, value] of Object.entries(want)) if (have[key] !== value) data[key] = value;
  for (const key of Object.keys(have)) if (!(key in want)) data[key] = null;
  const patch: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) patch.metadata = metadata;
  if (Object.keys(data).length > 0) patch.data = data;
  return Object.keys(patch).length > 0 ? patch : undefined;
}
