import { describe, expect, test } from 'bun:test';
import type { KubeObject, ObjectMeta } from '../kube/object.ts';
import { byLabel } from './index-funcs.ts';
import { IndexedStore } from './store.ts';

function obj(name: string, rv: string, meta: Partial<ObjectMeta> = {}): KubeObject {
  return { metadata: { name, namespace: 'ns', resourceVersion: rv, ...meta } };
}

describe('IndexedStore', () => {
  test('replace reports add for new keys, update only for a changed resourceVersion, delete for vanished keys', () => {
    const store = new IndexedStore<KubeObject>();
    store.upsert(obj('same', '1'));
    store.upsert(obj('changed', '2'));
    store.upsert(obj('gone', '3'));
    const events = store.replace([obj('same', '1'), obj('changed', '5'), obj('new', '6')]);
    expect(events.map((e) => `${e.type} ${e.obj.metadata.name}`)).toEqual(['update changed', 'add new', 'delete gone']);
    const update = events[0];
    expect(update?.type === 'update' && update.old.metadata.resourceVersion).toBe('2');
    expect(store.size).toBe(3);
    expect(store.get('ns/gone')).toBeUndefined();
  });

  test('list by namespace uses the namespace, cluster-scoped objects sit under the empty namespace', () => {
    const store = new IndexedStore<KubeObject>();
    store.upsert(obj('a', '1', { namespace: 'x' }));
    store.upsert(obj('b', '1', { namespace: 'y' }));
    store.upsert({ metadata: { name: 'node-1', resourceVersion: '1' } });
    expect(store.list('x').map((o) => o.metadata.name)).toEqual(['a']);
    expect(store.list('').map((o) => o.metadata.name)).toEqual(['node-1']);
    expect(store.list()).toHaveLength(3);
    expect(store.get('node-1')).toBeDefined();
    store.remove('x/a');
    expect(store.list('x')).toEqual([]);
  });

  test('an index added late covers existing objects and stays exact through updates and removal', () => {
    const store = new IndexedStore<KubeObject>();
    store.upsert(obj('a', '1', { labels: { team: 'red' } }));
    store.addIndex('team', byLabel('team'));
    expect(store.byIndex('team', 'red').map((o) => o.metadata.name)).toEqual(['a']);
    store.upsert(obj('a', '2', { labels: { team: 'blue' } }));
    expect(store.byIndex('team', 'red')).toEqual([]);
    expect(store.byIndex('team', 'blue')).toHaveLength(1);
    store.remove('ns/a');
    expect(store.byIndex('team', 'blue')).toEqual([]);
  });

  test('an index function returning a value twice indexes the object once', () => {
    const store = new IndexedStore<KubeObject>();
    store.addIndex('dup', () => ['v', 'v']);
    store.upsert(obj('a', '1'));
    expect(store.byIndex('dup', 'v')).toHaveLength(1);
  });

  test('re-adding the same index function is a no-op; another function under the same name is refused', () => {
    const store = new IndexedStore<KubeObject>();
    store.addIndex('team', byLabel('team'));
    store.addIndex('team', byLabel('team'));
    expect(() => store.addIndex('team', byLabel('other'))).toThrow('index "team" already exists');
    expect(() => store.byIndex('nope', 'x')).toThrow('index "nope" does not exist');
  });
});
