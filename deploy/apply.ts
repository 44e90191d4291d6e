// `kubectl apply --server-side` of manifests through the test harness's REST client: each object is applied with
// field manager `kubectl` at the path discovery gives for its kind, in the order given (namespace first).
import type { ApiClient } from '../core/testing/api.ts';
import type { Manifest } from './manifests.ts';

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

export async function applyManifests(
  api: ApiClient,
  objects: readonly Manifest[],
  fieldManager = 'kubectl',
): Promise<void> {
  const discovery = new Map<string, Promise<ApiResourceList>>();
  for (const obj of objects) {
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    if (!discovery.has(base)) discovery.set(base, api.get<ApiResourceList>(base));
    const resources = (await discovery.get(base))?.resources ?? [];
    const resource = resources.find((r) => r.kind === obj.kind && !r.name.includes('/'));
    if (!resource) throw new Error(`${obj.apiVersion} ${obj.kind} is not served by this apiserver`);
    const scope = resource.namespaced ? `/namespaces/${obj.metadata.namespace ?? 'default'}` : '';
    const path = `${base}${scope}/${resource.name}/${obj.metadata.name}?fieldManager=${fieldManager}&force=true`;
    await api.request('PATCH', path, { body: obj, contentType: 'application/apply-patch+yaml' });
  }
}
