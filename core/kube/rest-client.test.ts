// The REST client against a fake apiserver over real TLS: a CA, server and client certificates made with
// openssl, a node:https server that demands nothing but records the client certificate and Authorization.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { KubeConfig } from '@kubernetes/client-node';
import { createTlsTestPki, type TlsTestPki } from '../testing/pki.ts';
import type { WatchEventType } from './client.ts';
import {
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  isTransportError,
  KubeApiError,
} from './errors.ts';
import { type KubeObject, kinds, type ResourceKind } from './object.ts';
import { type RequestInfo, RestKubeClient } from './rest-client.ts';
import { FakeApiServer } from './testing/fake-apiserver.ts';

const TiKVGroup: ResourceKind = {
  group: 'core.tikv.org',
  version: 'v1alpha1',
  kind: 'TiKVGroup',
  plural: 'tikvgroups',
  namespaced: true,
};

interface Group extends KubeObject {
  spec?: { replicas?: number; version?: string };
  status?: { readyReplicas?: number; observedGeneration?: number };
}

let pki: TlsTestPki;
let server: FakeApiServer;

beforeAll(async () => {
  pki = await createTlsTestPki({ commonName: 'tikv-operator-test', organization: 'system:masters' });
  server = await FakeApiServer.start({
    tls: { key: pki.servingKey, cert: pki.servingCert, ca: pki.caCert },
    resources: [
      { prefix: '/api/v1', plural: 'configmaps', kind: 'ConfigMap', apiVersion: 'v1', namespaced: true },
      {
        prefix: '/apis/core.tikv.org/v1alpha1',
        plural: 'tikvgroups',
        kind: 'TiKVGroup',
        apiVersion: 'core.tikv.org/v1alpha1',
        namespaced: true,
        validate: (obj) => {
          const replicas = (obj.spec as Group['spec'])?.replicas;
          return replicas !== undefined && replicas < 0
            ? [
                {
                  field: 'spec.replicas',
                  reason: 'FieldValueInvalid',
                  message: `Invalid value: ${replicas}: must be >= 0`,
                },
              ]
            : [];
        },
      },
    ],
  });
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  server.requests.length = 0;
  server.expireContinueTokens = false;
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeConfig(user: { token?: string; cert?: boolean }, withCa = true): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'fake', server: server.url, caData: withCa ? b64(pki.caCert) : undefined, skipTLSVerify: false },
    ],
    users: [
      {
        name: 'u',
        token: user.token,
        certData: user.cert ? b64(pki.clientCert) : undefined,
        keyData: user.cert ? b64(pki.clientKey) : undefined,
      },
    ],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return kc;
}

function certClient(observed?: RequestInfo[]): RestKubeClient {
  return new RestKubeClient(kubeConfig({ cert: true }), { onRequest: (i) => observed?.push(i) });
}

async function caught(p: Promise<unknown>): Promise<KubeApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(KubeApiError);
    return err as KubeApiError;
  }
  throw new Error('expected the call to fail');
}

describe('authentication and TLS', () => {
  test('a kubeconfig with CA, client certificate and key data: the server sees the client CN', async () => {
    const client = certClient();
    await client.create(kinds.ConfigMap, {
      metadata: { name: 'auth-cert', namespace: 'default' },
      data: {},
    } as KubeObject);
    const got = await client.get(kinds.ConfigMap, 'auth-cert', 'default');
    expect(got.metadata.name).toBe('auth-cert');
    expect(server.requests.map((r) => r.clientCN)).toEqual(['tikv-operator-test', 'tikv-operator-test']);
    expect(server.requests[0]?.authorization).toBeUndefined();
    client.close();
  });

  test('a bearer-token kubeconfig sends the token and no client certificate', async () => {
    const client = new RestKubeClient(kubeConfig({ token: 'secret-token' }));
    await expect(client.get(kinds.ConfigMap, 'auth-cert', 'default')).resolves.toBeDefined();
    expect(server.requests[0]?.authorization).toBe('Bearer secret-token');
    expect(server.requests[0]?.clientCN).toBeUndefined();
    client.close();
  });

  test('without the CA the server certificate is rejected with a clear transport error', async () => {
    const client = new RestKubeClient(kubeConfig({ cert: true }, false));
    const err = await caught(client.get(kinds.ConfigMap, 'auth-cert', 'default'));
    expect(isTransportError(err)).toBe(true);
    expect(err.code).toBe(0);
    expect(err.message).toContain(`GET ${server.url}/api/v1/namespaces/default/configmaps/auth-cert failed:`);
    expect(err.message.toLowerCase()).toMatch(/certificate|issuer/);
    expect(server.requests).toHaveLength(0);
    client.close();
  });
});

describe('errors', () => {
  test('404 NotFound', async () => {
    const err = await caught(certClient().get(TiKVGroup, 'missing', 'tikv'));
    expect(isNotFound(err)).toBe(true);
    expect(err.message).toBe('tikvgroups "missing" not found');
  });

  test('409 AlreadyExists on create and 409 Conflict on a stale replace', async () => {
    const client = certClient();
    const created = await client.create<Group>(TiKVGroup, {
      metadata: { name: 'dup', namespace: 'tikv' },
      spec: { replicas: 1 },
    });
    expect(isAlreadyExists(await caught(client.create(TiKVGroup, created)))).toBe(true);
    const updated = await client.replace<Group>(TiKVGroup, { ...created, spec: { replicas: 2 } });
    expect(updated.spec?.replicas).toBe(2);
    const err = await caught(client.replace<Group>(TiKVGroup, { ...created, spec: { replicas: 3 } }));
    expect(isConflict(err)).toBe(true);
    expect(err.message).toContain('the object has been modified');
    expect(server.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
  });

  test('422 Invalid names the failing field', async () => {
    const err = await caught(
      certClient().create<Group>(TiKVGroup, { metadata: { name: 'bad', namespace: 'tikv' }, spec: { replicas: -1 } }),
    );
    expect(isInvalid(err)).toBe(true);
    expect(err.details?.causes?.[0]?.field).toBe('spec.replicas');
    expect(err.message).toContain('spec.replicas: Invalid value: -1: must be >= 0');
  });
});

describe('requests on the wire', () => {
  test('list follows continue tokens and returns every item with the list resourceVersion and type meta', async () => {
    for (let i = 0; i < 5; i++) server.seed('configmaps', { metadata: { name: `page-${i}`, namespace: 'paged' } });
    const client = new RestKubeClient(kubeConfig({ cert: true }), { pageSize: 2 });
    const { items, resourceVersion } = await client.list(kinds.ConfigMap, { namespace: 'paged' });
    expect(items.map((o) => o.metadata.name)).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(items.every((o) => o.apiVersion === 'v1' && o.kind === 'ConfigMap')).toBe(true);
    expect(Number(resourceVersion)).toBeGreaterThan(0);
    const pages = server.requests.map((r) => [r.query.get('limit'), r.query.get('continue')]);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toEqual(['2', null]);
    expect(pages[1]?.[1]).toBeString();
    expect(pages[2]?.[1]).toBeString();
    expect(pages[1]?.[1]).not.toBe(pages[2]?.[1]);
  });

  test('an expired continue token falls back to one unpaginated list', async () => {
    for (let i = 0; i < 3; i++) server.seed('configmaps', { metadata: { name: `exp-${i}`, namespace: 'expiring' } });
    server.expireContinueTokens = true;
    const client = new RestKubeClient(kubeConfig({ cert: true }), { pageSize: 2 });
    const { items } = await client.list(kinds.ConfigMap, { namespace: 'expiring' });
    expect(items).toHaveLength(3);
    expect(server.requests.map((r) => r.query.get('limit'))).toEqual(['2', '2', null]);
  });

  test('list passes label and field selectors; a namespaced kind without namespace lists all namespaces', async () => {
    server.seed('configmaps', { metadata: { name: 'sel-a', namespace: 'n1', labels: { 'tikv.org/cluster': 'a' } } });
    server.seed('configmaps', { metadata: { name: 'sel-b', namespace: 'n2', labels: { 'tikv.org/cluster': 'b' } } });
    const { items } = await certClient().list(kinds.ConfigMap, {
      labelSelector: 'tikv.org/cluster=a',
      fieldSelector: 'metadata.name=sel-a',
    });
    expect(items.map((o) => o.metadata.name)).toEqual(['sel-a']);
    expect(server.requests[0]?.path).toBe('/api/v1/configmaps');
    expect(server.requests[0]?.query.get('fieldSelector')).toBe('metadata.name=sel-a');
  });

  test('server-side apply: apply-patch content type, fieldManager=tikv-operator and force=true, type meta filled', async () => {
    const applied = await certClient().apply<Group>(TiKVGroup, {
      metadata: { name: 'ssa', namespace: 'tikv' },
      spec: { replicas: 3 },
    });
    expect(applied.spec?.replicas).toBe(3);
    const req = server.requests[0];
    expect(req?.method).toBe('PATCH');
    expect(req?.path).toBe('/apis/core.tikv.org/v1alpha1/namespaces/tikv/tikvgroups/ssa');
    expect(req?.contentType).toBe('application/apply-patch+yaml');
    expect(req?.query.toString()).toBe('fieldManager=tikv-operator&force=true');
    expect(JSON.parse(req?.body ?? '{}')).toMatchObject({ apiVersion: 'core.tikv.org/v1alpha1', kind: 'TiKVGroup' });
  });

  test('apply without force and with another field manager says so in the query', async () => {
    await certClient().apply<Group>(
      TiKVGroup,
      { metadata: { name: 'ssa', namespace: 'tikv' } },
      { fieldManager: 'kubectl', force: false },
    );
    expect(server.requests[0]?.query.toString()).toBe('fieldManager=kubectl');
  });

  test('merge patch and status merge patch use application/merge-patch+json', async () => {
    const client = certClient();
    await client.create<Group>(TiKVGroup, {
      metadata: { name: 'mp', namespace: 'tikv' },
      spec: { replicas: 1, version: 'v8' },
    });
    const patched = await client.mergePatch<Group>(TiKVGroup, 'mp', 'tikv', { spec: { replicas: 4 } });
    expect(patched.spec).toEqual({ replicas: 4, version: 'v8' });
    const withStatus = await client.patchStatus<Group>(TiKVGroup, 'mp', 'tikv', { readyReplicas: 4 });
    expect(withStatus.status).toEqual({ readyReplicas: 4 });
    const [, patch, statusPatch] = server.requests;
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(statusPatch?.contentType).toBe('application/merge-patch+json');
    expect(statusPatch?.path).toBe('/apis/core.tikv.org/v1alpha1/namespaces/tikv/tikvgroups/mp/status');
    expect(JSON.parse(statusPatch?.body ?? '{}')).toEqual({ status: { readyReplicas: 4 } });
  });

  test('status server-side apply goes to /status with the apply content type', async () => {
    const client = certClient();
    await client.applyStatus<Group>(TiKVGroup, {
      metadata: { name: 'mp', namespace: 'tikv' },
      status: { observedGeneration: 7 },
    });
    const req = server.requests[0];
    expect(req?.path).toEqual('/apis/core.tikv.org/v1alpha1/namespaces/tikv/tikvgroups/mp/status');
    expect(req?.contentType).toBe('application/apply-patch+yaml');
    expect(req?.query.get('fieldManager')).toBe('tikv-operator');
    expect(server.stored('tikvgroups', 'mp', 'tikv')?.status).toEqual({ readyReplicas: 4, observedGeneration: 7 });
  });

  test('delete sends DeleteOptions with preconditions, grace period and propagation policy', async () => {
    const client = certClient();
    const cm = await client.create<KubeObject>(kinds.ConfigMap, { metadata: { name: 'del', namespace: 'default' } });
    const stale = await caught(
      client.delete(kinds.ConfigMap, 'del', 'default', { preconditions: { uid: 'someone-else' } }),
    );
    expect(isConflict(stale)).toBe(true);
    await client.delete(kinds.ConfigMap, 'del', 'default', {
      preconditions: { uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion },
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
    });
    expect(JSON.parse(server.requests[2]?.body ?? '{}')).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion },
      propagationPolicy: 'Foreground',
    });
    expect(isNotFound(await caught(client.get(kinds.ConfigMap, 'del', 'default')))).toBe(true);
  });

  test('the request observer sees one entry per HTTP request with client-go verbs and status codes', async () => {
    const seen: RequestInfo[] = [];
    const client = certClient(seen);
    await client.create(kinds.ConfigMap, { metadata: { name: 'obs', namespace: 'default' } });
    await caught(client.get(kinds.ConfigMap, 'nope', 'default'));
    await client.mergePatch(kinds.ConfigMap, 'obs', 'default', { data: { a: '1' } });
    await client.apply(kinds.ConfigMap, { metadata: { name: 'obs', namespace: 'default' } });
    await client.list(kinds.ConfigMap, { namespace: 'default' });
    await client.delete(kinds.ConfigMap, 'obs', 'default');
    expect(seen.map((s) => `${s.verb} ${s.kind} ${s.code}`)).toEqual([
      'create ConfigMap 201',
      'get ConfigMap 404',
      'patch ConfigMap 200',
      'apply ConfigMap 200',
      'list ConfigMap 200',
      'delete ConfigMap 200',
    ]);
    expect(seen.every((s) => s.durationSeconds >= 0)).toBe(true);
    const offline = new RestKubeClient(kubeConfig({ cert: true }, false), { onRequest: (i) => seen.push(i) });
    await caught(offline.get(kinds.ConfigMap, 'x', 'default'));
    expect(seen.at(-1)?.code).toBe('<error>');
  });
});

describe('watch', () => {
  test('streams events from a resourceVersion with selectors, bookmarks and timeoutSeconds in the query', async () => {
    const client = certClient();
    const before = server.seed('tikvgroups', { metadata: { name: 'w-old', namespace: 'watch' } });
    const events: [WatchEventType, KubeObject][] = [];
    const handle = await client.watch(
      TiKVGroup,
      {
        namespace: 'watch',
        resourceVersion: String(before.metadata.resourceVersion),
        allowWatchBookmarks: true,
        timeoutSeconds: 300,
        labelSelector: 'a=b',
      },
      (type, obj) => events.push([type, obj]),
    );
    const req = server.requests[0];
    expect(req?.path).toBe('/apis/core.tikv.org/v1alpha1/namespaces/watch/tikvgroups');
    expect(Object.fromEntries(req?.query.entries() ?? [])).toEqual({
      watch: 'true',
      resourceVersion: String(before.metadata.resourceVersion),
      allowWatchBookmarks: 'true',
      labelSelector: 'a=b',
      timeoutSeconds: '300',
    });
    const g = await client.create<Group>(TiKVGroup, {
      metadata: { name: 'w1', namespace: 'watch' },
      spec: { replicas: 1 },
    });
    await client.mergePatch(TiKVGroup, 'w1', 'watch', { spec: { replicas: 2 } });
    const bookmarkRv = server.bookmark();
    await client.delete(TiKVGroup, 'w1', 'watch');
    await waitFor(() => events.length >= 4);
    expect(events.map(([t, o]) => `${t} ${o.metadata.name ?? '-'}`)).toEqual([
      'ADDED w1',
      'MODIFIED w1',
      'BOOKMARK -',
      'DELETED w1',
    ]);
    expect(events[0]?.[1]).toMatchObject({
      apiVersion: 'core.tikv.org/v1alpha1',
      kind: 'TiKVGroup',
      metadata: { uid: g.metadata.uid },
    });
    expect(events[2]?.[1].metadata.resourceVersion).toBe(bookmarkRv);
    handle.stop();
    expect(await handle.done).toBeUndefined();
    await waitFor(() => server.openWatches() === 0);
  });

  test('a server-side close resolves done cleanly', async () => {
    const handle = await certClient().watch(TiKVGroup, { namespace: 'watch' }, () => {});
    await waitFor(() => server.openWatches() === 1);
    server.closeWatches();
    expect(await handle.done).toBeUndefined();
  });

  test('a too old resourceVersion arrives as an ERROR event carrying a 410 Status', async () => {
    server.seed('tikvgroups', { metadata: { name: 'before-compaction', namespace: 'watch' } });
    server.compact();
    const events: [WatchEventType, Record<string, unknown>][] = [];
    const handle = await certClient().watch(TiKVGroup, { namespace: 'watch', resourceVersion: '1' }, (t, o) =>
      events.push([t, o]),
    );
    expect(await handle.done).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]?.[0]).toBe('ERROR');
    expect(events[0]?.[1]).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  test('a watch the server keeps open past timeoutSeconds plus the grace period ends with a transport error', async () => {
    const client = new RestKubeClient(kubeConfig({ cert: true }), { watchGraceMs: 0 });
    // The fake never honours timeoutSeconds, like a connection that died without a FIN.
    const handle = await client.watch(TiKVGroup, { namespace: 'watch', timeoutSeconds: 1 }, () => {});
    const outcome = await handle.done;
    expect(isTransportError(outcome)).toBe(true);
    expect((outcome as Error).message).toContain('stream still open 1s after it started');
    await waitFor(() => server.openWatches() === 0);
  });

  test('an HTTP error when starting a watch rejects with a KubeApiError', async () => {
    const unknownKind: ResourceKind = { ...TiKVGroup, plural: 'nothings' };
    const err = await caught(certClient().watch(unknownKind, {}, () => {}));
    expect(isNotFound(err)).toBe(true);
    expect(isGone(err)).toBe(false);
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}
