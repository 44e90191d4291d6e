// The informer's memory: objects by key plus secondary indexes (client-go's ThreadSafeStore + Indexer).
// Every write keeps the indexes exact, so `byIndex` is a map lookup, never a scan.
import { type KubeObject, keyOf } from '../kube/object.ts';
import type { IndexFunc, InformerEvent } from './informer.ts';

export class IndexedStore<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name -> index value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /** Built in: `list(namespace)` is the most common read. */
  private readonly byNamespace = new Map<string, Set<string>>();

  get size(): number {
    return this.items.size;
  }

  /**
   * Adds an index and fills it from the current content. Registering the same function under the same name
   * again is a no-op (shared informers get the same index from several controllers); another function under
   * a taken name is a programming error.
   */
  addIndex(name: string, fn: IndexFunc<T>): void {
    const existing = this.indexers.get(name);
    if (existing === fn) return;
    if (existing) throw new Error(`index "${name}" already exists with a different function`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) addToIndex(index, key, indexValues(fn, obj));
  }

  hasIndex(name: string): boolean {
    return this.indexers.has(name);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** All objects, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    return this.collect(this.byNamespace.get(namespace));
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return this.collect(index.get(value));
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    return old;
  }

  /** Removes; returns the removed object. */
  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /**
   * Makes the content equal to a fresh list and returns what changed, as events: `add` for new keys,
   * `update` for objects whose resourceVersion moved, `delete` for keys the list no longer has.
   */
  replace(items: T[]): InformerEvent<T>[] {
    const events: InformerEvent<T>[] = [];
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.items.get(key);
      if (!old) {
        this.upsert(obj);
        events.push({ type: 'add', obj });
      } else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.upsert(obj);
        events.push({ type: 'update', obj, old });
      }
    }
    for (const [key, old] of [...this.items]) {
      if (seen.has(key)) continue;
      this.remove(key);
      events.push({ type: 'delete', obj: old });
    }
    return events;
  }

  private collect(keys: Set<string> | undefined): T[] {
    const out: T[] = [];
    for (const key of keys ?? []) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  private index(key: string, obj: T): void {
    addToIndex(this.byNamespace, key, [obj.metadata.namespace ?? '']);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name);
      if (index) addToIndex(index, key, indexValues(fn, obj));
    }
  }

  private unindex(key: string, obj: T): void {
    removeFromIndex(this.byNamespace, key, [obj.metadata.namespace ?? '']);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name);
      if (index) removeFromIndex(index, key, indexValues(fn, obj));
    }
  }
}

function indexValues<T extends KubeObject>(fn: IndexFunc<T>, obj: T): string[] {
  return [...new Set(fn(obj))];
}

function addToIndex(index: Map<string, Set<string>>, key: string, values: string[]): void {
  for (const v of values) {
    let keys = index.get(v);
    if (!keys) {
      keys = new Set();
      index.set(v, keys);
    }
    keys.add(key);
  }
}

function removeFromIndex(index: Map<string, Set<string>>, key: string, values: string[]): void {
  for (const v of values) {
    const keys = index.get(v);
    if (!keys) continue;
    keys.delete(key);
    // Drop empty sets so that churn over many distinct values (UIDs) does not leak memory.
    if (keys.size === 0) index.delete(v);
  }
}
