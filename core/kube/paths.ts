// REST paths of the apiserver: the core group lives under /api/v1, every other group under /apis/<group>/<version>.
import { apiVersionOf, type KubeObject, type ResourceKind } from './object.ts';

function groupPrefix(rk: ResourceKind): string {
  return rk.group === '' ? `/api/${rk.version}` : `/apis/${rk.group}/${rk.version}`;
}

/** The collection: namespaced kinds without a namespace mean "all namespaces" (list and watch only). */
export function collectionPath(rk: ResourceKind, namespace?: string): string {
  if (rk.namespaced && namespace) {
    return `${groupPrefix(rk)}/namespaces/${encodeURIComponent(namespace)}/${rk.plural}`;
  }
  return `${groupPrefix(rk)}/${rk.plural}`;
}

/** One object; namespaced kinds need a namespace, cluster-scoped kinds ignore it. */
export function objectPath(rk: ResourceKind, name: string, namespace?: string, subresource?: 'status'): string {
  if (!name) throw new Error(`${rk.kind}: object name is empty`);
  if (rk.namespaced && !namespace) throw new Error(`${rk.kind} "${name}": namespace required (the kind is namespaced)`);
  const path = `${collectionPath(rk, namespace)}/${encodeURIComponent(name)}`;
  return subresource ? `${path}/${subresource}` : path;
}

/** Fills apiVersion and kind when missing: list items come without them, and server-side apply requires them. */
export function withTypeMeta<T extends KubeObject>(rk: ResourceKind, obj: T): T {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion || apiVersionOf(rk), kind: obj.kind || rk.kind };
}
