// Informers against a real kube-apiserver: list+watch, label scoping, indexes, and no lost events across the
// watch restarts the apiserver forces (timeoutSeconds), without relisting.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type KubeObject, kinds } from '../kube/object.ts';
import { RestKubeClient } from '../kube/rest-client.ts';
import { waitFor } from '../testing/api.ts';
import { createTestNamespace, useControlPlane } from '../testing/fixtures.ts';
import { SharedInformerFactory } from './factory.ts';
import { byLabel } from './index-funcs.ts';
import type { InformerEvent } from './informer.ts';

const fixture = useControlPlane({ nodes: 1, crdDir: false });

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

let client: RestKubeClient;
const requests: string[] = [];

beforeAll(() => {
  client = RestKubeClient.fromKubeconfigFile(fixture.cp.kubeconfigPath, {
    pageSize: 3,
    onRequest: (r) => requests.push(r.verb),
  });
});
afterAll(() => client?.close());

function cm(ns: string, name: string, labels: Record<string, string>, data: Record<string, string> = {}): ConfigMap {
  return { metadata: { name, namespace: ns, labels }, data };
}

describe('SharedInformer on a real apiserver', () => {
  test('syncs a paginated list, then delivers add, update and delete of matching objects only', async () => {
    const ns = await createTestNamespace(fixture.cp, 'informer');
    for (let i = 0; i < 7; i++)
      await client.create(kinds.ConfigMap, cm(ns, `pre-${i}`, { app: 'x', shard: `${i % 2}` }));
    await client.create(kinds.ConfigMap, cm(ns, 'other', { app: 'y' }));

    const factory = new SharedInformerFactory(client);
    const informer = factory.informerFor<ConfigMap>(kinds.ConfigMap, { namespace: ns, labelSelector: 'app=x' });
    informer.addIndex('shard', byLabel('shard'));
    const events: string[] = [];
    informer.addHandler((e: InformerEvent<ConfigMap>) => events.push(`${e.type} ${e.obj.metadata.name}`));
    factory.startAll();
    try {
      await factory.waitForCacheSync();
      expect(
        informer
          .list(ns)
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual(['pre-0', 'pre-1', 'pre-2', 'pre-3', 'pre-4', 'pre-5', 'pre-6'].sort());
      expect(informer.get(`${ns}/other`)).toBeUndefined();
      expect(informer.byIndex('shard', '0').length).toBe(4);

      events.length = 0;
      await client.create(kinds.ConfigMap, cm(ns, 'live', { app: 'x', shard: '1' }));
      await client.mergePatch(kinds.ConfigMap, 'live', ns, { metadata: { labels: { shard: '0' } } });
      await client.delete(kinds.ConfigMap, 'pre-0', ns);
      await client.create(kinds.ConfigMap, cm(ns, 'ignored', { app: 'y' }));
      await waitFor(async () => events.length >= 3, { timeoutMs: 10_000, what: 'three informer events' });
      expect(events).toEqual([`add live`, `update live`, `delete pre-0`]);
      expect(
        informer
          .byIndex('shard', '0')
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual(['live', 'pre-2', 'pre-4', 'pre-6']);
    } finally {
      await factory.stopAll();
    }
  }, 60_000);

  test('watch restarts forced by the apiserver lose no event and do not relist', async () => {
    const ns = await createTestNamespace(fixture.cp, 'rewatch');
    const factory = new SharedInformerFactory(client, { minWatchTimeoutSeconds: 1 });
    // The selector keeps out kube-root-ca.crt, which the controller-manager adds to every namespace.
    const informer = factory.informerFor<ConfigMap>(kinds.ConfigMap, { namespace: ns, labelSelector: 'batch=rewatch' });
    const seen = new Set<string>();
    informer.addHandler((e) => {
      if (e.type !== 'delete') seen.add(`${e.obj.metadata.name}=${e.obj.data?.v ?? ''}`);
    });
    factory.startAll();
    try {
      await factory.waitForCacheSync();
      const listsBefore = requests.filter((v) => v === 'list').length;
      const watchesBefore = requests.filter((v) => v === 'watch').length;
      // Writes spread over several server-side watch timeouts (1-2 s each).
      for (let i = 0; i < 12; i++) {
        await client.create(kinds.ConfigMap, cm(ns, `c${i}`, { batch: 'rewatch' }, { v: '1' }));
        await Bun.sleep(400);
      }
      await waitFor(async () => seen.size >= 12, { timeoutMs: 15_000, what: 'all twelve objects' });
      expect(informer.list(ns)).toHaveLength(12);
      expect(requests.filter((v) => v === 'watch').length - watchesBefore).toBeGreaterThan(1);
      expect(requests.filter((v) => v === 'list').length - listsBefore).toBe(0);
    } finally {
      await factory.stopAll();
    }
  }, 60_000);
});
