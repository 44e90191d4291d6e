// A controller turns events into keys and keys into reconciles: informer events pass through event mappers
// into a work queue, and N workers call the reconciler with one key at a time (never the same key on two
// workers, see queue.ts). Level-triggered: the reconciler gets a key, not the event, and reads the current
// state from caches. A controller reconciles only between `start` and the abort of its signal, and can be
// started again after it stopped (the manager does that when leadership comes back).
import type { EventHandler, Informer, InformerEvent } from '../cache/informer.ts';
import { type KubeObject, keyOf, type ResourceKind } from '../kube/object.ts';
import { type Logger, silentLogger } from '../observability/log.ts';
import { type Clock, realClock } from './clock.ts';
import { type QueueMetrics, WorkQueue } from './queue.ts';
import { type BackoffOptions, ExponentialBackoff } from './rate-limiter.ts';
import type { Reconciler } from './reconciler.ts';

/** Maps one informer event to the keys to reconcile; [] ignores the event. */
export type EventMapper<T extends KubeObject> = (event: InformerEvent<T>) => string[];

/** The object's own key: for the kind the controller is for. */
export function forSelf<T extends KubeObject>(): EventMapper<T> {
  return (event) => [keyOf(event.obj)];
}

/**
 * The key of the controlling owner (ownerReference with `controller: true`) of the given kind, in the
 * object's namespace. On update both the old and the new owner are reconciled, so an owner that lost the
 * object hears about it too (controller-runtime's EnqueueRequestForOwner does the same).
 */
export function forOwner<T extends KubeObject>(owner: Pick<ResourceKind, 'group' | 'kind'>): EventMapper<T> {
  const ownerOf = (obj: T): string[] => {
    const ref = obj.metadata.ownerReferences?.find(
      (r) => r.controller === true && r.kind === owner.kind && groupOf(r.apiVersion) === owner.group,
    );
    if (!ref) return [];
    return [keyOf({ metadata: { name: ref.name, namespace: obj.metadata.namespace } })];
  };
  return (event) =>
    unique(event.type === 'update' ? [...ownerOf(event.obj), ...ownerOf(event.old)] : ownerOf(event.obj));
}

/** Arbitrary keys computed from the object (and, on update, from the old object too). */
export function mapTo<T extends KubeObject>(fn: (obj: T) => string | readonly string[] | undefined): EventMapper<T> {
  const keys = (obj: T): readonly string[] => {
    const out = fn(obj);
    return out === undefined ? [] : typeof out === 'string' ? [out] : out;
  };
  return (event) => unique(event.type === 'update' ? [...keys(event.obj), ...keys(event.old)] : [...keys(event.obj)]);
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function unique(keys: string[]): string[] {
  return keys.length < 2 ? keys : [...new Set(keys)];
}

/** Per-reconcile hook for metrics (core/observability's `reconcileObserver(controller)` implements it). */
export interface ControllerObserver {
  /**
   * `success`: done, waiting for events; `requeue`: the reconciler asked to run again; `error`: it threw.
   */
  reconciled(result: 'success' | 'requeue' | 'error', durationSeconds: number): void;
}

export interface ControllerOptions {
  /** Names the controller in logs and metrics, for example `tikv`. */
  name: string;
  reconciler: Reconciler;
  /** Concurrent reconciles (of different keys). Default 1, as controller-runtime. */
  workers?: number;
  /** Backoff of failed keys; defaults to `defaultBackoff`. */
  backoff?: Partial<BackoffOptions>;
  clock?: Clock;
  logger?: Logger;
  observer?: ControllerObserver;
  /** Work queue metrics (core/observability's `queueObserver(name)`). */
  queueMetrics?: QueueMetrics;
}

/** Subscribes a queue to one watched informer; returns the unsubscribe. */
type Subscribe = (queue: WorkQueue) => () => void;

export class Controller {
  readonly name: string;
  private readonly reconciler: Reconciler;
  private readonly workers: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly opts: ControllerOptions;
  private readonly sources: Subscribe[] = [];
  /** The queue of the current run; undefined while stopped. */
  private queue: WorkQueue | undefined;

  constructor(opts: ControllerOptions) {
    const workers = opts.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new Error(`controller ${opts.name}: workers must be a positive integer, got ${workers}`);
    }
    this.name = opts.name;
    this.reconciler = opts.reconciler;
    this.workers = workers;
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? silentLogger()).child({ controller: opts.name });
    this.opts = opts;
  }

  /** Reconciles the keys `mapper` returns for each event of `informer`. Register before `start`. */
  watches<T extends KubeObject>(informer: Informer<T>, mapper: EventMapper<T>): this {
    this.sources.push((queue) => informer.addHandler(this.handlerFor(queue, mapper)));
    return this;
  }

  /**
   * Reconciles the keys a source other than an informer emits (data-plane changes pushed by plugins). The source
   * is subscribed when the controller starts and unsubscribed (the returned function) when it stops, so it runs
   * only while the controller does (controller-runtime's raw source). Register before `start`.
   */
  watchesSource(subscribe: (emit: (keys: readonly string[]) => void) => () => void): this {
    this.sources.push((queue) =>
      subscribe((keys) => {
        for (const key of keys) queue.add(key);
      }),
    );
    return this;
  }

  /** Queues `key` from a source other than an informer (data-plane changes pushed by plugins). Ignored while stopped. */
  enqueue(key: string): void {
    this.queue?.add(key);
  }

  isRunning(): boolean {
    return this.queue !== undefined;
  }

  /**
   * Subscribes to the informers (their cached objects are replayed, so every existing object is reconciled
   * once), runs the workers, and resolves after `signal` aborted and every in-flight reconcile finished.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.queue) throw new Error(`controller ${this.name} is already running`);
    if (signal.aborted) return;
    const queue = new WorkQueue({
      clock: this.clock,
      rateLimiter: new ExponentialBackoff(this.opts.backoff),
      metrics: this.opts.queueMetrics,
    });
    this.queue = queue;
    const unsubscribe = this.sources.map((subscribe) => subscribe(queue));
    this.logger.info('controller started', { workers: this.workers });
    const workers = Array.from({ length: this.workers }, () => this.work(queue, signal));
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    for (const stop of unsubscribe) stop();
    await queue.shutDownWithDrain();
    await Promise.all(workers);
    this.queue = undefined;
    this.logger.info('controller stopped');
  }

  private handlerFor<T extends KubeObject>(queue: WorkQueue, mapper: EventMapper<T>): EventHandler<T> {
    return (event) => {
      let keys: string[];
      try {
        keys = mapper(event);
      } catch (error) {
        // A broken mapper must not break the informer that calls every handler in turn.
        this.logger.error('event mapper failed', { event: event.type, object: keyOf(event.obj), error });
        return;
      }
      for (const key of keys) queue.add(key);
    };
  }

  private async work(queue: WorkQueue, signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileOne(queue, key, signal);
      } finally {
        queue.done(key);
      }
    }
  }

  private async reconcileOne(queue: WorkQueue, key: string, signal: AbortSignal): Promise<void> {
    const start = this.clock.now();
    const observe = (result: 'success' | 'requeue' | 'error') =>
      this.opts.observer?.reconciled(result, (this.clock.now() - start) / 1000);
    try {
      const { requeueAfterMs } = await this.reconciler.reconcile(key, signal);
      if (requeueAfterMs === undefined) {
        queue.forget(key);
        observe('success');
      } else if (requeueAfterMs > 0) {
        queue.forget(key);
        queue.addAfter(key, requeueAfterMs);
        observe('requeue');
      } else {
        queue.addRateLimited(key);
        observe('requeue');
      }
    } catch (error) {
      queue.addRateLimited(key);
      observe('error');
      if (signal.aborted) this.logger.debug('reconcile ended by shutdown', { key, error });
      else this.logger.error('reconcile failed', { key, error, retries: queue.numRequeues(key) });
    }
  }
}
