import { describe, expect, test } from 'bun:test';
import { KubeApiError } from '../kube/errors.ts';
import { type KubeObject, kinds, type ObjectMeta } from '../kube/object.ts';
import { FakeClock } from '../runtime/clock.ts';
import { byLabel, byOwnerUid } from './index-funcs.ts';
import type { InformerEvent } from './informer.ts';
import { type InformerOptions, SharedInformer } from './shared-informer.ts';
import { ScriptedKubeClient } from './testing/scripted-client.ts';

function pod(name: string, rv: string, meta: Partial<ObjectMeta> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'tikv', resourceVersion: rv, ...meta } };
}

const describeEvent = (e: InformerEvent<KubeObject>) =>
  e.type === 'update'
    ? `update ${e.obj.metadata.name}@${e.old.metadata.resourceVersion}->${e.obj.metadata.resourceVersion}`
    : `${e.type} ${e.obj.metadata.name}@${e.obj.metadata.resourceVersion}`;

interface Setup {
  client: ScriptedKubeClient;
  clock: FakeClock;
  informer: SharedInformer;
  events: string[];
  counters: { relisted: number; watchRestarted: number; events: number };
}

/** An informer over a scripted client whose first LIST returns `items` at resourceVersion `rv`, started. */
async function started(items: KubeObject[], rv: string, opts: InformerOptions = {}): Promise<Setup> {
  const client = new ScriptedKubeClient();
  const clock = new FakeClock();
  const counters = { relisted: 0, watchRestarted: 0, events: 0 };
  client.answerList({ items, resourceVersion: rv });
  const informer = new SharedInformer(client, kinds.Pod, {
    clock,
    random: () => 0.5,
    metrics: {
      relisted: () => counters.relisted++,
      watchRestarted: () => counters.watchRestarted++,
      event: () => counters.events++,
    },
    ...opts,
  });
  const events: string[] = [];
  informer.addHandler((e) => events.push(describeEvent(e)));
  informer.start();
  await informer.waitForSync();
  await client.waitForWatchCalls(1);
  return { client, clock, informer, events, counters };
}

describe('list then watch', () => {
  test('lists, then watches from the list resourceVersion with bookmarks, and delivers add, update, delete', async () => {
    const { client, informer, events } = await started([pod('a', '10'), pod('b', '11')], '20');
    expect(events).toEqual(['add a@10', 'add b@11']);
    const watchOpts = client.lastWatch.options;
    expect(watchOpts.resourceVersion).toBe('20');
    expect(watchOpts.allowWatchBookmarks).toBe(true);
    // client-go's spread: [min, 2 * min) with min 300 s; random() = 0.5 here.
    expect(watchOpts.timeoutSeconds).toBe(450);

    client.lastWatch.emit('ADDED', pod('c', '21'));
    client.lastWatch.emit('MODIFIED', pod('a', '22'));
    client.lastWatch.emit('DELETED', pod('b', '23'));
    expect(events.slice(2)).toEqual(['add c@21', 'update a@10->22', 'delete b@23']);
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(informer.get('tikv/a')?.metadata.resourceVersion).toBe('22');
    expect(informer.get('tikv/b')).toBeUndefined();
    expect(informer.resourceVersion).toBe('23');
    await informer.stop();
  });

  test('the list asks for pages and both list and watch carry the namespace and selectors', async () => {
    const scope = { namespace: 'tikv', labelSelector: 'tikv.org/cluster=basic', fieldSelector: 'status.phase=Running' };
    const { client, informer } = await started([], '5', { ...scope, pageSize: 2 });
    expect(client.listCalls[0]?.opts).toEqual({ ...scope, limit: 2 });
    expect(client.lastWatch.options).toMatchObject(scope);
    await informer.stop();
  });

  test('the default page size is 500', async () => {
    const { client, informer } = await started([], '5');
    expect(client.listCalls[0]?.opts.limit).toBe(500);
    await informer.stop();
  });

  test('a bookmark advances the resourceVersion the next watch resumes from, without events or relist', async () => {
    const { client, informer, events } = await started([pod('a', '10')], '20');
    client.lastWatch.bookmark('57');
    expect(informer.resourceVersion).toBe('57');
    client.lastWatch.close();
    await client.waitForWatchCalls(2);
    expect(client.lastWatch.options.resourceVersion).toBe('57');
    expect(events).toEqual(['add a@10']);
    expect(client.listCalls).toHaveLength(1);
    await informer.stop();
  });
});

describe('410 Gone', () => {
  test('an ERROR event with code 410 relists and turns the difference into update, add and delete', async () => {
    const { client, clock, informer, events, counters } = await started([pod('a', '10'), pod('b', '11')], '20');
    client.answerList({ items: [pod('a', '30'), pod('c', '31'), pod('b', '11')], resourceVersion: '40' });
    client.answerList({ items: [pod('a', '30'), pod('c', '31')], resourceVersion: '41' });
    client.lastWatch.error(410, 'Expired', 'too old resource version: 20 (35)');
    await client.waitForWatchCalls(2);
    expect(client.listCalls).toHaveLength(2);
    expect(events.slice(2)).toEqual(['update a@10->30', 'add c@31']);
    expect(client.lastWatch.options.resourceVersion).toBe('40');

    client.lastWatch.error(410, 'Gone', 'gone');
    await client.waitForWatchCalls(3);
    expect(events.slice(4)).toEqual(['delete b@11']);
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(counters.relisted).toBe(3);
    expect(clock.pendingTimers()).toBe(0);
    await informer.stop();
  });

  test('an HTTP 410 when the watch starts relists as well', async () => {
    const { client, informer } = await started([pod('a', '10')], '20');
    client.rejectNextWatch(new KubeApiError({ code: 410, reason: 'Expired', message: 'too old' }));
    client.answerList({ items: [pod('a', '10')], resourceVersion: '90' });
    client.lastWatch.bookmark('25');
    client.lastWatch.close();
    await client.waitForWatchCalls(3);
    expect(client.listCalls).toHaveLength(2);
    expect(client.lastWatch.options.resourceVersion).toBe('90');
    await informer.stop();
  });
});

describe('restarts', () => {
  test('a broken watch restarts from the same resourceVersion after a backoff, without relisting', async () => {
    const { client, clock, informer, counters } = await started([pod('a', '10')], '20');
    client.lastWatch.emit('MODIFIED', pod('a', '21'));
    client.lastWatch.fail(new Error('connection reset'));
    await clock.advance(499);
    expect(client.watchCalls).toHaveLength(1);
    await clock.advance(1);
    expect(client.watchCalls).toHaveLength(2);
    expect(client.lastWatch.options.resourceVersion).toBe('21');
    expect(client.listCalls).toHaveLength(1);
    expect(counters.watchRestarted).toBe(1);
    await informer.stop();
  });

  test('repeated failures double the delay up to the cap', async () => {
    const { client, clock, informer } = await started([], '20', { backoff: { initialMs: 500, maxMs: 1500 } });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      client.rejectNextWatch(new Error('connection refused'));
      const before = client.watchCalls.length;
      if (i === 0) client.lastWatch.fail(new Error('reset'));
      let waited = 0;
      while (client.watchCalls.length === before) {
        await clock.advance(100);
        waited += 100;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([500, 1000, 1500, 1500]);
    expect(client.listCalls).toHaveLength(1);
    await informer.stop();
  });

  test('after a healthy stretch the backoff starts from the initial delay again', async () => {
    const { client, clock, informer } = await started([], '20');
    client.rejectNextWatch(new Error('refused'));
    client.lastWatch.fail(new Error('reset'));
    await clock.advance(500); // 1st failure: 500 ms; this attempt is rejected
    await clock.advance(1000); // 2nd failure: 1000 ms; a stream opens
    expect(client.watchCalls).toHaveLength(3);
    await clock.advance(60_000);
    client.lastWatch.fail(new Error('reset'));
    await clock.advance(499);
    expect(client.watchCalls).toHaveLength(3);
    await clock.advance(1);
    expect(client.watchCalls).toHaveLength(4);
    await informer.stop();
  });

  test('a stream that ends cleanly after delivering events is watched again at once', async () => {
    const { client, informer } = await started([], '20');
    client.lastWatch.emit('ADDED', pod('x', '21'));
    client.lastWatch.close();
    await client.waitForWatchCalls(2);
    expect(client.lastWatch.options.resourceVersion).toBe('21');
    await informer.stop();
  });

  test('a stream that closes at once without events counts as a failure and is backed off', async () => {
    const { client, clock, informer } = await started([], '20');
    client.lastWatch.close();
    await clock.advance(499);
    expect(client.watchCalls).toHaveLength(1);
    await clock.advance(1);
    expect(client.watchCalls).toHaveLength(2);
    await informer.stop();
  });

  test('an ERROR event other than 410 restarts the watch from the same resourceVersion', async () => {
    const { client, clock, informer } = await started([pod('a', '10')], '20');
    client.lastWatch.error(500, 'InternalError', 'etcdserver: leader changed');
    await clock.advance(500);
    expect(client.watchCalls).toHaveLength(2);
    expect(client.lastWatch.options.resourceVersion).toBe('20');
    expect(client.listCalls).toHaveLength(1);
    await informer.stop();
  });

  test('a failed first list is retried with backoff and waitForSync resolves after it succeeds', async () => {
    const client = new ScriptedKubeClient();
    const clock = new FakeClock();
    client.answerList(new KubeApiError({ code: 503, reason: 'ServiceUnavailable', message: 'unavailable' }));
    client.answerList({ items: [pod('a', '1')], resourceVersion: '2' });
    const informer = new SharedInformer(client, kinds.Pod, { clock, random: () => 0.5 });
    let synced = false;
    const sync = informer.waitForSync().then(() => {
      synced = true;
    });
    informer.start();
    await clock.advance(499);
    expect(synced).toBe(false);
    expect(informer.hasSynced()).toBe(false);
    await clock.advance(1);
    await sync;
    expect(informer.get('tikv/a')).toBeDefined();
    expect(client.listCalls).toHaveLength(2);
    await informer.stop();
  });
});

describe('indexes', () => {
  test('index entries follow updates and deletes', async () => {
    const owner = (uid: string) => [{ apiVersion: 'v1', kind: 'X', name: uid, uid }];
    const { client, informer } = await started(
      [pod('a', '10', { labels: { 'tikv.org/cluster': 'one' }, ownerReferences: owner('u1') })],
      '20',
    );
    informer.addIndex('cluster', byLabel('tikv.org/cluster'));
    informer.addIndex('owner', byOwnerUid);
    const names = (idx: string, v: string) => informer.byIndex(idx, v).map((o) => o.metadata.name);
    expect(names('cluster', 'one')).toEqual(['a']);

    client.lastWatch.emit(
      'ADDED',
      pod('b', '21', { labels: { 'tikv.org/cluster': 'one' }, ownerReferences: owner('u2') }),
    );
    client.lastWatch.emit(
      'MODIFIED',
      pod('a', '22', { labels: { 'tikv.org/cluster': 'two' }, ownerReferences: owner('u1') }),
    );
    expect(names('cluster', 'one')).toEqual(['b']);
    expect(names('cluster', 'two')).toEqual(['a']);
    client.lastWatch.emit(
      'DELETED',
      pod('b', '23', { labels: { 'tikv.org/cluster': 'one' }, ownerReferences: owner('u2') }),
    );
    expect(names('cluster', 'one')).toEqual([]);
    expect(names('owner', 'u2')).toEqual([]);
    expect(names('owner', 'u1')).toEqual(['a']);
    await informer.stop();
  });
});

describe('handlers', () => {
  test('a handler added after sync first gets every cached object as add, then live events', async () => {
    const { client, informer } = await started([pod('a', '10'), pod('b', '11')], '20');
    const late: string[] = [];
    const unsubscribe = informer.addHandler((e) => late.push(describeEvent(e)));
    expect(late.sort()).toEqual(['add a@10', 'add b@11']);
    client.lastWatch.emit('MODIFIED', pod('a', '21'));
    expect(late.at(-1)).toBe('update a@10->21');
    unsubscribe();
    client.lastWatch.emit('DELETED', pod('a', '22'));
    expect(late).toHaveLength(3);
    await informer.stop();
  });

  test('a handler that throws does not keep other handlers or the cache from the event', async () => {
    const { client, informer, events } = await started([], '20');
    informer.addHandler(() => {
      throw new Error('bug in a controller');
    });
    client.lastWatch.emit('ADDED', pod('a', '21'));
    expect(events).toEqual(['add a@21']);
    expect(informer.get('tikv/a')).toBeDefined();
    await informer.stop();
  });

  test('resync re-delivers every cached object as update with old === obj, once per period', async () => {
    const { clock, informer } = await started([pod('a', '10'), pod('b', '11')], '20', { resyncPeriodMs: 600_000 });
    const resynced: InformerEvent<KubeObject>[] = [];
    informer.addHandler((e) => {
      if (e.type === 'update') resynced.push(e);
    });
    await clock.advance(599_999);
    expect(resynced).toHaveLength(0);
    await clock.advance(1);
    expect(resynced.map((e) => e.obj.metadata.name).sort()).toEqual(['a', 'b']);
    expect(resynced.every((e) => e.type === 'update' && e.old === e.obj)).toBe(true);
    await clock.advance(600_000);
    expect(resynced).toHaveLength(4);
    await informer.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  test('resync is off by default', async () => {
    const { clock, informer, events } = await started([pod('a', '10')], '20');
    await clock.advance(24 * 3600_000);
    expect(events).toEqual(['add a@10']);
    await informer.stop();
  });
});

describe('lifecycle', () => {
  test('stop ends the open watch, cancels timers and the informer cannot start again', async () => {
    const { client, clock, informer } = await started([pod('a', '10')], '20', { resyncPeriodMs: 1000 });
    await informer.stop();
    expect(client.lastWatch.stoppedByClient).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
    expect(informer.get('tikv/a')).toBeDefined();
    expect(() => informer.start()).toThrow('cannot restart');
  });

  test('stop during a backoff wait ends the loop without another request', async () => {
    const { client, clock, informer } = await started([], '20');
    client.lastWatch.fail(new Error('reset'));
    await clock.flush();
    await informer.stop();
    await clock.advance(60_000);
    expect(client.watchCalls).toHaveLength(1);
  });

  test('waitForSync rejects when its signal aborts before the first list completes', async () => {
    const client = new ScriptedKubeClient();
    const informer = new SharedInformer(client, kinds.Pod, { clock: new FakeClock() });
    const ac = new AbortController();
    const wait = informer.waitForSync(ac.signal);
    ac.abort(new Error('shutting down'));
    await expect(wait).rejects.toThrow('shutting down');
  });
});
