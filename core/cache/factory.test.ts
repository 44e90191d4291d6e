import { describe, expect, test } from 'bun:test';
import { type KubeObject, kinds } from '../kube/object.ts';
import { FakeClock } from '../runtime/clock.ts';
import { SharedInformerFactory } from './factory.ts';
import { ScriptedKubeClient } from './testing/scripted-client.ts';

const emptyList = (rv: string) => ({ items: [] as KubeObject[], resourceVersion: rv });

describe('SharedInformerFactory', () => {
  test('one informer per kind, namespace and selector', () => {
    const factory = new SharedInformerFactory(new ScriptedKubeClient(), { clock: new FakeClock() });
    const a = factory.informerFor(kinds.Pod, { namespace: 'tikv', labelSelector: 'tikv.org/managed-by=tikv-operator' });
    const b = factory.informerFor(kinds.Pod, { labelSelector: 'tikv.org/managed-by=tikv-operator', namespace: 'tikv' });
    expect(a).toBe(b);
    expect(factory.informerFor(kinds.Pod, { namespace: 'other' })).not.toBe(a);
    expect(factory.informerFor(kinds.Pod, { namespace: 'tikv' })).not.toBe(a);
    expect(factory.informerFor(kinds.ConfigMap, { namespace: 'tikv' })).not.toBe(
      factory.informerFor(kinds.Pod, { namespace: 'tikv' }),
    );
    expect(factory.informerFor(kinds.Pod)).toBe(factory.informerFor(kinds.Pod, {}));
  });

  test('startAll starts every informer, later ones start at once, waitForCacheSync waits for all, stopAll stops', async () => {
    const client = new ScriptedKubeClient();
    const relisted: string[] = [];
    const factory = new SharedInformerFactory(client, {
      clock: new FakeClock(),
      metricsFor: (kind) => ({ relisted: () => relisted.push(kind.kind) }),
    });
    client.answerList(emptyList('1'));
    client.answerList(emptyList('2'));
    const pods = factory.informerFor(kinds.Pod);
    factory.startAll();
    await pods.waitForSync();
    const cms = factory.informerFor(kinds.ConfigMap);
    await factory.waitForCacheSync();
    expect(cms.hasSynced()).toBe(true);
    expect(client.listCalls.map((c) => c.kind.kind)).toEqual(['Pod', 'ConfigMap']);
    expect(relisted).toEqual(['Pod', 'ConfigMap']);
    await client.waitForWatchCalls(2);
    await factory.stopAll();
    expect(client.watches.every((w) => !w.isOpen)).toBe(true);
  });

  test('informers are not started before startAll', async () => {
    const client = new ScriptedKubeClient();
    const factory = new SharedInformerFactory(client, { clock: new FakeClock() });
    factory.informerFor(kinds.Pod);
    await Promise.resolve();
    expect(client.listCalls).toHaveLength(0);
  });
});
