// One resource kind (in one namespace / selector scope) mirrored in memory: a reflector keeps an indexed
// store current with list+watch, and every change goes to the registered handlers.
//
// Protocol (client-go's reflector, with its lessons):
//   - LIST (paginated by the client), then WATCH from the list's resourceVersion with bookmarks on;
//   - every event, BOOKMARK included, advances the resourceVersion the next watch resumes from;
//   - 410 Gone (HTTP 410 or an ERROR event with code 410): the resourceVersion left etcd's history, so LIST
//     again and turn the difference into add/update/delete events;
//   - any other failure, or a stream that ends: WATCH again from the same resourceVersion (no relist), at once
//     after a healthy stream, otherwise after an exponential, jittered backoff;
//   - optional resync re-delivers every cached object as `update` with old === obj, so controllers get a
//     periodic level-triggered pass without an API request. Off by default: the controllers here requeue
//     themselves when they wait on something, so resync would only add work. Enable with resyncPeriodMs.

import type { KubeClient, WatchEventType, WatchHandle } from '../kube/client.ts';
import { isGone, kubeApiErrorFromStatus } from '../kube/errors.ts';
import { type KubeObject, keyOf, type ResourceKind } from '../kube/object.ts';
import type { Logger } from '../observability/log.ts';
import { type Clock, realClock, sleep } from '../runtime/clock.ts';
import { ReconnectBackoff, type ReconnectBackoffOptions } from './backoff.ts';
import type { EventHandler, IndexFunc, Informer, InformerEvent } from './informer.ts';
import { IndexedStore } from './store.ts';

/** Structurally the InformerObserver of core/observability/metrics.ts. */
export interface InformerMetrics {
  event?(type: InformerEvent<KubeObject>['type']): void;
  relisted?(): void;
  watchRestarted?(): void;
}

export interface InformerScope {
  /** Only this namespace; all namespaces when unset. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface InformerOptions extends InformerScope {
  clock?: Clock;
  /** Page size of the LIST. Default 500. */
  pageSize?: number;
  /** Re-deliver all cached objects as `update` this often; 0 (default) turns resync off. */
  resyncPeriodMs?: number;
  backoff?: Partial<ReconnectBackoffOptions>;
  /**
   * Server-side watch timeout, drawn per watch from [min, 2 * min) like client-go, so that watches of many
   * informers do not all end at once. Default min 300 s.
   */
  minWatchTimeoutSeconds?: number;
  /** Source of randomness for jitter (tests pass a constant). */
  random?: () => number;
  metrics?: InformerMetrics;
  log?: Logger;
}

type WatchOutcome =
  | { kind: 'stopped' }
  | { kind: 'gone' }
  | { kind: 'closed'; healthy: boolean }
  | { kind: 'failed'; error: unknown };

/** A watch that ends this fast without a single event counts as a failure (client-go's "very short watch"). */
const SHORT_WATCH_MS = 1000;

export class SharedInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  private readonly store = new IndexedStore<T>();
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly clock: Clock;
  private readonly backoff: ReconnectBackoff;
  private readonly random: () => number;
  private readonly abort = new AbortController();
  private rv = '';
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private started = false;
  private loop: Promise<void> | undefined;
  private watch: WatchHandle | undefined;
  private cancelResync: (() => void) | undefined;

  constructor(
    private readonly client: KubeClient,
    readonly kind: ResourceKind,
    private readonly opts: InformerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.backoff = new ReconnectBackoff(opts.backoff, this.random);
  }

  /** The resourceVersion the next watch would start from ('' before the first list). */
  get resourceVersion(): string {
    return this.rv;
  }

  addHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    for (const obj of this.store.list()) this.call(handler, { type: 'add', obj });
    return () => {
      this.handlers.delete(handler);
    };
  }

  /** May be called at any time (the index is built from the current content). */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.store.addIndex(name, fn);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== done);
        reject(abortReason(signal));
      };
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.syncWaiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }

  byIndex(indexName: string, value: string): T[] {
    return this.store.byIndex(indexName, value);
  }

  /** Starts the reflector; calling it again while running does nothing. An informer cannot restart after stop. */
  start(): void {
    if (this.abort.signal.aborted) throw new Error(`informer for ${this.kind.kind} was stopped and cannot restart`);
    if (this.started) return;
    this.started = true;
    this.loop = this.run();
  }

  /** Ends the watch and all timers; resolves when the reflector has finished. The cache stays readable. */
  async stop(): Promise<void> {
    if (this.abort.signal.aborted) return this.loop;
    this.abort.abort();
    this.watch?.stop();
    this.cancelResync?.();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      if (needList) {
        const listed = await this.listAndReplace();
        if (this.stopped) return;
        if (!listed) {
          await this.waitBeforeRetry();
          continue;
        }
        needList = false;
      }
      const outcome = await this.watchOnce();
      if (outcome.kind === 'stopped' || this.stopped) return;
      this.opts.metrics?.watchRestarted?.();
      if (outcome.kind === 'gone') {
        this.opts.log?.info('resourceVersion expired, relisting', { kind: this.kind.kind, resourceVersion: this.rv });
        needList = true;
        continue;
      }
      if (outcome.kind === 'closed' && outcome.healthy) continue;
      const error = outcome.kind === 'failed' ? outcome.error : 'watch ended at once without events';
      this.opts.log?.warn('watch failed, restarting', { kind: this.kind.kind, error: String(error) });
      await this.waitBeforeRetry();
    }
  }

  private async listAndReplace(): Promise<boolean> {
    let result: Awaited<ReturnType<KubeClient['list']>>;
    try {
      result = await untilAborted(
        this.client.list<T>(this.kind, {
          namespace: this.opts.namespace,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          limit: this.opts.pageSize ?? 500,
        }),
        this.abort.signal,
      );
    } catch (error) {
      if (!this.stopped) this.opts.log?.warn('list failed', { kind: this.kind.kind, error: String(error) });
      return false;
    }
    if (this.stopped) return false;
    this.backoff.connected(this.clock.now());
    const events = this.store.replace(result.items as T[]);
    this.rv = result.resourceVersion;
    this.opts.metrics?.relisted?.();
    for (const event of events) this.dispatch(event);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters) w();
      this.syncWaiters = [];
      this.scheduleResync();
    }
    return true;
  }

  private async watchOnce(): Promise<WatchOutcome> {
    const startedAt = this.clock.now();
    let events = 0;
    let gone = false;
    let eventError: unknown;
    let ended = false;
    const min = this.opts.minWatchTimeoutSeconds ?? 300;
    let handle: WatchHandle;
    try {
      handle = await this.client.watch(
        this.kind,
        {
          namespace: this.opts.namespace,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          resourceVersion: this.rv,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.floor(min * (1 + this.random())),
        },
        (type, obj) => {
          if (ended || this.stopped) return;
          events++;
          if (type === 'ERROR') {
            const err = kubeApiErrorFromStatus(obj);
            if (isGone(err)) gone = true;
            else eventError = err;
            ended = true;
            this.watch?.stop();
            return;
          }
          this.apply(type, obj as unknown as T);
        },
      );
    } catch (error) {
      if (this.stopped) return { kind: 'stopped' };
      return isGone(error) ? { kind: 'gone' } : { kind: 'failed', error };
    }
    this.watch = handle;
    // An ERROR event (or stop) may have come in before the handle was known.
    if (ended || this.stopped) handle.stop();
    else this.backoff.connected(this.clock.now());
    const result = await handle.done;
    this.watch = undefined;
    if (this.stopped) return { kind: 'stopped' };
    if (gone) return { kind: 'gone' };
    if (eventError !== undefined) return { kind: 'failed', error: eventError };
    if (result !== undefined) return { kind: 'failed', error: result };
    return { kind: 'closed', healthy: events > 0 || this.clock.now() - startedAt >= SHORT_WATCH_MS };
  }

  private apply(type: Exclude<WatchEventType, 'ERROR'>, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      return;
    }
    if (type === 'DELETED') {
      this.store.remove(keyOf(obj));
      if (rv) this.rv = rv;
      this.dispatch({ type: 'delete', obj });
      return;
    }
    const old = this.store.upsert(obj);
    if (rv) this.rv = rv;
    this.dispatch(old ? { type: 'update', obj, old } : { type: 'add', obj });
  }

  private async waitBeforeRetry(): Promise<void> {
    const delay = this.backoff.failed(this.clock.now());
    await sleep(this.clock, delay, this.abort.signal);
  }

  private scheduleResync(): void {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period <= 0 || this.stopped) return;
    this.cancelResync = this.clock.after(period, () => {
      for (const obj of this.store.list()) this.dispatch({ type: 'update', obj, old: obj });
      this.scheduleResync();
    });
  }

  private dispatch(event: InformerEvent<T>): void {
    this.opts.metrics?.event?.(event.type);
    // A snapshot: a handler added during dispatch already got this state through its replay.
    for (const handler of [...this.handlers]) this.call(handler, event);
  }

  private call(handler: EventHandler<T>, event: InformerEvent<T>): void {
    try {
      handler(event);
    } catch (error) {
      // One failing handler must neither stop the reflector nor starve the other handlers.
      this.opts.log?.error('informer handler threw', { kind: this.kind.kind, error: String(error) });
    }
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new Error('aborted');
}

/** Rejects as soon as `signal` aborts, so that stop() need not wait for a slow LIST to finish. */
function untilAborted<V>(promise: Promise<V>, signal: AbortSignal): Promise<V> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
