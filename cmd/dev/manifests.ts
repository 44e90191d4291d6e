// Reads the YAML manifests of a directory (examples/basic) and applies them with server-side apply, the way
// `kubectl apply --server-side -f <dir>` would, for the kinds the operator knows.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KindDefinition } from '../../core/api/kind.ts';
import type { KubeClient } from '../../core/kube/client.ts';
import { apiVersionOf, type KubeObject, kinds, type ResourceKind } from '../../core/kube/object.ts';

/** Every document of every `.yaml`/`.yml` file of `dir`, in file-name order. */
export function loadManifests(dir: string): KubeObject[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const objects: KubeObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const value = doc.toJS() as KubeObject | null;
      if (value) objects.push(value);
    }
  }
  return objects;
}

/** Looks up the resource of an object's apiVersion and kind among the given API kinds and core Kubernetes kinds. */
export function resourceFor(obj: KubeObject, apiKinds: readonly KindDefinition[]): ResourceKind {
  const known: ResourceKind[] = [...apiKinds.map((k) => k.resource), ...Object.values(kinds)];
  const found = known.find((rk) => apiVersionOf(rk) === obj.apiVersion && rk.kind === obj.kind);
  if (!found) throw new Error(`${obj.kind ?? '<no kind>'} ${obj.metadata?.name}: unknown kind ${obj.apiVersion}`);
  return found;
}

export async function applyManifests(
  client: KubeClient,
  objects: readonly KubeObject[],
  namespace: string,
  apiKinds: readonly KindDefinition[],
): Promise<void> {
  for (const obj of objects) {
    const rk = resourceFor(obj, apiKinds);
    const metadata = rk.namespaced ? { ...obj.metadata, namespace: obj.metadata.namespace ?? namespace } : obj.metadata;
    await client.apply(rk, { ...obj, metadata });
  }
}
