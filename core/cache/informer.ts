// The read side of the runtime: one shared, indexed, in-memory view per resource kind, kept current by
// list+watch. Controllers read from informers, never from the apiserver, and react to their events.
import type { KubeObject, ResourceKind } from '../kube/object.ts';

export type InformerEvent<T extends KubeObject> =
  | { type: 'add'; obj: T }
  | { type: 'update'; obj: T; old: T }
  | { type: 'delete'; obj: T };

export type EventHandler<T extends KubeObject> = (event: InformerEvent<T>) => void;

/** Maps an object to the index values it is found under (for example its `spec.cluster.name`). */
export type IndexFunc<T extends KubeObject> = (obj: T) => string[];

export interface Informer<T extends KubeObject = KubeObject> {
  readonly kind: ResourceKind;
  /** Registers a handler; objects already in the cache are replayed to it as `add`. Returns an unsubscribe. */
  addHandler(handler: EventHandler<T>): () => void;
  /** Adds an index; allowed at any time (SharedInformer builds it from the current content). */
  addIndex(name: string, fn: IndexFunc<T>): void;
  /** True once the first complete list has been loaded. */
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<void>;
  /** By cache key (`namespace/name` or `name`). */
  get(key: string): T | undefined;
  list(namespace?: string): T[];
  byIndex(indexName: string, value: string): T[];
  start(): void;
  stop(): Promise<void>;
}
