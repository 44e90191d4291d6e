// The seam between the operator and the apiserver. Everything above this line talks to `KubeClient`;
// `rest-client.ts` implements it on @kubernetes/client-node, tests may implement it with fakes.
import type { KubeObject, ResourceKind } from './object.ts';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; the client follows `continue` tokens until the list is complete. */
  limit?: number;
}

export interface ListResult<T extends KubeObject> {
  items: T[];
  resourceVersion: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this UID / resourceVersion (409 Conflict otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

export interface ApplyOptions {
  /** Defaults to `tikv-operator`. */
  fieldManager?: string;
  /** Take ownership of conflicting fields (default true: the operator is the sole writer of what it applies). */
  force?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/**
 * `watch()` rejects when the stream cannot be opened (HTTP or transport error). Once open, events arrive in
 * order; an ERROR event carries the apiserver's Status (code 410: the resourceVersion is too old).
 */
export interface WatchHandle {
  /** Resolves when the stream ends: with undefined on a clean close, with the error otherwise. */
  done: Promise<unknown>;
  stop(): void;
}

export interface KubeClient {
  get<T extends KubeObject>(kind: ResourceKind, name: string, namespace?: string): Promise<T>;
  list<T extends KubeObject>(kind: ResourceKind, opts?: ListOptions): Promise<ListResult<T>>;
  create<T extends KubeObject>(kind: ResourceKind, obj: T): Promise<T>;
  /** PUT with the object's resourceVersion: 409 Conflict when it changed. */
  replace<T extends KubeObject>(kind: ResourceKind, obj: T): Promise<T>;
  delete(kind: ResourceKind, name: string, namespace?: string, opts?: DeleteOptions): Promise<void>;
  mergePatch<T extends KubeObject>(
    kind: ResourceKind,
    name: string,
    namespace: string | undefined,
    patch: unknown,
  ): Promise<T>;
  /** Server-side apply of the whole intent for the fields this manager owns. */
  apply<T extends KubeObject>(kind: ResourceKind, obj: T, opts?: ApplyOptions): Promise<T>;
  /** Merge-patch the status subresource: `status` is the (partial) new `.status`, sent as `{"status": status}`. */
  patchStatus<T extends KubeObject>(
    kind: ResourceKind,
    name: string,
    namespace: string | undefined,
    status: unknown,
  ): Promise<T>;
  /** Server-side apply to the status subresource. */
  applyStatus<T extends KubeObject>(kind: ResourceKind, obj: T, opts?: ApplyOptions): Promise<T>;
  watch(
    kind: ResourceKind,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject & Record<string, unknown>) => void,
  ): Promise<WatchHandle>;
}
