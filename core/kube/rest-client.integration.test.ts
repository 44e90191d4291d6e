// The REST client against a real kube-apiserver (the local control plane): both authentication paths, every
// verb, and the apiserver's own error bodies parsed into KubeApiError.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createTestNamespace, useControlPlane } from '../testing/fixtures.ts';
import { isAlreadyExists, isConflict, isInvalid, isNotFound, KubeApiError } from './errors.ts';
import { type KubeObject, kinds } from './object.ts';
import { RestKubeClient } from './rest-client.ts';

const fixture = useControlPlane({ nodes: 1 });

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const requests: { verb: string; code: number | string }[] = [];
let client: RestKubeClient;
let ns: string;

beforeAll(async () => {
  client = RestKubeClient.fromKubeconfigFile(fixture.cp.kubeconfigPath, {
    pageSize: 2,
    onRequest: (r) => requests.push({ verb: r.verb, code: r.code }),
  });
  ns = await createTestNamespace(fixture.cp, 'rest');
});
afterAll(() => client?.close());

/** What a promise rejected with (undefined when it resolved): bun's `rejects` does not support toSatisfy. */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function configMap(name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): ConfigMap {
  return { metadata: { name, namespace: ns, labels }, data };
}

describe('RestKubeClient on a real apiserver', () => {
  test('a client-certificate kubeconfig authenticates (kind-style) as well as the token one', async () => {
    const certClient = RestKubeClient.fromKubeconfigFile(fixture.cp.clientCertKubeconfigPath);
    try {
      const got = await certClient.get<KubeObject>(kinds.Namespace, ns);
      expect(got.metadata.name).toBe(ns);
    } finally {
      certClient.close();
    }
  });

  test('create, get, merge patch, replace and delete a ConfigMap; objects are plain JSON with type meta', async () => {
    const created = await client.create(kinds.ConfigMap, configMap('crud', { a: '1' }));
    expect(created.apiVersion).toBe('v1');
    expect(created.kind).toBe('ConfigMap');
    expect(typeof created.metadata.creationTimestamp).toBe('string');

    const patched = await client.mergePatch<ConfigMap>(kinds.ConfigMap, 'crud', ns, { data: { b: '2' } });
    expect(patched.data).toEqual({ a: '1', b: '2' });

    const replaced = await client.replace(kinds.ConfigMap, { ...patched, data: { c: '3' } });
    expect(replaced.data).toEqual({ c: '3' });

    await client.delete(kinds.ConfigMap, 'crud', ns);
    expect(isNotFound(await rejection(client.get(kinds.ConfigMap, 'crud', ns)))).toBe(true);
  });

  test('a replace with a stale resourceVersion is a Conflict, a second create is AlreadyExists', async () => {
    const first = await client.create(kinds.ConfigMap, configMap('stale'));
    await client.mergePatch(kinds.ConfigMap, 'stale', ns, { data: { moved: 'on' } });
    expect(isConflict(await rejection(client.replace(kinds.ConfigMap, { ...first, data: { old: 'view' } })))).toBe(
      true,
    );
    expect(isAlreadyExists(await rejection(client.create(kinds.ConfigMap, configMap('stale'))))).toBe(true);
  });

  test('delete with a wrong UID precondition is refused and the object stays', async () => {
    await client.create(kinds.ConfigMap, configMap('guarded'));
    expect(
      isConflict(
        await rejection(
          client.delete(kinds.ConfigMap, 'guarded', ns, {
            preconditions: { uid: '00000000-0000-0000-0000-000000000000' },
          }),
        ),
      ),
    ).toBe(true);
    expect((await client.get(kinds.ConfigMap, 'guarded', ns)).metadata.name).toBe('guarded');
  });

  test('server-side apply records the tikv-operator field manager and takes over conflicting fields by default', async () => {
    await client.create(kinds.ConfigMap, configMap('applied', { owner: 'someone-else' }));
    const applied = await client.apply<ConfigMap & { metadata: { managedFields?: { manager: string }[] } }>(
      kinds.ConfigMap,
      configMap('applied', { owner: 'operator' }),
    );
    expect(applied.data?.owner).toBe('operator');
    expect(applied.metadata.managedFields?.map((f) => f.manager)).toContain('tikv-operator');

    // Without force, another manager's field is a Conflict the caller can see.
    const rival = RestKubeClient.fromKubeconfigFile(fixture.cp.kubeconfigPath, { fieldManager: 'rival' });
    try {
      expect(
        isConflict(
          await rejection(rival.apply(kinds.ConfigMap, configMap('applied', { owner: 'rival' }), { force: false })),
        ),
      ).toBe(true);
    } finally {
      rival.close();
    }
  });

  test('list follows continue tokens until the list is complete and filters by label', async () => {
    for (let i = 0; i < 5; i++) await client.create(kinds.ConfigMap, configMap(`page-${i}`, {}, { paged: 'yes' }));
    const before = requests.filter((r) => r.verb === 'list').length;
    const list = await client.list<ConfigMap>(kinds.ConfigMap, { namespace: ns, labelSelector: 'paged=yes' });
    expect(list.items.map((c) => c.metadata.name).sort()).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(list.resourceVersion).toMatch(/^\d+$/);
    // Page size 2: three LIST requests for five objects.
    expect(requests.filter((r) => r.verb === 'list').length - before).toBe(3);
  });

  test('an invalid object is refused with the failing field named', async () => {
    const error = await rejection(client.create(kinds.ConfigMap, { metadata: { name: 'Not_A_Name', namespace: ns } }));
    expect(error).toBeInstanceOf(KubeApiError);
    expect(isInvalid(error)).toBe(true);
    expect((error as KubeApiError).details?.causes?.some((c) => c.field === 'metadata.name')).toBe(true);
    expect((error as Error).message).toContain('metadata.name');
  });

  test('watch streams ADDED, MODIFIED and DELETED from a resourceVersion', async () => {
    const start = await client.list(kinds.ConfigMap, { namespace: ns, labelSelector: 'watched=yes' });
    const seen: string[] = [];
    const handle = await client.watch(
      kinds.ConfigMap,
      {
        namespace: ns,
        labelSelector: 'watched=yes',
        resourceVersion: start.resourceVersion,
        allowWatchBookmarks: true,
      },
      (type, obj) => {
        if (type !== 'BOOKMARK') seen.push(`${type} ${obj.metadata.name}`);
      },
    );
    try {
      await client.create(kinds.ConfigMap, configMap('w', {}, { watched: 'yes' }));
      await client.mergePatch(kinds.ConfigMap, 'w', ns, { data: { x: '1' } });
      await client.delete(kinds.ConfigMap, 'w', ns);
      const deadline = Date.now() + 10_000;
      while (seen.length < 3 && Date.now() < deadline) await Bun.sleep(20);
      expect(seen).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
    } finally {
      handle.stop();
    }
  });

  test('every request was observed with its verb and status code', () => {
    const verbs = new Set(requests.map((r) => r.verb));
    for (const verb of ['create', 'get', 'list', 'patch', 'update', 'delete', 'apply', 'watch']) {
      expect(verbs).toContain(verb);
    }
    expect(requests.some((r) => r.code === 409)).toBe(true);
    expect(requests.some((r) => r.code === 404)).toBe(true);
  });
});
