// An in-memory Informer for unit tests of controllers and the manager: tests put and remove objects and the
// informer emits the events a real one would, synchronously.
import type { EventHandler, IndexFunc, Informer } from '../../cache/informer.ts';
import { type KubeObject, keyOf, type ResourceKind } from '../../kube/object.ts';

export class FakeInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly objects = new Map<string, T>();
  started = false;
  stopped = false;
  private synced: boolean;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly indexes = new Map<string, IndexFunc<T>>();
  private syncWaiters: (() => void)[] = [];

  /** `synced: false` keeps `waitForSync` pending until `markSynced()`. */
  constructor(
    readonly kind: ResourceKind,
    opts: { synced?: boolean } = {},
  ) {
    this.synced = opts.synced ?? true;
  }

  handlerCount(): number {
    return this.handlers.size;
  }

  addHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    for (const obj of this.objects.values()) handler({ type: 'add', obj });
    return () => this.handlers.delete(handler);
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    this.indexes.set(name, fn);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  markSynced(): void {
    this.synced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(namespace?: string): T[] {
    return [...this.objects.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace);
  }

  byIndex(indexName: string, value: string): T[] {
    const fn = this.indexes.get(indexName);
    if (!fn) throw new Error(`no index ${indexName}`);
    return [...this.objects.values()].filter((o) => fn(o).includes(value));
  }

  start(): void {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  /** Adds or replaces the object and emits add or update. */
  put(obj: T): void {
    const key = keyOf(obj);
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    for (const h of [...this.handlers]) h(old ? { type: 'update', obj, old } : { type: 'add', obj });
  }

  /** Removes the object and emits delete. */
  remove(key: string): void {
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    for (const h of [...this.handlers]) h({ type: 'delete', obj });
  }
}
