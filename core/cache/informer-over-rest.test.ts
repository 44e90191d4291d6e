// The informer on the real REST client against the fake TLS apiserver: paginated list, watch events over the
// wire, and a compacted history (410) recovered by relisting, with the vanished object reported as deleted.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { KubeConfig } from '@kubernetes/client-node';
import { type KubeObject, kinds } from '../kube/object.ts';
import { RestKubeClient } from '../kube/rest-client.ts';
import { FakeApiServer } from '../kube/testing/fake-apiserver.ts';
import { createTlsTestPki, type TlsTestPki } from '../testing/pki.ts';
import { SharedInformerFactory } from './factory.ts';

let pki: TlsTestPki;
let server: FakeApiServer;

beforeAll(async () => {
  pki = await createTlsTestPki({ commonName: 'informer-test' });
  server = await FakeApiServer.start({
    tls: { key: pki.servingKey, cert: pki.servingCert, ca: pki.caCert },
    resources: [{ prefix: '/api/v1', plural: 'configmaps', kind: 'ConfigMap', apiVersion: 'v1', namespaced: true }],
  });
});

afterAll(async () => {
  await server?.close();
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

test('an informer on the REST client lists in pages, follows the watch and relists after 410', async () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: server.url, caData: b64(pki.caCert) }],
    users: [{ name: 'u', certData: b64(pki.clientCert), keyData: b64(pki.clientKey) }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  const client = new RestKubeClient(kc);
  for (const name of ['a', 'b', 'c']) server.seed('configmaps', { metadata: { name, namespace: 'inf' } });

  const factory = new SharedInformerFactory(client, { pageSize: 2 });
  const informer = factory.informerFor(kinds.ConfigMap, { namespace: 'inf' });
  const events: string[] = [];
  informer.addHandler((e) => events.push(`${e.type} ${e.obj.metadata.name}`));
  try {
    factory.startAll();
    await factory.waitForCacheSync();
    expect(events).toEqual(['add a', 'add b', 'add c']);
    const lists = server.requests.filter((r) => r.method === 'GET' && r.query.get('watch') !== 'true');
    expect(lists.map((r) => r.query.get('limit'))).toEqual(['2', '2']);

    await until(() => server.openWatches() === 1);
    const watchReq = server.requests.find((r) => r.query.get('watch') === 'true');
    expect(watchReq?.query.get('allowWatchBookmarks')).toBe('true');
    await client.create<KubeObject>(kinds.ConfigMap, { metadata: { name: 'd', namespace: 'inf' } });
    await until(() => events.includes('add d'));

    // History is compacted while the watch is down, and an object goes away in that gap.
    server.closeWatches();
    server.deleteObject('configmaps', 'b', 'inf');
    server.compact();
    await until(() => events.includes('delete b'));
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'c', 'd']);
    await until(() => server.openWatches() === 1);
  } finally {
    await factory.stopAll();
    client.close();
  }
  await until(() => server.openWatches() === 0);
});
